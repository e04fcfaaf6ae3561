"""iter_objects, iter_object_versions and delete_prefix against the emulator."""

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from qcloud_cos.cos_exception import CosClientError

KEYS = ["it/a", "it/b c", "it/b+c", "it/d/1", "it/d/2", "it/e%20f", "it/中文", "it/z"]


def _put_all(client, bucket, keys, body=b"x"):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=bucket, Body=body, Key=key), keys))


def test_iter_objects_walks_every_page_with_keys_decoded(client, bucket):
    _put_all(client, bucket, KEYS + ["iu/outside"])
    listed = list(client.iter_objects(bucket, Prefix="it/", PageSize=3))
    assert [entry["Key"] for entry in listed] == sorted(KEYS, key=lambda k: k.encode())
    assert all(entry["Size"] == "1" for entry in listed)
    # the same answer as one big page, and the same as the official-shaped list_objects
    page = client.list_objects(bucket, Prefix="it/", MaxKeys=1000)
    assert [e["Key"] for e in page["Contents"]] == [e["Key"] for e in listed]


def test_iter_objects_with_delimiter_yields_prefixes_in_key_order(client, bucket):
    _put_all(client, bucket, KEYS)
    names = [
        entry.get("Key", entry.get("Prefix"))
        for entry in client.iter_objects(bucket, Prefix="it/", Delimiter="/", PageSize=2)
    ]
    assert names == ["it/a", "it/b c", "it/b+c", "it/d/", "it/e%20f", "it/z", "it/中文"]


def test_iter_objects_is_lazy_and_starts_after_marker(client, bucket):
    _put_all(client, bucket, KEYS)
    first_two = list(itertools.islice(client.iter_objects(bucket, Prefix="it/", PageSize=2), 2))
    assert [e["Key"] for e in first_two] == ["it/a", "it/b c"]
    after = [e["Key"] for e in client.iter_objects(bucket, Prefix="it/", Marker="it/d/2")]
    assert after == ["it/e%20f", "it/z", "it/中文"]
    assert list(client.iter_objects(bucket, Prefix="nothing-here/")) == []


def test_iter_objects_refuses_bad_arguments(client, bucket):
    for bad in (0, 1001, "many", None):
        with pytest.raises(CosClientError, match="PageSize"):
            client.iter_objects(bucket, PageSize=bad)  # refused at the call, before any iteration
    with pytest.raises(CosClientError, match="Prefix"):
        client.iter_objects(bucket, Prefix=["a"])
    with pytest.raises(CosClientError, match="Bucket"):
        client.iter_object_versions(None)


def test_iter_object_versions_lists_versions_and_delete_markers(client, cos_emulator):
    bucket = cos_emulator.create_bucket("itversions-1250000000")
    client.put_bucket_versioning(bucket, "Enabled")
    for body in (b"1", b"22", b"333"):
        client.put_object(Bucket=bucket, Body=body, Key="v/k")
    client.put_object(Bucket=bucket, Body=b"x", Key="v/other")
    client.delete_object(bucket, "v/other")
    entries = list(client.iter_object_versions(bucket, Prefix="v/", PageSize=2))
    assert [(e["Key"], e["IsDeleteMarker"]) for e in entries] == [
        ("v/k", False),
        ("v/k", False),
        ("v/k", False),
        ("v/other", True),
        ("v/other", False),
    ]
    assert [e["Size"] for e in entries if e["Key"] == "v/k"] == ["3", "2", "1"]  # newest first
    assert entries[0]["IsLatest"] == "true" and entries[3]["IsLatest"] == "true"
    assert len({e["VersionId"] for e in entries}) == 5

    result = client.delete_prefix(bucket, "v/", Versions=True)
    assert result == {"success_all": True, "deleted": 5, "failed": []}
    assert list(client.iter_object_versions(bucket, Prefix="v/")) == []


def test_delete_prefix_batches_more_than_1000_keys_and_keeps_the_rest(client, cos_emulator):
    bucket = cos_emulator.create_bucket("itdelete-1250000000")
    keys = ["dp/%04d" % i for i in range(1205)] + ["dp/中 文+%"]
    _put_all(client, bucket, keys + ["dp-keep", "dq/keep"])
    since = len(cos_emulator.requests)
    result = client.delete_prefix(bucket, "dp/", MAXThread=3)
    assert result == {"success_all": True, "deleted": len(keys), "failed": []}
    assert [e["Key"] for e in client.iter_objects(bucket)] == ["dp-keep", "dq/keep"]
    ops = [r["op"] for r in cos_emulator.requests[since:] if r.get("bucket") == bucket]
    assert ops.count("DeleteMultipleObjects") == 2 and ops.count("GetBucket") == 3  # 1000 + 206 keys


def test_delete_prefix_reports_the_keys_of_a_failed_request(client, cos_emulator):
    bucket = cos_emulator.create_bucket("itdeletefail-1250000000")
    keys = ["df/%04d" % i for i in range(1003)]
    _put_all(client, bucket, keys)
    cos_emulator.inject_fault(status=403, code="AccessDenied", op="DeleteMultipleObjects", count=1)
    result = client.delete_prefix(bucket, "df/", MAXThread=1)
    assert result["success_all"] is False
    assert result["deleted"] == 3
    assert len(result["failed"]) == 1000
    assert {f["Code"] for f in result["failed"]} == {"AccessDenied"}
    assert sorted(f["Key"] for f in result["failed"]) == keys[:1000]
    assert [e["Key"] for e in client.iter_objects(bucket)] == keys[:1000]


def test_delete_prefix_refuses_to_empty_a_bucket_by_accident(client, bucket):
    client.put_object(Bucket=bucket, Body=b"x", Key="keepme")
    for bad in ("", None, b"x/"):
        with pytest.raises(CosClientError, match="Prefix"):
            client.delete_prefix(bucket, bad)
    with pytest.raises(CosClientError, match="MAXThread"):
        client.delete_prefix(bucket, "x/", MAXThread=0)
    assert client.object_exists(bucket, "keepme")
    assert client.delete_prefix(bucket, "", AllObjects=True)["deleted"] >= 1
    assert not client.object_exists(bucket, "keepme")
