"""Initiate / Upload Part / List Parts / Complete / Abort over real sockets."""

import base64
import hashlib
import os
import random
import re
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest

from qcloud_cos.emulator import CosEmulator, _crc64
from qcloud_cos.emulator._store import Store

from ._cos_http import CosHttp, sign
from ._mp import (
    UPLOAD_ID,
    abort,
    complete,
    complete_raw,
    etag_of,
    initiate,
    list_parts,
    multipart,
    upload_part,
    xml_value,
    xml_values,
)

MiB = 1024 * 1024
BUCKET = "examplebucket-1250000000"


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def part_blob_ids(emu, upload_id):
    return {n: p.blob_id for n, p in emu.store.get_parts(upload_id).items()}


def blob_exists(emu, blob_id):
    return os.path.exists(emu.store._blob_path(blob_id))


# -- the round trip -------------------------------------------------------------------------------


def test_round_trip_with_vectors(cos, cos_emulator):
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Cache-Control": "max-age=60",
        "Content-Disposition": 'attachment; filename="v.txt"',
        "Content-Encoding": "identity",
        "Content-Language": "zh-CN",
        "Expires": "Wed, 21 Oct 2015 07:28:00 GMT",
        "x-cos-meta-Author": "Alice",
        "x-cos-storage-class": "STANDARD_IA",
        "x-cos-acl": "public-read",
        "x-cos-tagging": "a=1",
        "x-cos-server-side-encryption": "AES256",
    }
    r = cos.request("POST", "dir/vector.bin", b"", headers, params={"uploads": ""})
    assert r.status == 200, r
    assert r.headers["content-type"] == "application/xml"
    assert r.headers["x-cos-server-side-encryption"] == "AES256"
    root = ET.fromstring(r.body)
    assert root.tag == "InitiateMultipartUploadResult"
    assert root.findtext("Bucket") == cos.bucket and root.findtext("Key") == "dir/vector.bin"
    upload_id = root.findtext("UploadId")
    assert UPLOAD_ID.match(upload_id)
    assert abs(int(upload_id[:10]) - time.time()) < 60  # Unix seconds first

    p1, p2 = b"a" * MiB, b"b" * 10
    r1 = upload_part(cos, "dir/vector.bin", upload_id, 1, p1)
    assert r1.status == 200 and r1.body == b""
    assert r1.headers["etag"] == '"7202826a7791073fe2787f0c94603278"'
    assert r1.headers["x-cos-hash-crc64ecma"] == "6701094182323390671"
    r2 = upload_part(cos, "dir/vector.bin", upload_id, 2, p2)
    assert r2.headers["etag"] == '"82136b4240d6ce4ea7d03e51469a393b"'
    assert r2.headers["x-cos-hash-crc64ecma"] == "16332867268285949405"

    r = complete(cos, "dir/vector.bin", upload_id, [(1, r1.headers["etag"]), (2, r2.headers["etag"])])
    assert r.status == 200, r
    assert r.headers["content-type"] == "application/xml"
    assert r.headers["x-cos-hash-crc64ecma"] == "7220253992730643760"
    root = ET.fromstring(r.body)
    assert root.tag == "CompleteMultipartUploadResult"
    assert root.findtext("Location") == f"{cos.host}/dir/vector.bin"
    assert root.findtext("Bucket") == cos.bucket
    assert root.findtext("Key") == "dir/vector.bin"
    assert root.findtext("ETag") == '"4075b7e9311da7fee8b3df13ccfc203c-2"'
    assert b"<ETag>&quot;4075b7e9311da7fee8b3df13ccfc203c-2&quot;</ETag>" in r.body

    g = cos.request("GET", "dir/vector.bin")
    assert g.status == 200 and g.body == p1 + p2
    assert g.headers["etag"] == '"4075b7e9311da7fee8b3df13ccfc203c-2"'
    assert g.headers["x-cos-hash-crc64ecma"] == "7220253992730643760"
    for name, value in headers.items():
        lname = name.lower()
        if lname in ("x-cos-acl", "x-cos-tagging"):
            continue
        if lname == "x-cos-meta-author":
            assert g.headers["x-cos-meta-author"] == "Alice"
        else:
            assert g.headers[lname] == value, name
    assert "x-cos-object-type" not in g.headers
    # the upload is gone
    assert list_parts(cos, "dir/vector.bin", upload_id).error_code() == "NoSuchUpload"
    assert upload_part(cos, "dir/vector.bin", upload_id, 3, b"x").error_code() == "NoSuchUpload"
    assert complete(cos, "dir/vector.bin", upload_id, [(1, r1.headers["etag"])]).error_code() == "NoSuchUpload"
    assert abort(cos, "dir/vector.bin", upload_id).error_code() == "NoSuchUpload"
    # public-read came from Initiate
    assert cos.request("GET", "dir/vector.bin", sign_request=False).status == 200
    assert cos_emulator.store.get_parts(upload_id) == {}


