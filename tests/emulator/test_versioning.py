"""Bucket versioning: PUT/GET ?versioning, versions by PUT / copy / Complete, versionId on GET / HEAD /
DELETE, delete markers, Suspended and the null version, DELETE Multiple with VersionId, restarts."""

import base64
import hashlib
import os
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from qcloud_cos.emulator import CosEmulator, _store
from qcloud_cos.emulator._errors import CosError
from qcloud_cos.emulator._versions import new_version_id, parse_versioning_body

from ._cos_http import CosHttp
from ._mp import multipart
from .test_copy_part import source_header

MISSING_ID = "MDAwMDAwMDAwMDAwMDAwMDAwMDAx"  # well formed, never issued


def _doc(status):
    return f"<VersioningConfiguration><Status>{status}</Status></VersioningConfiguration>".encode()


def set_versioning(cos, status):
    r = cos.request("PUT", "", _doc(status), params={"versioning": ""})
    assert r.status == 200, r


def _status(cos):
    r = cos.request("GET", "", params={"versioning": ""})
    assert r.status == 200, r
    return ET.fromstring(r.body).findtext("Status")


def _put(cos, key, data, headers=None):
    r = cos.request("PUT", key, data, headers)
    assert r.status == 200, r
    return r.headers.get("x-cos-version-id")


def _get(cos, key, version_id=None):
    return cos.request("GET", key, params={"versionId": version_id} if version_id is not None else None)


@pytest.fixture
def vcos(cos):
    set_versioning(cos, "Enabled")
    return cos


# -- the configuration ---------------------------------------------------------------------


def test_versioning_document_rules():
    assert parse_versioning_body(_doc("Enabled")) == "Enabled"
    assert parse_versioning_body(_doc(" Suspended ")) == "Suspended"
    for bad in (
        b"",
        b"nope",
        b"<Other/>",
        b"<VersioningConfiguration/>",
        _doc("enabled"),
        _doc("Off"),
        b"<VersioningConfiguration><Status>Enabled</Status><Status>Enabled</Status></VersioningConfiguration>",
    ):
        with pytest.raises(CosError) as info:
            parse_versioning_body(bad)
        assert info.value.code == "MalformedXML"


def test_version_ids_are_alphanumeric_and_distinct():
    ids = {new_version_id() for _ in range(200)}
    assert len(ids) == 200 and all(i.isalnum() and len(i) == 28 for i in ids)


def test_get_versioning_never_configured_has_no_status(cos):
    r = cos.request("GET", "", params={"versioning": ""})
    assert r.status == 200 and ET.fromstring(r.body).tag == "VersioningConfiguration"
    assert b"<Status>" not in r.body
    set_versioning(cos, "Enabled")
    assert _status(cos) == "Enabled"
    set_versioning(cos, "Suspended")
    assert _status(cos) == "Suspended"


@pytest.mark.parametrize("body", [b"", b"<VersioningConfiguration>", _doc("Disabled")])
def test_put_versioning_bad_documents(cos, body):
    r = cos.request("PUT", "", body, params={"versioning": ""})
    assert r.status == 400 and r.error_code() == "MalformedXML", r
    assert _status(cos) is None


def test_versioning_is_the_owners_only(cos_emulator, cos):
    r = cos.request("GET", "", params={"versioning": ""}, sign_request=False)
    assert r.status == 403 and r.error_code() == "AccessDenied"
    assert cos_emulator.requests[-1]["op"] == "GetBucketVersioning"


# -- versions --------------------------------------------------------------------------------


def test_each_put_is_a_version_and_versionid_reads_it(vcos):
    v1, v2 = _put(vcos, "k", b"one"), _put(vcos, "k", b"two")
    assert v1 and v2 and v1 != v2
    r = _get(vcos, "k")
    assert (r.status, r.body, r.headers["x-cos-version-id"]) == (200, b"two", v2)
    r = _get(vcos, "k", v1)
    assert (r.status, r.body, r.headers["x-cos-version-id"]) == (200, b"one", v1)
    h = vcos.request("HEAD", "k", params={"versionId": v1})
    assert h.status == 200 and h.headers["content-length"] == "3" and h.headers["x-cos-version-id"] == v1
    r = _get(vcos, "k", MISSING_ID)
    assert r.status == 404 and r.error_code() == "NoSuchVersion"
    assert vcos.request("HEAD", "k", params={"versionId": MISSING_ID}).status == 404


