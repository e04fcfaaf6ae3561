"""DELETE Multiple Objects (POST /?delete): the document rules, quiet mode, per-key errors."""

import base64
import hashlib
import xml.etree.ElementTree as ET

import pytest

from qcloud_cos.emulator._batch import MAX_DELETE_KEYS, DeleteTarget, parse_delete_body
from qcloud_cos.emulator._errors import CosError


def _doc(keys, quiet=None, versions=None):
    parts = ["<Delete>"]
    if quiet is not None:
        parts.append(f"<Quiet>{quiet}</Quiet>")
    for i, key in enumerate(keys):
        version = f"<VersionId>{versions[i]}</VersionId>" if versions and versions[i] is not None else ""
        parts.append(f"<Object><Key>{key}</Key>{version}</Object>")
    parts.append("</Delete>")
    return "".join(parts).encode("utf-8")


def _post(cos, body, md5=True):
    headers = {"Content-Type": "application/xml"}
    if md5:
        headers["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
    return cos.request("POST", "", body, headers, params={"delete": ""})


def _result(r):
    root = ET.fromstring(r.body)
    assert root.tag == "DeleteResult"
    deleted = [d.findtext("Key") for d in root.findall("Deleted")]
    errors = [(e.findtext("Key"), e.findtext("Code")) for e in root.findall("Error")]
    return deleted, errors


def test_parse_keeps_keys_exactly_and_reads_quiet_and_versions():
    parsed = parse_delete_body(_doc(["a", "/lead", " sp "], quiet="true", versions=[None, "null", None]))
    assert parsed.quiet is True
    assert parsed.objects == [DeleteTarget("a", None), DeleteTarget("/lead", "null"), DeleteTarget(" sp ", None)]
    assert parse_delete_body(_doc(["a"])).quiet is False


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b"<Other/>",
        b"<Delete/>",
        b"<Delete><Object><Key></Key></Object></Delete>",
        b"<Delete><Quiet>yes</Quiet><Object><Key>a</Key></Object></Delete>",
        b'<!DOCTYPE d [<!ENTITY x "y">]><Delete><Object><Key>&x;</Key></Object></Delete>',
        _doc([f"k{i}" for i in range(MAX_DELETE_KEYS + 1)]),
    ],
)
def test_bad_documents_are_malformed_xml(body):
    with pytest.raises(CosError) as info:
        parse_delete_body(body)
    assert info.value.code == "MalformedXML"


def test_deletes_every_key_and_lists_each(cos):
    for key in ("d/1", "d/2", "d/3"):
        assert cos.request("PUT", key, b"x").status == 200
    r = _post(cos, _doc(["d/1", "d/2", "d/missing"]))
    assert r.status == 200, r
    assert _result(r) == (["d/1", "d/2", "d/missing"], [])
    assert cos.request("HEAD", "d/1").status == 404 and cos.request("HEAD", "d/2").status == 404
    assert cos.request("HEAD", "d/3").status == 200


def test_quiet_mode_lists_only_errors(cos):
    assert cos.request("PUT", "q/1", b"x").status == 200
    r = _post(cos, _doc(["q/1", "q/2"], quiet="true", versions=[None, "v123"]))
    assert r.status == 200
    assert _result(r) == ([], [("q/2", "InvalidArgument")])
    assert cos.request("HEAD", "q/1").status == 404


def test_a_leading_slash_names_another_key(cos):
    """Official issue #242: '/k' in the document is not the object 'k', which stays."""
    assert cos.request("PUT", "slash/k", b"x").status == 200
    r = _post(cos, _doc(["/slash/k"]))
    assert _result(r) == (["/slash/k"], [])
    assert cos.request("HEAD", "slash/k").status == 200


def test_content_md5_is_checked_when_sent_and_the_body_is_required(cos):
    assert cos.request("PUT", "m/1", b"x").status == 200
    body = _doc(["m/1"])
    r = cos.request("POST", "", body, {"Content-MD5": base64.b64encode(b"0" * 16).decode()}, params={"delete": ""})
    assert (r.status, r.error_code()) == (400, "BadDigest")
    assert cos.request("HEAD", "m/1").status == 200
    r = cos.request("POST", "", b"", params={"delete": ""})
    assert (r.status, r.error_code()) == (400, "MissingRequestBodyError")
    assert _post(cos, body, md5=False).status == 200
    assert cos.request("HEAD", "m/1").status == 404


def test_anonymous_is_refused_on_a_private_bucket(cos):
    assert cos.request("PUT", "anon/1", b"x").status == 200
    r = cos.request("POST", "", _doc(["anon/1"]), params={"delete": ""}, sign_request=False)
    assert r.status == 403
    assert cos.request("HEAD", "anon/1").status == 200
