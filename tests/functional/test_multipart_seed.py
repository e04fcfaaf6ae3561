"""The reference's "追加上传对象" and "分块操作" examples, run unchanged against the emulator.

Each example first runs exactly as written.  Where the document uses a placeholder for something
that cannot exist beforehand (``UploadId='exampleUploadId'``, ``ETag: 'string'``), the verbatim run
must fail the way COS fails (``NoSuchUpload``, ``InvalidPart``), and a second run with only that
placeholder replaced by the real value must succeed.
"""

import hashlib

import pytest

from qcloud_cos import CosConfig, CosS3Client, CosServiceError
from tests.functional import seed

BUCKET = "examplebucket-1250000000"
MIB = 1024 * 1024
ONE_MIB_OF_B_ETAG = '"%s"' % hashlib.md5(b"b" * MIB).hexdigest()


SOURCE_BUCKET = "sourcebucket-1250000000"


@pytest.fixture
def env(cos_emulator, monkeypatch, tmp_path):
    monkeypatch.setenv("QCLOUD_COS_ENDPOINT_URL", cos_emulator.endpoint)
    client = CosS3Client(CosConfig(**cos_emulator.config_kwargs()))
    client.delete_object(BUCKET, "exampleobject")
    if not client.bucket_exists(SOURCE_BUCKET):  # the copy examples read from this bucket
        cos_emulator.create_bucket(SOURCE_BUCKET)
    return client, tmp_path


def _run(name, tmp, **kwargs):
    return seed.run(seed.source(name), cwd=tmp, **kwargs)


def _fails_with(code, name, tmp, **kwargs):
    with pytest.raises(CosServiceError) as info:
        _run(name, tmp, **kwargs)
    assert info.value.get_error_code() == code
    return info.value


def test_append_object_example(env):
    client, tmp = env
    response = _run("append_object.py", tmp)["response"]
    assert response["x-cos-next-append-position"] == str(MIB)
    _fails_with("AppendPositionErr", "append_object.py", tmp)  # position 0 is taken now
    assert client.head_object(BUCKET, "exampleobject")["x-cos-object-type"] == "appendable"


def test_append_object_all_params_template(env):
    client, tmp = env
    code = seed.resolve(seed.source("append_object_all_params.template"), {"Data": 0})
    scope = seed.run(code, cwd=tmp, scope={"client": client})
    assert scope["response"]["x-cos-next-append-position"] == "5"


def test_multipart_examples_end_to_end(env):
    client, tmp = env
    upload_id = _run("create_multipart_upload.py", tmp)["response"]["UploadId"]
    assert client.list_parts(BUCKET, "exampleobject", upload_id).get("Part", []) == []

    _fails_with("NoSuchUpload", "upload_part.py", tmp)
    part = _run("upload_part.py", tmp, replace=[("'exampleUploadId'", repr(upload_id))])["response"]
    assert part["ETag"] == ONE_MIB_OF_B_ETAG

    _fails_with("NoSuchUpload", "list_parts.py", tmp)
    listed = _run("list_parts.py", tmp, replace=[("'exampleUploadId'", repr(upload_id))])["response"]
    assert [(p["PartNumber"], p["ETag"]) for p in listed["Part"]] == [("1", ONE_MIB_OF_B_ETAG)]

    # upload_part_copy copies sourcebucket-1250000000/exampleobject (region ap-guangzhou) as part 1
    client.put_object(SOURCE_BUCKET, b"c" * MIB, "exampleobject")
    _fails_with("NoSuchUpload", "upload_part_copy.py", tmp)
    copied = _run("upload_part_copy.py", tmp, replace=[("'exampleUploadId'", repr(upload_id))])["response"]
    assert copied["ETag"] == '"%s"' % hashlib.md5(b"c" * MIB).hexdigest()
    second = client.upload_part(BUCKET, "exampleobject", b"tail", 2, upload_id)

    client.create_multipart_upload(BUCKET, "dir/pending.txt")
    uploads = _run("list_multipart_uploads.py", tmp)["response"]
    assert [u["Key"] for u in uploads["Upload"]] == ["dir/pending.txt"]

    _fails_with("NoSuchUpload", "complete_multipart_upload.py", tmp)
    _fails_with(
        "InvalidPart", "complete_multipart_upload.py", tmp, replace=[("'exampleUploadId'", repr(upload_id))]
    )  # ETag 'string' matches no part
    done = _run(
        "complete_multipart_upload.py",
        tmp,
        replace=[
            ("'exampleUploadId'", repr(upload_id)),
            ("'string'", repr(copied["ETag"])),
            ("'string'", repr(second["ETag"])),
        ],
    )["response"]
    assert done["ETag"].endswith('-2"')
    body = client.get_object(BUCKET, "exampleobject")["Body"].get_raw_stream().read()
    assert body == b"c" * MIB + b"tail"


