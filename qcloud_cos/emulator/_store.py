"""Persistent state of the emulator: SQLite metadata plus one file per body.

Layout of the data directory::

    meta.sqlite3          buckets, objects, segments, multipart uploads and parts (WAL mode)
    blobs/ab/abcdef...    object and part bodies, named by an opaque uuid4 hex id
    tmp/                  bodies being received; emptied at start-up
    trash/                bodies no row refers to any more, being deleted in the background

Safety rules:

* File names are never derived from keys, so no key can address a path
  outside the data directory.
* A body is streamed into ``tmp/`` while its MD5 and CRC-64 are computed
  (``BlobWriter``), moved into ``blobs/`` with ``os.replace`` and only then
  published by one SQLite transaction; the replaced body is unlinked after the
  commit.  A failed upload is discarded without touching the old object.
  Parts (``commit_part``) follow the same rule.
* An object's data is either one blob (``objects.blob_id``: PUT, APPEND) or,
  for a completed multipart upload, the ordered blobs in ``segments``
  (``objects.blob_id`` is then ``''``).  ``complete_upload`` copies no bytes:
  in one transaction it writes the object row and one segment row per listed
  part (the part's own blob, which changes owner from the upload to the
  object) and drops the upload with its parts; the unlisted parts' blobs and
  the replaced object's blobs are unlinked after the commit.  Segment rows are
  keyed by (bucket, key) and every path that replaces or deletes an object row
  drops them in the same transaction.
* "Unlinking" a blob moves it into ``trash/`` (a rename, O(1)); a background
  thread deletes what lands there, so a request never pays for freeing the
  bytes of what it replaced or deleted (freeing 1 GiB of cached file costs
  about 0.2 s).
* Readers open a single-blob body under the same lock that publishes and
  unlinks, so a GET never loses its file to a concurrent overwrite.  A
  segmented body is read one segment file at a time (``SegmentReader``);
  instead of holding one descriptor per segment it *pins* the segment blobs
  under that lock, and ``_unlink_blob`` defers the removal of a pinned blob
  until its last reader closes.
* Appends (``begin_append``) are serialised per object by an append lock (never
  the store lock, so other requests proceed while an append body streams in).
  The bytes go straight into the object's blob file past its published length;
  the new length, ETag and CRC are then published in one transaction.  Readers
  only ever read up to a published length, so a half-written append is
  invisible, and a failed append is truncated away.
* At start-up, leftovers from a crash (temporary files, bodies no row refers
  to, bytes of an unpublished append, ``trash/``) are removed.  Every table that owns
  blobs (``objects``, ``segments``, ``parts``) is consulted.

The schema version lives in ``PRAGMA user_version`` (1: buckets and objects;
2: adds ``uploads`` and ``parts``; 3: adds ``segments``); older data directories are
migrated in place (every migration only adds tables, so the objects of an older directory
stay single-blob objects as they are).  Versioning (``_store_versions``) needs no version:
its tables (``versions``, ``version_segments``) are created and its ``objects`` columns
(``version_id``, ``version_seq``, defaulted: an older object is the null version) added at
every open where missing.  ACLs need no
migration: the canned ACL is the ``acl`` column, the explicit grants live in the JSON
``attrs`` (buckets: ``{"grants": [...]}``; objects: ``extra["grants"]``, which a directory
written before ACLs were served holds as raw headers, read by ``_acl.stored_grants``).

This module knows nothing about HTTP; it raises ``CosError`` for state errors.
The records it reads and writes are in ``_records``, the body files
(``BlobWriter``, ``SegmentReader``, the trash reaper) in ``_blobs``.  Every
write goes through ``Store._transaction``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import IO, Any, Callable, Dict, Generic, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, TypeVar

from ._blobs import BlobWriter, SegmentReader, _empty_dir, _Reaper, copy_stream
from ._crc64 import Crc64
from ._errors import CosError
from ._names import valid_bucket_name
from ._records import (
    _BUCKET_COLUMNS,
    _OBJECT_COLUMNS,
    _PART_COLUMNS,
    _UPLOAD_COLUMNS,
    BucketRecord,
    ListResult,
    ObjectRecord,
    PartRecord,
    UploadListResult,
    UploadRecord,
)
from ._store_versions import VersionStore

__all__ = [
    "Appender",
    "BlobWriter",
    "BucketRecord",
    "ListResult",
    "ObjectRecord",
    "PartRecord",
    "SegmentReader",
    "Store",
    "UploadListResult",
    "UploadRecord",
    "copy_stream",
    "roll_up",
    "valid_bucket_name",
]

SCHEMA_VERSION = 3
_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS buckets (
    name        TEXT PRIMARY KEY,
    region      TEXT NOT NULL,
    acl         TEXT NOT NULL,
    created     REAL NOT NULL,
    attrs       TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS objects (
    bucket        TEXT NOT NULL REFERENCES buckets(name),
    key           TEXT NOT NULL,
    blob_id       TEXT NOT NULL,
    size          INTEGER NOT NULL,
    etag          TEXT NOT NULL,
    crc64         TEXT NOT NULL,
    last_modified REAL NOT NULL,
    storage_class TEXT NOT NULL,
    object_type   TEXT NOT NULL DEFAULT 'normal',
    acl           TEXT NOT NULL DEFAULT 'default',
    attrs         TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (bucket, key)
);
"""
_SCHEMA_V2 = """
CREATE TABLE IF NOT EXISTS uploads (
    upload_id     TEXT PRIMARY KEY,
    bucket        TEXT NOT NULL,
    key           TEXT NOT NULL,
    initiated     REAL NOT NULL,
    storage_class TEXT NOT NULL,
    acl           TEXT NOT NULL DEFAULT 'default',
    attrs         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts (
    upload_id     TEXT NOT NULL,
    part_number   INTEGER NOT NULL,
    blob_id       TEXT NOT NULL,
    size          INTEGER NOT NULL,
    etag          TEXT NOT NULL,
    crc64         TEXT NOT NULL,
    last_modified REAL NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
"""
_SCHEMA_V3 = """
CREATE TABLE IF NOT EXISTS segments (
    bucket        TEXT NOT NULL,
    key           TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    blob_id       TEXT NOT NULL,
    size          INTEGER NOT NULL,
    PRIMARY KEY (bucket, key, seq)
);
"""
#: the versioning tables (``_store_versions``): created, and the ``objects`` columns added, at every
#: open where missing -- a schema change without a version bump, so no older directory needs migrating
_SCHEMA_VERSIONS = """
CREATE TABLE IF NOT EXISTS versions (
    bucket        TEXT NOT NULL,
    key           TEXT NOT NULL,
    blob_id       TEXT NOT NULL,
    size          INTEGER NOT NULL,
    etag          TEXT NOT NULL,
    crc64         TEXT NOT NULL,
    last_modified REAL NOT NULL,
    storage_class TEXT NOT NULL,
    object_type   TEXT NOT NULL DEFAULT 'normal',
    acl           TEXT NOT NULL DEFAULT 'default',
    attrs         TEXT NOT NULL DEFAULT '{}',
    version_id    TEXT NOT NULL,
    delete_marker INTEGER NOT NULL DEFAULT 0,
    version_seq   INTEGER NOT NULL,
    PRIMARY KEY (bucket, key, version_id)
);
CREATE INDEX IF NOT EXISTS versions_by_seq ON versions (bucket, key, version_seq);
CREATE TABLE IF NOT EXISTS version_segments (
    bucket        TEXT NOT NULL,
    key           TEXT NOT NULL,
    version_id    TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    blob_id       TEXT NOT NULL,
    size          INTEGER NOT NULL,
    PRIMARY KEY (bucket, key, version_id, seq)
);
"""
#: columns versioning adds to ``objects`` (ALTER TABLE, only where missing)
_OBJECT_VERSION_COLUMNS = (
    ("version_id", "TEXT NOT NULL DEFAULT ''"),
    ("version_seq", "INTEGER NOT NULL DEFAULT 0"),
)
#: version -> script that brings a database of the previous version to it (idempotent).
_MIGRATIONS = {1: _SCHEMA_V1, 2: _SCHEMA_V2, 3: _SCHEMA_V3}