def test_delete_makes_a_marker_and_deleting_the_marker_brings_the_object_back(vcos):
    v1 = _put(vcos, "dm", b"data")
    r = vcos.request("DELETE", "dm")
    assert r.status == 204 and r.headers["x-cos-delete-marker"] == "true"
    marker = r.headers["x-cos-version-id"]
    assert marker not in ("", "null", v1)
    r = _get(vcos, "dm")
    assert r.status == 404 and r.error_code() == "NoSuchKey"
    assert r.headers["x-cos-delete-marker"] == "true" and r.headers["x-cos-version-id"] == marker
    assert vcos.request("HEAD", "dm").status == 404
    r = _get(vcos, "dm", marker)
    assert r.status == 405 and r.headers["x-cos-delete-marker"] == "true"
    assert _get(vcos, "dm", v1).body == b"data"  # the old version is still there
    assert b"<Key>dm</Key>" not in vcos.request("GET", "").body  # GET Bucket lists current objects only
    r = vcos.request("DELETE", "dm", params={"versionId": marker})
    assert r.status == 204 and r.headers["x-cos-delete-marker"] == "true" and r.headers["x-cos-version-id"] == marker
    r = _get(vcos, "dm")
    assert (r.status, r.body, r.headers["x-cos-version-id"]) == (200, b"data", v1)


def test_deleting_a_version_is_permanent_and_frees_its_body(cos_emulator, vcos):
    store = cos_emulator.store
    v1 = _put(vcos, "perm", os.urandom(1000))
    v2 = _put(vcos, "perm", b"newest")
    blob = store.get_version(vcos.bucket, "perm", v1).blob_id
    assert os.path.exists(store._blob_path(blob))
    r = vcos.request("DELETE", "perm", params={"versionId": v1})
    assert r.status == 204 and r.headers["x-cos-version-id"] == v1 and "x-cos-delete-marker" not in r.headers
    assert _get(vcos, "perm", v1).error_code() == "NoSuchVersion"
    assert not os.path.exists(store._blob_path(blob))
    # deleting the current version makes the previous one current; the last one leaves nothing
    v3 = _put(vcos, "perm", b"third")
    assert vcos.request("DELETE", "perm", params={"versionId": v3}).status == 204
    r = _get(vcos, "perm")
    assert (r.body, r.headers["x-cos-version-id"]) == (b"newest", v2)
    assert vcos.request("DELETE", "perm", params={"versionId": v2}).status == 204
    r = _get(vcos, "perm")
    assert r.status == 404 and "x-cos-delete-marker" not in r.headers
    assert vcos.request("DELETE", "perm", params={"versionId": MISSING_ID}).status == 204


def test_suspended_writes_replace_the_null_version(vcos):
    v1 = _put(vcos, "s", b"kept")
    set_versioning(vcos, "Suspended")
    assert _put(vcos, "s", b"null-1") == "null"
    assert _put(vcos, "s", b"null-2") == "null"
    r = _get(vcos, "s", "null")
    assert (r.body, r.headers["x-cos-version-id"]) == (b"null-2", "null")
    assert _get(vcos, "s", v1).body == b"kept"
    r = vcos.request("DELETE", "s")
    assert r.headers["x-cos-delete-marker"] == "true" and r.headers["x-cos-version-id"] == "null"
    assert _get(vcos, "s", "null").status == 405  # the null version is now the marker
    set_versioning(vcos, "Enabled")
    v3 = _put(vcos, "s", b"again")
    assert v3 not in ("null", v1)
    ids = [v.findtext("VersionId") for v in _versions(vcos, prefix="s")]
    assert ids == [v3, "null", v1]


