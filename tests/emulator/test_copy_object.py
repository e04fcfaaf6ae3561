"""PUT Object - Copy: metadata directive, what is never copied, conditions, errors, Error-in-200."""

import os
import xml.etree.ElementTree as ET

from qcloud_cos.emulator import _crc64

from .test_copy_part import source_header

DATA = os.urandom(200_000)
SRC = "copy-src/源 a+%.bin"
META = {
    "Content-Type": "text/x-src",
    "Cache-Control": "max-age=9",
    "Content-Disposition": "attachment",
    "x-cos-meta-colour": "blue",
    "x-cos-storage-class": "STANDARD_IA",
    "x-cos-acl": "public-read",
}


def _put_source(cos, key=SRC, data=DATA):
    r = cos.request("PUT", key, data, dict(META))
    assert r.status == 200, r
    return r.headers["etag"]


def _copy(cos, key, headers=None, source=None):
    h = {"x-cos-copy-source": source or source_header(cos, key=SRC)}
    h.update(headers or {})
    return cos.request("PUT", key, b"", h)


def _result(r):
    root = ET.fromstring(r.body)
    assert root.tag == "CopyObjectResult"
    return {child.tag: child.text for child in root}


def test_copy_keeps_the_bytes_and_the_metadata_by_default(cos):
    etag = _put_source(cos)
    r = _copy(cos, "copy-dst/default", {"Content-Type": "ignored/x", "x-cos-meta-colour": "red"})
    assert r.status == 200, r
    fields = _result(r)
    assert fields["ETag"] == etag and fields["CRC64"] == str(_crc64.calc(DATA))
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(DATA)) and fields["LastModified"]
    got = cos.request("GET", "copy-dst/default")
    assert got.body == DATA
    assert got.headers["content-type"] == "text/x-src"
    assert got.headers["cache-control"] == "max-age=9" and got.headers["content-disposition"] == "attachment"
    assert got.headers["x-cos-meta-colour"] == "blue"


def test_storage_class_and_acl_are_never_copied(cos):
    _put_source(cos)
    assert _copy(cos, "copy-dst/class").status == 200
    head = cos.request("HEAD", "copy-dst/class")
    assert head.headers.get("x-cos-storage-class", "STANDARD") == "STANDARD"
    acl = cos.request("GET", "copy-dst/class", params={"acl": ""})
    assert acl.status == 200 and b"AllUsers" not in acl.body  # not public-read like the source
    assert b"AllUsers" in cos.request("GET", SRC, params={"acl": ""}).body
    assert _copy(cos, "copy-dst/class2", {"x-cos-storage-class": "ARCHIVE"}).status == 200
    assert cos.request("HEAD", "copy-dst/class2").headers["x-cos-storage-class"] == "ARCHIVE"


def test_replaced_takes_the_requests_metadata(cos):
    _put_source(cos)
    r = _copy(
        cos,
        "copy-dst/replaced",
        {"x-cos-metadata-directive": "Replaced", "Content-Type": "text/new", "x-cos-meta-size": "L"},
    )
    assert r.status == 200, r
    got = cos.request("GET", "copy-dst/replaced")
    assert got.body == DATA and got.headers["content-type"] == "text/new"
    assert got.headers["x-cos-meta-size"] == "L" and "x-cos-meta-colour" not in got.headers
    assert "cache-control" not in got.headers


def test_bad_directive_and_self_copy_that_changes_nothing_are_refused(cos):
    _put_source(cos)
    r = _copy(cos, "copy-dst/bad", {"x-cos-metadata-directive": "COPY"})
    assert (r.status, r.error_code()) == (400, "InvalidArgument")
    r = cos.request(
        "PUT", SRC, b"", {"x-cos-copy-source": source_header(cos, key=SRC), "x-cos-storage-class": "STANDARD_IA"}
    )  # the source's own class
    assert (r.status, r.error_code()) == (400, "InvalidRequest")
    r = cos.request(
        "PUT",
        SRC,
        b"",
        {"x-cos-copy-source": source_header(cos, key=SRC), "x-cos-metadata-directive": "Replaced", "x-cos-meta-n": "1"},
    )
    assert r.status == 200 and cos.request("HEAD", SRC).headers["x-cos-meta-n"] == "1"
    assert cos.request("GET", SRC).body == DATA
    assert cos.request("HEAD", "copy-dst/bad").status == 404


def test_conditions_pin_the_source(cos):
    etag = _put_source(cos)
    r = _copy(cos, "copy-dst/cond", {"x-cos-copy-source-If-Match": '"0123456789abcdef0123456789abcdef"'})
    assert (r.status, r.error_code()) == (412, "PreconditionFailed")
    assert cos.request("HEAD", "copy-dst/cond").status == 404
    assert _copy(cos, "copy-dst/cond", {"x-cos-copy-source-If-Match": etag}).status == 200
    r = _copy(cos, "copy-dst/cond2", {"x-cos-copy-source-If-None-Match": etag})
    assert (r.status, r.error_code()) == (412, "PreconditionFailed")


def test_missing_source_and_other_bucket(cos):
    r = _copy(cos, "copy-dst/missing", source=source_header(cos, key="copy-src/none"))
    assert (r.status, r.error_code()) == (404, "NoSuchKey")
    r = _copy(cos, "copy-dst/missing", source=source_header(cos, key=SRC, bucket="nobucket-1250000000"))
    assert (r.status, r.error_code()) == (404, "NoSuchBucket")
    r = _copy(cos, "copy-dst/missing", source="no-slash-at-all")
    assert (r.status, r.error_code()) == (400, "InvalidArgument")


def test_copy_across_buckets(cos, cos_emulator):
    from ._cos_http import CosHttp

    other = "copyother-1250000000"
    cos_emulator.create_bucket(other)
    _put_source(cos)
    dst = CosHttp(cos_emulator.port, other)
    r = dst.request("PUT", "from-first", b"", {"x-cos-copy-source": source_header(cos, key=SRC)})
    assert r.status == 200, r
    assert dst.request("GET", "from-first").body == DATA


def test_error_inside_a_200_writes_nothing(cos, cos_emulator):
    _put_source(cos)
    cos_emulator.add_fault("kind=error200,op=PutObjectCopy,code=InternalError")
    r = _copy(cos, "copy-dst/e200")
    assert r.status == 200 and r.error_code() == "InternalError"
    assert cos.request("HEAD", "copy-dst/e200").status == 404
