"""Tencent's command-line tool coscmd 1.9.0.6, unmodified, over our package, against the emulator.

Each command runs as a subprocess of the virtualenv made by ``conftest.coscmd_env`` (coscmd from the
package index, our package from this tree, no official SDK), with ``QCLOUD_COS_ENDPOINT_URL``
pointing at an emulator; every command must exit 0, and what it did is checked with our own client
(bytes, copies, deletions, ACLs) and the emulator's request records.  The SDK calls behind each
command: ``CALLS.md``.  ``QCLOUD_COS_COSCMD=0`` skips this file.
"""

import filecmp
import hashlib
import os
import re

import pytest
import requests

from qcloud_cos.cos_exception import CosServiceError

from .conftest import APPID, BUCKET, ENABLED, REGION

pytestmark = pytest.mark.skipif(not ENABLED, reason="QCLOUD_COS_COSCMD=0: coscmd tests skipped")

SOURCE_HOST = "%s.cos.%s.myqcloud.com" % (BUCKET, REGION)  # coscmd's copy-source form: HOST/KEY


@pytest.fixture
def prefix(request):
    """A key prefix of this test's own in the shared bucket."""
    return re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-") + "/"


def _put(cos, key, data, bucket=BUCKET, **kwargs):
    cos.put_object(Bucket=bucket, Key=key, Body=data, **kwargs)


def _get(cos, key, bucket=BUCKET):
    return cos.get_object(Bucket=bucket, Key=key)["Body"].get_raw_stream().read()


def _exists(cos, key, bucket=BUCKET):
    try:
        cos.head_object(Bucket=bucket, Key=key)
    except CosServiceError as e:
        assert e.get_status_code() == 404, e
        return False
    return True


def _keys(cos, prefix, bucket=BUCKET):
    return sorted(c["Key"] for c in cos.list_objects(Bucket=bucket, Prefix=prefix, MaxKeys=1000).get("Contents", []))


def _bucket(emulator, name):
    """A fresh bucket NAME-APPID (a name not ending in 0/1/2/5: coscmd strips the appid with rstrip)."""
    full = "%s-%s" % (name, APPID)
    if emulator.store.get_bucket(full) is None:
        emulator.create_bucket(full)
    return full


def _tree(root, files):
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_the_virtualenv_has_our_package_and_not_the_official_sdk(coscmd_env):
    import qcloud_cos

    info = coscmd_env.info
    assert os.path.realpath(info["file"]).startswith(os.path.realpath(coscmd_env.dir) + os.sep), info
    assert info["dropin_version"] == qcloud_cos.__dropin_version__, info
    assert info["official_sdk_version"] == qcloud_cos.__official_sdk_version__, info
    assert info["standin_version"] == "1.9.44" and info["standin_package_files"] == [], info
    assert info["dropin_package_files"] > 10, info
    assert info["coscmd_version"] == "1.9.0.6", info
    assert info["pip_check_rc"] == 0 and "No broken requirements found" in info["pip_check"], info


# -- upload / info / list ----------------------------------------------------------------------------


def test_upload_file_and_info(coscmd, cos, prefix, tmp_path):
    data = b"hello coscmd\n" * 100
    (tmp_path / "small.txt").write_bytes(data)
    out = coscmd("upload", "small.txt", prefix + "small.txt")
    assert "cos://%s/%ssmall.txt" % (BUCKET, prefix) in out
    assert _get(cos, prefix + "small.txt") == data
    # coscmd sends x-cos-meta-md5 (EnableMD5 / Metadata kwargs reach the wire)
    head = cos.head_object(Bucket=BUCKET, Key=prefix + "small.txt")
    assert head["x-cos-meta-md5"] == hashlib.md5(data).hexdigest()

    out = coscmd("info", prefix + "small.txt")
    assert prefix + "small.txt" in out
    assert re.search(r"Content-Length\s+%d\b" % len(data), out), out
    assert head["ETag"] in out


def test_upload_folder_recursively(coscmd, cos, prefix, tmp_path):
    files = {"a.txt": b"a" * 10, "sub/b.bin": os.urandom(3000), "sub/deeper/c.txt": b"ccc", "d.txt": b""}
    _tree(tmp_path / "src", files)
    out = coscmd("upload", "-r", "src", prefix)
    assert "4 files uploaded, 0 files skipped, 0 files failed" in out, out
    expected = sorted(prefix + "src/" + rel for rel in files)
    assert _keys(cos, prefix) == expected
    for rel, data in files.items():
        assert _get(cos, prefix + "src/" + rel) == data, rel


