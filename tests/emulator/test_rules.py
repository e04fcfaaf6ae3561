"""Unit tests of the emulator's pure rules: no socket, no SQLite, no files."""

import hashlib

import pytest

from qcloud_cos.emulator import _crc64, _render
from qcloud_cos.emulator._errors import CosError
from qcloud_cos.emulator._multipart import (
    combined_crc64,
    multipart_etag,
    parse_complete_body,
    parse_part_number,
    plan_completion,
)
from qcloud_cos.emulator._routes import OPERATIONS, route, select_operation
from qcloud_cos.emulator._store import ListResult, ObjectRecord, PartRecord, UploadListResult, UploadRecord, roll_up
from qcloud_cos.emulator._wire import Request

BUCKET = "examplebucket-1250000000"
HOST = f"{BUCKET}.cos.ap-guangzhou.myqcloud.com"


def _part(number, data):
    md5 = hashlib.md5(data).hexdigest()
    crc = _crc64.Crc64()
    crc.update(data)
    return PartRecord("u", number, f"{number:032x}", len(data), f'"{md5}"', crc.value, 0.0)


def _code(excinfo):
    return excinfo.value.code


# -- plan_completion -------------------------------------------------------------------

DATA = {1: b"a" * 10, 2: b"b" * 10, 3: b"c" * 4}
STORED = {n: _part(n, d) for n, d in DATA.items()}


def _listed(*numbers):
    return [(n, STORED[n].etag) for n in numbers]


def test_plan_computes_size_etag_and_crc_of_the_concatenation():
    plan = plan_completion(_listed(1, 2, 3), STORED, min_part_size=10, allow_gaps=True)
    whole = DATA[1] + DATA[2] + DATA[3]
    crc = _crc64.Crc64()
    crc.update(whole)
    digests = b"".join(hashlib.md5(DATA[n]).digest() for n in (1, 2, 3))
    assert plan.size == len(whole)
    assert plan.crc64 == crc.value
    assert plan.etag == f'"{hashlib.md5(digests).hexdigest()}-3"'
    assert [p.part_number for p in plan.parts] == [1, 2, 3]


def test_plan_etag_match_ignores_quotes_case_and_spaces():
    listed = [(1, " " + STORED[1].etag.strip('"').upper() + " ")]
    assert plan_completion(listed, STORED, min_part_size=0, allow_gaps=True).parts == (STORED[1],)


@pytest.mark.parametrize(
    "listed,code",
    [
        (_listed(2, 1), "InvalidPartOrder"),
        (_listed(1, 1), "InvalidPartOrder"),
        ([(1, STORED[1].etag), (4, STORED[1].etag)], "InvalidPart"),  # not uploaded
        ([(1, STORED[2].etag)], "InvalidPart"),  # ETag mismatch
        ([(4, '"00"'), (1, STORED[1].etag)], "InvalidPartOrder"),  # order is checked before the parts
    ],
)
def test_plan_refuses(listed, code):
    with pytest.raises(CosError) as excinfo:
        plan_completion(listed, STORED, min_part_size=0, allow_gaps=True)
    assert _code(excinfo) == code


def test_plan_gap_rule_only_when_gaps_are_not_allowed():
    assert plan_completion(_listed(1, 3), STORED, min_part_size=0, allow_gaps=True).size == 14
    for listed in (_listed(1, 3), _listed(2, 3)):
        with pytest.raises(CosError) as excinfo:
            plan_completion(listed, STORED, min_part_size=0, allow_gaps=False)
        assert _code(excinfo) == "InvalidPart"
    assert plan_completion(_listed(1, 2), STORED, min_part_size=0, allow_gaps=False).size == 20


def test_plan_minimum_size_applies_to_every_part_but_the_last():
    assert plan_completion(_listed(1, 3), STORED, min_part_size=10, allow_gaps=True).size == 14  # 3 is last
    small = {1: _part(1, b"x"), 2: _part(2, b"y" * 10)}
    with pytest.raises(CosError) as excinfo:
        plan_completion([(1, small[1].etag), (2, small[2].etag)], small, min_part_size=10, allow_gaps=True)
    assert _code(excinfo) == "EntityTooSmall"


def test_plan_invalid_part_wins_over_gap_and_size():
    small = {1: _part(1, b"x"), 3: _part(3, b"y")}
    with pytest.raises(CosError) as excinfo:
        plan_completion([(1, small[1].etag), (3, '"00"')], small, min_part_size=10, allow_gaps=False)
    assert _code(excinfo) == "InvalidPart" and "consecutive" not in excinfo.value.message


def test_multipart_etag_and_crc_helpers():
    assert multipart_etag(['"' + "00" * 16 + '"']) == f'"{hashlib.md5(bytes(16)).hexdigest()}-1"'
    a, b = b"hello ", b"world"
    ca, cb, cab = _crc64.Crc64(), _crc64.Crc64(), _crc64.Crc64()
    ca.update(a), cb.update(b), cab.update(a + b)
    assert combined_crc64([(ca.value, len(a)), (cb.value, len(b))]) == cab.value