def test_random_parts_uploaded_out_of_order(cos):
    chunks = [os.urandom(MiB + 1), os.urandom(MiB), os.urandom(MiB + 12345), os.urandom(777)]
    upload_id = initiate(cos, "rnd")
    etags = {}
    for n in (3, 1, 4, 2):
        r = upload_part(cos, "rnd", upload_id, n, chunks[n - 1], {"Content-MD5": md5_b64(chunks[n - 1])})
        assert r.status == 200
        assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(chunks[n - 1]))
        etags[n] = r.headers["etag"]
    r = complete(cos, "rnd", upload_id, [(n, etags[n]) for n in (1, 2, 3, 4)])
    assert r.status == 200
    data = b"".join(chunks)
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
    digest = hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest()
    assert xml_value(r.body, "ETag") == "&quot;%s-4&quot;" % digest
    g = cos.request("GET", "rnd")
    assert g.body == data and g.headers["content-type"] == "application/octet-stream"
    assert g.headers["content-length"] == str(len(data))


def test_single_small_part_and_empty_part(cos):
    assert multipart(cos, "one", [b"tiny"]).status == 200
    assert cos.request("GET", "one").body == b"tiny"
    r = multipart(cos, "zero", [b""])
    assert r.status == 200 and r.headers["x-cos-hash-crc64ecma"] == "0"
    assert cos.request("GET", "zero").body == b""


def test_replacing_a_part(cos, cos_emulator):
    upload_id = initiate(cos, "rep")
    first = upload_part(cos, "rep", upload_id, 1, b"first version " * 100)
    old_blob = part_blob_ids(cos_emulator, upload_id)[1]
    second = upload_part(cos, "rep", upload_id, 1, b"second")
    assert second.headers["etag"] == etag_of(b"second") != first.headers["etag"]
    assert not blob_exists(cos_emulator, old_blob)  # the old body is removed
    body = list_parts(cos, "rep", upload_id).body
    assert xml_values(body, "PartNumber") == ["1"]
    assert xml_values(body, "ETag") == ["&quot;%s&quot;" % hashlib.md5(b"second").hexdigest()]
    assert xml_values(body, "Size") == ["6"]
    r = complete(cos, "rep", upload_id, [(1, first.headers["etag"])])
    assert r.status == 400 and r.error_code() == "InvalidPart"
    assert complete(cos, "rep", upload_id, [(1, second.headers["etag"])]).status == 200
    assert cos.request("GET", "rep").body == b"second"


def test_parts_not_listed_are_discarded(cos, cos_emulator):
    upload_id = initiate(cos, "gaps")
    chunks = {n: bytes([48 + n]) * MiB for n in (1, 2, 3, 4)}
    etags = {n: upload_part(cos, "gaps", upload_id, n, c).headers["etag"] for n, c in chunks.items()}
    blobs = part_blob_ids(cos_emulator, upload_id)
    r = complete(cos, "gaps", upload_id, [(1, etags[1]), (3, etags[3])])  # a gap: allowed by default
    assert r.status == 200, r
    assert xml_value(r.body, "ETag").endswith("-2&quot;")
    assert cos.request("GET", "gaps").body == chunks[1] + chunks[3]
    # the listed parts' blobs are now the object's segments; the others are gone
    assert cos_emulator.store.object_segments(cos.bucket, "gaps") == [(blobs[1], MiB), (blobs[3], MiB)]
    assert not blob_exists(cos_emulator, blobs[2]) and not blob_exists(cos_emulator, blobs[4])


def test_complete_overwrites_existing_object(cos):
    assert cos.request("PUT", "ow", b"old", {"x-cos-meta-old": "1"}).status == 200
    assert multipart(cos, "ow", [b"new"]).status == 200
    g = cos.request("GET", "ow")
    assert g.body == b"new" and "x-cos-meta-old" not in g.headers


