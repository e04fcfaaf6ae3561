"""Persistent state of the emulator: SQLite metadata plus one file per object body.

Layout of the data directory::

    meta.sqlite3          buckets and objects (WAL mode)
    blobs/ab/abcdef...    object bodies, named by an opaque uuid4 hex id
    tmp/                  bodies being received; emptied at start-up

Safety rules:

* File names are never derived from keys, so no key can address a path
  outside the data directory.
* A body is streamed into ``tmp/`` while its MD5 and CRC-64 are computed
  (``BlobWriter``), moved into ``blobs/`` with ``os.replace`` and only then
  published by one SQLite transaction; the replaced body is unlinked after the
  commit.  A failed upload is discarded without touching the old object.
* Readers open the body file under the same lock that publishes and unlinks, so
  a GET never loses its file to a concurrent overwrite.
* At start-up, leftovers from a crash (temporary files, bodies no row refers
  to) are removed.

Future milestones fit without a rewrite: multipart uploads add ``uploads`` and
``parts`` tables whose part bodies are blobs written by the same ``BlobWriter``,
and appendable objects use ``object_type = 'appendable'``.  The schema version
lives in ``PRAGMA user_version``.

This module knows nothing about HTTP; it raises ``CosError`` for state errors.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from typing import IO, Any, Dict, Iterator, List, Optional, Sequence, Tuple

from ._crc64 import Crc64
from ._errors import CosError

__all__ = ["BlobWriter", "BucketRecord", "ListResult", "ObjectRecord", "Store", "valid_bucket_name"]

SCHEMA_VERSION = 1
_SCHEMA = """
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

_BUCKET_RE = re.compile(r"^(?P<custom>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-(?P<appid>[0-9]+)$")
_BLOB_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_COPY_CHUNK = 1 << 20


def valid_bucket_name(name: str) -> bool:
    """``<custom>-<appid>``: custom part 1-50 of ``[a-z0-9-]``, not starting/ending with ``-``."""
    m = _BUCKET_RE.match(name)
    return bool(m) and len(m.group("custom")) <= 50


@dataclass(frozen=True)
class BucketRecord:
    name: str
    region: str
    acl: str
    created: float

    @property
    def appid(self) -> str:
        return self.name.rsplit("-", 1)[1]


@dataclass
class ObjectRecord:
    """Metadata of one stored object.

    ``headers`` holds the stored standard headers (``Content-Type``,
    ``Cache-Control``, ...) under their canonical names; ``meta`` the
    ``x-cos-meta-*`` pairs (lower-cased names, values verbatim); ``extra`` the
    rest (grants, tagging, SSE echo headers).  Header values are ``str`` holding
    the raw wire bytes as latin-1, so they go back out byte for byte.
    """

    bucket: str
    key: str
    size: int
    etag: str
    crc64: int
    last_modified: float
    storage_class: str = "STANDARD"
    object_type: str = "normal"
    acl: str = "default"
    headers: Dict[str, str] = field(default_factory=dict)
    meta: List[Tuple[str, str]] = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)
    blob_id: str = ""

    def _attrs(self) -> str:
        return json.dumps({"headers": self.headers, "meta": self.meta, "extra": self.extra})

    @classmethod
    def _from_row(cls, row: Sequence[Any]) -> "ObjectRecord":
        (bucket, key, blob_id, size, etag, crc, lm, sc, otype, acl, attrs) = row
        data = json.loads(attrs)
        return cls(
            bucket=bucket,
            key=key,
            blob_id=blob_id,
            size=size,
            etag=etag,
            crc64=int(crc),
            last_modified=lm,
            storage_class=sc,
            object_type=otype,
            acl=acl,
            headers=data.get("headers", {}),
            meta=[tuple(pair) for pair in data.get("meta", [])],  # type: ignore[misc]
            extra=data.get("extra", {}),
        )


_OBJECT_COLUMNS = (
    "bucket, key, blob_id, size, etag, crc64, last_modified, storage_class, object_type, acl, attrs"
)


@dataclass
class ListResult:
    contents: List[ObjectRecord]
    common_prefixes: List[str]
    is_truncated: bool
    next_marker: Optional[str]


