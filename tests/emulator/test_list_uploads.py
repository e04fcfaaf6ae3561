"""List Multipart Uploads: order, prefix, delimiter, markers, paging, URL encoding."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest

from ._mp import UPLOAD_ID as UPLOAD_GENERATED
from ._mp import initiate

KEYS = ["a.txt", "a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "c d+e%.txt", "d/中文 x.txt", "z", "ü"]


def uploads(c, **params):
    query = {"uploads": ""}
    query.update({k.replace("_", "-"): v for k, v in params.items()})
    r = c.request("GET", "", params=query)
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    return {
        "raw": r.body,
        "root": root,
        "uploads": [(u.findtext("Key"), u.findtext("UploadId")) for u in root.findall("Upload")],
        "keys": [u.findtext("Key") for u in root.findall("Upload")],
        "prefixes": [p.findtext("Prefix") for p in root.findall("CommonPrefixes")],
        "truncated": root.findtext("IsTruncated"),
        "next_key": root.findtext("NextKeyMarker"),
        "next_id": root.findtext("NextUploadIdMarker"),
    }


@pytest.fixture
def filled(cos):
    ids = [(key, initiate(cos, key, {"x-cos-storage-class": "STANDARD_IA"} if key == "z" else None)) for key in KEYS]
    return cos, ids


def test_list_all(filled):
    c, ids = filled
    out = uploads(c)
    expected = sorted(ids, key=lambda kv: (kv[0].encode("utf-8"), kv[1]))
    assert out["uploads"] == expected
    assert [k for k, _ in expected][:2] == ["a.txt", "a.txt"] and expected[0][1] < expected[1][1]
    root, raw = out["root"], out["raw"]
    assert root.tag == "ListMultipartUploadsResult"
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult>')
    assert root.findtext("Bucket") == c.bucket
    assert b"<KeyMarker/>" in raw and b"<UploadIdMarker/>" in raw and b"<Prefix/>" in raw
    assert root.findtext("MaxUploads") == "1000"
    assert out["truncated"] == "false"
    assert root.find("NextKeyMarker") is None and root.find("NextUploadIdMarker") is None
    assert root.find("Delimiter") is None and root.find("Encoding-Type") is None
    assert b"UploadID" not in raw and b"CommonPrefixs" not in raw
    for upload in root.findall("Upload"):
        assert upload.findtext("StorageClass") == ("STANDARD_IA" if upload.findtext("Key") == "z" else "STANDARD")
        assert upload.findtext("Initiator/ID") and upload.findtext("Initiator/DisplayName") == "1250000000"
        assert upload.findtext("Owner/ID") == "1250000000" and upload.findtext("Owner/DisplayName") == "1250000000"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", upload.findtext("Initiated"))
    assert [child.tag for child in root][:7] == [
        "Bucket",
        "KeyMarker",
        "UploadIdMarker",
        "MaxUploads",
        "Prefix",
        "IsTruncated",
        "Upload",
    ]


def test_prefix_and_delimiter(filled):
    c, _ = filled
    assert uploads(c, prefix="b/")["keys"] == ["b/1.txt", "b/2.txt", "b/c/3.txt"]
    out = uploads(c, delimiter="/")
    assert out["keys"] == ["a.txt", "a.txt", "c d+e%.txt", "z", "ü"]
    assert out["prefixes"] == ["b/", "d/"]
    assert out["root"].findtext("Delimiter") == "/"
    out = uploads(c, prefix="b/", delimiter="/")
    assert out["keys"] == ["b/1.txt", "b/2.txt"] and out["prefixes"] == ["b/c/"]
    assert out["root"].findtext("Prefix") == "b/"
    assert uploads(c, prefix="nothing")["keys"] == []
    assert uploads(c, prefix="ü")["keys"] == ["ü"]


def test_key_and_upload_id_markers(filled):
    c, ids = filled
    a1, a2 = sorted(i for k, i in ids if k == "a.txt")
    out = uploads(c, key_marker="a.txt")
    assert out["keys"][0] == "b/1.txt"
    assert out["root"].findtext("KeyMarker") == "a.txt"
    out = uploads(c, key_marker="a.txt", upload_id_marker=a1)
    assert out["uploads"][0] == ("a.txt", a2) and out["keys"][1] == "b/1.txt"
    assert out["root"].findtext("UploadIdMarker") == a1
    out = uploads(c, key_marker="a.txt", upload_id_marker=a2)
    assert out["keys"][0] == "b/1.txt"
    out = uploads(c, upload_id_marker=a2)  # ignored without key-marker
    assert out["uploads"][0] == ("a.txt", a1)
    assert b"<UploadIdMarker/>" in out["raw"]
    out = uploads(c, key_marker="b/", delimiter="/")  # a prefix equal to the marker is not repeated
    assert out["keys"] == ["c d+e%.txt", "z", "ü"] and out["prefixes"] == ["d/"]
    assert uploads(c, key_marker="zz")["keys"] == ["ü"]
    assert uploads(c, key_marker="ü")["keys"] == []


@pytest.mark.parametrize("delimiter", ["", "/"])
def test_paging(filled, delimiter):
    c, ids = filled
    everything = uploads(c, delimiter=delimiter)
    expected = [("U",) + u for u in everything["uploads"]] + [("P", p) for p in everything["prefixes"]]
    seen, key_marker, id_marker = [], "", ""
    for _ in range(20):
        out = uploads(c, max_uploads="2", key_marker=key_marker, upload_id_marker=id_marker, delimiter=delimiter)
        assert out["root"].findtext("MaxUploads") == "2"
        page = []  # in key order, as a client merging both lists would see them
        for child in out["root"]:
            if child.tag == "Upload":
                page.append(("U", child.findtext("Key"), child.findtext("UploadId")))
            elif child.tag == "CommonPrefixes":
                page.append(("P", child.findtext("Prefix")))
        page.sort(key=lambda e: (e[1].encode(), e[2] if len(e) > 2 else ""))
        assert 1 <= len(page) <= 2
        seen += page
        if out["truncated"] == "false":
            assert out["next_key"] is None
            break
        assert out["truncated"] == "true"
        key_marker, id_marker = out["next_key"], out["next_id"] or ""
        last_upload = out["uploads"][-1] if out["uploads"] else None
        if page[-1][0] == "U":
            assert (key_marker, id_marker) == last_upload
        else:
            assert key_marker == page[-1][1] and id_marker == ""
    assert sorted(seen, key=str) == sorted(expected, key=str)
    assert len(seen) == len(set(seen))


def test_max_uploads_exact_fit_is_not_truncated(filled):
    c, _ = filled
    out = uploads(c, max_uploads=str(len(KEYS)))
    assert len(out["uploads"]) == len(KEYS) and out["truncated"] == "false"
    out = uploads(c, max_uploads=str(len(KEYS) - 1))
    assert out["truncated"] == "true"


def test_encoding_type_url(filled):
    c, ids = filled
    out = uploads(c, encoding_type="url")
    assert out["root"].findtext("Encoding-Type") == "url"
    assert "c%20d%2Be%25.txt" in out["keys"]
    assert "d/%E4%B8%AD%E6%96%87%20x.txt" in out["keys"]
    assert sorted(unquote(k) for k in out["keys"]) == sorted(KEYS)
    out = uploads(c, encoding_type="url", delimiter="/", prefix="d/")
    assert out["root"].findtext("Prefix") == "d/"
    assert out["keys"] == ["d/%E4%B8%AD%E6%96%87%20x.txt"]
    out = uploads(c, encoding_type="url", prefix="c d+")
    assert out["root"].findtext("Prefix") == "c%20d%2B" and out["keys"] == ["c%20d%2Be%25.txt"]
    out = uploads(c, encoding_type="url", delimiter=" ", max_uploads="1", key_marker="c d+e%.txt")
    assert out["root"].findtext("KeyMarker") == "c%20d%2Be%25.txt"
    assert out["root"].findtext("Delimiter") == "%20"
    assert unquote(out["prefixes"][0]) == "d/中文 " and out["truncated"] == "true"
    assert unquote(out["next_key"]) == "d/中文 "


def test_official_client_query(filled):
    c, ids = filled
    # every parameter, empty ones as ``name=``: treated as absent
    query = {
        "uploads": "",
        "prefix": "",
        "delimiter": "",
        "key-marker": "",
        "upload-id-marker": "",
        "max-uploads": "1000",
        "encoding-type": "url",
    }
    r = c.request("GET", "", params=query)
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    assert len(root.findall("Upload")) == len(KEYS)
    query["max-uploads"] = ""
    assert c.request("GET", "", params=query).status == 200
    query["encoding-type"] = ""
    r = c.request("GET", "", params=query)
    assert r.status == 200 and b"Encoding-Type" not in r.body


@pytest.mark.parametrize(
    "params",
    [
        {"max-uploads": "0"},
        {"max-uploads": "1001"},
        {"max-uploads": "x"},
        {"max-uploads": "-1"},
        {"encoding-type": "xml"},
    ],
)
def test_parameter_validation(cos, params):
    r = cos.request("GET", "", params={"uploads": "", **params})
    assert r.status == 400 and r.error_code() == "InvalidArgument", params


def test_empty_bucket(cos):
    out = uploads(cos)
    assert out["uploads"] == [] and out["prefixes"] == [] and out["truncated"] == "false"


def test_completed_and_aborted_uploads_disappear(cos):
    from ._mp import abort, multipart

    keep = initiate(cos, "keep")
    gone = initiate(cos, "gone")
    assert abort(cos, "gone", gone).status == 204
    assert multipart(cos, "done", [b"x"]).status == 200
    assert uploads(cos)["uploads"] == [("keep", keep)]


def test_an_upload_created_with_a_chosen_id(cos, cos_emulator, cos_emulator_bucket):
    """CosEmulator.create_upload(upload_id=...): the documentation's 'exampleUploadId' exists for examples."""
    from qcloud_cos.emulator import CosError

    from ._mp import upload_part

    assert (
        cos_emulator.create_upload(cos_emulator_bucket, "exampleobject", upload_id="exampleUploadId")
        == "exampleUploadId"
    )
    assert uploads(cos)["uploads"] == [("exampleobject", "exampleUploadId")]
    assert upload_part(cos, "exampleobject", "exampleUploadId", 1, b"x").status == 200
    with pytest.raises(CosError, match="in use"):
        cos_emulator.create_upload(cos_emulator_bucket, "other", upload_id="exampleUploadId")
    assert UPLOAD_GENERATED.match(cos_emulator.create_upload(cos_emulator_bucket, "k"))