# -- Complete errors ------------------------------------------------------------------------------


def test_complete_validation(cos):
    key = "cv"
    upload_id = initiate(cos, key)
    big, small = os.urandom(MiB), os.urandom(MiB - 1)
    e1 = upload_part(cos, key, upload_id, 1, small).headers["etag"]
    e2 = upload_part(cos, key, upload_id, 2, big).headers["etag"]
    e3 = upload_part(cos, key, upload_id, 3, b"last").headers["etag"]

    def code(body, headers=None):
        r = complete_raw(cos, key, upload_id, body, headers)
        assert r.status in (400, 404), r
        return r.error_code()

    good = [(2, e2), (3, e3)]
    from ._mp import complete_body

    assert complete(cos, key, "1234567890" + "0" * 64, good).error_code() == "NoSuchUpload"
    assert complete_raw(cos, key, "nope", b"<garbage").error_code() == "NoSuchUpload"  # upload first
    assert code(b"") == "MissingRequestBodyError"
    assert code(b"   \n") == "MissingRequestBodyError"
    assert code(b"<CompleteMultipartUpload><Part>") == "MalformedXML"
    assert code(b"not xml at all") == "MalformedXML"
    assert code(b"<CompleteMultipartUpload/>") == "MalformedXML"
    assert (
        code(b'<?xml version="1.0" encoding="utf-8"?><CompleteMultipartUpload></CompleteMultipartUpload>')
        == "MalformedXML"
    )
    assert code(b"<Other><Part><PartNumber>2</PartNumber><ETag>x</ETag></Part></Other>") == "MalformedXML"
    assert (
        code(b"<CompleteMultipartUpload><Part><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>")
        == "MalformedXML"
    )
    assert (
        code(
            b"<CompleteMultipartUpload><Part><PartNumber>two</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"
        )
        == "MalformedXML"
    )
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CompleteMultipartUpload><Part>'
        b"<PartNumber>2</PartNumber><ETag>&a;</ETag></Part></CompleteMultipartUpload>"
    )
    assert code(bomb) == "MalformedXML"
    assert code(complete_body([(3, e3), (2, e2)])) == "InvalidPartOrder"
    assert code(complete_body([(2, e2), (2, e2)])) == "InvalidPartOrder"
    assert code(complete_body([(2, e2), (4, e3)])) == "InvalidPart"  # 4 was never uploaded
    assert code(complete_body([(2, e3), (3, e3)])) == "InvalidPart"  # wrong ETag
    assert code(complete_body([(2, e2), (3, etag_of(b"other"))])) == "InvalidPart"
    assert code(complete_body([(1, e1), (2, e2)])) == "EntityTooSmall"  # 1 MiB - 1 byte, not last
    assert code(complete_body(good), {"Content-MD5": md5_b64(b"x")}) == "BadDigest"
    assert code(complete_body(good), {"Content-MD5": "bad"}) == "InvalidDigest"
    r = complete_raw(cos, key, upload_id, complete_body(good))
    assert r.error_code() is None and r.status == 200  # the upload survived every failed attempt
    assert cos.request("GET", key).body == big + b"last"


def test_complete_accepts_etag_forms(cos):
    upload_id = initiate(cos, "forms")
    e1 = upload_part(cos, "forms", upload_id, 1, b"x" * MiB).headers["etag"]
    e2 = upload_part(cos, "forms", upload_id, 2, b"y").headers["etag"]
    body = (
        "<CompleteMultipartUpload>\n  <Part>\n    <PartNumber> 1 </PartNumber>\n    <ETag>%s</ETag>\n  </Part>\n"
        '  <Part><ETag>"%s"</ETag><PartNumber>2</PartNumber></Part>\n</CompleteMultipartUpload>'
        % (e1.strip('"').upper(), e2.strip('"'))
    ).encode()
    r = complete_raw(cos, "forms", upload_id, body, {"Content-Type": "application/xml", "Content-MD5": md5_b64(body)})
    assert r.status == 200, r
    assert cos.request("GET", "forms").body == b"x" * MiB + b"y"


