"""PUT / GET / HEAD / DELETE Object over real sockets."""

import base64
import hashlib
import os
import socket
import time

import pytest

from qcloud_cos.emulator import _crc64

from ._cos_http import raw_exchange, sign


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def test_round_trip_few_mib(cos):
    data = os.urandom(3 * 1024 * 1024 + 17)
    r = cos.request("PUT", "dir/big.bin", data)
    assert r.status == 200, r
    assert r.body == b""
    assert r.headers["etag"] == '"%s"' % hashlib.md5(data).hexdigest()
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
    assert r.headers["content-length"] == "0"
    assert r.headers["server"] == "tencent-cos"
    assert r.headers["x-cos-request-id"] and r.headers["date"]

    g = cos.request("GET", "dir/big.bin")
    assert g.status == 200
    assert g.body == data
    assert g.headers["etag"] == r.headers["etag"]
    assert g.headers["x-cos-hash-crc64ecma"] == r.headers["x-cos-hash-crc64ecma"]
    assert g.headers["content-type"] == "application/octet-stream"
    assert g.headers["content-length"] == str(len(data))
    assert "x-cos-storage-class" not in g.headers

    h = cos.request("HEAD", "dir/big.bin")
    assert h.status == 200 and h.body == b""
    assert h.headers["content-length"] == str(len(data))
    assert h.headers["etag"] == r.headers["etag"]
    time.strptime(h.headers["last-modified"], "%a, %d %b %Y %H:%M:%S GMT")

    assert cos.request("DELETE", "dir/big.bin").status == 204
    assert cos.request("DELETE", "dir/big.bin").status == 204  # missing key: still 204
    g = cos.request("GET", "dir/big.bin")
    assert g.status == 404 and g.error_code() == "NoSuchKey"
    assert g.headers["content-type"] == "application/xml"
    assert g.headers["x-cos-trace-id"]
    assert f"<Resource>{cos.host}/dir/big.bin</Resource>".encode() in g.body
    assert f"<RequestId>{g.headers['x-cos-request-id']}</RequestId>".encode() in g.body
    h = cos.request("HEAD", "dir/big.bin")
    assert h.status == 404 and h.body == b"" and h.headers["x-cos-request-id"]


def test_empty_body_and_directory_key(cos):
    r = cos.request("PUT", "folder/", b"")
    assert r.status == 200
    assert r.headers["etag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    assert r.headers["x-cos-hash-crc64ecma"] == "0"
    g = cos.request("GET", "folder/")
    assert g.status == 200 and g.body == b"" and g.headers["content-length"] == "0"


def test_stored_headers_metadata_and_options(cos):
    raw_value = "值 ünïcode".encode("utf-8")
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Cache-Control": "max-age=60",
        "Content-Disposition": 'attachment; filename="a.txt"',
        "Content-Encoding": "identity",
        "Content-Language": "zh-CN",
        "Expires": "Wed, 21 Oct 2015 07:28:00 GMT",
        "x-cos-meta-Author": "Alice",
        "x-cos-meta-raw": raw_value,
        "x-cos-storage-class": "STANDARD_IA",
        "x-cos-acl": "public-read",
        "x-cos-grant-read": 'id="100000000011"',
        "x-cos-tagging": "a=1&b=2",
        "x-cos-server-side-encryption": "AES256",
    }
    r = cos.request("PUT", "meta.txt", b"hello", headers)
    assert r.status == 200, r
    assert r.headers["x-cos-server-side-encryption"] == "AES256"
    for method in ("HEAD", "GET"):
        h = cos.request(method, "meta.txt")
        assert h.status == 200
        for name in (
            "Content-Type",
            "Cache-Control",
            "Content-Disposition",
            "Content-Encoding",
            "Content-Language",
            "Expires",
        ):
            assert h.headers[name.lower()] == headers[name]
        names = [k for k, _ in h.header_list]
        assert "x-cos-meta-author" in names  # lower-cased name
        assert h.headers["x-cos-meta-author"] == "Alice"
        assert h.headers["x-cos-meta-raw"].encode("latin-1") == raw_value  # verbatim bytes
        assert h.headers["x-cos-storage-class"] == "STANDARD_IA"
        assert h.headers["x-cos-server-side-encryption"] == "AES256"


