"""PUT / HEAD / DELETE Bucket, GET Bucket (list objects), bucket ACLs and anonymous access."""

import re
import uuid
from urllib.parse import unquote

import pytest

from ._cos_http import CosHttp


def new_name():
    return f"b{uuid.uuid4().hex[:10]}-1250000000"


@pytest.fixture
def client(cos_emulator):
    c = CosHttp(cos_emulator.port, new_name())
    yield c
    c.close()


def test_bucket_lifecycle(client):
    assert client.request("HEAD", "").status == 404
    r = client.request("PUT", "")
    assert r.status == 200, r
    assert client.request("HEAD", "").status == 200
    r = client.request("PUT", "")
    assert r.status == 409 and r.error_code() == "BucketAlreadyExists"
    client.request("PUT", "obj", b"x")
    r = client.request("DELETE", "")
    assert r.status == 409 and r.error_code() == "BucketNotEmpty"
    client.request("DELETE", "obj")
    assert client.request("DELETE", "").status == 204
    assert client.request("HEAD", "").status == 404
    r = client.request("DELETE", "")
    assert r.status == 404 and r.error_code() == "NoSuchBucket"


def test_bucket_acl_validation_and_anonymous_create(client):
    r = client.request("PUT", "", headers={"x-cos-acl": "bogus"})
    assert r.status == 400 and r.error_code() == "InvalidArgument"
    r = client.request("PUT", "", sign_request=False)
    assert r.status == 403 and r.error_code() == "AccessDenied"


def test_anonymous_access_by_acl(cos_emulator):
    names = {
        acl: cos_emulator.create_bucket(new_name(), acl=acl) for acl in ("private", "public-read", "public-read-write")
    }
    for acl, name in names.items():
        c = CosHttp(cos_emulator.port, name)
        assert c.request("PUT", "k", b"data").status == 200
        anon_get = c.request("GET", "k", sign_request=False)
        anon_put = c.request("PUT", "k2", b"x", sign_request=False)
        anon_list = c.request("GET", "", sign_request=False)
        empty_auth = c.request("GET", "k", headers={"Authorization": ""}, sign_request=False)
        if acl == "private":
            assert anon_get.status == 403 and anon_get.error_code() == "AccessDenied"
            assert b"<Message>Access Denied.</Message>" in anon_get.body
            assert anon_list.status == 403 and empty_auth.status == 403
        else:
            assert anon_get.status == 200 and anon_get.body == b"data"
            assert anon_list.status == 200 and empty_auth.status == 200
        assert anon_put.status == (200 if acl == "public-read-write" else 403)
        c.close()
    # a public-read object in a private bucket is readable anonymously
    c = CosHttp(cos_emulator.port, names["private"])
    c.request("PUT", "pub", b"p", {"x-cos-acl": "public-read"})
    assert c.request("GET", "pub", sign_request=False).body == b"p"
    assert c.request("DELETE", "pub", sign_request=False).status == 403
    c.close()


def test_bad_signature_and_expiry_over_http(cos_emulator, cos_emulator_bucket):
    c = CosHttp(cos_emulator.port, cos_emulator_bucket, secret_key="wrong")
    r = c.request("PUT", "k", b"x")
    assert r.status == 403 and r.error_code() == "SignatureDoesNotMatch"
    assert b"<StringToSign>sha1\n" in r.body and b"<FormatString>put\n/k\n" in r.body
    c = CosHttp(cos_emulator.port, cos_emulator_bucket, secret_id="Unknown")
    r = c.request("PUT", "k", b"x")
    assert r.status == 403 and r.error_code() == "InvalidAccessKeyId"
    assert b"does not exist in our records" in r.body
    c = CosHttp(cos_emulator.port, cos_emulator_bucket, clock=lambda: 1_000_000_000)
    r = c.request("PUT", "k", b"x")
    assert r.status == 403 and r.error_code() == "AccessDenied"
    assert b"<Message>Request has expired</Message>" in r.body