def test_upload_and_download_a_multipart_file(coscmd, cos, prefix, tmp_path):
    """21 MiB: above coscmd's 20 MB floor, so upload_file and download_file (parts, ranged GETs) run."""
    data = os.urandom(21 * 1024 * 1024 + 333)
    (tmp_path / "big.bin").write_bytes(data)
    coscmd("upload", "big.bin", prefix + "big.bin")
    ops = [op for op, status in coscmd.ops() if status == 200]
    assert "InitiateMultipartUpload" in ops and "CompleteMultipartUpload" in ops, coscmd.ops()
    assert ops.count("UploadPart") >= 2, coscmd.ops()
    assert hashlib.md5(_get(cos, prefix + "big.bin")).digest() == hashlib.md5(data).digest()

    coscmd("download", prefix + "big.bin", "out/big.bin")
    assert sum(1 for op, status in coscmd.ops() if op == "GetObject" and status == 206) >= 2, coscmd.ops()
    assert (tmp_path / "out" / "big.bin").read_bytes() == data


def test_list(coscmd, cos, prefix):
    _put(cos, prefix + "one.txt", b"1")
    _put(cos, prefix + "dir/two.txt", b"22")
    _put(cos, prefix + "dir/sub/three.txt", b"333")
    out = coscmd("list", prefix)
    assert re.search(r"%sdir/\s+DIR" % re.escape(prefix), out), out
    assert re.search(r"%sone\.txt\s+1\s+STANDARD" % re.escape(prefix), out), out
    assert "two.txt" not in out
    out = coscmd("list", "-r", prefix)
    for key, size in (("one.txt", 1), ("dir/two.txt", 2), ("dir/sub/three.txt", 3)):
        assert re.search(r"%s\s+%d\s+STANDARD" % (re.escape(prefix + key), size), out), out
    assert "Files num: 3" in out and "Files size: 6" in out, out


def test_list_versions(coscmd, cos, coscmd_emulator):
    """``list -v`` (--versions): list_objects_versions on a versioned bucket."""
    bucket = _bucket(coscmd_emulator, "listversions")
    cos.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    first = cos.put_object(Bucket=bucket, Key="v.txt", Body=b"first")
    second = cos.put_object(Bucket=bucket, Key="v.txt", Body=b"second version")
    ids = {first.get("x-cos-version-id"), second.get("x-cos-version-id")}
    assert None not in ids and len(ids) == 2, (first, second)
    out = coscmd("list", "-v", bucket=bucket)
    for vid in ids:
        assert re.search(r"v\.txt\s+\d+\s+.*%s" % re.escape(vid), out), out
    assert re.search(r"v\.txt\s+5\s", out) and re.search(r"v\.txt\s+14\s", out), out
    out = coscmd("list", "--versions", "-r", bucket=bucket)
    assert "Files num: 2" in out and "Files size: 19" in out, out


# -- download ------------------------------------------------------------------------------------------


def test_download_file(coscmd, cos, prefix, tmp_path):
    data = os.urandom(200000)
    _put(cos, prefix + "x.bin", data)
    out = coscmd("download", prefix + "x.bin", "got/x.bin")
    assert "Download cos://%s/%sx.bin" % (BUCKET, prefix) in out, out
    assert (tmp_path / "got" / "x.bin").read_bytes() == data
    # -f: an existing local file is replaced
    _put(cos, prefix + "x.bin", b"new")
    coscmd("download", "-f", prefix + "x.bin", "got/x.bin")
    assert (tmp_path / "got" / "x.bin").read_bytes() == b"new"


def test_download_folder_recursively(coscmd, cos, prefix, tmp_path):
    files = {"a.txt": b"aaa", "sub/b.bin": os.urandom(5000), "sub/deep/c.txt": b"c"}
    for rel, data in files.items():
        _put(cos, prefix + "tree/" + rel, data)
    _tree(tmp_path / "expected", files)
    out = coscmd("download", "-r", prefix + "tree/", "got/")
    assert "3 files downloaded, 0 files skipped, 0 files failed" in out, out
    cmp = filecmp.dircmp(str(tmp_path / "expected"), str(tmp_path / "got"))
    for rel, data in files.items():
        assert (tmp_path / "got" / rel).read_bytes() == data, rel
    assert not cmp.left_only and not cmp.right_only, (cmp.left_only, cmp.right_only)


