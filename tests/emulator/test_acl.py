"""Bucket and object ACLs (issue 8): GET / PUT ``?acl``, canned ACLs, grant headers, policies.

The pure rules (``_acl``) are unit-tested first; then raw HTTP against the session emulator.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
import xml.etree.ElementTree as ET

import pytest

from qcloud_cos.emulator import _acl
from qcloud_cos.emulator._errors import CosError
from qcloud_cos.emulator._store import Store

from ._cos_http import CosHttp

APPID = "1250000000"
OWNER = f"qcs::cam::uin/{APPID}:uin/{APPID}"
ALL = "http://cam.qcloud.com/groups/global/AllUsers"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}type"


def grants_of(body: bytes):
    """``[(permission, grantee id or URI, xsi:type)]`` of an AccessControlPolicy document."""
    root = ET.fromstring(body)
    assert root.tag == "AccessControlPolicy"
    out = []
    for grant in root.find("AccessControlList"):
        who = grant.find("Grantee")
        ident = who.findtext("ID") or who.findtext("URI")
        out.append((grant.findtext("Permission"), ident, who.get(XSI)))
    return out


def owner_of(body: bytes):
    root = ET.fromstring(body)
    return root.findtext("Owner/ID"), root.findtext("Owner/DisplayName")


def policy(*grants, owner=OWNER) -> bytes:
    items = []
    for permission, who in grants:
        if who.startswith("http"):
            grantee = f'<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>{who}</URI></Grantee>'
        else:
            grantee = f'<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>{who}</ID></Grantee>'
        items.append(f"<Grant>{grantee}<Permission>{permission}</Permission></Grant>")
    return (
        f"<AccessControlPolicy><Owner><ID>{owner}</ID></Owner>"
        f"<AccessControlList>{''.join(items)}</AccessControlList></AccessControlPolicy>"
    ).encode()


# -- the rules (no I/O) ----------------------------------------------------------------------


def headers(**values):
    return {name.replace("_", "-"): value for name, value in values.items()}


def test_grant_header_forms_normalise_to_cam_ids():
    acl = _acl.from_headers(
        headers(
            **{
                "x_cos_grant_read": 'id="100000000011", id="100000000011/100000000012"',
                "x_cos_grant_full_control": 'id="qcs::cam::uin/100000000013:uin/100000000013"',
            }
        ),
        default="default",
        allowed=_acl.OBJECT_ACLS,
    )
    assert acl == _acl.Acl(
        "default",
        (
            ("READ", "qcs::cam::uin/100000000011:uin/100000000011"),
            ("READ", "qcs::cam::uin/100000000011:uin/100000000012"),
            ("FULL_CONTROL", "qcs::cam::uin/100000000013:uin/100000000013"),
        ),
    )


def test_no_acl_header_is_no_acl():
    assert _acl.from_headers({}, default="default", allowed=_acl.OBJECT_ACLS) is None
    empty = {"x-cos-acl": " ", "x-cos-grant-read": "", "x-cos-tagging": "a=1"}
    assert _acl.from_headers(empty, default="default", allowed=_acl.OBJECT_ACLS) is None


@pytest.mark.parametrize(
    "grant,canned",
    [
        ('uri="http://cam.qcloud.com/groups/global/AllUsers"', "public-read"),
        ('id="qcs::cam::anyone:anyone"', "public-read"),
    ],
)
def test_a_read_grant_to_everyone_is_the_public_read_acl(grant, canned):
    acl = _acl.from_headers({"x-cos-grant-read": grant}, default="private", allowed=_acl.BUCKET_ACLS)
    assert acl == _acl.Acl(canned)
    both = _acl.from_headers(
        {"x-cos-acl": "public-read", "x-cos-grant-write": grant}, default="private", allowed=_acl.BUCKET_ACLS
    )
    assert both == _acl.Acl("public-read-write")


def test_write_only_for_everyone_stays_an_explicit_grant():
    acl = _acl.from_headers({"x-cos-grant-write": f'uri="{ALL}"'}, default="private", allowed=_acl.BUCKET_ACLS)
    assert acl == _acl.Acl("private", (("WRITE", ALL),))


@pytest.mark.parametrize(
    "name,value",
    [
        ("x-cos-acl", "public"),
        ("x-cos-acl", "default"),  # not a bucket ACL
        ("x-cos-grant-read", 'id=""'),
        ("x-cos-grant-read", "100000000011"),  # not id="..."
        ("x-cos-grant-read", 'id="alice"'),
        ("x-cos-grant-read", 'id="1",'),
        ("x-cos-grant-write", 'uri="http://example.com/group"'),
        ("x-cos-grant-read-acp", "id='1'"),
    ],
)
def test_bad_acl_headers_are_invalid_argument(name, value):
    with pytest.raises(CosError) as e:
        _acl.from_headers({name: value}, default="private", allowed=_acl.BUCKET_ACLS)
    assert e.value.code == "InvalidArgument" and name in str(e.value.message)


def test_policy_round_trip_and_the_implied_owner_grant():
    body = policy(("FULL_CONTROL", OWNER), ("READ", ALL), ("WRITE_ACP", "qcs::cam::uin/1:uin/2"))
    acl = _acl.parse_policy(body, owner=OWNER, base="private")
    assert acl == _acl.Acl("public-read", (("WRITE_ACP", "qcs::cam::uin/1:uin/2"),))
    assert _acl.policy_grants(acl, owner=OWNER) == [
        ("FULL_CONTROL", OWNER),
        ("READ", ALL),
        ("WRITE_ACP", "qcs::cam::uin/1:uin/2"),
    ]
    assert _acl.parse_policy(policy(), owner=OWNER, base="private") == _acl.Acl("private")


@pytest.mark.parametrize(
    "body,message",
    [
        (b"<AccessControlPolicy><AccessControlList>", "not well-formed"),
        (b"<Policy><AccessControlList/></Policy>", "not well-formed"),
        (
            b"<AccessControlPolicy><Owner><ID>" + OWNER.encode() + b"</ID></Owner></AccessControlPolicy>",
            "not well-formed",
        ),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><AccessControlPolicy/>', "not well-formed"),
        (
            policy(("READ", "qcs::cam::uin/1:uin/1")).replace(b"<Permission>READ", b"<Permission>PEEK"),
            "not well-formed",
        ),
        (policy(("READ", "qcs::cam::uin/1:uin/1")).replace(b"<Permission>READ</Permission>", b""), "not well-formed"),
        (policy(("READ", "qcs::cam::uin/1:uin/1")).replace(b"ID>", b"Name>"), "not well-formed"),
        (policy(("READ", "alice")), "Grantee"),
        (policy(("READ", "http://example.com/group")), "Grantee"),
        (policy(owner="qcs::cam::uin/999:uin/999"), "Owner"),
    ],
)
def test_malformed_policies(body, message):
    with pytest.raises(CosError) as e:
        _acl.parse_policy(body, owner=OWNER, base="private")
    assert e.value.code == "InvalidArgument" and message in e.value.message


def test_grants_stored_before_acls_were_served_are_read():
    legacy = {"x-cos-grant-read": 'id="100000000011"', "x-cos-grant-write": "junk"}
    assert _acl.stored_grants(legacy) == (("READ", "qcs::cam::uin/100000000011:uin/100000000011"),)
    assert _acl.stored_grants([["READ", "x"], ["BOGUS", "y"], "z"]) == (("READ", "x"),)
    assert _acl.stored_grants(None) == ()


# -- over HTTP ---------------------------------------------------------------------------------


def test_get_object_acl_of_a_default_object(cos):
    assert cos.request("PUT", "plain", b"x").status == 200
    r = cos.request("GET", "plain", params={"acl": ""})
    assert r.status == 200, r
    assert r.headers["content-type"] == "application/xml"
    assert owner_of(r.body) == (OWNER, OWNER)
    assert grants_of(r.body) == [("FULL_CONTROL", OWNER, "CanonicalUser")]


def test_missing_object_acl_is_no_such_key(cos):
    for method, body in (("GET", None), ("PUT", b"")):
        r = cos.request(
            method, "missing", body, {"x-cos-acl": "private"} if body is not None else None, params={"acl": ""}
        )
        assert r.status == 404 and r.error_code() == "NoSuchKey", r


def test_put_object_grant_headers_are_stored_and_returned(cos):
    r = cos.request(
        "PUT",
        "granted",
        b"x",
        {
            "x-cos-acl": "public-read",
            "x-cos-grant-read": 'id="100000000011"',
            "x-cos-grant-full-control": 'id="100000000011/100000000012"',
        },
    )
    assert r.status == 200, r
    body = cos.request("GET", "granted", params={"acl": ""}).body
    assert grants_of(body) == [
        ("FULL_CONTROL", OWNER, "CanonicalUser"),
        ("READ", ALL, "Group"),
        ("READ", "qcs::cam::uin/100000000011:uin/100000000011", "CanonicalUser"),
        ("FULL_CONTROL", "qcs::cam::uin/100000000011:uin/100000000012", "CanonicalUser"),
    ]


def test_put_object_acl_makes_the_object_anonymously_readable_and_back(cos):
    put = cos.request("PUT", "flip", b"data")
    assert cos.request("GET", "flip", sign_request=False).status == 403
    r = cos.request("PUT", "flip", b"", {"x-cos-acl": "public-read"}, params={"acl": ""})
    assert r.status == 200, r
    anon = cos.request("GET", "flip", sign_request=False)
    assert anon.status == 200 and anon.body == b"data"
    assert cos.request("HEAD", "flip", sign_request=False).status == 200
    assert cos.request("PUT", "flip", b"w", sign_request=False).status == 403  # read, not write
    assert cos.request("GET", "flip", params={"acl": ""}, sign_request=False).status == 403  # not READ_ACP
    h = cos.request("HEAD", "flip")
    assert h.headers["etag"] == put.headers["etag"]  # the data and its attributes stay
    assert cos.request("PUT", "flip", b"", {"x-cos-acl": "private"}, params={"acl": ""}).status == 200
    assert cos.request("GET", "flip", sign_request=False).status == 403


def test_put_object_acl_by_policy_body(cos):
    cos.request("PUT", "bypolicy", b"data")
    body = policy(("FULL_CONTROL", OWNER), ("READ", ALL), ("READ_ACP", "qcs::cam::uin/100000000011:uin/100000000011"))
    r = cos.request("PUT", "bypolicy", body, {"Content-Type": "application/xml"}, params={"acl": ""})
    assert r.status == 200, r
    assert cos.request("GET", "bypolicy", sign_request=False).body == b"data"
    assert grants_of(cos.request("GET", "bypolicy", params={"acl": ""}).body) == [
        ("FULL_CONTROL", OWNER, "CanonicalUser"),
        ("READ", ALL, "Group"),
        ("READ_ACP", "qcs::cam::uin/100000000011:uin/100000000011", "CanonicalUser"),
    ]


@pytest.mark.parametrize(
    "headers,body,code",
    [
        ({"x-cos-acl": "everyone"}, b"", "InvalidArgument"),
        ({"x-cos-grant-read": "alice"}, b"", "InvalidArgument"),
        ({}, b"", "MissingRequestBodyError"),
        ({}, b"<AccessControlPolicy>", "InvalidArgument"),
        ({"x-cos-acl": "public-read"}, b"<xml/>", "InvalidArgument"),  # what COS answers (see _acl)
        ({"x-cos-acl": "private"}, policy(), "InvalidRequest"),
        ({}, policy(owner="qcs::cam::uin/1:uin/1"), "InvalidArgument"),
    ],
)
def test_bad_put_object_acl_changes_nothing(cos, headers, body, code):
    cos.request("PUT", "keep", b"k", {"x-cos-acl": "public-read"})
    r = cos.request("PUT", "keep", body, headers, params={"acl": ""})
    assert r.status == 400 and r.error_code() == code, r
    assert cos.request("GET", "keep", sign_request=False).body == b"k"


def test_object_acl_beats_the_buckets(cos_emulator):
    """COS: the object's own ACL decides; ``default`` inherits the bucket's."""
    name = cos_emulator.create_bucket(f"aclpub-{uuid.uuid4().hex[:8]}-{APPID}", acl="public-read")
    c = CosHttp(cos_emulator.port, name)
    try:
        c.request("PUT", "inherits", b"i")
        c.request("PUT", "private", b"p", {"x-cos-acl": "private"})
        assert c.request("GET", "inherits", sign_request=False).body == b"i"
        assert c.request("GET", "private", sign_request=False).status == 403
        assert c.request("PUT", "private", b"", {"x-cos-acl": "default"}, params={"acl": ""}).status == 200
        assert c.request("GET", "private", sign_request=False).body == b"p"
    finally:
        c.close()


def test_multipart_object_gets_the_initiate_grants(cos):
    r = cos.request(
        "POST",
        "mp",
        b"",
        {"x-cos-acl": "public-read", "x-cos-grant-read-acp": 'id="100000000011"'},
        params={"uploads": ""},
    )
    upload_id = ET.fromstring(r.body).findtext("UploadId")
    part = cos.request("PUT", "mp", b"part", params={"partNumber": "1", "uploadId": upload_id})
    done = cos.request(
        "POST",
        "mp",
        (
            f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part.headers['etag']}</ETag></Part>"
            "</CompleteMultipartUpload>"
        ).encode(),
        params={"uploadId": upload_id},
    )
    assert done.status == 200, done
    assert cos.request("GET", "mp", sign_request=False).body == b"part"
    assert grants_of(cos.request("GET", "mp", params={"acl": ""}).body)[1:] == [
        ("READ", ALL, "Group"),
        ("READ_ACP", "qcs::cam::uin/100000000011:uin/100000000011", "CanonicalUser"),
    ]


def test_bucket_acl_get_and_put(cos_emulator):
    name = f"aclbkt-{uuid.uuid4().hex[:8]}-{APPID}"
    c = CosHttp(cos_emulator.port, name)
    try:
        r = c.request("PUT", "", b"", {"x-cos-grant-full-control": 'id="100000000011"'})
        assert r.status == 200, r
        got = c.request("GET", "", params={"acl": ""})
        assert got.status == 200, got
        assert owner_of(got.body) == (OWNER, OWNER)
        assert grants_of(got.body) == [
            ("FULL_CONTROL", OWNER, "CanonicalUser"),
            ("FULL_CONTROL", "qcs::cam::uin/100000000011:uin/100000000011", "CanonicalUser"),
        ]
        c.request("PUT", "k", b"v")
        assert c.request("GET", "", sign_request=False).status == 403
        assert c.request("PUT", "", b"", {"x-cos-acl": "public-read-write"}, params={"acl": ""}).status == 200
        assert c.request("GET", "", sign_request=False).status == 200  # list
        assert c.request("GET", "k", sign_request=False).body == b"v"
        assert c.request("PUT", "anon", b"a", sign_request=False).status == 200
        assert grants_of(c.request("GET", "", params={"acl": ""}).body) == [
            ("FULL_CONTROL", OWNER, "CanonicalUser"),
            ("READ", ALL, "Group"),
            ("WRITE", ALL, "Group"),
        ]
        assert c.request("PUT", "", policy(), params={"acl": ""}).status == 200  # back to private
        assert c.request("GET", "k", sign_request=False).status == 403
        r = c.request("PUT", "", b"", {"x-cos-acl": "default"}, params={"acl": ""})
        assert r.status == 400 and r.error_code() == "InvalidArgument"
        assert c.request("GET", "", params={"acl": ""}, sign_request=False).status == 403
        r = c.request("PUT", "", b"", {"x-cos-acl": "public-read"}, params={"acl": ""}, sign_request=False)
        assert r.status == 403
    finally:
        c.close()


def test_another_accounts_key_cannot_read_or_set_acls(cos, cos_emulator):
    appid = str(random.randrange(1300000000, 1399999999))
    secret_id = f"AKIDACL{uuid.uuid4().hex[:8]}"
    cos_emulator.add_credentials(secret_id, "OtherKey", appid=appid)
    cos.request("PUT", "mine", b"m")
    other = CosHttp(cos_emulator.port, cos.bucket, secret_id=secret_id, secret_key="OtherKey")
    try:
        for method, key in (("GET", ""), ("GET", "mine")):
            assert other.request(method, key, params={"acl": ""}).error_code() == "AccessDenied"
        r = other.request("PUT", "mine", b"", {"x-cos-acl": "public-read"}, params={"acl": ""})
        assert r.status == 403
    finally:
        other.close()
    assert cos.request("GET", "mine", sign_request=False).status == 403


def test_get_auth_signed_get_acl_as_the_official_test_suite_does(client, bucket, cos_emulator):
    """The official suite's get_auth test: sign ``GET /<key>?acl&unsed=123`` for the COS domain
    (a client configured by Region alone, as that suite's) and send it there (here: with that Host)."""
    from qcloud_cos import CosConfig, CosS3Client

    client.put_object(Bucket=bucket, Key="test.txt", Body=b"x")
    signer = CosS3Client(
        CosConfig(Region=cos_emulator.region, SecretId=cos_emulator.secret_id, SecretKey=cos_emulator.secret_key)
    )
    auth = signer.get_auth(Method="GET", Bucket=bucket, Key="test.txt", Params={"acl": "", "unsed": "123"})
    assert "q-url-param-list=acl;unsed" in auth
    c = CosHttp(cos_emulator.port, bucket)
    try:
        r = c.request("GET", path="/test.txt?acl&unsed=123", headers={"Authorization": auth})
    finally:
        c.close()
    assert r.status == 200, r
    assert grants_of(r.body) == [("FULL_CONTROL", OWNER, "CanonicalUser")]


def test_a_data_dir_written_before_acls_opens_and_serves_them(tmp_path):
    """A v3 directory keeps its grants as the raw headers: they are read, and replaced by PUT ?acl."""
    root = str(tmp_path / "data")
    store = Store(root)
    store.close()
    db = sqlite3.connect(str(tmp_path / "data" / "meta.sqlite3"))
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    bucket = f"old-{APPID}"
    db.execute("INSERT INTO buckets (name, region, acl, created) VALUES (?, 'ap-beijing', 'public-read', 0)", (bucket,))
    attrs = '{"headers": {}, "meta": [], "extra": {"grants": {"x-cos-grant-read": "id=\\"100000000011\\""}}}'
    db.execute(
        "INSERT INTO objects (bucket, key, blob_id, size, etag, crc64, last_modified, storage_class,"
        " object_type, acl, attrs) VALUES (?, 'k', '', 0, '\"e\"', '0', 0, 'STANDARD', 'normal', 'private', ?)",
        (bucket, attrs),
    )
    db.commit()
    db.close()
    store = Store(root)
    try:
        b = store.get_bucket(bucket)
        assert (b.acl, b.grants) == ("public-read", ())
        record = store.get_object(bucket, "k")
        assert _acl.stored_grants(record.extra["grants"]) == (("READ", "qcs::cam::uin/100000000011:uin/100000000011"),)
        store.set_object_acl(bucket, "k", acl="public-read", grants=(("READ_ACP", OWNER),))
        store.set_bucket_acl(bucket, acl="private", grants=(("WRITE", OWNER),))
        record = store.get_object(bucket, "k")
        assert (record.acl, record.extra["grants"], record.etag) == ("public-read", [["READ_ACP", OWNER]], '"e"')
        assert store.get_bucket(bucket) == type(b)(bucket, "ap-beijing", "private", 0, (("WRITE", OWNER),))
    finally:
        store.close()


def test_a_copy_source_private_by_its_own_acl_is_not_readable_by_all(cos_emulator):
    """Upload Part - Copy applies the same rule to its source as GET: the object's ACL first."""
    tag = uuid.uuid4().hex[:8]
    dst = cos_emulator.create_bucket(f"acldst-{tag}-{APPID}", acl="public-read-write")
    src = cos_emulator.create_bucket(f"aclsrc-{tag}-{APPID}", acl="public-read")
    c, s = CosHttp(cos_emulator.port, dst), CosHttp(cos_emulator.port, src)
    try:
        assert s.request("PUT", "closed", b"c", {"x-cos-acl": "private"}).status == 200
        assert s.request("PUT", "inherits", b"i").status == 200
        upload_id = ET.fromstring(c.request("POST", "k", b"", params={"uploads": ""}).body).findtext("UploadId")
        params = {"partNumber": "1", "uploadId": upload_id}
        source = f"{src}.cos.ap-beijing.myqcloud.com/"
        r = c.request("PUT", "k", b"", {"x-cos-copy-source": source + "closed"}, params=params, sign_request=False)
        assert r.status == 403 and r.error_code() == "AccessDenied"
        r = c.request("PUT", "k", b"", {"x-cos-copy-source": source + "inherits"}, params=params, sign_request=False)
        assert r.status == 200, r
    finally:
        c.close()
        s.close()