def test_strict_part_numbers_knob():
    with CosEmulator(allow_part_gaps=False) as emu:
        c = CosHttp(emu.port, BUCKET)
        upload_id = initiate(c, "k")
        etags = {n: upload_part(c, "k", upload_id, n, bytes([n]) * MiB).headers["etag"] for n in (1, 2, 3)}
        for listed in ([1, 3], [2, 3]):
            r = complete(c, "k", upload_id, [(n, etags[n]) for n in listed])
            assert r.status == 400 and r.error_code() == "InvalidPart", listed
        assert complete(c, "k", upload_id, [(1, etags[1]), (2, etags[2])]).status == 200
        c.close()


def test_min_part_size_knob():
    with CosEmulator(min_part_size=0) as emu:
        c = CosHttp(emu.port, BUCKET)
        assert multipart(c, "k", [b"a", b"b", b"c"]).status == 200
        assert c.request("GET", "k").body == b"abc"
        c.close()


# -- Upload Part errors ---------------------------------------------------------------------------


def test_upload_part_errors(cos, cos_emulator):
    upload_id = initiate(cos, "up")
    for bad in ("0", "10001", "abc", "-1", "", "1.0"):
        r = upload_part(cos, "up", upload_id, bad, b"x")
        assert r.status == 400 and r.error_code() == "InvalidArgument", bad
    r = cos.request("PUT", "up", b"x", params={"uploadId": upload_id})  # no partNumber at all
    assert r.status == 400 and r.error_code() == "InvalidArgument"
    assert upload_part(cos, "up", upload_id, 10000, b"x").status == 200
    assert upload_part(cos, "up", "1234567890" + "f" * 64, 1, b"x").error_code() == "NoSuchUpload"
    r = upload_part(cos, "other-key", upload_id, 1, b"x")
    assert r.status == 404 and r.error_code() == "NoSuchUpload"
    other = cos_emulator.create_bucket("mpother-1250000000")
    o = CosHttp(cos.port, other)
    assert upload_part(o, "up", upload_id, 1, b"x").error_code() == "NoSuchUpload"
    o.close()
    r = cos.request("PUT", "up", None, params={"partNumber": "1", "uploadId": upload_id})
    assert r.status == 411 and r.error_code() == "MissingContentLength"
    r = cos.request(
        "PUT", "up", None, {"Content-Length": str(5 * 1024**3 + 1)}, params={"partNumber": "1", "uploadId": upload_id}
    )
    assert r.status == 400 and r.error_code() == "EntityTooLarge"
    cos.close()
    r = upload_part(cos, "up", upload_id, 2, b"data", {"Content-MD5": md5_b64(b"other")})
    assert r.status == 400 and r.error_code() == "BadDigest"
    r = upload_part(cos, "up", upload_id, 2, b"data", {"Content-MD5": "####"})
    assert r.status == 400 and r.error_code() == "InvalidDigest"
    assert sorted(cos_emulator.store.get_parts(upload_id)) == [10000]
    assert os.listdir(cos_emulator.store.tmp_dir) == []