class BlobWriter:
    """Receives one body into ``tmp/``, hashing as it goes; ``Store.commit_object`` publishes it.

    Use as a context manager: leaving the block without a commit removes the file.
    """

    def __init__(self, tmp_dir: str) -> None:
        fd, self.path = tempfile.mkstemp(dir=tmp_dir, prefix="body-")
        self._file: Optional[IO[bytes]] = os.fdopen(fd, "wb")
        self._md5 = hashlib.md5()
        self._crc = Crc64()
        self.size = 0
        self.committed = False

    def write(self, data: bytes) -> None:
        assert self._file is not None, "writer is closed"
        self._file.write(data)
        self._md5.update(data)
        self._crc.update(data)
        self.size += len(data)

    @property
    def md5(self) -> bytes:
        return self._md5.digest()

    @property
    def etag(self) -> str:
        return f'"{self._md5.hexdigest()}"'

    @property
    def crc64(self) -> int:
        return self._crc.value

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def discard(self) -> None:
        self.close()
        if not self.committed:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "BlobWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


class Store:
    """Buckets and objects.  Thread-safe: one SQLite connection behind one lock."""

    def __init__(self, root: Optional[str] = None) -> None:
        self._owns_root = root is None
        self.root = os.path.abspath(root or tempfile.mkdtemp(prefix="cos-emulator-"))
        self.blob_dir = os.path.join(self.root, "blobs")
        self.tmp_dir = os.path.join(self.root, "tmp")
        os.makedirs(self.blob_dir, exist_ok=True)
        os.makedirs(self.tmp_dir, exist_ok=True)
        self._lock = threading.RLock()
        self._db: Optional[sqlite3.Connection] = sqlite3.connect(
            os.path.join(self.root, "meta.sqlite3"), check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"data directory {self.root} has a newer schema ({version})")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._recover()

    # -- housekeeping ------------------------------------------------------------

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
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def _blob_path(self, blob_id: str) -> str:
        if not _BLOB_ID_RE.match(blob_id):  # ids are ours, but never trust a path
            raise ValueError(f"bad blob id {blob_id!r}")
        return os.path.join(self.blob_dir, blob_id[:2], blob_id)

    def _unlink_blob(self, blob_id: str) -> None:
        try:
            os.unlink(self._blob_path(blob_id))
        except FileNotFoundError:
            pass

    def _recover(self) -> None:
        """Remove temporary files and bodies no row refers to (leftovers of a crash)."""
        with self._lock:
            for name in os.listdir(self.tmp_dir):
                try:
                    os.unlink(os.path.join(self.tmp_dir, name))
                except OSError:
                    pass
            # Every table that owns blobs must be listed here (multipart parts, later).
            referenced = {row[0] for row in self.db.execute("SELECT blob_id FROM objects")}
            for sub in os.listdir(self.blob_dir):
                sub_path = os.path.join(self.blob_dir, sub)
                if not os.path.isdir(sub_path):
                    continue
                for name in os.listdir(sub_path):
                    if name not in referenced:
                        try:
                            os.unlink(os.path.join(sub_path, name))
                        except OSError:
                            pass

    def reset(self) -> None:
        """Drop every bucket and object."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM objects")
            self.db.execute("DELETE FROM buckets")
            self.db.execute("COMMIT")
            shutil.rmtree(self.blob_dir, ignore_errors=True)
            os.makedirs(self.blob_dir, exist_ok=True)

    # -- buckets -----------------------------------------------------------------

    def create_bucket(self, name: str, *, region: str, acl: str, now: float) -> BucketRecord:
        if not valid_bucket_name(name):
            raise CosError("InvalidBucketName")
        with self._lock:
            try:
                self.db.execute(
                    "INSERT INTO buckets (name, region, acl, created) VALUES (?, ?, ?, ?)",
                    (name, region, acl, now),
                )
            except sqlite3.IntegrityError:
                raise CosError("BucketAlreadyExists") from None
        return BucketRecord(name, region, acl, now)

    def get_bucket(self, name: str) -> Optional[BucketRecord]:
        with self._lock:
            row = self.db.execute(
                "SELECT name, region, acl, created FROM buckets WHERE name = ?", (name,)
            ).fetchone()
        return BucketRecord(*row) if row else None

    def bucket_names(self) -> List[str]:
        with self._lock:
            return [r[0] for r in self.db.execute("SELECT name FROM buckets ORDER BY name")]

    def delete_bucket(self, name: str) -> None:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if not self.db.execute("SELECT 1 FROM buckets WHERE name = ?", (name,)).fetchone():
                    raise CosError("NoSuchBucket")
                if self.db.execute("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", (name,)).fetchone():
                    raise CosError("BucketNotEmpty")
                self.db.execute("DELETE FROM buckets WHERE name = ?", (name,))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    # -- objects -----------------------------------------------------------------

    def new_blob(self) -> BlobWriter:
        return BlobWriter(self.tmp_dir)

    def commit_object(self, writer: BlobWriter, record: ObjectRecord) -> ObjectRecord:
        """Publish ``writer``'s body as ``record`` (size, ETag and CRC taken from the writer)."""
        writer.close()
        blob_id = uuid.uuid4().hex
        record.blob_id = blob_id
        record.size = writer.size
        record.etag = writer.etag
        record.crc64 = writer.crc64
        target = self._blob_path(blob_id)
        with self._lock:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if not self.db.execute(
                    "SELECT 1 FROM buckets WHERE name = ?", (record.bucket,)
                ).fetchone():
                    raise CosError("NoSuchBucket")
                old = self.db.execute(
                    "SELECT blob_id FROM objects WHERE bucket = ? AND key = ?",
                    (record.bucket, record.key),
                ).fetchone()
                os.replace(writer.path, target)
                writer.committed = True
                self.db.execute(
                    f"INSERT OR REPLACE INTO objects ({_OBJECT_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    ),
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                if writer.committed:
                    self._unlink_blob(blob_id)
                raise
            if old:
                self._unlink_blob(old[0])
        return record

    def get_object(self, bucket: str, key: str) -> Optional[ObjectRecord]:
        with self._lock:
            row = self.db.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?", (bucket, key)
            ).fetchone()
        return ObjectRecord._from_row(row) if row else None

    def open_object(self, bucket: str, key: str) -> Optional[Tuple[ObjectRecord, IO[bytes]]]:
        """The record and an open binary file of its body (the caller closes it)."""
        with self._lock:
            record = self.get_object(bucket, key)
            if record is None:
                return None
            return record, open(self._blob_path(record.blob_id), "rb")

    def delete_object(self, bucket: str, key: str) -> bool:
        with self._lock:
            row = self.db.execute(
                "SELECT blob_id FROM objects WHERE bucket = ? AND key = ?", (bucket, key)
            ).fetchone()
            if not row:
                return False
            self.db.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
            self._unlink_blob(row[0])
        return True

    def _iter_keys(self, bucket: str, start: str, inclusive: bool) -> Iterator[ObjectRecord]:
        """Objects of ``bucket`` with key >= / > ``start``, in key order, fetched in batches."""
        op = ">=" if inclusive else ">"
        while True:
            with self._lock:
                rows = self.db.execute(
                    f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key {op} ? "
                    "ORDER BY key LIMIT 256",
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
        contents: List[ObjectRecord] = []
        prefixes: List[str] = []
        last: Optional[str] = None
        if max_keys <= 0:
            return ListResult(contents, prefixes, False, None)
        start, inclusive = (marker, False) if marker >= prefix else (prefix, True)
        while True:
            restart: Optional[str] = None
            for record in self._iter_keys(bucket, start, inclusive):
                key = record.key
                if not key.startswith(prefix):
                    if key > prefix:
                        return ListResult(contents, prefixes, False, None)
                    continue
                entry: str = key
                rolled = False
                if delimiter:
                    pos = key.find(delimiter, len(prefix))
                    if pos != -1:
                        entry = key[: pos + len(delimiter)]
                        rolled = True
                if rolled and entry == marker:
                    restart = _successor(entry)
                    if restart is None:
                        continue
                    break
                if len(contents) + len(prefixes) >= max_keys:
                    return ListResult(contents, prefixes, True, last)
                if rolled:
                    prefixes.append(entry)
                    last = entry
                    restart = _successor(entry)
                    if restart is None:  # cannot skip ahead; filter instead
                        marker = entry
                        continue
                    break
                contents.append(record)
                last = key
            if restart is None:
                return ListResult(contents, prefixes, False, None)
            start, inclusive = restart, True


def _successor(prefix: str) -> Optional[str]:
    """The smallest string greater than every string starting with ``prefix``."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return None
    nxt = last + 1
    if 0xD800 <= nxt <= 0xDFFF:  # surrogates are not valid in keys
        nxt = 0xE000
    return prefix[:-1] + chr(nxt)


def copy_stream(src: IO[bytes], write: Any, length: int) -> None:
    """Copy ``length`` bytes from ``src`` to ``write`` in bounded chunks."""
    while length > 0:
        chunk = src.read(min(_COPY_CHUNK, length))
        if not chunk:
            raise OSError("object body is shorter than its record")
        write(chunk)
        length -= len(chunk)
