"""download_file against the emulator: small and ranged paths, progress, overwrite mid-download."""

import os

import pytest

from qcloud_cos._transfer.download import DownloadChanged
from qcloud_cos.cos_exception import CosClientError


def _data(n):
    return (b"0123456789abcdef" * (n // 16 + 1))[:n]


def test_small_object_one_get(client, bucket, tmp_path):
    client.put_object(Bucket=bucket, Body=_data(1000), Key="dl/small")
    seen = []
    dest = tmp_path / "small"
    client.download_file(bucket, "dl/small", str(dest), progress_callback=lambda a, b: seen.append((a, b)))
    assert dest.read_bytes() == _data(1000)
    assert seen[-1] == (1000, 1000)
    assert os.listdir(tmp_path) == ["small"]


def test_ranged_parallel(client, bucket, tmp_path):
    data = _data(3 * 1024 * 1024 + 17)
    client.put_object(Bucket=bucket, Body=data, Key="dl/big")
    seen = []
    dest = tmp_path / "big"
    client.download_file(
        bucket,
        "dl/big",
        str(dest),
        PartSize=1,
        MAXThread=3,
        DumpRecordDir=str(tmp_path / "r"),
        progress_callback=lambda a, b: seen.append(a),
    )
    assert dest.read_bytes() == data
    assert seen == sorted(seen) and seen[-1] == len(data) and seen.count(len(data)) == 1
    assert not (tmp_path / "r").exists() or os.listdir(tmp_path / "r") == []


def test_overwrite_mid_download_fails_and_leaves_nothing(client, bucket, tmp_path):
    data = _data(3 * 1024 * 1024)
    client.put_object(Bucket=bucket, Body=data, Key="dl/changing")
    state = {"done": False}

    def overwrite(consumed, total):
        if consumed > 1024 * 1024 and not state["done"]:
            state["done"] = True
            client.put_object(Bucket=bucket, Body=b"x" * len(data), Key="dl/changing")

    dest = tmp_path / "changing"
    with pytest.raises(DownloadChanged):
        client.download_file(
            bucket,
            "dl/changing",
            str(dest),
            PartSize=1,
            MAXThread=1,
            DumpRecordDir=str(tmp_path / "r"),
            progress_callback=overwrite,
        )
    assert not dest.exists()
    assert os.listdir(tmp_path) in ([], ["r"])
    assert not (tmp_path / "r").exists() or os.listdir(tmp_path / "r") == []


def test_destination_directory_refused(client, bucket, tmp_path):
    with pytest.raises(CosClientError, match="directory"):
        client.download_file(bucket, "dl/none", str(tmp_path))


def test_bad_part_size_named(client, bucket, tmp_path):
    with pytest.raises(CosClientError, match="PartSize"):
        client.download_file(bucket, "dl/none", str(tmp_path / "x"), PartSize=0)


MIB = 1024 * 1024


def _gets(cos_emulator, since, key):
    return [r for r in cos_emulator.requests[since:] if r.get("op") == "GetObject" and r.get("key") == key]


def test_cancel_then_resume_fetches_only_the_rest(client, bucket, tmp_path, cos_emulator):
    import threading

    from qcloud_cos.transfer import DownloadCancelled

    data = os.urandom(6 * MIB + 3)
    client.put_object(Bucket=bucket, Body=data, Key="dl/resume")
    cancel = threading.Event()
    dest, records = tmp_path / "resume", tmp_path / "records"

    def stop_half_way(consumed, total):
        if consumed >= 3 * MIB:
            cancel.set()

    with pytest.raises(DownloadCancelled, match="resume"):
        client.download_file(
            bucket,
            "dl/resume",
            str(dest),
            PartSize=1,
            MAXThread=1,
            DumpRecordDir=str(records),
            progress_callback=stop_half_way,
            CancelEvent=cancel,
        )
    assert not dest.exists() and len(os.listdir(str(records))) == 1
    assert len([n for n in os.listdir(str(tmp_path)) if n.startswith("resume_")]) == 1  # the temp file stays
    since = len(cos_emulator.requests)
    seen = []
    client.download_file(
        bucket,
        "dl/resume",
        str(dest),
        PartSize=1,
        MAXThread=2,
        DumpRecordDir=str(records),
        progress_callback=lambda consumed, total: seen.append(consumed),
    )
    assert dest.read_bytes() == data
    fetched = _gets(cos_emulator, since, "dl/resume")
    assert 1 <= len(fetched) <= 5  # not all 7 parts again
    assert seen[0] >= 2 * MIB and seen[-1] == len(data)
    assert os.listdir(str(records)) == [] and sorted(os.listdir(str(tmp_path))) == ["records", "resume"]


def test_resume_after_the_object_changed_starts_over(client, bucket, tmp_path):
    import threading

    from qcloud_cos.transfer import DownloadCancelled

    client.put_object(Bucket=bucket, Body=os.urandom(3 * MIB), Key="dl/changed-between")
    cancel = threading.Event()
    dest, records = tmp_path / "changed", tmp_path / "records"
    with pytest.raises(DownloadCancelled):
        client.download_file(
            bucket,
            "dl/changed-between",
            str(dest),
            PartSize=1,
            MAXThread=1,
            DumpRecordDir=str(records),
            CancelEvent=cancel,
            progress_callback=lambda consumed, total: consumed >= MIB and cancel.set(),
        )
    new = os.urandom(3 * MIB)
    client.put_object(Bucket=bucket, Body=new, Key="dl/changed-between")
    client.download_file(bucket, "dl/changed-between", str(dest), PartSize=1, MAXThread=2, DumpRecordDir=str(records))
    assert dest.read_bytes() == new
    assert sorted(os.listdir(str(tmp_path))) == ["changed", "records"]  # the stale temp file is gone


@pytest.mark.parametrize("size", [1000, 3 * MIB + 1])
def test_truncated_body_is_resumed_from_its_first_missing_byte(client, bucket, tmp_path, cos_emulator, size):
    data = os.urandom(size)
    key = "dl/truncated-%d" % size
    client.put_object(Bucket=bucket, Body=data, Key=key)
    cos_emulator.inject_fault(op="GetObject", key=key, truncate_after=-1, count=2)
    since = len(cos_emulator.requests)
    dest = tmp_path / "out"
    client.download_file(bucket, key, str(dest), PartSize=1, MAXThread=1, DumpRecordDir=str(tmp_path / "r"))
    assert dest.read_bytes() == data
    ranges = [r["headers"].get("Range") for r in _gets(cos_emulator, since, key)]
    # each broken body is asked for again from the byte where it stopped, not from its start
    restarts = [
        value for value in ranges if value and not value.startswith("bytes=0-") and int(value[6:].split("-")[0]) % MIB
    ]
    assert len(restarts) == 2, ranges


@pytest.mark.parametrize("size", [1000, 3 * MIB])
def test_crc_mismatch_leaves_the_destination_untouched(client, bucket, tmp_path, cos_emulator, size):
    key = "dl/badcrc-%d" % size
    client.put_object(Bucket=bucket, Body=os.urandom(size), Key=key)
    dest = tmp_path / "dest"
    dest.write_bytes(b"precious")
    cos_emulator.inject_fault(op="HeadObject", key=key, corrupt_crc=True, count=1)
    with pytest.raises(CosClientError, match="crc64"):
        client.download_file(bucket, key, str(dest), PartSize=1, DumpRecordDir=str(tmp_path / "r"))
    assert dest.read_bytes() == b"precious"
    assert sorted(os.listdir(str(tmp_path))) in (["dest"], ["dest", "r"])


def test_disable_temp_dest_file_path_writes_in_place(client, bucket, tmp_path):
    data = os.urandom(3 * MIB)
    client.put_object(Bucket=bucket, Body=data, Key="dl/inplace")
    dest = tmp_path / "inplace"
    names = []
    client.download_file(
        bucket,
        "dl/inplace",
        str(dest),
        PartSize=1,
        MAXThread=2,
        DisableTempDestFilePath=True,
        DumpRecordDir=str(tmp_path / "r"),
        progress_callback=lambda consumed, total: names.append(sorted(os.listdir(str(tmp_path)))),
    )
    assert dest.read_bytes() == data
    assert all(not any(n.startswith("inplace_") for n in listing) for listing in names)


def test_sse_c_and_traffic_limit_pass_through(client, bucket, tmp_path, cos_emulator):
    import base64
    import hashlib

    key_bytes = b"k" * 32
    sse = {
        "SSECustomerAlgorithm": "AES256",
        "SSECustomerKey": base64.b64encode(key_bytes).decode(),
        "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(key_bytes).digest()).decode(),
    }
    data = os.urandom(2 * MIB + 5)
    client.put_object(Bucket=bucket, Body=data, Key="dl/ssec", **sse)
    since = len(cos_emulator.requests)
    dest = tmp_path / "ssec"
    client.download_file(
        bucket,
        "dl/ssec",
        str(dest),
        PartSize=1,
        MAXThread=2,
        TrafficLimit="819200",
        DumpRecordDir=str(tmp_path / "r"),
        **sse,
    )
    assert dest.read_bytes() == data
    sent = [r for r in cos_emulator.requests[since:] if r.get("key") == "dl/ssec"]
    assert [r["op"] for r in sent].count("HeadObject") == 1 and len(sent) == 4
    for r in sent:
        assert r["headers"].get("x-cos-server-side-encryption-customer-algorithm") == "AES256"
        assert r["headers"].get("x-cos-server-side-encryption-customer-key-MD5") == sse["SSECustomerKeyMD5"]
    assert all(r["headers"].get("x-cos-traffic-limit") == "819200" for r in sent if r["op"] == "GetObject")


def test_version_id_downloads_that_version(client, cos_emulator, tmp_path):
    bucket = cos_emulator.create_bucket("dlversions-1250000000")
    client.put_bucket_versioning(bucket, "Enabled")
    old, new = os.urandom(2 * MIB + 1), os.urandom(2 * MIB + 2)
    first = client.put_object(Bucket=bucket, Body=old, Key="dl/versioned")["x-cos-version-id"]
    client.put_object(Bucket=bucket, Body=new, Key="dl/versioned")
    since = len(cos_emulator.requests)
    for part_size, dest in ((1, tmp_path / "ranged"), (20, tmp_path / "single")):
        client.download_file(
            bucket, "dl/versioned", str(dest), PartSize=part_size, VersionId=first, DumpRecordDir=str(tmp_path / "r")
        )
        assert dest.read_bytes() == old
    sent = [r for r in cos_emulator.requests[since:] if r.get("key") == "dl/versioned"]
    assert len(sent) == 6 and all("versionId=" + first in r["path"] for r in sent), [r["path"] for r in sent]
    client.download_file(bucket, "dl/versioned", str(tmp_path / "latest"))
    assert (tmp_path / "latest").read_bytes() == new


def test_pget_stream_to_file_writes_a_range_at_its_offset(client, bucket, tmp_path):
    """StreamBody.pget_stream_to_file(fdst, offset, expected_len), as the official SDK's ranged downloader uses it."""
    client.put_object(Bucket=bucket, Body=b"0123456789abcdef", Key="dl/pget")
    path = tmp_path / "target"
    path.write_bytes(b"." * 20)
    with open(str(path), "r+b") as f:
        body = client.get_object(bucket, "dl/pget", Range="bytes=2-5")["Body"]
        assert body.pget_stream_to_file(f, 10, 4) is None
        assert f.tell() == 14
    assert path.read_bytes() == b"..........2345......"
    with open(str(path), "r+b") as f:
        body = client.get_object(bucket, "dl/pget", Range="bytes=2-5")["Body"]
        with pytest.raises(IOError, match="incomplete"):
            body.pget_stream_to_file(f, 0, 6)  # 4 bytes came, 6 were expected
        with pytest.raises(CosClientError, match="offset"):
            client.get_object(bucket, "dl/pget")["Body"].pget_stream_to_file(f, -1, 16)
