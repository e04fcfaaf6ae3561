"""PartSize/MAXThread not given: 8 MiB parts (multipart above 8 MiB), up to 16 requests in flight, and an
unfinished transfer resumes with the part size it was begun with.  Given: honoured exactly."""

import os
import threading

import pytest

from qcloud_cos.transfer import DownloadCancelled, UploadCancelled

MIB = 1024 * 1024


def _ops(cos_emulator, since, op, key):
    return [r for r in cos_emulator.requests[since:] if r.get("op") == op and r.get("key") == key]


@pytest.fixture
def big(tmp_path):
    path = tmp_path / "twenty.bin"
    path.write_bytes(os.urandom(20 * MIB))
    return str(path)


def test_upload_defaults_use_8_mib_parts(client, bucket, cos_emulator, big):
    since = len(cos_emulator.requests)
    client.upload_file(bucket, "auto/twenty", big, CheckpointDir=False)
    parts = _ops(cos_emulator, since, "UploadPart", "auto/twenty")
    assert sorted(int(r["headers"]["Content-Length"]) for r in parts) == [4 * MIB, 8 * MIB, 8 * MIB]
    assert client.head_object(bucket, "auto/twenty")["ETag"].endswith('-3"')


def test_a_given_part_size_keeps_the_official_rule(client, bucket, cos_emulator, big):
    since = len(cos_emulator.requests)
    client.upload_file(bucket, "given/twenty", big, PartSize=1, CheckpointDir=False)  # <= 20 MiB: one PUT
    assert len(_ops(cos_emulator, since, "PutObject", "given/twenty")) == 1
    assert _ops(cos_emulator, since, "UploadPart", "given/twenty") == []
    client.upload_file(bucket, "given/threads", big, MAXThread=5, CheckpointDir=False)  # only MAXThread given
    assert len(_ops(cos_emulator, since, "UploadPart", "given/threads")) == 3


def test_small_files_are_one_put_at_the_defaults(client, bucket, cos_emulator, tmp_path):
    path = tmp_path / "eight.bin"
    path.write_bytes(os.urandom(8 * MIB))
    since = len(cos_emulator.requests)
    client.upload_file(bucket, "auto/eight", str(path), CheckpointDir=False)
    assert len(_ops(cos_emulator, since, "PutObject", "auto/eight")) == 1


def test_an_upload_begun_with_1_mib_parts_resumes_at_the_defaults(client, bucket, cos_emulator, tmp_path):
    big = str(tmp_path / "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(24 * MIB))  # over 20 MiB: multipart with PartSize=1 too
    cancel = threading.Event()
    with pytest.raises(UploadCancelled):
        client.upload_file(
            bucket,
            "auto/resume",
            big,
            PartSize=1,
            MAXThread=1,
            CancelEvent=cancel,
            CheckpointDir=False,
            progress_callback=lambda done, total: done >= 5 * MIB and cancel.set(),
        )
    since = len(cos_emulator.requests)
    client.upload_file(bucket, "auto/resume", big, CheckpointDir=False)  # no checkpoint: found on the server
    assert _ops(cos_emulator, since, "InitiateMultipartUpload", "auto/resume") == []
    sent = _ops(cos_emulator, since, "UploadPart", "auto/resume")
    assert 1 <= len(sent) <= 20 and all(int(r["headers"]["Content-Length"]) == MIB for r in sent)
    with open(big, "rb") as f:
        assert client.get_object(bucket, "auto/resume")["Body"].read() == f.read()


def test_download_defaults_use_8_mib_ranges(client, bucket, cos_emulator, big, tmp_path):
    with open(big, "rb") as f:
        data = f.read()
    client.put_object(Bucket=bucket, Body=data, Key="auto/dl")
    since = len(cos_emulator.requests)
    client.download_file(bucket, "auto/dl", str(tmp_path / "auto"), DumpRecordDir=str(tmp_path / "r"))
    ranges = sorted(r["headers"].get("Range") for r in _ops(cos_emulator, since, "GetObject", "auto/dl"))
    assert ranges == ["bytes=0-8388607", "bytes=16777216-20971519", "bytes=8388608-16777215"]
    since = len(cos_emulator.requests)
    client.download_file(bucket, "auto/dl", str(tmp_path / "given"), PartSize=20)  # given: one GET up to 20 MiB
    assert [r["headers"].get("Range") for r in _ops(cos_emulator, since, "GetObject", "auto/dl")] == [None]
    assert (tmp_path / "auto").read_bytes() == data and (tmp_path / "given").read_bytes() == data


def test_a_download_begun_with_1_mib_parts_resumes_at_the_defaults(client, bucket, cos_emulator, big, tmp_path):
    with open(big, "rb") as f:
        data = f.read()
    client.put_object(Bucket=bucket, Body=data, Key="auto/dl-resume")
    cancel = threading.Event()
    dest, records = str(tmp_path / "out"), str(tmp_path / "records")
    with pytest.raises(DownloadCancelled):
        client.download_file(
            bucket,
            "auto/dl-resume",
            dest,
            PartSize=1,
            MAXThread=1,
            DumpRecordDir=records,
            CancelEvent=cancel,
            progress_callback=lambda done, total: done > 5 * MIB and cancel.set(),
        )
    since = len(cos_emulator.requests)
    client.download_file(bucket, "auto/dl-resume", dest, DumpRecordDir=records)
    gets = _ops(cos_emulator, since, "GetObject", "auto/dl-resume")
    assert 14 <= len(gets) <= 15  # the 1 MiB parts not yet done, not 3 new 8 MiB ranges
    with open(dest, "rb") as f:
        assert f.read() == data
