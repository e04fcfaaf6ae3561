"""APPEND Object: creation, chaining, position errors, atomicity, concurrency, restarts."""

import base64
import hashlib
import os
import socket
import threading
import time

import pytest

from qcloud_cos.emulator import CosEmulator, _crc64

from ._cos_http import CosHttp, sign
from ._mp import multipart

BUCKET = "examplebucket-1250000000"


def append(c, key, data, position, headers=None):
    return c.request("POST", key, data, headers, params={"append": "", "position": str(position)})


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def test_create_and_chain(cos, cos_emulator):
    first_headers = {
        "Content-Type": "text/plain",
        "Cache-Control": "no-cache",
        "x-cos-meta-step": "first",
        "x-cos-acl": "private",
    }
    r = append(cos, "log.txt", b"hello", 0, first_headers)
    assert r.status == 200, r
    assert r.body == b""
    assert r.headers["x-cos-next-append-position"] == "5"
    assert r.headers["etag"] == '"%s"' % hashlib.md5(b"hello").hexdigest()
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(b"hello"))
    assert r.headers["x-cos-content-sha1"] == hashlib.md5(b"hello").hexdigest()
    assert cos_emulator.requests[-1]["op"] == "AppendObject"

    data = b"hello"
    for chunk in (b" world", b"", os.urandom(70_000), b"!"):
        r = append(cos, "log.txt", chunk, len(data), {"Content-Type": "image/png", "x-cos-meta-step": "later"})
        assert r.status == 200, r
        data += chunk
        assert r.headers["x-cos-next-append-position"] == str(len(data))
        assert r.headers["etag"] == '"%s"' % hashlib.md5(data).hexdigest()  # MD5 of the whole object
        assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))  # CRC of the whole object
        assert r.headers["x-cos-content-sha1"] == hashlib.md5(chunk).hexdigest()  # MD5 of this chunk

    g = cos.request("GET", "log.txt")
    assert g.status == 200 and g.body == data
    assert g.headers["x-cos-object-type"] == "appendable"
    assert g.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
    h = cos.request("HEAD", "log.txt")
    assert h.headers["x-cos-object-type"] == "appendable"
    assert h.headers["content-length"] == str(len(data))
    assert h.headers["etag"] == '"%s"' % hashlib.md5(data).hexdigest()
    # the first request's headers stay
    assert h.headers["content-type"] == "text/plain"
    assert h.headers["cache-control"] == "no-cache"
    assert h.headers["x-cos-meta-step"] == "first"
    g = cos.request("GET", "log.txt", headers={"Range": "bytes=3-7"})
    assert g.status == 206 and g.body == data[3:8]


def test_storage_class_is_ignored(cos):
    r = append(cos, "sc", b"x", 0, {"x-cos-storage-class": "NO_SUCH_CLASS"})
    assert r.status == 200
    assert append(cos, "sc", b"y", 1, {"x-cos-storage-class": "ARCHIVE"}).status == 200
    assert "x-cos-storage-class" not in cos.request("HEAD", "sc").headers  # STANDARD
    r = append(cos, "acl", b"x", 0, {"x-cos-acl": "bogus"})
    assert r.status == 400 and r.error_code() == "InvalidArgument"


def test_empty_first_append_and_listing(cos):
    r = append(cos, "empty", b"", 0)
    assert r.status == 200 and r.headers["x-cos-next-append-position"] == "0"
    assert r.headers["x-cos-hash-crc64ecma"] == "0"
    assert append(cos, "empty", b"x", 0).status == 200
    listing = cos.request("GET", "").body
    assert b"<Key>empty</Key>" in listing and b"<Size>1</Size>" in listing


@pytest.mark.parametrize(
    "params",
    [
        {"append": ""},
        {"append": "", "position": ""},
        {"append": "", "position": "abc"},
        {"append": "", "position": "-1"},
        {"append": "", "position": "1.5"},
        {"append": "", "position": " 1"},
    ],
)
def test_position_must_be_an_integer(cos, params):
    r = cos.request("POST", "p", b"x", params=params)
    assert r.status == 400 and r.error_code() == "InvalidArgument", r


def test_position_errors(cos):
    r = append(cos, "absent", b"x", 3)
    assert r.status == 409 and r.error_code() == "AppendPositionErr"
    assert cos.request("HEAD", "absent").status == 404
    assert append(cos, "obj", b"12345", 0).status == 200
    for wrong in (0, 4, 6, 100):
        r = append(cos, "obj", b"zz", wrong)
        assert r.status == 409 and r.error_code() == "AppendPositionErr", wrong
        assert b"<Message>" in r.body and b"<RequestId>" in r.body
    assert cos.request("GET", "obj").body == b"12345"
    assert append(cos, "obj", b"6", 5).status == 200


def test_missing_content_length(cos):
    r = cos.request("POST", "nolen", None, params={"append": "", "position": "0"})
    assert r.status == 411 and r.error_code() == "MissingContentLength"
    r = cos.request(
        "POST",
        "nolen",
        b"5\r\nhello\r\n0\r\n\r\n",
        {"Transfer-Encoding": "chunked"},
        params={"append": "", "position": "0"},
    )
    assert r.status == 411 and r.error_code() == "MissingContentLength"
    assert cos.request("HEAD", "nolen").status == 404