_BLOB_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_UPLOAD_ID_RE = re.compile(r"^([0-9]{10})([0-9a-f]{16})[0-9a-f]{48}$")
#: sorts after every upload id (ids are digits and lowercase hex)
_AFTER_ANY_UPLOAD_ID = "~"


class Appender:
    """One APPEND in progress (``Store.begin_append``); holds the object's append lock.

    Write the chunk with ``write``; ``commit`` publishes the new length, ETag
    (MD5 of the whole object) and CRC-64 (the previous CRC continued over the
    chunk: the object is never re-read).  Leaving the ``with`` block without a
    commit undoes the write (truncates the blob back / discards the new body)
    and releases the lock.
    """

    def __init__(
        self,
        store: "Store",
        bucket: str,
        key: str,
        position: int,
        release: Callable[[], None],
        record: Optional[ObjectRecord] = None,
        fh: Optional[IO[bytes]] = None,
        whole_md5: Any = None,
    ) -> None:
        self._store = store
        self.bucket = bucket
        self.key = key
        self.position = position
        self._release: Optional[Callable[[], None]] = release
        self._record = record  # None: this append creates the object
        self._fh = fh
        self._whole_md5 = whole_md5
        self._writer: Optional[BlobWriter] = store.new_blob() if record is None else None
        self._chunk_md5 = hashlib.md5()
        self._crc = Crc64(record.crc64 if record is not None else 0)
        self.chunk_size = 0
        self.committed = False

    @property
    def creating(self) -> bool:
        return self._record is None

    @property
    def total_size(self) -> int:
        return self.position + self.chunk_size

    @property
    def chunk_md5(self) -> bytes:
        """MD5 of this append's bytes (not of the whole object)."""
        return self._chunk_md5.digest()

    @property
    def md5(self) -> bytes:
        """What a body sink reports (``_app.IncomingBody``): ``chunk_md5``."""
        return self.chunk_md5

    def write(self, data: bytes) -> None:
        if self._writer is not None:
            self._writer.write(data)
        else:
            assert self._fh is not None
            self._fh.write(data)
            self._whole_md5.update(data)
            self._crc.update(data)
        self._chunk_md5.update(data)
        self.chunk_size += len(data)

    def commit(self, new_record: ObjectRecord) -> ObjectRecord:
        """Publish; ``new_record`` supplies the attributes when the append creates the object."""
        store = self._store
        if self._writer is not None:
            writer = self._writer
            new_record.object_type = "appendable"
            new_record.size, new_record.etag, new_record.crc64 = writer.size, writer.etag, writer.crc64
            state = writer.md5_state()
            record = store._create_appendable(writer, new_record)
            store._remember_md5(record.blob_id, record.size, state)
            self.committed = True
            return record
        assert self._record is not None and self._fh is not None
        self._fh.flush()
        record = ObjectRecord(**{**self._record.__dict__})
        record.size = self.total_size
        record.etag = f'"{self._whole_md5.hexdigest()}"'
        record.crc64 = self._crc.value
        record.last_modified = new_record.last_modified
        store._extend_appendable(self._record, record)
        self.committed = True
        store._remember_md5(record.blob_id, record.size, self._whole_md5.copy())
        return record

    def close(self) -> None:
        try:
            if self._writer is not None:
                self._writer.discard()
            if self._fh is not None:
                try:
                    if not self.committed:
                        self._fh.truncate(self.position)  # bytes past the published length
                finally:
                    self._fh.close()
                    self._fh = None
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()

    def __enter__(self) -> "Appender":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Transaction:
    """One open ``BEGIN IMMEDIATE`` transaction of ``Store._transaction``."""

    def __init__(self, store: "Store") -> None:
        self._store = store
        self.db = store.db
        self.garbage: List[str] = []  # blob ids to unlink after the commit
        self.placed: List[Tuple[str, BlobWriter]] = []  # bodies moved into blobs/ (undone on rollback)

    def unlink_after_commit(self, blob_ids: Iterable[str]) -> None:
        self.garbage.extend(blob_ids)

    def place(self, writer: BlobWriter) -> str:
        """Move ``writer``'s (closed) file into ``blobs/`` under a new id; undone on rollback."""
        blob_id = uuid.uuid4().hex
        target = self._store._blob_path(blob_id)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(writer.path, target)
        writer.committed = True
        self.placed.append((blob_id, writer))
        return blob_id