def test_objects_from_before_versioning_are_the_null_version(cos):
    assert "x-cos-version-id" not in cos.request("PUT", "old", b"before").headers
    set_versioning(cos, "Enabled")
    r = _get(cos, "old")
    assert r.headers["x-cos-version-id"] == "null"
    v1 = _put(cos, "old", b"after")
    assert _get(cos, "old", "null").body == b"before"
    assert _get(cos, "old", v1).body == b"after"


def test_complete_and_copy_make_versions_and_copy_reads_a_version(vcos):
    r = multipart(vcos, "mp", [b"part-one"])
    assert r.status == 200 and r.headers["x-cos-version-id"]
    mp_version = r.headers["x-cos-version-id"]
    _put(vcos, "mp", b"plain")
    src = source_header(vcos, key="mp")
    r = vcos.request("PUT", "copied", b"", {"x-cos-copy-source": f"{src}?versionId={mp_version}"})
    assert r.status == 200, r
    assert r.headers["x-cos-copy-source-version-id"] == mp_version and r.headers["x-cos-version-id"]
    assert _get(vcos, "copied").body == b"part-one"
    r = vcos.request("PUT", "copied", b"", {"x-cos-copy-source": src})
    assert _get(vcos, "copied").body == b"plain"
    # a segmented noncurrent version keeps its segments and can be read
    assert _get(vcos, "mp", mp_version).body == b"part-one"
    r = vcos.request("PUT", "x", b"", {"x-cos-copy-source": f"{src}?versionId={MISSING_ID}"})
    assert r.status == 404 and r.error_code() == "NoSuchVersion"
    marker = vcos.request("DELETE", "mp").headers["x-cos-version-id"]
    r = vcos.request("PUT", "x", b"", {"x-cos-copy-source": f"{src}?versionId={marker}"})
    assert r.status == 400 and r.error_code() == "InvalidRequest"
    r = vcos.request("PUT", "x", b"", {"x-cos-copy-source": src})
    assert r.status == 404 and r.error_code() == "NoSuchKey"
    # copying an old version onto its own key makes it current again
    r = vcos.request("PUT", "mp", b"", {"x-cos-copy-source": f"{src}?versionId={mp_version}"})
    assert r.status == 200 and _get(vcos, "mp").body == b"part-one"


def test_append_does_not_take_part_in_versioning(vcos):
    r = vcos.request("POST", "ap", b"abc", params={"append": "", "position": "0"})
    assert r.status == 200 and "x-cos-version-id" not in r.headers
    r = vcos.request("POST", "ap", b"def", params={"append": "", "position": "3"})
    assert r.status == 200
    assert _get(vcos, "ap", "null").body == b"abcdef"
    assert [v.findtext("VersionId") for v in _versions(vcos, prefix="ap")] == ["null"]


def test_never_versioned_bucket_behaves_as_before(cos):
    _put(cos, "plain", b"x")
    r = cos.request("GET", "plain", params={"versionId": MISSING_ID})
    assert r.status == 501 and r.error_code() == "NotImplemented"  # pinned: unchanged by versioning
    r = cos.request("DELETE", "plain")
    assert r.status == 204 and "x-cos-delete-marker" not in r.headers and "x-cos-version-id" not in r.headers
    assert cos.request("HEAD", "plain").status == 404
    assert _versions(cos) == []


def test_a_bucket_with_versions_is_not_empty(vcos):
    v1 = _put(vcos, "only", b"x")
    marker = vcos.request("DELETE", "only").headers["x-cos-version-id"]
    r = vcos.request("DELETE", "")
    assert r.status == 409 and r.error_code() == "BucketNotEmpty"
    for version in (v1, marker):
        assert vcos.request("DELETE", "only", params={"versionId": version}).status == 204
    assert vcos.request("DELETE", "").status == 204


# -- List Object Versions -----------------------------------------------------------------


def _list(cos, **params):
    params = {"versions": "", **{k.replace("_", "-"): v for k, v in params.items()}}
    r = cos.request("GET", "", params=params)
    assert r.status == 200, r
    return ET.fromstring(r.body)


def _versions(cos, **params):
    return [e for e in _list(cos, **params) if e.tag in ("Version", "DeleteMarker")]