@pytest.mark.parametrize(
    "header,value",
    [
        ("x-cos-storage-class", "GLACIER"),
        ("x-cos-acl", "everyone"),
        ("x-cos-traffic-limit", "100"),
        ("x-cos-traffic-limit", "838860801"),
        ("x-cos-traffic-limit", "fast"),
        ("x-cos-server-side-encryption", "rot13"),
    ],
)
def test_invalid_put_options(cos, header, value):
    r = cos.request("PUT", "bad.txt", b"x", {header: value})
    assert r.status == 400 and r.error_code() == "InvalidArgument", r
    assert cos.request("HEAD", "bad.txt").status == 404


def test_traffic_limit_query_param_is_validated(cos):
    r = cos.request("PUT", "bad.txt", b"x", params={"x-cos-traffic-limit": "1"})
    assert r.status == 400 and r.error_code() == "InvalidArgument"


def test_traffic_limit_throttles(cos):
    data = os.urandom(40 * 1024)  # 40 KiB at 100 KiB/s: about 0.4 s each way
    t0 = time.monotonic()
    r = cos.request("PUT", "slow.bin", data, {"x-cos-traffic-limit": "819200"})
    t1 = time.monotonic()
    assert r.status == 200
    assert t1 - t0 >= 0.3
    g = cos.request("GET", "slow.bin", params={"x-cos-traffic-limit": "819200"})
    assert g.body == data
    assert time.monotonic() - t1 >= 0.3


def test_content_md5(cos):
    old = b"old body"
    assert cos.request("PUT", "k", old).status == 200
    new = b"new body"
    r = cos.request("PUT", "k", new, {"Content-MD5": md5_b64(b"something else")})
    assert r.status == 400 and r.error_code() == "BadDigest"
    for bad in ("not base64!!", base64.b64encode(b"short").decode(), ""):
        r = cos.request("PUT", "k", new, {"Content-MD5": bad})
        assert r.status == 400 and r.error_code() == "InvalidDigest", (bad, r)
    assert cos.request("GET", "k").body == old
    r = cos.request("PUT", "k", new, {"Content-MD5": md5_b64(new)})
    assert r.status == 200
    assert cos.request("GET", "k").body == new


def test_overwrite_last_writer_wins(cos):
    for i in range(3):
        assert cos.request("PUT", "k", b"v%d" % i).status == 200
    assert cos.request("GET", "k").body == b"v2"


def test_range(cos):
    data = bytes(range(256)) * 4  # 1024 bytes
    cos.request("PUT", "r.bin", data)
    full_crc = str(_crc64.calc(data))
    cases = {
        "bytes=0-9": (0, 9),
        "bytes=1000-": (1000, 1023),
        "bytes=-24": (1000, 1023),
        "bytes=10-5000": (10, 1023),
        "bytes=-5000": (0, 1023),
    }
    for rng, (a, b) in cases.items():
        g = cos.request("GET", "r.bin", headers={"Range": rng})
        assert g.status == 206, rng
        assert g.body == data[a : b + 1]
        assert g.headers["content-range"] == f"bytes {a}-{b}/1024"
        assert g.headers["x-cos-hash-crc64ecma"] == full_crc  # whole object, also on 206
    for rng in ("bytes=1024-", "bytes=5000-6000", "bytes=-0"):
        g = cos.request("GET", "r.bin", headers={"Range": rng})
        assert g.status == 416 and g.error_code() == "InvalidRange", rng
    for rng in ("bytes=9-5", "items=0-1", "bytes=0-1,5-6", "bytes=x-y", "bytes=-"):
        g = cos.request("GET", "r.bin", headers={"Range": rng})
        assert g.status == 200 and g.body == data, rng  # malformed: ignored


