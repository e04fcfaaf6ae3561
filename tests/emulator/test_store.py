"""The store's transaction helper, driven directly (a real SQLite file in a temporary directory)."""

import os

import pytest

from qcloud_cos.emulator._errors import CosError
from qcloud_cos.emulator._store import ObjectRecord, Store

BUCKET = "examplebucket-1250000000"


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / "data"))
    s.create_bucket(BUCKET, region="ap-guangzhou", acl="private", now=0.0)
    yield s
    s.close()


def _put(store, key, data):
    with store.new_blob() as writer:
        writer.write(data)
        return store.commit_object(writer, ObjectRecord(BUCKET, key, 0, "", 0, 1.0))


def _blobs(store):
    return sorted(n for _, _, names in os.walk(store.blob_dir) for n in names)


def test_transaction_rollback_unlinks_placed_bodies_and_keeps_the_garbage(store):
    old = _put(store, "k", b"old")
    store.empty_trash()
    with store.new_blob() as writer:
        writer.write(b"new")
        writer.close()
        with pytest.raises(CosError):
            with store._transaction() as txn:
                placed = txn.place(writer)
                txn.unlink_after_commit([old.blob_id])
                assert os.path.exists(store._blob_path(placed))
                raise CosError("InternalError")
    assert not os.path.exists(store._blob_path(placed))  # undone
    assert os.path.exists(store._blob_path(old.blob_id))  # garbage only goes after a commit
    assert store.get_object(BUCKET, "k").blob_id == old.blob_id
    assert store.db.execute("SELECT 1").fetchone() == (1,)  # no transaction left open


def test_replacing_an_object_unlinks_the_old_body_after_the_commit(store):
    old = _put(store, "k", b"old")
    new = _put(store, "k", b"newer")
    store.empty_trash()
    assert _blobs(store) == [new.blob_id] != [old.blob_id]
    assert store.get_object(BUCKET, "k").size == 5


def test_commit_into_a_missing_bucket_leaves_nothing(store):
    with store.new_blob() as writer:
        writer.write(b"x")
        with pytest.raises(CosError) as excinfo:
            store.commit_object(writer, ObjectRecord("gone-1250000000", "k", 0, "", 0, 1.0))
    assert excinfo.value.code == "NoSuchBucket"
    store.empty_trash()
    assert _blobs(store) == [] and os.listdir(store.tmp_dir) == []