def test_too_large(cos):
    r = cos.request("POST", "huge", None, {"Content-Length": "1"}, params={"append": "", "position": str(5 * 1024**3)})
    assert r.status == 400 and r.error_code() == "EntityTooLarge"


def test_not_appendable(cos):
    assert cos.request("PUT", "normal", b"abc").status == 200
    r = append(cos, "normal", b"d", 3)
    assert r.status == 409 and r.error_code() == "ObjectNotAppendable"
    assert b"not valid for the current state of the object" in r.body
    r = append(cos, "normal", b"d", 7)  # the type is checked before the position
    assert r.error_code() == "ObjectNotAppendable"
    assert cos.request("GET", "normal").body == b"abc"

    assert multipart(cos, "mp", [b"a" * 1024]).status == 200
    r = append(cos, "mp", b"d", 1024)
    assert r.status == 409 and r.error_code() == "ObjectNotAppendable"


def test_put_over_appendable_makes_it_normal(cos):
    assert append(cos, "k", b"abc", 0).status == 200
    assert cos.request("PUT", "k", b"new").status == 200
    h = cos.request("HEAD", "k")
    assert "x-cos-object-type" not in h.headers
    r = append(cos, "k", b"x", 3)
    assert r.status == 409 and r.error_code() == "ObjectNotAppendable"
    assert cos.request("DELETE", "k").status == 204
    assert append(cos, "k", b"again", 0).status == 200  # deleted: a fresh appendable object
    assert cos.request("HEAD", "k").headers["x-cos-object-type"] == "appendable"


def test_complete_over_appendable_makes_it_normal(cos):
    assert append(cos, "k2", b"abc", 0).status == 200
    assert multipart(cos, "k2", [b"z" * 10]).status == 200
    h = cos.request("HEAD", "k2")
    assert "x-cos-object-type" not in h.headers and h.headers["content-length"] == "10"
    assert append(cos, "k2", b"x", 10).error_code() == "ObjectNotAppendable"


def test_content_md5(cos, cos_emulator):
    assert append(cos, "md5", b"base", 0).status == 200
    r = append(cos, "md5", b"more", 4, {"Content-MD5": md5_b64(b"other")})
    assert r.status == 400 and r.error_code() == "BadDigest"
    r = append(cos, "md5", b"more", 4, {"Content-MD5": "not base64!"})
    assert r.status == 400 and r.error_code() == "InvalidDigest"
    g = cos.request("GET", "md5")
    assert g.body == b"base" and g.headers["etag"] == '"%s"' % hashlib.md5(b"base").hexdigest()
    record = cos_emulator.store.get_object(cos.bucket, "md5")
    assert os.path.getsize(cos_emulator.store._blob_path(record.blob_id)) == 4  # the failed bytes are gone
    r = append(cos, "md5", b"more", 4, {"Content-MD5": md5_b64(b"more")})
    assert r.status == 200 and cos.request("GET", "md5").body == b"basemore"
    r = append(cos, "new-md5", b"x", 0, {"Content-MD5": md5_b64(b"y")})
    assert r.error_code() == "BadDigest" and cos.request("HEAD", "new-md5").status == 404
    assert os.listdir(cos_emulator.store.tmp_dir) == []


def test_short_body_leaves_object_unchanged(cos, cos_emulator):
    assert append(cos, "short", b"0123456789", 0).status == 200
    now = int(time.time())
    headers = {"Host": cos.host, "Content-Length": "100000"}
    params = {"append": "", "position": "10"}
    auth = sign(
        method="POST",
        path="/short",
        params=params,
        headers=headers,
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 600,
    )
    raw = (
        "POST /short?append=&position=10 HTTP/1.1\r\nHost: %s\r\nContent-Length: 100000\r\n"
        "Authorization: %s\r\n\r\n" % (cos.host, auth)
    ).encode() + b"x" * 50_000
    with socket.create_connection(("127.0.0.1", cos.port), timeout=10) as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    deadline = time.time() + 5
    while time.time() < deadline:  # the server notices the short body on its own thread
        record = cos_emulator.store.get_object(cos.bucket, "short")
        if os.path.getsize(cos_emulator.store._blob_path(record.blob_id)) == 10:
            break
        time.sleep(0.02)
    assert cos.request("GET", "short").body == b"0123456789"
    assert os.path.getsize(cos_emulator.store._blob_path(record.blob_id)) == 10
    assert append(cos, "short", b"ab", 10).status == 200
    assert cos.request("GET", "short").body == b"0123456789ab"