# -- copy / move / delete --------------------------------------------------------------------------------


def test_copy(coscmd, cos, prefix, coscmd_emulator):
    data = os.urandom(4096)
    _put(cos, prefix + "src.bin", data, ContentType="image/png", Metadata={"x-cos-meta-color": "blue"})
    out = coscmd("copy", "%s/%ssrc.bin" % (SOURCE_HOST, prefix), prefix + "dst.bin")
    assert "Copy cos://%s/%ssrc.bin   =>   cos://%s/%sdst.bin" % (BUCKET, prefix, BUCKET, prefix) in out, out
    assert _get(cos, prefix + "dst.bin") == data
    assert _get(cos, prefix + "src.bin") == data
    head = cos.head_object(Bucket=BUCKET, Key=prefix + "dst.bin")
    assert head["Content-Type"] == "image/png" and head["x-cos-meta-color"] == "blue", head

    # from another bucket, with the metadata replaced
    other = _bucket(coscmd_emulator, "copysource")
    _put(cos, "from-other.txt", b"other bucket", bucket=other)
    coscmd(
        "copy",
        "-d",
        "Replaced",
        "-H",
        '{"Content-Type": "text/plain"}',
        "%s.cos.%s.myqcloud.com/from-other.txt" % (other, REGION),
        prefix + "copied.txt",
    )
    assert _get(cos, prefix + "copied.txt") == b"other bucket"
    assert cos.head_object(Bucket=BUCKET, Key=prefix + "copied.txt")["Content-Type"] == "text/plain"


def test_copy_folder_recursively(coscmd, cos, prefix):
    files = {"a": b"A", "b/c": b"BC"}
    for rel, data in files.items():
        _put(cos, prefix + "from/" + rel, data)
    coscmd("copy", "-r", "%s/%sfrom/" % (SOURCE_HOST, prefix), prefix + "to/")
    for rel, data in files.items():
        assert _get(cos, prefix + "to/" + rel) == data, rel
        assert _get(cos, prefix + "from/" + rel) == data, rel


def test_move(coscmd, cos, prefix):
    data = os.urandom(1000)
    _put(cos, prefix + "old.bin", data)
    out = coscmd("move", "%s/%sold.bin" % (SOURCE_HOST, prefix), prefix + "new.bin")
    assert "Move cos://%s/%sold.bin" % (BUCKET, prefix) in out, out
    assert _get(cos, prefix + "new.bin") == data
    assert not _exists(cos, prefix + "old.bin")


def test_delete_file(coscmd, cos, prefix):
    _put(cos, prefix + "gone.txt", b"x")
    _put(cos, prefix + "kept.txt", b"y")
    out = coscmd("delete", "-f", prefix + "gone.txt")
    assert "Delete cos://%s/%sgone.txt" % (BUCKET, prefix) in out, out
    assert not _exists(cos, prefix + "gone.txt")
    assert _exists(cos, prefix + "kept.txt")


def test_delete_folder_recursively_with_one_delete_objects_request(coscmd, cos, prefix):
    """``delete -r``: list_objects + delete_objects.  coscmd 1.9.0.6 ALWAYS logs 'Delete the remaining
    files again' and then lists once more, deleting key by key what is left (its fallback for a failed
    delete_objects, which it swallows); so the proof that delete_objects worked is that one DELETE
    Multiple request removed every key and the second pass found nothing (no DELETE Object request,
    no 'Delete KEY' line after that one)."""
    keys = [prefix + "tree/" + k for k in ("a.txt", "b/c.txt", "b/d/e.txt", "f g.txt")]
    for k in keys:
        _put(cos, k, b"data of " + k.encode())
    _put(cos, prefix + "treetop.txt", b"not under tree/")
    out = coscmd("delete", "-r", "-f", prefix + "tree/")
    assert _keys(cos, prefix) == [prefix + "treetop.txt"]
    assert "%d files successful, 0 files failed" % len(keys) in out, out
    ops = coscmd.ops()
    assert ops.count(("DeleteMultipleObjects", 200)) == 1, ops
    assert not [op for op in ops if op[0] == "DeleteObject"], ops
    before, marker, after = out.partition("Delete the remaining files again")
    for k in keys:
        assert re.search(r"^Delete %s$" % re.escape(k), before, re.M), out
        assert k not in after, out


# -- multipart uploads ---------------------------------------------------------------------------------------