def _entries(root):
    return [
        (e.tag[0], e.findtext("Key"), e.findtext("VersionId"), e.findtext("IsLatest"))
        for e in root
        if e.tag in ("Version", "DeleteMarker")
    ]


def test_list_versions_order_latest_and_markers(vcos):
    a1, a2 = _put(vcos, "a", b"1"), _put(vcos, "a", b"22")
    b1 = _put(vcos, "b", b"333")
    bm = vcos.request("DELETE", "b").headers["x-cos-version-id"]
    c1 = _put(vcos, "c", b"4")
    root = _list(vcos)
    assert _entries(root) == [
        ("V", "a", a2, "true"),
        ("V", "a", a1, "false"),
        ("D", "b", bm, "true"),
        ("V", "b", b1, "false"),
        ("V", "c", c1, "true"),
    ]
    first = root.find("Version")
    assert (first.findtext("Size"), first.findtext("StorageClass"), first.findtext("Owner/UID")) == (
        "2",
        "STANDARD",
        "1250000000",
    )
    assert first.findtext("ETag") == '"' + hashlib.md5(b"22").hexdigest() + '"'
    assert root.findtext("IsTruncated") == "false" and root.findtext("MaxKeys") == "1000"
    assert root.findtext("Name") == vcos.bucket


def test_list_versions_pages_with_key_and_version_markers(vcos):
    ids = {key: [_put(vcos, key, b"x") for _ in range(3)][::-1] for key in ("p/1", "p/2")}
    expected = [(key, vid) for key in ("p/1", "p/2") for vid in ids[key]]
    seen, key_marker, version_marker = [], "", ""
    while True:
        root = _list(vcos, prefix="p/", max_keys="2", key_marker=key_marker, version_id_marker=version_marker)
        seen.extend((k, v) for _, k, v, _ in _entries(root))
        if root.findtext("IsTruncated") != "true":
            break
        assert (root.findtext("KeyMarker") or "", root.findtext("VersionIdMarker") or "") == (
            key_marker,
            version_marker,
        )
        key_marker, version_marker = root.findtext("NextKeyMarker"), root.findtext("NextVersionIdMarker")
    assert seen == expected
    # key-marker alone starts after every version of that key
    assert [k for _, k, _, _ in _entries(_list(vcos, prefix="p/", key_marker="p/1"))] == ["p/2"] * 3


def test_list_versions_delimiter_prefixes_and_url_encoding(vcos):
    for key in ("d/x/1", "d/x/2", "d/y z+1", "d/top"):
        _put(vcos, key, b"v")
    root = _list(vcos, prefix="d/", delimiter="/", encoding_type="url")
    assert root.findtext("EncodingType") == "url" and root.findtext("Delimiter") == "/"
    assert [e[1] for e in _entries(root)] == ["d/top", "d/y%20z%2B1"]
    assert [p.findtext("Prefix") for p in root.findall("CommonPrefixes")] == ["d/x/"]
    r = vcos.request("GET", "", params={"versions": "", "encoding-type": "base64"})
    assert r.status == 400 and r.error_code() == "InvalidArgument"
    r = vcos.request("GET", "", params={"versions": "", "max-keys": "x"})
    assert r.status == 400 and r.error_code() == "InvalidArgument"


def test_list_versions_of_a_never_versioned_bucket_shows_null_versions(cos):
    _put(cos, "n", b"x")
    assert _entries(_list(cos)) == [("V", "n", "null", "true")]


# -- DELETE Multiple Objects ---------------------------------------------------------------------


def _delete_many(cos, objects, quiet=False):
    parts = ["<Delete>", f"<Quiet>{'true' if quiet else 'false'}</Quiet>"]
    for key, version in objects:
        version_xml = f"<VersionId>{version}</VersionId>" if version is not None else ""
        parts.append(f"<Object><Key>{key}</Key>{version_xml}</Object>")
    body = "".join(parts + ["</Delete>"]).encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    r = cos.request("POST", "", body, {"Content-MD5": md5}, params={"delete": ""})
    assert r.status == 200, r
    return [{child.tag: child.text for child in d} for d in ET.fromstring(r.body).findall("Deleted")]


