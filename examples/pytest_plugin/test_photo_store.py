"""Tests of photo_store against the COS emulator, with the fixtures and markers of
``qcloud_cos.emulator.pytest_plugin`` (enabled in pytest.ini: ``addopts = -p qcloud_cos.emulator.pytest_plugin``).

Run: ``python -m pytest`` in this folder.  One emulator serves the whole session; each test gets
its own bucket (``cos_env``/``cos_emulator_bucket``) or a reset emulator (``cos_clean_emulator``),
and faults or a network profile last for one test only.
"""

import os

import photo_store
import pytest


def _photo(tmp_path, name, size):
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return str(path)


def test_save_list_fetch_delete(cos_env, tmp_path):
    # cos_env: the code under test builds its own client; the environment points it at the emulator
    small, big = _photo(tmp_path, "cat.jpg", 1000), _photo(tmp_path, "sea.raw", 3 * 1024 * 1024)
    assert photo_store.save(small, "holiday") == "holiday/cat.jpg"
    photo_store.save(big, "holiday")
    assert photo_store.album("holiday") == {"holiday/cat.jpg": 1000, "holiday/sea.raw": 3 * 1024 * 1024}
    photo_store.fetch("holiday/sea.raw", str(tmp_path / "copy"))  # three ranged GETs in parallel
    assert (tmp_path / "copy").read_bytes() == open(big, "rb").read()
    assert photo_store.delete_album("holiday") == 2
    assert photo_store.album("holiday") == {}


def test_each_test_has_its_own_bucket(cos_env):
    assert photo_store.album("holiday") == {}  # nothing from the test above


@pytest.mark.cos_fault("op=UploadPart,status=503,count=2")  # the next two parts fail once each
def test_uploads_survive_server_errors(cos_env, cos_emulator, tmp_path):
    photo_store.save(_photo(tmp_path, "big.raw", 21 * 1024 * 1024), "flaky")  # > 20 MiB: multipart
    parts = [
        r for r in cos_emulator.requests if r.get("op") == "UploadPart" and r.get("bucket") == cos_env["COS_BUCKET"]
    ]
    assert [r["status"] for r in parts].count(503) == 2
    assert photo_store.album("flaky") == {"flaky/big.raw": 21 * 1024 * 1024}


def test_downloads_survive_a_broken_body(cos_env, cos_faults, tmp_path):
    path = _photo(tmp_path, "big.raw", 3 * 1024 * 1024)
    key = photo_store.save(path, "broken")
    cos_faults.inject(op="GetObject", truncate_after=-1, count=2)  # two bodies cut in half
    photo_store.fetch(key, str(tmp_path / "back"))
    assert (tmp_path / "back").read_bytes() == open(path, "rb").read()


def test_with_the_ready_made_client(cos_client, cos_emulator_bucket):
    # cos_client: a CosS3Client already configured for the emulator
    cos_client.put_object(Bucket=cos_emulator_bucket, Key="hello.txt", Body=b"hello")
    assert cos_client.get_object(Bucket=cos_emulator_bucket, Key="hello.txt")["Body"].read() == b"hello"


def test_from_a_clean_emulator(cos_clean_emulator, cos_client):
    # cos_clean_emulator: everything reset, the default bucket examplebucket-1250000000 empty
    assert cos_client.list_objects("examplebucket-1250000000").get("Contents") is None
    assert cos_clean_emulator.requests[0]["method"] == "GET"  # the log starts at this test


@pytest.mark.cos_network(latency_ms=20)  # every request takes 20 ms more
def test_on_a_slow_link(cos_client, cos_emulator_bucket):
    import time

    start = time.monotonic()
    cos_client.head_bucket(cos_emulator_bucket)
    assert time.monotonic() - start >= 0.02