# -- parse_complete_body / parse_part_number -------------------------------------------


def test_parse_complete_body_in_document_order_with_namespace():
    body = (
        b'<CompleteMultipartUpload xmlns="http://s3"><Part><PartNumber>2</PartNumber><ETag>"b"</ETag></Part>'
        b"<Other/><Part><ETag> a </ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>"
    )
    assert parse_complete_body(body) == [(2, '"b"'), (1, "a")]


@pytest.mark.parametrize(
    "body",
    [
        b"<CompleteMultipartUpload>",
        b"<Other><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Other>",
        b"<CompleteMultipartUpload></CompleteMultipartUpload>",
        b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>",
        b"<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>",
        b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
        b'<!DOCTYPE x [<!ENTITY e "1">]><CompleteMultipartUpload/>',
    ],
)
def test_parse_complete_body_malformed(body):
    with pytest.raises(CosError) as excinfo:
        parse_complete_body(body)
    assert _code(excinfo) == "MalformedXML"


@pytest.mark.parametrize(
    "value,ok",
    [
        ("1", True),
        ("10000", True),
        ("0", False),
        ("10001", False),
        ("+1", False),
        (" 1", False),
        ("", False),
        (None, False),
        ("١", False),
    ],
)
def test_parse_part_number(value, ok):
    if ok:
        assert parse_part_number(value) == int(value)
    else:
        with pytest.raises(CosError) as excinfo:
            parse_part_number(value)
        assert _code(excinfo) == "InvalidArgument"


# -- the operation table and routing ---------------------------------------------------


class _NoBody:
    length, chunked = 0, False

    def read(self, n):
        return b""


def _req(method, target, headers=(), host=HOST):
    path, _, query = target.partition("?")
    return Request(method, target, path, query, host, [("Host", host), *headers], _NoBody())


@pytest.mark.parametrize(
    "method,target,headers,op",
    [
        ("PUT", "/", (), "PutBucket"),
        ("GET", "/", (), "GetBucket"),
        ("GET", "/?uploads", (), "ListMultipartUploads"),
        ("GET", "/?cors&uploads", (), "ListMultipartUploads"),  # sub-resources tried in sorted order
        ("GET", "/?acl&uploads", (), "GetBucketAcl"),  # the first that names a row wins
        ("PUT", "/k", (), "PutObject"),
        ("PUT", "/k", (("x-cos-copy-source", "b/k"),), "PutObjectCopy"),
        ("PUT", "/", (("x-cos-copy-source", "b/k"),), "PutBucket"),
        ("GET", "/k", (("x-cos-copy-source", "b/k"),), "GetObject"),
        ("PUT", "/k?partNumber=1&uploadId=u", (), "UploadPart"),
        ("PUT", "/k?partNumber=1&uploadId=u", (("X-Cos-Copy-Source", "b/k"),), "UploadPartCopy"),
        ("POST", "/k?uploads", (("x-cos-copy-source", "b/k"),), "InitiateMultipartUpload"),
        ("POST", "/k?uploadId=u", (), "CompleteMultipartUpload"),
        ("DELETE", "/k?uploadId=u", (), "AbortMultipartUpload"),
        ("DELETE", "/?uploadId=u", (), "DeleteBucketUploadid"),  # not an Abort on the bucket root
        ("PUT", "/k?acl", (), "PutObjectAcl"),
        ("GET", "/?list-type=2", (), "ListObjectsV2"),
        ("GET", "/?object-lock", (), "GetBucketObjectlock"),
        ("POST", "/k", (), "PostObject"),
        ("PATCH", "/", (), "PatchBucket"),
        # never act on a request the emulator does not understand (issue 8): these were a PUT Object,
        # a PUT Bucket and a PUT Object of "k"
        ("PUT", "/k?live", (), "PutObjectLive"),
        ("PUT", "/?intelligent-tiering", (), "PutBucketIntelligenttiering"),
        ("PUT", "/k?foo=bar", (), "PutObjectFoo"),
        ("DELETE", "/?x", (), "DeleteBucketX"),
        ("GET", "/k?imageMogr2/thumbnail/!50p", (), "GetObjectProcessing"),
        # what plain operations do understand still routes to them
        ("GET", "/k?t=123", (), "GetObject"),  # a browser's cache-busting parameter
        ("GET", "/k?response-content-type=a%2Fb&versionId=null", (), "GetObject"),
        ("DELETE", "/k?versionId=null", (), "DeleteObject"),
        ("PUT", "/k?q-sign-algorithm=sha1&x-cos-security-token=t", (), "PutObject"),
    ],
)
def test_select_operation(method, target, headers, op):
    r = route(_req(method, target, headers))
    assert r.op == op
    assert (r.operation is None) == (op not in {o.name for o in OPERATIONS})


def test_every_implemented_row_names_a_cos_app_method():
    from qcloud_cos.emulator._app import CosApp

    for operation in OPERATIONS:
        assert operation.handler is None or callable(getattr(CosApp, operation.handler)), operation