def test_delete_multiple_honours_version_ids_and_reports_markers(vcos):
    v1, v2 = _put(vcos, "m1", b"1"), _put(vcos, "m1", b"2")
    _put(vcos, "m2", b"x")
    deleted = _delete_many(vcos, [("m1", v1), ("m2", None)])
    assert deleted[0] == {"Key": "m1", "VersionId": v1}
    assert deleted[1]["Key"] == "m2" and deleted[1]["DeleteMarker"] == "true"
    marker = deleted[1]["DeleteMarkerVersionId"]
    assert _get(vcos, "m1", v1).error_code() == "NoSuchVersion" and _get(vcos, "m1").body == b"2"
    assert _get(vcos, "m2").headers["x-cos-delete-marker"] == "true"
    deleted = _delete_many(vcos, [("m2", marker)])
    assert deleted == [{"Key": "m2", "VersionId": marker, "DeleteMarker": "true", "DeleteMarkerVersionId": marker}]
    assert _get(vcos, "m2").body == b"x"
    assert _delete_many(vcos, [("m1", v2)], quiet=True) == []
    assert _get(vcos, "m1").status == 404


def test_delete_multiple_on_a_never_versioned_bucket_is_unchanged(cos):
    _put(cos, "u", b"x")
    assert _delete_many(cos, [("u", "null")]) == [{"Key": "u"}]


# -- persistence -----------------------------------------------------------------------------


def test_versions_survive_a_restart_and_orphans_are_cleaned(tmp_path):
    data_dir = str(tmp_path / "data")
    bucket = "persist-1250000000"
    with CosEmulator(data_dir=data_dir, buckets=(bucket,)) as emu:
        c = CosHttp(emu.port, bucket)
        set_versioning(c, "Enabled")
        v1 = _put(c, "k", b"first")
        r = multipart(c, "k", [b"second"])
        v2 = r.headers["x-cos-version-id"]
        marker = c.request("DELETE", "k").headers["x-cos-version-id"]
        c.close()
    with CosEmulator(data_dir=data_dir, buckets=(bucket,)) as emu:
        c = CosHttp(emu.port, bucket)
        assert _status(c) == "Enabled"
        assert [(t, v) for t, _, v, _ in _entries(_list(c))] == [("D", marker), ("V", v2), ("V", v1)]
        assert _get(c, "k", v2).body == b"second" and _get(c, "k", v1).body == b"first"
        assert c.request("DELETE", "k", params={"versionId": marker}).status == 204
        assert _get(c, "k").body == b"second"
        blobs = {name for name, _ in emu.store._blob_files()}
        assert len(blobs) == 2  # one per version, nothing else kept
        c.close()


def test_a_data_dir_without_the_version_columns_gets_them(tmp_path):
    """A directory written before versioning: ``objects`` lacks version_id / version_seq (ALTER TABLE)."""
    root = tmp_path / "old"
    (root / "blobs").mkdir(parents=True)
    db = sqlite3.connect(str(root / "meta.sqlite3"))
    for script in (_store._SCHEMA_V1, _store._SCHEMA_V2, _store._SCHEMA_V3):
        db.executescript(script)
    db.execute("PRAGMA user_version=3")
    db.execute("INSERT INTO buckets VALUES ('old-1250000000', 'ap-beijing', 'private', 0, '{}')")
    db.execute(
        "INSERT INTO objects (bucket, key, blob_id, size, etag, crc64, last_modified, storage_class) "
        "VALUES ('old-1250000000', 'k', '', 0, '\"e\"', '0', 0, 'STANDARD')"
    )
    db.commit()
    db.close()
    store = _store.Store(str(root))
    try:
        columns = {row[1] for row in store.db.execute("PRAGMA table_info(objects)")}
        assert {"version_id", "version_seq"} <= columns
        assert store.get_object("old-1250000000", "k").version_id == ""
        store.set_bucket_versioning("old-1250000000", "Enabled")
        assert store.get_version("old-1250000000", "k", "").etag == '"e"'
    finally:
        store.close()