def test_listparts_and_abort(coscmd, cos, prefix):
    uploads = []
    for key in (prefix + "mp/one.bin", prefix + "mp/two.bin"):
        upload_id = cos.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        cos.upload_part(Bucket=BUCKET, Key=key, PartNumber=1, UploadId=upload_id, Body=b"p" * 1024)
        uploads.append((key, upload_id))
    other = cos.create_multipart_upload(Bucket=BUCKET, Key=prefix + "elsewhere.bin")["UploadId"]

    out = coscmd("listparts", prefix + "mp/")
    for key, upload_id in uploads:
        assert "Key:%s, UploadId:%s" % (key, upload_id) in out, out
    assert "Parts num: 2" in out and other not in out, out

    out = coscmd("abort", prefix + "mp/")
    for key, upload_id in uploads:
        assert "Abort Key: %s, UploadId: %s" % (key, upload_id) in out, out
    left = cos.list_multipart_uploads(Bucket=BUCKET, Prefix=prefix).get("Upload", [])
    assert [(u["Key"], u["UploadId"]) for u in left] == [(prefix + "elsewhere.bin", other)], left
    cos.abort_multipart_upload(Bucket=BUCKET, Key=prefix + "elsewhere.bin", UploadId=other)


# -- signurl ---------------------------------------------------------------------------------------------------


def test_signurl(coscmd, cos, prefix):
    data = os.urandom(777)
    _put(cos, prefix + "signed.bin", data)
    out = coscmd("signurl", "-t", "600", prefix + "signed.bin")
    m = re.search(r"(https?://[^\s']+)", out)
    assert m, out
    url = m.group(1)
    assert "/%ssigned.bin?" % prefix in url and "q-signature=" in url, url
    with requests.Session() as s:
        s.trust_env = False  # no proxy between us and 127.0.0.1
        r = s.get(url, timeout=30)
        assert r.status_code == 200, r.text
        assert r.content == data
        # the signature is checked: tampering with it is refused
        assert s.get(url.replace("q-signature=", "q-signature=0"), timeout=30).status_code == 403


# -- buckets -----------------------------------------------------------------------------------------------------


def test_createbucket_and_deletebucket(coscmd, cos):
    bucket = "fresh-%s" % APPID
    out = coscmd("createbucket", bucket=bucket)
    assert "Create cos://%s" % bucket in out, out
    cos.head_bucket(Bucket=bucket)
    out = coscmd("deletebucket", bucket=bucket)
    assert "Delete cos://%s" % bucket in out, out
    with pytest.raises(CosServiceError) as e:
        cos.head_bucket(Bucket=bucket)
    assert e.value.get_status_code() == 404


def test_deletebucket_force_empties_it_first(coscmd, cos, coscmd_emulator):
    bucket = _bucket(coscmd_emulator, "forced")
    _put(cos, "a/b.txt", b"x", bucket=bucket)
    _put(cos, "c.txt", b"y", bucket=bucket)
    cos.create_multipart_upload(Bucket=bucket, Key="unfinished.bin")
    # -f: abort_parts, delete_folder (delete_objects), delete_folder with versions, delete_bucket
    coscmd("deletebucket", "-f", bucket=bucket)
    with pytest.raises(CosServiceError) as e:
        cos.head_bucket(Bucket=bucket)
    assert e.value.get_status_code() == 404


# -- ACLs ------------------------------------------------------------------------------------------------------------


def _grants(acl):
    out = set()
    for g in acl["AccessControlList"]["Grant"]:
        grantee = g["Grantee"]
        who = grantee.get("ID") or grantee.get("URI")
        out.add((who, g["Permission"]))
    return out


ANYONE = "http://cam.qcloud.com/groups/global/AllUsers"
OWNER = "qcs::cam::uin/%s:uin/%s" % (APPID, APPID)
FRIEND = "qcs::cam::uin/100000000011:uin/100000000011"


