"""Upload Part - Copy: sources, ranges, the four conditions, errors."""

import hashlib
import os
import re
import time
import xml.etree.ElementTree as ET
from email.utils import formatdate
from urllib.parse import quote

import pytest

from qcloud_cos.emulator import _crc64

from ._cos_http import CosHttp
from ._mp import complete, etag_of, initiate, list_parts

SOURCE = os.urandom(300_000)


@pytest.fixture
def setup(cos):
    assert cos.request("PUT", "src/源 file+%.bin", SOURCE).status == 200
    return cos, initiate(cos, "dst")


def source_header(c, key="src/源 file+%.bin", host=None, bucket=None):
    host = host or f"{bucket or c.bucket}.cos.ap-beijing.myqcloud.com"
    return f"{host}/{quote(key.encode(), safe='/-_.~')}"


def copy(c, upload_id, number=1, source=None, headers=None, key="dst"):
    h = {"x-cos-copy-source": source if source is not None else source_header(c)}
    h.update(headers or {})
    return c.request("PUT", key, b"", h, params={"partNumber": str(number), "uploadId": upload_id})


def test_copy_whole_object(setup):
    c, upload_id = setup
    r = copy(c, upload_id, headers={"x-cos-copy-source-range": ""})  # what the official client sends
    assert r.status == 200, r
    assert r.headers["content-type"] == "application/xml"
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(SOURCE))
    root = ET.fromstring(r.body)
    assert root.tag == "CopyPartResult"
    assert root.findtext("ETag") == etag_of(SOURCE)
    assert b"<ETag>&quot;" in r.body
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", root.findtext("LastModified"))
    assert copy(c, upload_id, 2).status == 200  # no range header at all
    r = complete(c, "dst", upload_id, [(1, etag_of(SOURCE)), (2, etag_of(SOURCE))])
    assert r.status == 400 and r.error_code() == "EntityTooSmall"  # copied parts obey the 1 MiB rule too
    r = complete(c, "dst", upload_id, [(2, etag_of(SOURCE))])
    assert r.status == 200
    assert c.request("GET", "dst").body == SOURCE


@pytest.mark.parametrize(
    "rng,start,end",
    [
        ("bytes=0-9", 0, 9),
        ("bytes=5-5", 5, 5),
        ("bytes=299999-299999", 299999, 299999),
        ("bytes=1000-299999", 1000, 299999),
        ("bytes=0-299999", 0, 299999),
    ],
)
def test_copy_ranges(setup, rng, start, end):
    c, upload_id = setup
    r = copy(c, upload_id, headers={"x-cos-copy-source-range": rng})
    assert r.status == 200, r
    piece = SOURCE[start : end + 1]
    assert ET.fromstring(r.body).findtext("ETag") == etag_of(piece)
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(piece))
    assert complete(c, "dst", upload_id, [(1, etag_of(piece))]).status == 200
    assert c.request("GET", "dst").body == piece


@pytest.mark.parametrize(
    "rng",
    [
        "bytes=5-2",
        "bytes=0-300000",
        "bytes=300000-300001",
        "bytes=-5",
        "bytes=5-",
        "items=0-1",
        "bytes=0-1,3-4",
        "0-1",
        "bytes=a-b",
    ],
)
def test_invalid_ranges(setup, rng):
    c, upload_id = setup
    r = copy(c, upload_id, headers={"x-cos-copy-source-range": rng})
    assert r.status == 400 and r.error_code() == "InvalidArgument", rng
    assert list_parts(c, "dst", upload_id).body.count(b"<Part>") == 0


def test_conditions(setup):
    c, upload_id = setup
    etag = etag_of(SOURCE)
    past = formatdate(time.time() - 3600, usegmt=True)
    future = formatdate(time.time() + 3600, usegmt=True)
    ok = [
        {"x-cos-copy-source-If-Match": etag},
        {"x-cos-copy-source-If-Match": etag.strip('"')},
        {"x-cos-copy-source-If-Match": '"nope", ' + etag},
        {"x-cos-copy-source-If-None-Match": '"nope"'},
        {"x-cos-copy-source-If-Modified-Since": past},
        {"x-cos-copy-source-If-Unmodified-Since": future},
        {"X-COS-COPY-SOURCE-IF-MATCH": etag},  # names are case-insensitive
        {"x-cos-copy-source-if-none-match": '"other"'},
        {"x-cos-copy-source-If-Match": etag, "x-cos-copy-source-If-Unmodified-Since": past},  # If-Match wins
        {"x-cos-copy-source-If-Modified-Since": "not a date"},  # ignored
    ]
    failing = [
        {"x-cos-copy-source-If-Match": '"nope"'},
        {"x-cos-copy-source-If-None-Match": etag},
        {"x-cos-copy-source-If-None-Match": "*"},
        {"x-cos-copy-source-If-Modified-Since": future},
        {"x-cos-copy-source-If-Unmodified-Since": past},
        {"x-cos-copy-source-if-match": '"nope"'},
        {"X-Cos-Copy-Source-If-Unmodified-Since": past},
    ]
    # as for GET (RFC 7232, S3): a present If-None-Match makes If-Modified-Since moot
    ok.append({"x-cos-copy-source-If-None-Match": '"other"', "x-cos-copy-source-If-Modified-Since": future})
    failing.append({"x-cos-copy-source-If-None-Match": etag, "x-cos-copy-source-If-Modified-Since": past})
    for headers in ok:
        r = copy(c, upload_id, headers=headers)
        assert r.status == 200, (headers, r)
    for headers in failing:
        r = copy(c, upload_id, 2, headers=headers)
        assert r.status == 412 and r.error_code() == "PreconditionFailed", (headers, r)
    numbers = re.findall(rb"<PartNumber>(\d+)</PartNumber>", list_parts(c, "dst", upload_id).body)
    assert numbers == [b"1"]