def test_sixteen_threads_upload_parts_of_one_upload(cos_emulator, cos_emulator_bucket):
    c = CosHttp(cos_emulator.port, cos_emulator_bucket)
    upload_id = initiate(c, "parallel.bin")
    chunks = {n: os.urandom(MiB + n) for n in range(1, 33)}
    etags, errors = {}, []
    lock = threading.Lock()

    def worker(numbers):
        w = CosHttp(cos_emulator.port, cos_emulator_bucket)
        try:
            for n in numbers:
                r = upload_part(w, "parallel.bin", upload_id, n, chunks[n])
                with lock:
                    if r.status != 200:
                        errors.append((n, r.status))
                    etags[n] = r.headers.get("etag")
        finally:
            w.close()

    threads = [threading.Thread(target=worker, args=([i + 1, i + 17],)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(etags[n] == etag_of(chunks[n]) for n in chunks)
    r = complete(c, "parallel.bin", upload_id, sorted(etags.items()))
    assert r.status == 200
    data = b"".join(chunks[n] for n in sorted(chunks))
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
    assert c.request("GET", "parallel.bin").body == data
    c.close()


def test_part_bodies_stream_concurrently(cos_emulator, cos_emulator_bucket):
    """A part whose body is still arriving does not hold up other parts of the same upload."""
    import socket

    c = CosHttp(cos_emulator.port, cos_emulator_bucket)
    upload_id = initiate(c, "stream")
    params = {"partNumber": "1", "uploadId": upload_id}
    now = int(time.time())
    headers = {"Host": c.host, "Content-Length": "8"}
    auth = sign(
        method="PUT",
        path="/stream",
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
                "PUT /stream?partNumber=1&uploadId=%s HTTP/1.1\r\nHost: %s\r\nContent-Length: 8\r\n"
                "Authorization: %s\r\n\r\nhalf" % (upload_id, c.host, auth)
            ).encode()
        )
        time.sleep(0.2)
        started = time.time()
        assert upload_part(c, "stream", upload_id, 2, b"part two").status == 200
        assert list_parts(c, "stream", upload_id).status == 200
        assert time.time() - started < 5
        s.sendall(b"done")
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        s.close()
    assert xml_values(list_parts(c, "stream", upload_id).body, "PartNumber") == ["1", "2"]
    c.close()


# -- List Parts -----------------------------------------------------------------------------------


def test_list_parts_paging_with_holes(cos):
    key = "dir/list parts+%.bin"
    upload_id = initiate(cos, key, {"x-cos-storage-class": "STANDARD_IA"})
    sizes = {}
    for n in (8, 1, 5, 2, 3):
        data = os.urandom(100 + n)
        sizes[n] = data
        assert upload_part(cos, key, upload_id, n, data).status == 200

    r = list_parts(cos, key, upload_id)
    assert r.status == 200 and r.headers["content-type"] == "application/xml"
    root = ET.fromstring(r.body)
    assert root.tag == "ListPartsResult"
    assert root.findtext("Bucket") == cos.bucket and root.findtext("Key") == key
    assert root.findtext("UploadId") == upload_id
    assert root.findtext("PartNumberMarker") == "0"
    assert root.findtext("NextPartNumberMarker") == "8"
    assert root.findtext("MaxParts") == "1000"
    assert root.findtext("IsTruncated") == "false"
    assert root.findtext("StorageClass") == "STANDARD_IA"
    assert root.findtext("Owner/ID") == "1250000000" and root.findtext("Owner/DisplayName") == "1250000000"
    assert root.findtext("Initiator/ID") and root.findtext("Initiator/DisplayName")
    assert root.find("EncodingType") is None
    parts = root.findall("Part")
    assert [p.findtext("PartNumber") for p in parts] == ["1", "2", "3", "5", "8"]
    for p in parts:
        n = int(p.findtext("PartNumber"))
        assert p.findtext("ETag") == etag_of(sizes[n])
        assert p.findtext("Size") == str(len(sizes[n]))
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", p.findtext("LastModified"))
    assert b"<ETag>&quot;" in r.body

    pages, marker = [], "0"
    for _ in range(10):
        root = ET.fromstring(list_parts(cos, key, upload_id, max_parts="2", part_number_marker=marker).body)
        assert root.findtext("PartNumberMarker") == marker and root.findtext("MaxParts") == "2"
        numbers = [p.findtext("PartNumber") for p in root.findall("Part")]
        pages.append(numbers)
        assert root.findtext("NextPartNumberMarker") == numbers[-1]
        if root.findtext("IsTruncated") == "false":
            break
        assert root.findtext("IsTruncated") == "true"
        marker = root.findtext("NextPartNumberMarker")
    assert pages == [["1", "2"], ["3", "5"], ["8"]]

    for marker, expected in (("1", ["2", "3", "5", "8"]), ("4", ["5", "8"]), ("5", ["8"]), ("8", []), ("20000", [])):
        root = ET.fromstring(list_parts(cos, key, upload_id, part_number_marker=marker).body)
        assert [p.findtext("PartNumber") for p in root.findall("Part")] == expected, marker
        assert root.findtext("IsTruncated") == "false"
        if not expected:
            assert root.findtext("NextPartNumberMarker") == marker

    # what the official client sends: encoding-type=url always
    r = list_parts(cos, key, upload_id, part_number_marker="0", max_parts="1000", encoding_type="url")
    root = ET.fromstring(r.body)
    assert root.findtext("EncodingType") == "url"
    assert root.findtext("Key") == "dir/list%20parts%2B%25.bin"
    assert unquote(root.findtext("Key")) == key


def test_list_parts_errors(cos):
    upload_id = initiate(cos, "lp")
    for params in (
        {"max_parts": "0"},
        {"max_parts": "1001"},
        {"max_parts": "x"},
        {"part_number_marker": "-1"},
        {"part_number_marker": "a"},
        {"encoding_type": "base64"},
    ):
        r = list_parts(cos, "lp", upload_id, **params)
        assert r.status == 400 and r.error_code() == "InvalidArgument", params
    assert list_parts(cos, "lp", upload_id, max_parts="1000").status == 200
    assert list_parts(cos, "lp", upload_id, max_parts="").status == 200  # empty = default
    r = list_parts(cos, "lp", "1234567890" + "a" * 64)
    assert r.status == 404 and r.error_code() == "NoSuchUpload"
    assert list_parts(cos, "other", upload_id).error_code() == "NoSuchUpload"
    assert list_parts(cos, "lp", "").error_code() == "NoSuchUpload"
    root = ET.fromstring(list_parts(cos, "lp", upload_id).body)
    assert root.findall("Part") == [] and root.findtext("NextPartNumberMarker") == "0"


# -- Abort, buckets, objects ----------------------------------------------------------------------


def test_abort(cos, cos_emulator):
    upload_id = initiate(cos, "ab")
    assert upload_part(cos, "ab", upload_id, 1, b"x" * 1000).status == 200
    blobs = part_blob_ids(cos_emulator, upload_id)
    assert abort(cos, "other", upload_id).error_code() == "NoSuchUpload"
    r = abort(cos, "ab", upload_id)
    assert r.status == 204 and r.body == b""
    assert not any(blob_exists(cos_emulator, b) for b in blobs.values())
    for r in (
        abort(cos, "ab", upload_id),
        list_parts(cos, "ab", upload_id),
        upload_part(cos, "ab", upload_id, 1, b"x"),
        complete(cos, "ab", upload_id, [(1, etag_of(b"x"))]),
    ):
        assert r.status == 404 and r.error_code() == "NoSuchUpload"
    assert cos.request("HEAD", "ab").status == 404


def test_abort_on_bucket_root_never_deletes_the_bucket(cos):
    upload_id = initiate(cos, "root")
    r = cos.request("DELETE", "", params={"uploadId": upload_id})
    assert r.status == 501 and r.error_code() == "NotImplemented"
    assert cos.request("HEAD", "").status == 200
    assert list_parts(cos, "root", upload_id).status == 200


def test_delete_bucket_with_uploads_in_progress(cos_emulator):
    bucket = cos_emulator.create_bucket("mpdelete-1250000000")
    c = CosHttp(cos_emulator.port, bucket)
    upload_id = initiate(c, "k")
    r = c.request("DELETE", "")
    assert r.status == 409 and r.error_code() == "BucketNotEmpty"
    assert abort(c, "k", upload_id).status == 204
    assert c.request("DELETE", "").status == 204
    c.close()


def test_deleting_the_object_does_not_abort_uploads(cos):
    assert cos.request("PUT", "keep", b"object").status == 200
    upload_id = initiate(cos, "keep")
    assert cos.request("DELETE", "keep").status == 204
    e = upload_part(cos, "keep", upload_id, 1, b"part").headers["etag"]
    assert complete(cos, "keep", upload_id, [(1, e)]).status == 200
    assert cos.request("GET", "keep").body == b"part"


def test_initiate_validation(cos):
    for headers, code in (
        ({"x-cos-storage-class": "GOLD"}, "InvalidArgument"),
        ({"x-cos-acl": "everyone"}, "InvalidArgument"),
        ({"x-cos-server-side-encryption": "rot13"}, "InvalidArgument"),
    ):
        r = cos.request("POST", "iv", b"", headers, params={"uploads": ""})
        assert r.status == 400 and r.error_code() == code, headers
    r = cos.request("POST", "k" * 851, b"", params={"uploads": ""})
    assert r.status == 400 and r.error_code() == "KeyTooLong"
    r = cos.request("GET", "", params={"uploads": ""})
    assert b"<Key>iv</Key>" not in r.body


def test_several_uploads_per_key_and_special_keys(cos):
    key = "中文/a b+c&<d>.txt"
    ids = [initiate(cos, key) for _ in range(3)]
    assert len(set(ids)) == 3
    r = cos.request("POST", key, b"", params={"uploads": ""})
    assert ET.fromstring(r.body).findtext("Key") == key
    e = upload_part(cos, key, ids[1], 1, b"middle").headers["etag"]
    r = complete(cos, key, ids[1], [(1, e)])
    assert r.status == 200
    root = ET.fromstring(r.body)
    assert root.findtext("Key") == key
    assert root.findtext("Location") == cos.host + "/%E4%B8%AD%E6%96%87/a%20b%2Bc%26%3Cd%3E.txt"
    assert cos.request("GET", key).body == b"middle"
    assert list_parts(cos, key, ids[0]).status == 200  # the other uploads of the key stay


def test_upload_ids_sort_in_initiation_order_within_a_second():
    now = [1_700_000_000.5]
    with CosEmulator(clock=lambda: now[0]) as emu:
        c = CosHttp(emu.port, BUCKET, clock=lambda: int(now[0]))
        ids = [initiate(c, "same") for _ in range(5)]
        now[0] -= 30  # even a clock going backwards keeps the order
        ids.append(initiate(c, "same"))
        assert ids == sorted(ids) and len(set(ids)) == 6
        assert all(i.startswith("1700000000") for i in ids)
        body = c.request("GET", "", params={"uploads": ""}).body
        assert xml_values(body, "UploadId") == ids
        c.close()


def test_request_log_op_names(cos, cos_emulator):
    upload_id = initiate(cos, "ops")
    e = upload_part(cos, "ops", upload_id, 1, b"x").headers["etag"]
    cos.request("PUT", "ops-src", b"src")
    cos.request(
        "PUT",
        "ops",
        b"",
        {"x-cos-copy-source": f"{cos.host}/ops-src"},
        params={"partNumber": "2", "uploadId": upload_id},
    )
    list_parts(cos, "ops", upload_id)
    cos.request("GET", "", params={"uploads": ""})
    complete(cos, "ops", upload_id, [(1, e)])
    abort(cos, "ops", initiate(cos, "ops"))
    cos.request("POST", "ops-append", b"a", params={"append": "", "position": "0"})
    log = [(e["op"], e["status"]) for e in cos_emulator.requests if e.get("bucket") == cos.bucket]
    assert log == [
        ("InitiateMultipartUpload", 200),
        ("UploadPart", 200),
        ("PutObject", 200),
        ("UploadPartCopy", 200),
        ("ListParts", 200),
        ("ListMultipartUploads", 200),
        ("CompleteMultipartUpload", 200),
        ("InitiateMultipartUpload", 200),
        ("AbortMultipartUpload", 204),
        ("AppendObject", 200),
    ]


def test_anonymous_multipart(cos_emulator):
    private = CosHttp(cos_emulator.port, BUCKET)
    r = private.request("POST", "anon", b"", params={"uploads": ""}, sign_request=False)
    assert r.status == 403 and r.error_code() == "AccessDenied"
    r = private.request("GET", "", params={"uploads": ""}, sign_request=False)
    assert r.status == 403
    bucket = cos_emulator.create_bucket("mppublic-1250000000", acl="public-read-write")
    c = CosHttp(cos_emulator.port, bucket)
    r = c.request("POST", "anon", b"", params={"uploads": ""}, sign_request=False)
    assert r.status == 200
    upload_id = xml_value(r.body, "UploadId")
    r = c.request("PUT", "anon", b"data", params={"partNumber": "1", "uploadId": upload_id}, sign_request=False)
    assert r.status == 200
    body = (
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>"
        % r.headers["etag"]
    ).encode()
    assert c.request("POST", "anon", body, params={"uploadId": upload_id}, sign_request=False).status == 200
    c.close()
    private.close()


# -- persistence ----------------------------------------------------------------------------------


def test_upload_survives_restart_and_ids_keep_growing(tmp_path):
    data_dir = str(tmp_path / "data")
    fixed = lambda: 1_700_000_123.0  # noqa: E731 - one second for both runs
    with CosEmulator(data_dir=data_dir, clock=fixed) as emu:
        c = CosHttp(emu.port, BUCKET, clock=lambda: 1_700_000_123)
        upload_id = initiate(c, "persist", {"Content-Type": "text/csv", "x-cos-meta-run": "1"})
        e1 = upload_part(c, "persist", upload_id, 1, b"1" * MiB).headers["etag"]
        e2 = upload_part(c, "persist", upload_id, 2, b"22").headers["etag"]
        blobs = part_blob_ids(emu, upload_id)
        c.close()
    with CosEmulator(data_dir=data_dir, clock=fixed) as emu:
        assert all(blob_exists(emu, b) for b in blobs.values())  # recovery keeps part bodies
        c = CosHttp(emu.port, BUCKET, clock=lambda: 1_700_000_123)
        later = initiate(c, "persist")
        assert later > upload_id  # same second, still after the older upload
        assert xml_values(list_parts(c, "persist", upload_id).body, "PartNumber") == ["1", "2"]
        assert complete(c, "persist", upload_id, [(1, e1), (2, e2)]).status == 200
        g = c.request("GET", "persist")
        assert g.body == b"1" * MiB + b"22"
        assert g.headers["content-type"] == "text/csv" and g.headers["x-cos-meta-run"] == "1"
        c.close()


def test_schema_v1_data_dir_is_migrated(tmp_path):
    from qcloud_cos.emulator import _store

    root = tmp_path / "old"
    (root / "blobs" / "ab").mkdir(parents=True)
    (root / "tmp").mkdir()
    blob_id = "ab" + "0" * 30
    (root / "blobs" / "ab" / blob_id).write_bytes(b"v1 body")
    db = sqlite3.connect(str(root / "meta.sqlite3"))
    db.executescript(_store._SCHEMA_V1)
    db.execute("INSERT INTO buckets (name, region, acl, created) VALUES (?, 'ap-beijing', 'private', 0)", (BUCKET,))
    db.execute(
        "INSERT INTO objects (bucket, key, blob_id, size, etag, crc64, last_modified, storage_class) "
        "VALUES (?, 'old.txt', ?, 7, ?, ?, 0, 'STANDARD')",
        (BUCKET, blob_id, etag_of(b"v1 body"), str(_crc64.calc(b"v1 body"))),
    )
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    store = Store(str(root))
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == _store.SCHEMA_VERSION == 3
        assert store.get_object(BUCKET, "old.txt").size == 7
    finally:
        store.close()
    with CosEmulator(data_dir=str(root)) as emu:
        c = CosHttp(emu.port, BUCKET)
        assert c.request("GET", "old.txt").body == b"v1 body"
        assert multipart(c, "new.txt", [b"n"]).status == 200
        c.close()
    newer = sqlite3.connect(str(root / "meta.sqlite3"))
    newer.execute("PRAGMA user_version=99")
    newer.commit()
    newer.close()
    with pytest.raises(RuntimeError):
        Store(str(root))


def test_crash_leftovers_do_not_touch_part_bodies(tmp_path):
    data_dir = str(tmp_path / "d")
    with CosEmulator(data_dir=data_dir) as emu:
        c = CosHttp(emu.port, BUCKET)
        upload_id = initiate(c, "crash")
        upload_part(c, "crash", upload_id, 1, b"p1")
        c.close()
        blobs = part_blob_ids(emu, upload_id)
        stray = os.path.join(emu.store.blob_dir, "ff", "f" * 32)
    os.makedirs(os.path.dirname(stray), exist_ok=True)
    with open(stray, "wb") as f:
        f.write(b"orphan")
    with open(os.path.join(data_dir, "tmp", "body-x"), "wb") as f:
        f.write(b"partial")
    with CosEmulator(data_dir=data_dir) as emu:
        assert not os.path.exists(stray)
        assert os.listdir(os.path.join(data_dir, "tmp")) == []
        assert all(blob_exists(emu, b) for b in blobs.values())


def test_reset_drops_uploads(tmp_path):
    with CosEmulator(data_dir=str(tmp_path)) as emu:
        c = CosHttp(emu.port, BUCKET)
        upload_id = initiate(c, "r")
        upload_part(c, "r", upload_id, 1, b"x")
        emu.reset()
        assert list_parts(c, "r", upload_id).error_code() == "NoSuchUpload"
        assert b"<Upload>" not in c.request("GET", "", params={"uploads": ""}).body
        c.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_crc_combine_matches_random_split(cos, seed):
    rnd = random.Random(seed)
    data = os.urandom(3 * MiB + rnd.randrange(1000))
    cuts = sorted([MiB + rnd.randrange(1000), 2 * MiB + rnd.randrange(1000)])
    chunks = [data[: cuts[0]], data[cuts[0] : cuts[1]], data[cuts[1] :]]
    r = multipart(cos, f"split{seed}", chunks)
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