class Store(VersionStore):
    """Buckets, objects (with their versions: ``VersionStore``) and multipart uploads.  Thread-safe:
    one SQLite connection behind one lock."""

    #: how many appendable objects keep a running MD5 in memory (a miss re-reads the blob once)
    MD5_CACHE_SIZE = 64

    def __init__(self, root: Optional[str] = None) -> None:
        self._owns_root = root is None
        self.root = os.path.abspath(root or tempfile.mkdtemp(prefix="cos-emulator-"))
        self.blob_dir = os.path.join(self.root, "blobs")
        self.tmp_dir = os.path.join(self.root, "tmp")
        self.trash_dir = os.path.join(self.root, "trash")
        for path in (self.blob_dir, self.tmp_dir, self.trash_dir):
            os.makedirs(path, exist_ok=True)
        self._lock = threading.RLock()
        self._db: Optional[sqlite3.Connection] = sqlite3.connect(
            os.path.join(self.root, "meta.sqlite3"), check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"data directory {self.root} has a newer schema ({version})")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._db.executescript(_MIGRATIONS[target])
            self._db.execute(f"PRAGMA user_version={target}")
        self._db.executescript(_SCHEMA_VERSIONS)
        _add_missing_columns(self._db, "objects", _OBJECT_VERSION_COLUMNS)
        # append locks: (bucket, key) -> [lock, users]; guarded by _append_locks_guard
        self._append_locks: Dict[Tuple[str, str], List[Any]] = {}
        self._append_locks_guard = threading.Lock()
        self._md5_cache: "OrderedDict[str, Tuple[int, Any]]" = OrderedDict()
        # blobs open readers still need (blob id -> readers), and pinned blobs no row owns any more
        self._pins: Dict[str, int] = {}
        self._doomed: Set[str] = set()
        self._last_upload_second = 0
        self._upload_seq = 0
        self._reaper: Optional[_Reaper] = None
        self._recover()
        self._reaper = _Reaper(self.trash_dir)
        self._reaper.poke()  # leftovers of an earlier run

    # -- housekeeping ------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[_Transaction]:
        """Hold the store lock and one write transaction: commit on success; on an exception
        roll back and unlink the bodies ``txn.place`` moved in.  The blobs passed to
        ``txn.unlink_after_commit`` are unlinked only once the commit is done."""
        with self._lock:
            txn = _Transaction(self)
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield txn
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                for blob_id, writer in txn.placed:
                    self._unlink_blob(blob_id)
                    writer.committed = False
                raise
            for blob_id in txn.garbage:
                self._unlink_blob(blob_id)

    def _require_bucket(self, name: str) -> None:
        if not self.db.execute("SELECT 1 FROM buckets WHERE name = ?", (name,)).fetchone():
            raise CosError("NoSuchBucket")

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("store is closed")
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            reaper, self._reaper = self._reaper, None
        if reaper is not None:
            reaper.stop()
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def _blob_path(self, blob_id: str) -> str:
        if not _BLOB_ID_RE.match(blob_id):  # ids are ours, but never trust a path
            raise ValueError(f"bad blob id {blob_id!r}")
        return os.path.join(self.blob_dir, blob_id[:2], blob_id)

    def _unlink_blob(self, blob_id: str) -> None:
        """Remove a blob no row refers to any more (later, if an open reader pins it).

        The file moves into ``trash/`` at once and the reaper thread deletes it.
        """
        with self._lock:
            if blob_id in self._pins:
                self._doomed.add(blob_id)
                return
            try:
                os.replace(self._blob_path(blob_id), os.path.join(self.trash_dir, blob_id))
            except FileNotFoundError:
                return
            if self._reaper is not None:
                self._reaper.poke()

    def empty_trash(self) -> None:
        """Delete the removed blobs now rather than in the background (for tests and tools)."""
        _empty_dir(self.trash_dir)

    def _pin(self, blob_ids: Iterable[str]) -> None:
        with self._lock:
            for blob_id in blob_ids:
                self._pins[blob_id] = self._pins.get(blob_id, 0) + 1

    def _unpin(self, blob_ids: Iterable[str]) -> None:
        with self._lock:
            for blob_id in blob_ids:
                left = self._pins[blob_id] - 1
                if left:
                    self._pins[blob_id] = left
                    continue
                del self._pins[blob_id]
                if blob_id in self._doomed:
                    self._doomed.discard(blob_id)
                    self._unlink_blob(blob_id)

    def _take_object_data(self, bucket: str, key: str) -> List[str]:
        """Inside a transaction: drop the segment rows of ``bucket``/``key`` and return every
        blob id the current object owns (to unlink after the commit)."""
        db = self.db
        owned = [
            r[0] for r in db.execute("SELECT blob_id FROM objects WHERE bucket = ? AND key = ?", (bucket, key)) if r[0]
        ]
        owned.extend(
            r[0] for r in db.execute("SELECT blob_id FROM segments WHERE bucket = ? AND key = ?", (bucket, key))
        )
        db.execute("DELETE FROM segments WHERE bucket = ? AND key = ?", (bucket, key))
        return owned

    def _segments(self, bucket: str, key: str) -> List[Tuple[str, int]]:
        return [
            (r[0], int(r[1]))
            for r in self.db.execute(
                "SELECT blob_id, size FROM segments WHERE bucket = ? AND key = ? ORDER BY seq", (bucket, key)
            )
        ]

    def _recover(self) -> None:
        """Remove leftovers of a crash: temporary files, parts of vanished uploads, segment
        rows of vanished objects and versions, bodies no row refers to, and bytes of an unpublished
        append past an appendable object's length.  (``trash/`` is emptied by the reaper.)"""
        with self._lock:
            for name in os.listdir(self.tmp_dir):
                try:
                    os.unlink(os.path.join(self.tmp_dir, name))
                except OSError:
                    pass
            self.db.execute("DELETE FROM parts WHERE upload_id NOT IN (SELECT upload_id FROM uploads)")
            self.db.execute(
                "DELETE FROM segments WHERE NOT EXISTS (SELECT 1 FROM objects o "
                "WHERE o.bucket = segments.bucket AND o.key = segments.key AND o.blob_id = '')"
            )
            self.db.execute(
                "DELETE FROM version_segments WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.bucket = "
                "version_segments.bucket AND v.key = version_segments.key AND v.version_id = version_segments.version_id)"
            )
            # Every table that owns blobs must be listed here.
            referenced: Set[str] = set()
            for table in ("objects", "segments", "parts", "versions", "version_segments"):
                referenced.update(row[0] for row in self.db.execute(f"SELECT blob_id FROM {table}"))
            for name, path in self._blob_files():
                if name not in referenced:
                    try:
                        os.unlink(path)
                    except OSError:
                        pass
            for blob_id, size in self.db.execute(
                "SELECT blob_id, size FROM objects WHERE object_type = 'appendable' AND blob_id != ''"
            ).fetchall():
                try:
                    path = self._blob_path(blob_id)
                    if os.path.getsize(path) > size:
                        os.truncate(path, size)
                except (OSError, ValueError):
                    pass
            for (upload_id,) in self.db.execute("SELECT upload_id FROM uploads"):
                self._note_upload_id(upload_id)

    def _blob_files(self) -> List[Tuple[str, str]]:
        """(name, path) of every file in ``blobs/``."""
        files: List[Tuple[str, str]] = []
        for sub in os.listdir(self.blob_dir):
            sub_path = os.path.join(self.blob_dir, sub)
            if os.path.isdir(sub_path):
                files.extend((name, os.path.join(sub_path, name)) for name in os.listdir(sub_path))
        return files

    def reset(self) -> None:
        """Drop every bucket, object and multipart upload."""
        with self._lock:
            with self._transaction() as txn:
                for table in ("parts", "uploads", "segments", "objects", "version_segments", "versions", "buckets"):
                    txn.db.execute(f"DELETE FROM {table}")
            self._md5_cache.clear()
            if not self._pins:  # the whole directory goes to the reaper
                os.replace(self.blob_dir, os.path.join(self.trash_dir, f"blobs-{uuid.uuid4().hex}"))
            else:  # open readers keep their pinned blobs until they close
                for name, path in self._blob_files():
                    if name in self._pins:
                        self._doomed.add(name)
                    else:
                        os.replace(path, os.path.join(self.trash_dir, name))
            os.makedirs(self.blob_dir, exist_ok=True)
            if self._reaper is not None:
                self._reaper.poke()

    # -- buckets -----------------------------------------------------------------

    def create_bucket(
        self, name: str, *, region: str, acl: str, now: float, grants: Sequence[Tuple[str, str]] = ()
    ) -> BucketRecord:
        if not valid_bucket_name(name):
            raise CosError("InvalidBucketName")
        attrs = json.dumps({"grants": [list(g) for g in grants]})
        with self._lock:
            try:
                self.db.execute(
                    "INSERT INTO buckets (name, region, acl, created, attrs) VALUES (?, ?, ?, ?, ?)",
                    (name, region, acl, now, attrs),
                )
            except sqlite3.IntegrityError:
                raise CosError("BucketAlreadyExists") from None
        return BucketRecord(name, region, acl, now, tuple(grants))

    def get_bucket(self, name: str) -> Optional[BucketRecord]:
        with self._lock:
            row = self.db.execute(f"SELECT {_BUCKET_COLUMNS} FROM buckets WHERE name = ?", (name,)).fetchone()
        return BucketRecord._from_row(row) if row else None

    def set_bucket_acl(self, name: str, *, acl: str, grants: Sequence[Tuple[str, str]]) -> None:
        """Replace the bucket's canned ACL and grants (its other attributes stay)."""
        with self._transaction() as txn:
            row = txn.db.execute("SELECT attrs FROM buckets WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise CosError("NoSuchBucket")
            attrs = json.loads(row[0] or "{}")
            attrs["grants"] = [list(g) for g in grants]
            txn.db.execute("UPDATE buckets SET acl = ?, attrs = ? WHERE name = ?", (acl, json.dumps(attrs), name))

    def buckets(self) -> List[BucketRecord]:
        """Every bucket, by name."""
        with self._lock:
            rows = self.db.execute(f"SELECT {_BUCKET_COLUMNS} FROM buckets ORDER BY name").fetchall()
        return [BucketRecord._from_row(row) for row in rows]

    def bucket_names(self) -> List[str]:
        with self._lock:
            return [r[0] for r in self.db.execute("SELECT name FROM buckets ORDER BY name")]

    def delete_bucket(self, name: str) -> None:
        """Only an empty bucket can go: no objects and no multipart uploads in progress
        (COS requires unfinished uploads to be cleared too) -> else 409 ``BucketNotEmpty``."""
        with self._transaction() as txn:
            self._require_bucket(name)
            if txn.db.execute("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", (name,)).fetchone():
                raise CosError("BucketNotEmpty")
            if self.has_versions(name):  # noncurrent versions and delete markers count (S3)
                raise CosError("BucketNotEmpty", "The bucket you tried to delete still has object versions.")
            if txn.db.execute("SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1", (name,)).fetchone():
                raise CosError("BucketNotEmpty", "The bucket you tried to delete has multipart uploads in progress.")
            txn.db.execute("DELETE FROM buckets WHERE name = ?", (name,))

    # -- objects -----------------------------------------------------------------

    def new_blob(self, *, hashing: bool = True) -> BlobWriter:
        return BlobWriter(self.tmp_dir, hashing=hashing)

    def commit_object(self, writer: BlobWriter, record: ObjectRecord) -> ObjectRecord:
        """Publish ``writer``'s body as ``record`` (size, ETag and CRC taken from the writer),
        replacing the object there."""
        writer.close()
        record.size, record.etag, record.crc64 = writer.size, writer.etag, writer.crc64
        with self._transaction() as txn:
            self._require_bucket(record.bucket)
            self._write_object(txn, record, blob_id=txn.place(writer))
        return record

    def _write_object(
        self, txn: _Transaction, record: ObjectRecord, *, blob_id: str, segments: Sequence[Tuple[str, int]] = ()
    ) -> None:
        """Inside ``txn``: replace the object at ``record``'s key (its blobs are unlinked after
        the commit; on a versioned bucket it may become a noncurrent version instead, see
        ``VersionStore._replace_current``, which sets ``record.version_id``) by ``record``, whose
        data are the blob ``blob_id`` or -- ``blob_id`` empty -- the ``segments`` (blob id, size) in order."""
        seq = self._replace_current(txn, record)
        record.blob_id = blob_id
        txn.db.execute(
            f"INSERT OR REPLACE INTO objects ({_OBJECT_COLUMNS}, version_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.bucket,
                record.key,
                blob_id,
                record.size,
                record.etag,
                str(record.crc64),
                record.last_modified,
                record.storage_class,
                record.object_type,
                record.acl,
                record._attrs(),
                record.version_id,
                seq,
            ),
        )
        txn.db.executemany(
            "INSERT INTO segments (bucket, key, seq, blob_id, size) VALUES (?, ?, ?, ?, ?)",
            [(record.bucket, record.key, seq, b, size) for seq, (b, size) in enumerate(segments)],
        )

    def get_object(self, bucket: str, key: str) -> Optional[ObjectRecord]:
        with self._lock:
            row = self.db.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?", (bucket, key)
            ).fetchone()
        return ObjectRecord._from_row(row) if row else None

    def set_object_acl(self, bucket: str, key: str, *, acl: str, grants: Sequence[Tuple[str, str]]) -> None:
        """Replace the object's canned ACL and grants; its data and other attributes stay
        (an object that is not there -> 404 ``NoSuchKey``)."""
        with self._transaction() as txn:
            row = txn.db.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?", (bucket, key)
            ).fetchone()
            if row is None:
                raise CosError("NoSuchKey")
            record = ObjectRecord._from_row(row)
            record.extra["grants"] = [list(g) for g in grants]
            txn.db.execute(
                "UPDATE objects SET acl = ?, attrs = ? WHERE bucket = ? AND key = ?",
                (acl, record._attrs(), bucket, key),
            )

    def open_object(self, bucket: str, key: str) -> Optional[Tuple[ObjectRecord, IO[bytes]]]:
        """The record and an open binary reader of its body (the caller closes it).

        A single-blob body is its open file; a segmented one a ``SegmentReader``.
        Both support ``read(n)``, ``seek`` and ``close``; read with a byte count, at
        most ``record.size`` bytes: an appendable object's file may hold more (an
        append in progress) that is not published yet.
        """
        with self._lock:
            record = self.get_object(bucket, key)
            if record is None:
                return None
            if not record.segmented:
                return record, open(self._blob_path(record.blob_id), "rb")
            segments = self._segments(bucket, key)
            self._pin(blob_id for blob_id, _ in segments)
            reader = SegmentReader(segments, open_blob=lambda b: open(self._blob_path(b), "rb"), unpin=self._unpin)
            return record, reader  # type: ignore[return-value]

    def object_segments(self, bucket: str, key: str) -> Optional[List[Tuple[str, int]]]:
        """(blob id, size) of each piece of the object's data in order (one for a
        single-blob object); None if there is no such object.  For tests and tools."""
        with self._lock:
            record = self.get_object(bucket, key)
            if record is None:
                return None
            if not record.segmented:
                return [(record.blob_id, record.size)]
            return self._segments(bucket, key)

    def delete_object(self, bucket: str, key: str) -> bool:
        """Delete an object and its blobs; multipart uploads of the same key are not affected."""
        with self._transaction() as txn:
            if not txn.db.execute("SELECT 1 FROM objects WHERE bucket = ? AND key = ?", (bucket, key)).fetchone():
                return False
            txn.unlink_after_commit(self._take_object_data(bucket, key))
            txn.db.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
        return True

    # -- appends -----------------------------------------------------------------

    def _acquire_append_lock(self, bucket: str, key: str) -> Callable[[], None]:
        ident = (bucket, key)
        with self._append_locks_guard:
            entry = self._append_locks.get(ident)
            if entry is None:
                entry = self._append_locks[ident] = [threading.Lock(), 0]
            entry[1] += 1
        entry[0].acquire()

        def release() -> None:
            entry[0].release()
            with self._append_locks_guard:
                entry[1] -= 1
                if entry[1] == 0:
                    self._append_locks.pop(ident, None)

        return release

    def _remember_md5(self, blob_id: str, size: int, state: Any) -> None:
        with self._lock:
            self._md5_cache[blob_id] = (size, state)
            self._md5_cache.move_to_end(blob_id)
            while len(self._md5_cache) > self.MD5_CACHE_SIZE:
                self._md5_cache.popitem(last=False)

    def begin_append(self, bucket: str, key: str, position: int) -> Appender:
        """Start an APPEND at ``position``; waits for other appends to the same object.

        Errors (checked again at commit): the object is not appendable -> 409
        ``ObjectNotAppendable``; ``position`` differs from its length (or is not 0
        for a new object) -> 409 ``AppendPositionErr``.
        """
        release = self._acquire_append_lock(bucket, key)
        fh: Optional[IO[bytes]] = None
        try:
            with self._lock:
                self._require_bucket(bucket)
                record = self.get_object(bucket, key)
                if record is None:
                    if position != 0:
                        raise CosError("AppendPositionErr")
                    return Appender(self, bucket, key, position, release)
                if record.object_type != "appendable":
                    raise CosError("ObjectNotAppendable")
                if record.size != position:
                    raise CosError("AppendPositionErr")
                fh = open(self._blob_path(record.blob_id), "r+b")
                cached = self._md5_cache.get(record.blob_id)
            if cached is not None and cached[0] == record.size:
                whole = cached[1].copy()
            else:  # not in memory (e.g. after a restart): hash the published bytes once
                whole = hashlib.md5()
                copy_stream(fh, whole.update, record.size)
            fh.seek(position)
            return Appender(self, bucket, key, position, release, record, fh, whole)
        except BaseException:
            if fh is not None:
                fh.close()
            release()
            raise

    def _create_appendable(self, writer: BlobWriter, record: ObjectRecord) -> ObjectRecord:
        """Publish the first append's body as a new appendable object.  It loses to a PUT or
        Complete that created the object meanwhile (409 ``ObjectNotAppendable``, or
        ``AppendPositionErr`` if that was an append too)."""
        writer.close()
        with self._transaction() as txn:
            self._require_bucket(record.bucket)
            row = txn.db.execute(
                "SELECT object_type FROM objects WHERE bucket = ? AND key = ?", (record.bucket, record.key)
            ).fetchone()
            if row is not None:
                raise CosError("ObjectNotAppendable" if row[0] != "appendable" else "AppendPositionErr")
            self._write_object(txn, record, blob_id=txn.place(writer))
        return record

    def _extend_appendable(self, old: ObjectRecord, record: ObjectRecord) -> None:
        """Publish the new length, ETag, CRC and time of an appendable object (the bytes are
        already in its blob).  Deleted or replaced since ``old`` was read -> 409."""
        with self._transaction() as txn:
            row = txn.db.execute(
                "SELECT blob_id, size, object_type FROM objects WHERE bucket = ? AND key = ?",
                (old.bucket, old.key),
            ).fetchone()
            if row is not None and row[2] != "appendable":
                raise CosError("ObjectNotAppendable")
            if row is None or row[0] != old.blob_id or row[1] != old.size:
                raise CosError("AppendPositionErr")  # deleted or replaced meanwhile
            txn.db.execute(
                "UPDATE objects SET size = ?, etag = ?, crc64 = ?, last_modified = ? WHERE bucket = ? AND key = ?",
                (record.size, record.etag, str(record.crc64), record.last_modified, old.bucket, old.key),
            )

    def _iter_keys(self, bucket: str, start: str, inclusive: bool) -> Iterator[ObjectRecord]:
        """Objects of ``bucket`` with key >= / > ``start``, in key order, fetched in batches."""
        op = ">=" if inclusive else ">"
        while True:
            with self._lock:
                rows = self.db.execute(
                    f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key {op} ? ORDER BY key LIMIT 256",
                    (bucket, start),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield ObjectRecord._from_row(row)
            start, op = rows[-1][1], ">"

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        marker: str = "",
        max_keys: int = 1000,
    ) -> ListResult:
        """GET Bucket semantics: keys after ``marker`` under ``prefix``, rolled up at ``delimiter``.

        Keys sort by code point (= UTF-8 byte order).  A rolled-up prefix counts
        once toward ``max_keys``; a prefix equal to ``marker`` is not repeated.
        """
        start, inclusive = (marker, False) if marker >= prefix else (prefix, True)

        def fetch(restart: Optional[str]) -> Iterator[ObjectRecord]:
            return (
                self._iter_keys(bucket, start, inclusive) if restart is None else self._iter_keys(bucket, restart, True)
            )

        page = roll_up(
            fetch, key_of=lambda record: record.key, prefix=prefix, delimiter=delimiter, marker=marker, limit=max_keys
        )
        return ListResult(page.items, page.prefixes, page.truncated, page.last if page.truncated else None)

    # -- multipart uploads -------------------------------------------------------

    def _note_upload_id(self, upload_id: str) -> None:
        """Keep the id generator ahead of an existing id (called under the lock)."""
        m = _UPLOAD_ID_RE.match(upload_id)
        if m:
            self._last_upload_second = max(self._last_upload_second, int(m.group(1)))
            self._upload_seq = max(self._upload_seq, int(m.group(2), 16))

    def _new_upload_id(self, now: float) -> str:
        """10-digit Unix seconds + 64 lowercase hex, sorting in creation order.

        The seconds never go backwards (even if the clock does) and the hex part starts
        with a 16-digit sequence number that only grows (continued across restarts from
        the uploads on disk), so ``ORDER BY upload_id`` is initiation order.
        """
        second = max(int(now), self._last_upload_second, 0)
        self._last_upload_second = second
        self._upload_seq += 1
        return f"{second:010d}{self._upload_seq:016x}{os.urandom(24).hex()}"

    def create_upload(self, record: UploadRecord) -> UploadRecord:
        """Store a new upload; an empty ``upload_id`` is generated (``record.initiated`` is the clock).

        A given id (``CosEmulator.create_upload``: the documentation's ``exampleUploadId``) must be new.
        """
        with self._lock:
            self._require_bucket(record.bucket)
            if not record.upload_id:
                record.upload_id = self._new_upload_id(record.initiated)
            elif self.db.execute("SELECT 1 FROM uploads WHERE upload_id = ?", (record.upload_id,)).fetchone():
                raise CosError("InvalidArgument", f"The upload id {record.upload_id} is in use.")
            self.db.execute(
                f"INSERT INTO uploads ({_UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.upload_id,
                    record.bucket,
                    record.key,
                    record.initiated,
                    record.storage_class,
                    record.acl,
                    record._attrs(),
                ),
            )
        return record

    def _upload_row(self, bucket: str, key: str, upload_id: str) -> Optional[Sequence[Any]]:
        return self.db.execute(
            f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE upload_id = ? AND bucket = ? AND key = ?",
            (upload_id, bucket, key),
        ).fetchone()

    def get_upload(self, bucket: str, key: str, upload_id: str) -> UploadRecord:
        """The upload ``upload_id`` of ``bucket``/``key``; 404 ``NoSuchUpload`` otherwise."""
        with self._lock:
            row = self._upload_row(bucket, key, upload_id)
        if row is None:
            raise CosError("NoSuchUpload")
        return UploadRecord._from_row(row)

    def commit_part(
        self, writer: BlobWriter, *, bucket: str, key: str, upload_id: str, part_number: int, now: float
    ) -> PartRecord:
        """Publish ``writer``'s body as part ``part_number``, replacing an earlier one."""
        writer.close()
        with self._transaction() as txn:
            if self._upload_row(bucket, key, upload_id) is None:
                raise CosError("NoSuchUpload")  # aborted or completed meanwhile
            old = txn.db.execute(
                "SELECT blob_id FROM parts WHERE upload_id = ? AND part_number = ?", (upload_id, part_number)
            ).fetchone()
            txn.unlink_after_commit([old[0]] if old else [])
            blob_id = txn.place(writer)
            part = PartRecord(upload_id, part_number, blob_id, writer.size, writer.etag, writer.crc64, now)
            txn.db.execute(
                f"INSERT OR REPLACE INTO parts ({_PART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (upload_id, part_number, blob_id, part.size, part.etag, str(part.crc64), now),
            )
        return part

    def list_parts(self, upload_id: str, *, marker: int = 0, max_parts: int = 1000) -> Tuple[List[PartRecord], bool]:
        """Parts numbered above ``marker``, ascending, at most ``max_parts``; and whether more follow."""
        with self._lock:
            rows = self.db.execute(
                f"SELECT {_PART_COLUMNS} FROM parts WHERE upload_id = ? AND part_number > ? "
                "ORDER BY part_number LIMIT ?",
                (upload_id, marker, max_parts + 1),
            ).fetchall()
        parts = [PartRecord._from_row(r) for r in rows]
        return parts[:max_parts], len(parts) > max_parts

    def get_parts(self, upload_id: str) -> Dict[int, PartRecord]:
        with self._lock:
            rows = self.db.execute(f"SELECT {_PART_COLUMNS} FROM parts WHERE upload_id = ?", (upload_id,)).fetchall()
        return {int(r[1]): PartRecord._from_row(r) for r in rows}

    def complete_upload(self, upload: UploadRecord, record: ObjectRecord, used: Sequence[PartRecord]) -> ObjectRecord:
        """Publish ``record`` as the segments ``used`` (in order) and drop the upload.

        No byte is copied: the listed parts' blobs become the object's segments and the
        other parts' blobs are unlinked, all in one transaction with the removal of the
        upload and its parts (``record.size`` is set to the parts' total).  If a listed
        part was replaced meanwhile -> 400 ``InvalidPart``; if the upload is gone
        (aborted, completed) -> 404 ``NoSuchUpload``.
        """
        listed = {part.blob_id for part in used}
        record.size = sum(part.size for part in used)
        with self._transaction() as txn:
            self._require_bucket(record.bucket)
            if self._upload_row(upload.bucket, upload.key, upload.upload_id) is None:
                raise CosError("NoSuchUpload")
            current = dict(
                txn.db.execute("SELECT part_number, blob_id FROM parts WHERE upload_id = ?", (upload.upload_id,))
            )
            if any(current.get(part.part_number) != part.blob_id for part in used):
                raise CosError("InvalidPart")  # replaced during the Complete
            txn.unlink_after_commit(blob_id for blob_id in current.values() if blob_id not in listed)
            self._write_object(txn, record, blob_id="", segments=[(part.blob_id, part.size) for part in used])
            self._drop_upload(txn, upload.upload_id)
        return record

    def _drop_upload(self, txn: _Transaction, upload_id: str) -> None:
        txn.db.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
        txn.db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))

    def abort_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """Drop an upload and its part bodies; 404 ``NoSuchUpload`` if there is none."""
        with self._transaction() as txn:
            if self._upload_row(bucket, key, upload_id) is None:
                raise CosError("NoSuchUpload")
            txn.unlink_after_commit(
                [r[0] for r in txn.db.execute("SELECT blob_id FROM parts WHERE upload_id = ?", (upload_id,))]
            )
            self._drop_upload(txn, upload_id)

    def _iter_uploads(self, bucket: str, key: str, upload_id: str) -> Iterator[UploadRecord]:
        """Uploads of ``bucket`` after the cursor ``(key, upload_id)``, ordered by key then
        upload id: ``key > cursor.key`` or ``key == cursor.key and upload_id > cursor.upload_id``."""
        while True:
            with self._lock:
                rows = self.db.execute(
                    f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE bucket = ? "
                    "AND (key > ? OR (key = ? AND upload_id > ?)) ORDER BY key, upload_id LIMIT 256",
                    (bucket, key, key, upload_id),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield UploadRecord._from_row(row)
            key, upload_id = rows[-1][2], rows[-1][0]

    def list_uploads(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        upload_id_marker: str = "",
        max_uploads: int = 1000,
    ) -> UploadListResult:
        """List Multipart Uploads semantics (same roll-up rules as ``list_objects``).

        Order: key (code point = UTF-8 byte order), then upload id (= initiation order).
        Start after ``key_marker`` -- or, with ``upload_id_marker``, also at uploads of
        ``key_marker`` itself whose id is greater.  A rolled-up prefix counts once
        toward ``max_uploads``; a prefix equal to ``key_marker`` is not repeated.
        """
        if key_marker:
            cursor = (key_marker, upload_id_marker or _AFTER_ANY_UPLOAD_ID)
        else:
            cursor = ("", "")
        if prefix > key_marker:
            cursor = (prefix, "")

        def fetch(restart: Optional[str]) -> Iterator[UploadRecord]:
            # (restart, "") is "key >= restart": every upload id sorts after ""
            return self._iter_uploads(bucket, *(cursor if restart is None else (restart, "")))

        page = roll_up(
            fetch,
            key_of=lambda upload: upload.key,
            prefix=prefix,
            delimiter=delimiter,
            marker=key_marker,
            limit=max_uploads,
        )
        if not page.truncated:
            return UploadListResult(page.items, page.prefixes, False, None, None)
        next_upload_id = page.last_item.upload_id if page.last_item is not None else ""
        return UploadListResult(page.items, page.prefixes, True, page.last, next_upload_id)


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a rolled-up listing."""

    items: List[T]
    prefixes: List[str]  # common prefixes, each counted once toward the limit
    truncated: bool
    last: Optional[str]  # the last key or common prefix of the page (the next marker)
    last_item: Optional[T]  # the last item when the page ended on one (None: on a prefix)


def roll_up(
    fetch: Callable[[Optional[str]], Iterable[T]],
    *,
    key_of: Callable[[T], str],
    prefix: str,
    delimiter: str,
    marker: str,
    limit: int,
) -> Page[T]:
    """The GET Bucket / List Multipart Uploads paging rule, over entries in key order.

    ``fetch(None)`` yields the entries from the listing's start (after the
    marker); ``fetch(k)`` those whose key is ``>= k`` (used to skip past a
    rolled-up prefix).  Keys not under ``prefix`` are skipped until one sorts
    after it; a key with ``delimiter`` past the prefix rolls up into the common
    prefix ending there, which counts once toward ``limit`` and is not repeated
    when it equals ``marker``.
    """
    items: List[T] = []
    prefixes: List[str] = []
    last: Optional[str] = None
    last_item: Optional[T] = None
    if limit <= 0:
        return Page(items, prefixes, False, None, None)
    restart: Optional[str] = None
    while True:
        entries = fetch(restart)
        restart = None
        for item in entries:
            key = key_of(item)
            if not key.startswith(prefix):
                if key > prefix:
                    return Page(items, prefixes, False, last, last_item)
                continue
            entry, rolled = key, False
            if delimiter:
                pos = key.find(delimiter, len(prefix))
                if pos != -1:
                    entry, rolled = key[: pos + len(delimiter)], True
            if rolled and entry == marker:
                restart = _successor(entry)
                if restart is None:
                    continue
                break
            if len(items) + len(prefixes) >= limit:
                return Page(items, prefixes, True, last, last_item)
            if rolled:
                prefixes.append(entry)
                last, last_item = entry, None
                restart = _successor(entry)
                if restart is None:  # cannot skip ahead; filter instead
                    marker = entry
                    continue
                break
            items.append(item)
            last, last_item = key, item
        if restart is None:
            return Page(items, prefixes, False, last, last_item)


def _successor(prefix: str) -> Optional[str]:
    """The smallest string greater than every string starting with ``prefix``."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return None
    nxt = last + 1
    if 0xD800 <= nxt <= 0xDFFF:  # surrogates are not valid in keys
        nxt = 0xE000
    return prefix[:-1] + chr(nxt)


def _add_missing_columns(db: sqlite3.Connection, table: str, columns: Sequence[Tuple[str, str]]) -> None:
    """``ALTER TABLE ... ADD COLUMN`` for each of ``columns`` the table lacks (idempotent)."""
    present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    for name, declaration in columns:
        if name not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