def test_source_errors(setup, cos_emulator):
    c, upload_id = setup
    r = copy(c, upload_id, source=source_header(c, key="missing"))
    assert r.status == 404 and r.error_code() == "NoSuchKey"
    r = copy(c, upload_id, source=source_header(c, bucket="nosuch-1250000000"))
    assert r.status == 404 and r.error_code() == "NoSuchBucket"
    host = f"{c.bucket}.cos.ap-beijing.myqcloud.com"
    for bad in (
        "",
        "no-slash",
        f"{host}/",
        f"http://{host}/k",
        f"https://{host}/k",
        "cos.ap-beijing.myqcloud.com/k",
        f"{c.bucket}.example.com/k",
        "nobucketappid.cos.ap-beijing.myqcloud.com/k",
        f"{host}/%FF%FE",
    ):
        r = copy(c, upload_id, source=bad)
        assert r.status == 400 and r.error_code() == "InvalidArgument", (bad, r)
    r = copy(c, upload_id, source=source_header(c) + "?versionId=abc")
    assert r.status == 501 and r.error_code() == "NotImplemented"
    assert copy(c, upload_id, source=source_header(c) + "?versionId=null").status == 200
    r = copy(c, "1234567890" + "0" * 64)
    assert r.status == 404 and r.error_code() == "NoSuchUpload"
    r = copy(c, upload_id, number=0)
    assert r.status == 400 and r.error_code() == "InvalidArgument"
    r = copy(c, upload_id, key="other")
    assert r.status == 404 and r.error_code() == "NoSuchUpload"


@pytest.mark.parametrize(
    "host",
    [
        "{b}.cos.ap-guangzhou.myqcloud.com",
        "{b}.cos-internal.ap-beijing.tencentcos.cn",
        "{b}.cos.ap-beijing.tencentcos.cn",
        "{b}.ap-beijing.myqcloud.com",
        "{b}.COS.AP-BEIJING.MYQCLOUD.COM",
    ],
)
def test_cross_bucket_and_host_forms(cos, cos_emulator, host):
    src_bucket = f"copysrc{len(host)}{host[4:7].replace('.', '').replace('-', '').lower()}-1250000000"
    if cos_emulator.store.get_bucket(src_bucket) is None:
        cos_emulator.create_bucket(src_bucket)
    s = CosHttp(cos.port, src_bucket)
    data = os.urandom(5000)
    assert s.request("PUT", "中文/a b.txt", data).status == 200
    s.close()
    upload_id = initiate(cos, "x")
    header = source_header(cos, key="中文/a b.txt", host=host.format(b=src_bucket))
    r = copy(cos, upload_id, source=header, key="x", headers={"x-cos-copy-source-range": "bytes=10-19"})
    assert r.status == 200, r
    assert ET.fromstring(r.body).findtext("ETag") == etag_of(data[10:20])


@pytest.mark.parametrize(
    "host,code",
    [
        ("{B}.cos.ap-beijing.myqcloud.com", "InvalidBucketName"),  # upper case: was copied
        ("{b}.cos.ap-nowhere.myqcloud.com", "InvalidRegionName"),  # no such region: was copied
    ],
)
def test_copy_source_host_follows_the_host_rules(cos, host, code):
    assert cos.request("PUT", "src", b"0123456789").status == 200
    upload_id = initiate(cos, "x")
    header = source_header(cos, key="src", host=host.format(b=cos.bucket, B=cos.bucket.upper()))
    r = copy(cos, upload_id, source=header, key="x")
    assert r.status == 400 and r.error_code() == code, r


def test_copy_from_appendable_source_copies_published_bytes(cos):
    assert cos.request("POST", "app", b"0123456789", params={"append": "", "position": "0"}).status == 200
    upload_id = initiate(cos, "fromapp")
    r = copy(cos, upload_id, source=source_header(cos, key="app"), key="fromapp")
    assert r.status == 200 and ET.fromstring(r.body).findtext("ETag") == etag_of(b"0123456789")


def test_anonymous_copy_needs_a_readable_source(cos_emulator):
    dst = cos_emulator.create_bucket("copyanon-1250000000", acl="public-read-write")
    c = CosHttp(cos_emulator.port, dst)
    private = CosHttp(cos_emulator.port, "examplebucket-1250000000")
    assert private.request("PUT", "secret", b"s").status == 200
    assert private.request("PUT", "open", b"o", {"x-cos-acl": "public-read"}).status == 200
    upload_id = initiate(c, "k")
    src = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com/"
    h = {"x-cos-copy-source": src + "secret"}
    r = c.request("PUT", "k", b"", h, params={"partNumber": "1", "uploadId": upload_id}, sign_request=False)
    assert r.status == 403 and r.error_code() == "AccessDenied"
    h = {"x-cos-copy-source": src + "open"}
    r = c.request("PUT", "k", b"", h, params={"partNumber": "1", "uploadId": upload_id}, sign_request=False)
    assert r.status == 200
    assert hashlib.md5(b"o").hexdigest() in r.body.decode()
    c.close()
    private.close()