def test_injected_clock_and_extra_credentials(tmp_path):
    from qcloud_cos.emulator import CosEmulator

    now = [1_700_000_000.0]
    with CosEmulator(clock=lambda: now[0]) as emu:
        emu.add_credentials("AKIDTEMP", "TEMPKEY", token="TOK")
        c = CosHttp(emu.port, "examplebucket-1250000000", clock=lambda: 1_700_000_000)
        assert c.request("PUT", "k", b"x").status == 200
        now[0] += 601  # the test client signs for 600 s
        r = c.request("GET", "k")
        assert r.status == 403 and b"Request has expired" in r.body
        now[0] -= 601
        t = CosHttp(
            emu.port,
            "examplebucket-1250000000",
            secret_id="AKIDTEMP",
            secret_key="TEMPKEY",
            clock=lambda: 1_700_000_000,
        )
        assert t.request("GET", "k", headers={"x-cos-security-token": "TOK"}).status == 200
        assert t.request("GET", "k").status == 403
        assert t.request("GET", "k", headers={"x-cos-security-token": "BAD"}).status == 403
        g = c.request("GET", "k")
        assert g.headers["date"] == "Tue, 14 Nov 2023 22:13:20 GMT"
        assert g.headers["last-modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
        c.close()
        t.close()


# -- GET Bucket (list objects) ----------------------------------------------------------------


def listing(c, **params):
    r = c.request("GET", "", params={k.replace("_", "-"): v for k, v in params.items()})
    assert r.status == 200, r
    text = r.body.decode()
    return {
        "text": text,
        "keys": re.findall(r"<Contents><Key>(.*?)</Key>", text),
        "prefixes": re.findall(r"<CommonPrefixes><Prefix>(.*?)</Prefix>", text),
        "truncated": re.search(r"<IsTruncated>(.*?)</IsTruncated>", text).group(1),
        "next": (re.search(r"<NextMarker>(.*?)</NextMarker>", text) or [None, None])[1],
    }


KEYS = ["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "c d+e.txt", "d/", "d/x", "e/f/g", "z"]


@pytest.fixture
def filled(cos):
    for key in KEYS:
        assert cos.request("PUT", key, key.encode()).status == 200
    return cos


def test_list_all(filled):
    out = listing(filled)
    assert out["keys"] == KEYS
    assert out["truncated"] == "false" and out["next"] is None
    text = out["text"]
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>')
    assert f"<Name>{filled.bucket}</Name>" in text
    assert "<Prefix></Prefix><Marker></Marker><MaxKeys>1000</MaxKeys>" in text
    assert "<Delimiter>" not in text and "<EncodingType>" not in text
    item = re.search(r"<Contents><Key>a.txt</Key>.*?</Contents>", text).group(0)
    assert re.search(r"<LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z</LastModified>", item)
    assert "<ETag>&quot;" in item and "<Size>5</Size>" in item
    assert "<Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner>" in item
    assert "<StorageClass>STANDARD</StorageClass>" in item


def test_list_prefix_delimiter(filled):
    out = listing(filled, delimiter="/")
    assert out["keys"] == ["a.txt", "c d+e.txt", "z"]
    assert out["prefixes"] == ["b/", "d/", "e/"]
    assert "<Delimiter>/</Delimiter>" in out["text"]
    out = listing(filled, prefix="b/", delimiter="/")
    assert out["keys"] == ["b/1.txt", "b/2.txt"] and out["prefixes"] == ["b/c/"]
    out = listing(filled, prefix="b/")
    assert out["keys"] == ["b/1.txt", "b/2.txt", "b/c/3.txt"] and out["prefixes"] == []
    out = listing(filled, prefix="d/", delimiter="/")
    assert out["keys"] == ["d/", "d/x"]
    assert listing(filled, prefix="nothing")["keys"] == []


def test_list_marker_paging(filled):
    seen, marker = [], ""
    for _ in range(20):
        out = listing(filled, marker=marker, max_keys="2")
        seen += out["keys"]
        if out["truncated"] == "false":
            break
        assert out["next"] == out["keys"][-1]
        marker = out["next"]
    assert seen == KEYS

    entries, marker = [], ""
    for _ in range(20):
        out = listing(filled, marker=marker, max_keys="2", delimiter="/")
        entries += out["keys"] + out["prefixes"]
        if out["truncated"] == "false":
            break
        marker = out["next"]
    assert sorted(entries) == sorted(["a.txt", "b/", "c d+e.txt", "d/", "e/", "z"])
    assert len(entries) == len(set(entries))  # no common prefix repeated across pages


def test_list_encoding_type_url(filled):
    out = listing(filled, encoding_type="url", prefix="c d")
    assert "<EncodingType>url</EncodingType>" in out["text"]
    assert out["keys"] == ["c%20d%2Be.txt"]
    assert unquote(out["keys"][0]) == "c d+e.txt"
    assert "<Prefix>c%20d</Prefix>" in out["text"]


def test_list_parameters_validation(filled):
    for params in ({"max-keys": "abc"}, {"max-keys": "-1"}, {"encoding-type": "base64"}):
        r = filled.request("GET", "", params=params)
        assert r.status == 400 and r.error_code() == "InvalidArgument", params
    assert "<MaxKeys>1000</MaxKeys>" in listing(filled, max_keys="5000")["text"]
    out = listing(filled, max_keys="0")
    assert out["keys"] == [] and out["truncated"] == "false"


def test_list_special_keys_are_valid_xml(cos):
    import xml.etree.ElementTree as ET

    for key in ("amp&<lt>", 'quote"s', "ctl\x01char"):
        assert cos.request("PUT", key, b"x").status == 200
    r = cos.request("GET", "")
    ET.fromstring(r.body)  # parses
    r = cos.request("GET", "", params={"encoding-type": "url"})
    keys = [unquote(k.text) for k in ET.fromstring(r.body).iter("Key")]
    assert keys == sorted(["amp&<lt>", 'quote"s', "ctl\x01char"])


def test_get_bucket_location_names_the_buckets_region(cos, cos_emulator):
    import xml.etree.ElementTree as ET

    r = cos.request("GET", "", params={"location": ""})
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    assert (root.tag, root.text) == ("LocationConstraint", cos_emulator.region)
    other = cos_emulator.create_bucket("located-1250000000", region="ap-singapore")
    there = CosHttp(cos_emulator.port, other, region="ap-singapore")
    assert ET.fromstring(there.request("GET", "", params={"location": ""}).body).text == "ap-singapore"
    anonymous = cos.request("GET", "", params={"location": ""}, sign_request=False)
    assert anonymous.status == 403