def test_route_host_forms_and_key_decoding():
    for host, region in [
        (HOST + ":8080", "ap-guangzhou"),
        (f"{BUCKET}.cos-internal.ap-beijing.myqcloud.com", "ap-beijing"),
        (f"{BUCKET}.cos.ap-shanghai.tencentcos.cn.", "ap-shanghai"),
        (f"{BUCKET}.ap-chengdu.myqcloud.com", "ap-chengdu"),
    ]:
        r = route(_req("GET", "/a%2Bb+c/%E4%B8%AD", host=host))
        assert (r.bucket, r.region, r.key) == (BUCKET, region, "a+b+c/中")
    for host in ("127.0.0.1:9000", "cos.ap-guangzhou.myqcloud.com", ""):
        with pytest.raises(CosError) as excinfo:
            route(_req("GET", "/k", host=host))
        assert _code(excinfo) == "InvalidURI"
    with pytest.raises(CosError) as excinfo:
        route(_req("GET", "/%FF"))
    assert _code(excinfo) == "InvalidURI"


def test_select_operation_is_pure():
    assert select_operation(_req("GET", "/"), key="k", params={"uploadid": "u"})[0] == "ListParts"


# -- the listing roll-up ---------------------------------------------------------------


def _page(keys, *, prefix="", delimiter="", marker="", limit=1000):
    """``roll_up`` over sorted ``keys``, started the way GET Bucket starts (after the marker)."""
    keys = sorted(keys)
    start = (lambda k: k > marker) if marker >= prefix else (lambda k: k >= prefix)

    def fetch(restart):
        return iter([k for k in keys if (start(k) if restart is None else k >= restart)])

    return roll_up(fetch, key_of=lambda k: k, prefix=prefix, delimiter=delimiter, marker=marker, limit=limit)


def test_roll_up_groups_at_the_delimiter_and_counts_a_prefix_once():
    keys = ["a/1", "a/2", "b", "c/x/1", "c/y", "d"]
    page = _page(keys, delimiter="/", limit=3)
    assert (page.items, page.prefixes, page.truncated, page.last) == (["b"], ["a/", "c/"], True, "c/")
    assert page.last_item is None  # the page ended on a prefix
    page = _page(keys, delimiter="/", marker="c/", limit=3)
    assert (page.items, page.prefixes, page.truncated) == (["d"], [], False)
    page = _page(keys, prefix="c/", delimiter="/")
    assert (page.items, page.prefixes) == (["c/y"], ["c/x/"])


def test_roll_up_a_prefix_equal_to_the_marker_is_not_repeated():
    page = _page(["a/1", "a/2", "b"], delimiter="/", marker="a/")
    assert (page.items, page.prefixes) == (["b"], [])
    page = _page(["a/1", "a/2", "b"], delimiter="/", marker="a/1")  # a/2 still rolls up into a/
    assert (page.items, page.prefixes) == (["b"], ["a/"])


def test_roll_up_stops_past_the_prefix_and_truncates_on_an_item():
    page = _page(["a", "b1", "b2", "c"], prefix="b")
    assert (page.items, page.truncated) == (["b1", "b2"], False)
    page = _page(["a", "b", "c"], limit=2)
    assert (page.items, page.truncated, page.last, page.last_item) == (["a", "b"], True, "b", "b")
    assert _page(["a"], limit=0).items == []


def test_roll_up_filters_when_a_prefix_has_no_successor():
    top = chr(0x10FFFF)
    page = _page(["a" + top + "1", "a" + top + "2", "b"], delimiter=top)
    assert (page.items, page.prefixes) == (["b"], ["a" + top])


# -- documents -------------------------------------------------------------------------


def test_list_documents_keep_cos_spellings():
    objects = ListResult([ObjectRecord(BUCKET, 'k"&', 3, '"e"', 0, 0.0)], ["p/"], False, None)
    body = _render.list_bucket_result(
        objects, bucket=BUCKET, prefix="", marker="", delimiter="/", max_keys=5, encoded=True
    )
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>')
    assert b"<EncodingType>url</EncodingType>" in body and b"<ETag>&quot;e&quot;</ETag>" in body
    assert b"<Key>k%22%26</Key>" in body and b"<Owner><ID>1250000000</ID>" in body
    uploads = UploadListResult([UploadRecord("u1", BUCKET, "k", 0.0)], [], False, None, None)
    body = _render.list_uploads_result(
        uploads,
        bucket=BUCKET,
        prefix="",
        delimiter="",
        key_marker="",
        upload_id_marker="",
        max_uploads=10,
        encoded=True,
    )
    assert b"<Encoding-Type>url</Encoding-Type>" in body and b"<KeyMarker/>" in body
    assert b"<Initiator><ID>qcs::cam::uin/1250000000:uin/1250000000</ID>" in body
    assert _render.initiate_result(UploadRecord("u1", BUCKET, "k&", 0.0)) == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult>'
        b"<Bucket>examplebucket-1250000000</Bucket><Key>k&amp;</Key><UploadId>u1</UploadId>"
        b"</InitiateMultipartUploadResult>"
    )