def test_getobjectacl_and_putobjectacl(coscmd, cos, prefix):
    key = prefix + "acl.txt"
    _put(cos, key, b"acl")
    out = coscmd("getobjectacl", key)
    assert re.search(r"ACL\s+\|\s+%s: FULL_CONTROL" % re.escape(OWNER), out), out

    coscmd("putobjectacl", "--grant-read", "anyone,100000000011", "--grant-full-control", APPID, key)
    grants = _grants(cos.get_object_acl(Bucket=BUCKET, Key=key))
    assert {(ANYONE, "READ"), (FRIEND, "READ"), (OWNER, "FULL_CONTROL")} <= grants, grants
    out = coscmd("getobjectacl", key)
    assert "anyone: READ" in out and "%s: READ" % FRIEND in out, out
    # the grant is real: anonymous reads now succeed
    with requests.Session() as s:
        s.trust_env = False
        r = s.get(
            "%s/%s" % (coscmd.emulator.endpoint, key),
            headers={"Host": "%s.cos.%s.myqcloud.com" % (BUCKET, REGION)},
            timeout=30,
        )
    assert r.status_code == 200 and r.content == b"acl", r.text


def test_getbucketacl_and_putbucketacl(coscmd, cos, coscmd_emulator):
    bucket = _bucket(coscmd_emulator, "bucketacl")
    out = coscmd("getbucketacl", bucket=bucket)
    assert re.search(r"ACL\s+\|\s+%s: FULL_CONTROL" % re.escape(OWNER), out), out
    assert "anyone" not in out

    coscmd(
        "putbucketacl",
        "--grant-read",
        "anyone",
        "--grant-write",
        "100000000011",
        "--grant-full-control",
        APPID,
        bucket=bucket,
    )
    grants = _grants(cos.get_bucket_acl(Bucket=bucket))
    assert {(ANYONE, "READ"), (FRIEND, "WRITE"), (OWNER, "FULL_CONTROL")} <= grants, grants
    out = coscmd("getbucketacl", bucket=bucket)
    assert "anyone: READ" in out and "%s: WRITE" % FRIEND in out, out


# -- versioning --------------------------------------------------------------------------------------------------------


def test_getbucketversioning_and_putbucketversioning(coscmd, cos, coscmd_emulator):
    bucket = _bucket(coscmd_emulator, "versioning")
    out = coscmd("getbucketversioning", bucket=bucket)
    assert "Not configured" in out or "Suspended" in out, out  # never enabled: no <Status>
    coscmd("putbucketversioning", "Enabled", bucket=bucket)
    assert cos.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled"
    assert re.search(r"^Enabled$", coscmd("getbucketversioning", bucket=bucket), re.M)
    coscmd("putbucketversioning", "Suspended", bucket=bucket)
    assert cos.get_bucket_versioning(Bucket=bucket).get("Status") == "Suspended"
    assert re.search(r"^Suspended$", coscmd("getbucketversioning", bucket=bucket), re.M)


def test_delete_versions_recursively(coscmd, cos, coscmd_emulator):
    """``delete -r --versions``: list_objects_versions + delete_objects with VersionIds."""
    bucket = _bucket(coscmd_emulator, "deleteversions")
    cos.put_bucket_versioning(Bucket=bucket, Status="Enabled")
    for body in (b"1", b"22"):
        cos.put_object(Bucket=bucket, Key="d/k.txt", Body=body)
    cos.delete_object(Bucket=bucket, Key="d/k.txt")  # a delete marker
    assert len(cos.list_objects_versions(Bucket=bucket, Prefix="d/").get("Version", [])) == 2
    coscmd("delete", "-r", "-f", "--versions", "d/", bucket=bucket)
    left = cos.list_objects_versions(Bucket=bucket, Prefix="d/")
    assert not left.get("Version") and not left.get("DeleteMarker"), left
    assert ("DeleteMultipleObjects", 200) in coscmd.ops(), coscmd.ops()


# -- restore ---------------------------------------------------------------------------------------------------------------


def test_restore_an_archived_object(coscmd, cos, prefix, tmp_path):
    key = prefix + "cold.bin"
    (tmp_path / "cold.bin").write_bytes(b"frozen bytes")
    coscmd("upload", "-H", '{"x-cos-storage-class": "ARCHIVE"}', "cold.bin", key)
    assert cos.head_object(Bucket=BUCKET, Key=key)["x-cos-storage-class"] == "ARCHIVE"
    out = coscmd("restore", "-d", "1", "-t", "Standard", key)
    assert "Restore cos://%s/%s" % (BUCKET, key) in out, out
    restores = [r for r in coscmd.last_requests if r["method"] == "POST" and "?restore" in r["path"]]
    assert [r["status"] for r in restores] in ([200], [202]), coscmd.ops()
    assert "x-cos-restore" in cos.head_object(Bucket=BUCKET, Key=key), "HEAD after a restore has no x-cos-restore"