def test_conditional_requests(cos):
    r = cos.request("PUT", "c.txt", b"abc")
    etag = r.headers["etag"]
    lm = cos.request("HEAD", "c.txt").headers["last-modified"]
    past = "Mon, 01 Jan 2001 00:00:00 GMT"
    future = "Fri, 01 Jan 2100 00:00:00 GMT"
    for method in ("GET", "HEAD"):
        assert cos.request(method, "c.txt", headers={"If-Match": etag}).status == 200
        assert cos.request(method, "c.txt", headers={"If-Match": '"nope"'}).status == 412
        assert cos.request(method, "c.txt", headers={"If-None-Match": etag}).status == 304
        assert cos.request(method, "c.txt", headers={"If-None-Match": '"nope"'}).status == 200
        assert cos.request(method, "c.txt", headers={"If-Modified-Since": lm}).status == 304
        assert cos.request(method, "c.txt", headers={"If-Modified-Since": past}).status == 200
        assert cos.request(method, "c.txt", headers={"If-Unmodified-Since": past}).status == 412
        assert cos.request(method, "c.txt", headers={"If-Unmodified-Since": future}).status == 200
        assert cos.request(method, "c.txt", headers={"If-Modified-Since": "garbage"}).status == 200
    g = cos.request("GET", "c.txt", headers={"If-Match": '"nope"'})
    assert g.error_code() == "PreconditionFailed"


def test_response_overrides(cos):
    cos.request("PUT", "o.txt", b"abc", {"Content-Type": "text/plain"})
    params = {
        "response-content-type": "application/json",
        "response-content-disposition": 'attachment; filename="x y"',
        "response-cache-control": "no-cache",
        "response-content-language": "en",
        "response-expires": "Thu, 01 Dec 1994 16:00:00 GMT",
        "response-content-encoding": "gzip",
    }
    g = cos.request("GET", "o.txt", params=params)
    assert g.status == 200 and g.body == b"abc"
    assert g.headers["content-type"] == "application/json"
    assert g.headers["content-disposition"] == 'attachment; filename="x y"'
    assert g.headers["cache-control"] == "no-cache"
    assert g.headers["content-language"] == "en"
    assert g.headers["content-encoding"] == "gzip"
    bad = cos.request("GET", "o.txt", params={"response-content-type": "a\r\nX-Evil: 1"})
    assert bad.status == 400 and "x-evil" not in bad.headers


def test_chunked_upload(cos):
    data = os.urandom(300_000)
    chunks = [data[i : i + 70_000] for i in range(0, len(data), 70_000)]
    body = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\nX-Trailer: t\r\n\r\n"
    r = cos.request("PUT", "chunked.bin", body, {"Transfer-Encoding": "chunked"})
    assert r.status == 200, r
    assert r.headers["etag"] == '"%s"' % hashlib.md5(data).hexdigest()
    assert cos.request("GET", "chunked.bin").body == data
    # the connection is still usable afterwards
    assert cos.request("HEAD", "chunked.bin").status == 200


def test_missing_content_length(cos):
    path = "/nolen"
    auth = sign(
        method="PUT",
        path=path,
        params={},
        headers={"Host": cos.host},
        secret_id="SecretId",
        secret_key="SecretKey",
        start=int(time.time()) - 60,
        end=int(time.time()) + 600,
    )
    raw = f"PUT {path} HTTP/1.1\r\nHost: {cos.host}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n".encode()
    out = raw_exchange(cos.port, raw)
    assert out.startswith(b"HTTP/1.1 411 ")
    assert b"<Code>MissingContentLength</Code>" in out


def test_entity_too_large_is_refused_before_the_body(cos):
    r = cos.request("PUT", "huge", None, {"Content-Length": str(5 * 1024**3 + 1)}, keep=False)
    assert r.status == 400 and r.error_code() == "EntityTooLarge"
    assert r.headers.get("connection") == "close"


def test_expect_100_continue(cos):
    data = b"x" * 1000
    headers = {"Host": cos.host, "Content-Length": str(len(data)), "Expect": "100-continue"}
    now = int(time.time())
    auth = sign(
        method="PUT",
        path="/expect.bin",
        params={},
        headers=headers,
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 600,
    )
    head = "PUT /expect.bin HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Authorization: {auth}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", cos.port), timeout=10) as s:
        s.sendall(head.encode())
        interim = s.recv(4096)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(data)
        final = s.recv(65536)
        assert final.startswith(b"HTTP/1.1 200 ")
    assert cos.request("GET", "expect.bin").body == data


def test_expect_100_refused_without_continue(cos):
    # a bad signature is answered with the final status; no 100 is sent and the body is not read
    head = (
        f"PUT /x HTTP/1.1\r\nHost: {cos.host}\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n"
        f"Authorization: q-sign-algorithm=sha1&q-ak=SecretId&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=00\r\n\r\n"
    )
    out = raw_exchange(cos.port, head.encode())
    assert out.startswith(b"HTTP/1.1 403 ")
    assert b"100 Continue" not in out
    assert b"Connection: close" in out