def test_concurrent_appends_at_the_same_position(cos_emulator, cos_emulator_bucket):
    c = CosHttp(cos_emulator.port, cos_emulator_bucket)
    assert append(c, "race", b"start", 0).status == 200
    expected = b"start"
    for _round in range(4):
        results = {}
        barrier = threading.Barrier(8)

        def worker(i, position=len(expected), barrier=barrier, results=results):  # noqa: B008 - bound per round
            w = CosHttp(cos_emulator.port, cos_emulator_bucket)
            body = bytes([65 + i]) * (20_000 + i)
            barrier.wait()
            r = append(w, "race", body, position)
            results[i] = (r.status, r.error_code(), body)
            w.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [body for status, _, body in results.values() if status == 200]
        losers = [code for status, code, _ in results.values() if status != 200]
        assert len(winners) == 1, results
        assert losers == ["AppendPositionErr"] * 7
        expected += winners[0]
        g = c.request("GET", "race")
        assert g.body == expected
        assert g.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(expected))
    c.close()


def test_readers_only_see_published_lengths(cos_emulator, cos_emulator_bucket):
    c = CosHttp(cos_emulator.port, cos_emulator_bucket)
    chunks = [os.urandom(37_000 + i * 1000) for i in range(25)]
    full = b"".join(chunks)
    published = {0}
    offset = 0
    for chunk in chunks:
        offset += len(chunk)
        published.add(offset)
    stop = threading.Event()
    problems = []

    def reader():
        r = CosHttp(cos_emulator.port, cos_emulator_bucket)
        while not stop.is_set():
            g = r.request("GET", "grow")
            if g.status == 404:
                continue
            body = g.body
            if len(body) not in published or not full.startswith(body):
                problems.append(("body", len(body)))
            if g.headers["etag"] != '"%s"' % hashlib.md5(body).hexdigest():
                problems.append(("etag", len(body)))
            if g.headers["x-cos-hash-crc64ecma"] != str(_crc64.calc(body)):
                problems.append(("crc", len(body)))
        r.close()

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers:
        t.start()
    position = 0
    try:
        for chunk in chunks:
            assert append(c, "grow", chunk, position).status == 200
            position += len(chunk)
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert problems == []
    assert c.request("GET", "grow").body == full
    c.close()


def test_slow_append_does_not_block_others(cos_emulator, cos_emulator_bucket):
    """An append whose body is still arriving holds only its own object's append lock."""
    c = CosHttp(cos_emulator.port, cos_emulator_bucket)
    assert append(c, "slow", b"base", 0).status == 200
    now = int(time.time())
    headers = {"Host": c.host, "Content-Length": "10"}
    params = {"append": "", "position": "4"}
    auth = sign(
        method="POST",
        path="/slow",
        params=params,
        headers=headers,
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 600,
    )
    s = socket.create_connection(("127.0.0.1", cos_emulator.port), timeout=10)
    try:
        s.sendall(
            (
                "POST /slow?append=&position=4 HTTP/1.1\r\nHost: %s\r\nContent-Length: 10\r\n"
                "Authorization: %s\r\n\r\n" % (c.host, auth)
            ).encode()
            + b"12345"
        )
        time.sleep(0.2)  # the server is now waiting for the rest of the body
        other = CosHttp(cos_emulator.port, cos_emulator_bucket)
        other.conn = None
        started = time.time()
        assert append(other, "other", b"x", 0).status == 200
        assert other.request("PUT", "put", b"y").status == 200
        g = other.request("GET", "slow")
        assert g.body == b"base"  # the half-received append is invisible
        assert time.time() - started < 5
        other.close()
        s.sendall(b"67890")
        reply = s.recv(65536)
        assert reply.startswith(b"HTTP/1.1 200"), reply
    finally:
        s.close()
    assert c.request("GET", "slow").body == b"base1234567890"
    c.close()


def test_append_survives_restart(tmp_path):
    data_dir = str(tmp_path / "data")
    with CosEmulator(data_dir=data_dir) as emu:
        c = CosHttp(emu.port, BUCKET)
        assert append(c, "p", b"one,", 0).status == 200
        assert append(c, "p", b"two,", 4).status == 200
        record = emu.store.get_object(BUCKET, "p")
        blob = emu.store._blob_path(record.blob_id)
        c.close()
    with open(blob, "ab") as f:  # bytes of an append that never got published (a crash)
        f.write(b"garbage")
    with CosEmulator(data_dir=data_dir) as emu:
        assert os.path.getsize(blob) == 8  # recovery truncated them
        c = CosHttp(emu.port, BUCKET)
        r = append(c, "p", b"three", 8)  # the running MD5 is rebuilt from the file
        assert r.status == 200
        assert r.headers["etag"] == '"%s"' % hashlib.md5(b"one,two,three").hexdigest()
        assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(b"one,two,three"))
        assert c.request("GET", "p").body == b"one,two,three"
        c.close()


def test_anonymous_append(cos_emulator):
    bucket = cos_emulator.create_bucket("appendpub-1250000000", acl="public-read-write")
    c = CosHttp(cos_emulator.port, bucket)
    assert c.request("POST", "a", b"x", params={"append": "", "position": "0"}, sign_request=False).status == 200
    private = CosHttp(cos_emulator.port, "examplebucket-1250000000")
    r = private.request("POST", "a", b"x", params={"append": "", "position": "0"}, sign_request=False)
    assert r.status == 403 and r.error_code() == "AccessDenied"
    c.close()
    private.close()
