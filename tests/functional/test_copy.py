"""copy_object and the managed copy against the emulator: one request or a multipart copy, metadata,
the If-Match pin, abort on failure, cancel and resume."""

import threading

import pytest

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError
from qcloud_cos.transfer import CopyCancelled

MIB = 1024 * 1024


def _data(n):
    return (b"0123456789abcdef" * (n // 16 + 1))[:n]


@pytest.fixture
def small_threshold_client(cos_emulator):
    """A client whose copy goes multipart above 1 MiB (instead of 5 GiB)."""
    conf = CosConfig(**cos_emulator.config_kwargs())
    conf.set_copy_part_threshold_size(1 * MIB)
    c = CosS3Client(conf)
    c._transport.backoff_base = 0.01
    return c


def _source(bucket, key, region="ap-guangzhou"):
    return {"Bucket": bucket, "Key": key, "Region": region}


def _body(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].get_raw_stream().read()


def _uploads(client, bucket, key):
    return [u for u in client.list_multipart_uploads(bucket, Prefix=key).get("Upload", []) if u["Key"] == key]


def _put_source(client, bucket, key, size):
    client.put_object(
        Bucket=bucket,
        Body=_data(size),
        Key=key,
        ContentType="image/png",
        CacheControl="max-age=60",
        Metadata={"x-cos-meta-color": "red"},
    )


def test_copy_object_keeps_metadata_unless_replaced(client, bucket):
    _put_source(client, bucket, "cp/src", 1000)
    result = client.copy_object(bucket, "cp/dst", _source(bucket, "cp/src"))
    assert result["ETag"] == client.head_object(bucket, "cp/src")["ETag"]
    head = client.head_object(bucket, "cp/dst")
    assert head["Content-Type"] == "image/png" and head["x-cos-meta-color"] == "red"
    assert _body(client, bucket, "cp/dst") == _data(1000)
    client.copy_object(bucket, "cp/dst2", _source(bucket, "cp/src"), CopyStatus="Replaced", ContentType="text/plain")
    head = client.head_object(bucket, "cp/dst2")
    assert head["Content-Type"] == "text/plain" and "x-cos-meta-color" not in head


def test_copy_object_error_inside_200_is_raised(client, bucket, cos_faults):
    _put_source(client, bucket, "cp/e200", 10)
    cos_faults.add("op=PutObjectCopy,kind=error200,code=InternalError")
    with pytest.raises(CosServiceError) as info:
        client.copy_object(bucket, "cp/e200-dst", _source(bucket, "cp/e200"))
    assert info.value.get_error_code() == "InternalError"
    assert info.value.get_status_code() == 200
    assert not client.object_exists(bucket, "cp/e200-dst")


def test_managed_copy_small_is_one_copy_object(client, bucket):
    _put_source(client, bucket, "cp/msmall", 5000)
    seen = []
    result = client.copy(
        bucket, "cp/msmall-dst", _source(bucket, "cp/msmall"), progress_callback=lambda a, b: seen.append((a, b))
    )
    assert "LastModified" in result  # the copy_object result, not a Complete result
    assert _body(client, bucket, "cp/msmall-dst") == _data(5000)
    assert seen == [(5000, 5000)]


def test_managed_copy_multipart_carries_metadata_and_reports_progress(small_threshold_client, bucket):
    client = small_threshold_client
    size = 3 * MIB + 17
    _put_source(client, bucket, "cp/big", size)
    seen = []
    result = client.copy(
        bucket,
        "cp/big-dst",
        _source(bucket, "cp/big"),
        PartSize=1,
        MAXThread=3,
        StorageClass="STANDARD_IA",
        progress_callback=lambda a, b: seen.append(a),
        CheckpointDir=False,
    )
    assert result["ETag"].endswith('-4"')  # four parts: a multipart copy
    head = client.head_object(bucket, "cp/big-dst")
    assert head["Content-Type"] == "image/png"
    assert head["x-cos-meta-color"] == "red"
    assert head["Cache-Control"] == "max-age=60"
    assert head["x-cos-storage-class"] == "STANDARD_IA"
    assert _body(client, bucket, "cp/big-dst") == _data(size)
    assert seen == sorted(seen) and seen[-1] == size and seen.count(size) == 1
    assert _uploads(client, bucket, "cp/big-dst") == []


def test_managed_copy_replaced_takes_only_the_callers_headers(small_threshold_client, bucket):
    client = small_threshold_client
    _put_source(client, bucket, "cp/rep", 2 * MIB + 1)
    client.copy(
        bucket,
        "cp/rep-dst",
        _source(bucket, "cp/rep"),
        CopyStatus="Replaced",
        PartSize=1,
        StorageClass="STANDARD_IA",
        ContentType="text/plain",
        CheckpointDir=False,
    )
    head = client.head_object(bucket, "cp/rep-dst")
    assert head["Content-Type"] == "text/plain" and "x-cos-meta-color" not in head


def test_source_overwritten_mid_copy_fails_and_aborts(small_threshold_client, bucket):
    client = small_threshold_client
    _put_source(client, bucket, "cp/changing", 3 * MIB)
    state = {"done": False}

    def overwrite(copied, total):
        if copied and not state["done"]:
            state["done"] = True
            client.put_object(Bucket=bucket, Body=b"x" * (3 * MIB), Key="cp/changing")

    with pytest.raises(CosServiceError) as info:
        client.copy(
            bucket,
            "cp/changing-dst",
            _source(bucket, "cp/changing"),
            PartSize=1,
            MAXThread=1,
            StorageClass="STANDARD_IA",
            progress_callback=overwrite,
            CheckpointDir=False,
        )
    assert info.value.get_status_code() == 412
    assert not client.object_exists(bucket, "cp/changing-dst")
    assert _uploads(client, bucket, "cp/changing-dst") == []


def test_part_failure_aborts_the_upload(small_threshold_client, bucket, cos_faults, tmp_path):
    client = small_threshold_client
    _put_source(client, bucket, "cp/fail", 3 * MIB)
    cos_faults.add("op=UploadPartCopy,status=403,code=AccessDenied,count=100")
    with pytest.raises(CosServiceError) as info:
        client.copy(
            bucket,
            "cp/fail-dst",
            _source(bucket, "cp/fail"),
            PartSize=1,
            StorageClass="STANDARD_IA",
            CheckpointDir=str(tmp_path),
        )
    assert info.value.get_error_code() == "AccessDenied"
    assert _uploads(client, bucket, "cp/fail-dst") == []
    assert list(tmp_path.iterdir()) == []


def test_cancel_then_resume_copies_only_the_rest(small_threshold_client, bucket, tmp_path):
    client = small_threshold_client
    size = 4 * MIB
    _put_source(client, bucket, "cp/resume", size)
    cancel = threading.Event()

    def stop_after_two(copied, total):
        if copied >= 2 * MIB:
            cancel.set()

    args = (bucket, "cp/resume-dst", _source(bucket, "cp/resume"))
    with pytest.raises(CopyCancelled):
        client.copy(
            *args,
            PartSize=1,
            MAXThread=1,
            StorageClass="STANDARD_IA",
            CancelEvent=cancel,
            progress_callback=stop_after_two,
            CheckpointDir=str(tmp_path),
        )
    (upload,) = _uploads(client, bucket, "cp/resume-dst")
    assert len(client.list_parts(bucket, "cp/resume-dst", upload["UploadId"]).get("Part", [])) == 2
    assert len(list(tmp_path.iterdir())) == 1
    seen = []
    client.copy(
        *args,
        PartSize=1,
        MAXThread=2,
        StorageClass="STANDARD_IA",
        CheckpointDir=str(tmp_path),
        progress_callback=lambda a, b: seen.append(a),
    )
    assert seen[0] == 2 * MIB  # the two parts done before were not copied again
    assert _body(client, bucket, "cp/resume-dst") == _data(size)
    assert _uploads(client, bucket, "cp/resume-dst") == []
    assert list(tmp_path.iterdir()) == []


def test_resume_after_the_source_changed_starts_over(small_threshold_client, bucket, tmp_path):
    client = small_threshold_client
    _put_source(client, bucket, "cp/re2", 3 * MIB)
    cancel = threading.Event()
    args = (bucket, "cp/re2-dst", _source(bucket, "cp/re2"))
    with pytest.raises(CopyCancelled):
        client.copy(
            *args,
            PartSize=1,
            MAXThread=1,
            StorageClass="STANDARD_IA",
            CancelEvent=cancel,
            progress_callback=lambda a, b: cancel.set() if a else None,
            CheckpointDir=str(tmp_path),
        )
    client.put_object(Bucket=bucket, Body=b"y" * (3 * MIB), Key="cp/re2")
    client.copy(*args, PartSize=1, StorageClass="STANDARD_IA", CheckpointDir=str(tmp_path))
    assert _body(client, bucket, "cp/re2-dst") == b"y" * (3 * MIB)
    assert _uploads(client, bucket, "cp/re2-dst") == []  # the stale upload was aborted, not orphaned
    assert list(tmp_path.iterdir()) == []


def test_bad_inputs_are_refused_before_any_request(client, bucket):
    from qcloud_cos.cos_exception import CosClientError

    with pytest.raises(CosClientError, match="CopyStatus"):
        client.copy(bucket, "k", _source(bucket, "nope"), CopyStatus="Move")
    with pytest.raises(CosClientError, match="PartSize"):
        client.copy(bucket, "k", _source(bucket, "nope"), PartSize=0)
    with pytest.raises(CosClientError, match="MAXThread"):
        client.copy(bucket, "k", _source(bucket, "nope"), MAXThread=None)
    with pytest.raises(CosClientError, match="CopySource"):
        client.copy(bucket, "k", None)
    with pytest.raises(CosClientError, match="No Parameter Named"):
        client.copy(bucket, "k", _source(bucket, "nope"), Foo=1)


def test_copy_of_a_specific_version(client, cos_emulator):
    bucket = cos_emulator.create_bucket("copyversions-1250000000")
    client.put_bucket_versioning(bucket, "Enabled")
    first = client.put_object(Bucket=bucket, Body=b"first", Key="cv/src")["x-cos-version-id"]
    client.put_object(Bucket=bucket, Body=b"second", Key="cv/src")
    source = {"Bucket": bucket, "Key": "cv/src", "Region": cos_emulator.region, "VersionId": first}
    client.copy_object(bucket, "cv/one", source)
    client.copy(bucket, "cv/managed", source)
    for key in ("cv/one", "cv/managed"):
        assert client.get_object(bucket, key)["Body"].get_raw_stream().read() == b"first"