def test_abort_example(env):
    client, tmp = env
    upload_id = client.create_multipart_upload(BUCKET, "exampleobject")["UploadId"]
    _fails_with("NoSuchUpload", "abort_multipart_upload.py", tmp)
    scope = _run("abort_multipart_upload.py", tmp, replace=[("'exampleUploadId'", repr(upload_id))])
    assert scope["response"] is None
    with pytest.raises(CosServiceError) as info:
        client.list_parts(BUCKET, "exampleobject", upload_id)
    assert info.value.get_error_code() == "NoSuchUpload"


def test_all_params_templates(env):
    client, tmp = env
    code = seed.resolve(seed.source("create_multipart_upload_all_params.template"), {"StorageClass": 1, "ACL": 1})
    scope = seed.run(code, cwd=tmp, scope={"client": client}, replace=seed.GRANTS)
    assert client.list_parts(BUCKET, "multipart.txt", scope["uploadid"])["Key"] == "multipart.txt"
    head_class = client.list_multipart_uploads(BUCKET, Prefix="multipart.txt")["Upload"][-1]["StorageClass"]
    assert head_class == "STANDARD_IA"
    # the other templates work on 'exampleobject'
    upload_id = client.create_multipart_upload(BUCKET, "exampleobject")["UploadId"]

    code = seed.resolve(seed.source("upload_part_all_params.template"), {"Body": 0, "EnableMD5": 1})
    part = seed.run(
        code, cwd=tmp, scope={"client": client}, replace=[("UploadId='string'", "UploadId=%r" % upload_id)]
    )["response"]
    assert part["ETag"] == '"%s"' % hashlib.md5(b"bytes").hexdigest()

    listed = seed.run(
        seed.source("list_parts_all_params.template"), cwd=tmp, scope={"client": client, "uploadid": upload_id}
    )["response"]
    assert listed["Key"] == "exampleobject"
    assert listed["PartNumberMarker"] == "100"
    assert listed.get("Part", []) == []  # parts above 100 only

    uploads = seed.run(seed.source("list_multipart_uploads_all_params.template"), cwd=tmp, scope={"client": client})[
        "response"
    ]
    assert uploads["MaxUploads"] == "100"
    assert uploads.get("Upload", []) == []

    # The copy template is all placeholders; each is replaced by a value that exists.
    head_etag = client.put_object(SOURCE_BUCKET, b"0123456789abcdef", "sourceObject")["ETag"]
    code = seed.source("upload_part_copy_all_params.template")
    copied = seed.run(
        code,
        cwd=tmp,
        scope={"client": client},
        replace=[
            ("UploadId='string'", "UploadId=%r" % upload_id),
            ("'COS_REGION'", "'ap-beijing'"),
            ("'VersionId': 'string'", "'VersionId': 'null'"),
            ("CopySourceRange='string'", "CopySourceRange='bytes=0-9'"),
            ("CopySourceIfMatch='string'", "CopySourceIfMatch=%r" % head_etag),
            ("CopySourceIfModifiedSince='string'", "CopySourceIfModifiedSince='Wed, 21 Oct 2015 07:28:00 GMT'"),
            ("CopySourceIfNoneMatch='string'", "CopySourceIfNoneMatch='\"other\"'"),
            ("CopySourceIfUnmodifiedSince='string'", "CopySourceIfUnmodifiedSince='Wed, 21 Oct 2037 07:28:00 GMT'"),
        ],
    )["response"]
    assert copied["ETag"] == '"%s"' % hashlib.md5(b"0123456789").hexdigest()