def test_keep_alive_many_requests_one_connection(cos, cos_emulator):
    conn = cos.connection()
    for i in range(5):
        assert cos.request("PUT", f"ka/{i}", b"%d" % i).status == 200
    for i in range(5):
        assert cos.request("GET", f"ka/{i}").body == b"%d" % i
    assert cos.conn is conn  # http.client reused the same socket
    sock = conn.sock
    assert sock is not None
    assert cos.request("GET", "ka/missing").status == 404  # errors keep the connection too
    assert cos.conn is conn and conn.sock is sock


def test_error_before_body_keeps_connection_when_body_is_small(cos):
    conn = cos.connection()
    r = cos.request("PUT", "k", b"x" * 10000, {"x-cos-storage-class": "NOPE"})
    assert r.status == 400
    assert cos.request("PUT", "k", b"ok").status == 200
    assert cos.conn is conn


def test_incomplete_body_leaves_old_object(cos, cos_emulator):
    assert cos.request("PUT", "inc", b"original").status == 200
    now = int(time.time())
    headers = {"Host": cos.host, "Content-Length": "100"}
    auth = sign(
        method="PUT",
        path="/inc",
        params={},
        headers=headers,
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 600,
    )
    raw = (
        f"PUT /inc HTTP/1.1\r\nHost: {cos.host}\r\nContent-Length: 100\r\nAuthorization: {auth}\r\n\r\n".encode()
        + b"y" * 40
    )
    out = raw_exchange(cos.port, raw, shut_write=True)
    assert out.startswith(b"HTTP/1.1 400 ")
    assert b"<Code>IncompleteBody</Code>" in out
    assert cos.request("GET", "inc").body == b"original"
    assert os.listdir(cos_emulator.store.tmp_dir) == []


def test_client_disconnect_mid_body_leaves_no_trace(cos, cos_emulator):
    assert cos.request("PUT", "gone", b"original").status == 200
    now = int(time.time())
    headers = {"Host": cos.host, "Content-Length": str(10 * 1024 * 1024)}
    auth = sign(
        method="PUT",
        path="/gone",
        params={},
        headers=headers,
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 600,
    )
    logged = len(cos_emulator.requests)
    with socket.create_connection(("127.0.0.1", cos.port)) as s:
        s.sendall(
            f"PUT /gone HTTP/1.1\r\nHost: {cos.host}\r\nContent-Length: {10 * 1024 * 1024}\r\nAuthorization: {auth}\r\n\r\n".encode()
        )
        s.sendall(b"z" * 100_000)
    deadline = time.time() + 5
    # wait until the server has logged this request and given up on its body
    while time.time() < deadline and (
        len(cos_emulator.requests) <= logged or cos_emulator.requests[logged]["status"] is None
    ):
        time.sleep(0.02)
    assert cos_emulator.requests[logged]["method"] == "PUT"
    assert cos.request("GET", "gone").body == b"original"
    assert os.listdir(cos_emulator.store.tmp_dir) == []


def test_key_rules(cos):
    r = cos.request("PUT", "a" * 851, b"x")
    assert r.status == 400 and r.error_code() == "KeyTooLong"
    assert cos.request("PUT", "é" * 425, b"x").status == 200  # 850 bytes is fine
    r = cos.request("PUT", "é" * 426, b"x")  # 852 bytes
    assert r.error_code() == "KeyTooLong"
    for ch in ("\x00", "\x18", "\x19", "\x1a", "\x1b"):
        r = cos.request("PUT", f"bad{ch}key", b"x")
        assert r.status == 400 and r.error_code() == "InvalidObjectName", repr(ch)
    r = cos.request("PUT", "", b"x", path="/%FF%FE")
    assert r.status == 400 and r.error_code() == "InvalidURI"


def test_key_decoding(cos):
    # %2F decodes to '/', '+' stays '+', unicode round-trips
    assert cos.request("PUT", "a/b+c d.txt", b"1", path="/a%2Fb+c%20d.txt").status == 200
    assert cos.request("GET", "a/b+c d.txt").body == b"1"
    assert cos.request("PUT", "中文/ключ.txt", b"2").status == 200
    assert cos.request("GET", "中文/ключ.txt").body == b"2"
