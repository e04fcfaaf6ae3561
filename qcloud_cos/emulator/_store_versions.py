"""The versioning half of ``Store``: noncurrent versions, delete markers, List Object Versions.

Layout (schema 4, see ``_store``):

* ``objects`` keeps holding the **current** version of a key when it is an object (so every
  path that existed before versioning -- GET Bucket, HEAD, ACLs, APPEND -- reads it as before),
  with its ``version_id`` (``""`` = the null version) and ``version_seq`` (its place in the key's
  history; 0 for objects of a never-versioned bucket);
* ``versions`` holds every **noncurrent** version and every **delete marker** (current or not),
  with their ``version_seq``; ``version_segments`` the segments of noncurrent multipart versions
  (``segments`` stays keyed by bucket and key: the current version's).

Invariant: when a key has an ``objects`` row, its ``version_seq`` is the highest of the key; when it
has none, the newest ``versions`` row (if any) is a delete marker, the current version.  Writes
*demote* the current row into ``versions`` (Enabled) or replace the null version (Suspended, and
APPEND, which does not take part in versioning: COS doc 7741); removing a version *promotes* the
newest remaining one when it is an object.  At most one null version exists per key.

A never-versioned bucket (``BucketRecord.versioning == ""``) never gets a ``versions`` row: its
writes and deletes are exactly those of the store before versioning.
"""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any, Iterator, Optional, Tuple

from ._blobs import SegmentReader
from ._errors import CosError
from ._records import _OBJECT_COLUMNS, ObjectRecord, Removal, VersionListResult
from ._versions import ENABLED, new_version_id

if TYPE_CHECKING:
    from ._store import _Transaction

__all__ = ["VersionStore"]

#: the columns of a ``versions`` row, in ``ObjectRecord._from_row`` order
_VERSION_COLUMNS = _OBJECT_COLUMNS + ", delete_marker"
#: sorts after every version_seq
_AFTER_ANY_SEQ = 1 << 62
_KEY = "bucket = ? AND key = ?"


class VersionStore:
    """Mixed into ``Store``: uses its ``db``, ``_lock``, ``_transaction`` and blob helpers."""

    db: Any
    _lock: Any

    # -- state of a bucket -------------------------------------------------------------

    def versioning_of(self, bucket: str) -> str:
        """The bucket's versioning state: ``""`` (never configured), ``Enabled`` or ``Suspended``."""
        with self._lock:
            row = self.db.execute("SELECT attrs FROM buckets WHERE name = ?", (bucket,)).fetchone()
        return str(json.loads(row[0] or "{}").get("versioning", "")) if row else ""

    def set_bucket_versioning(self, name: str, status: str) -> None:
        """Set ``Enabled`` or ``Suspended`` (its other attributes stay)."""
        with self._transaction() as txn:  # type: ignore[attr-defined]
            row = txn.db.execute("SELECT attrs FROM buckets WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise CosError("NoSuchBucket")
            attrs = json.loads(row[0] or "{}")
            attrs["versioning"] = status
            txn.db.execute("UPDATE buckets SET attrs = ? WHERE name = ?", (json.dumps(attrs), name))

    # -- writes (inside a transaction) ---------------------------------------------------

    def _replace_current(self, txn: "_Transaction", record: ObjectRecord) -> int:
        """Make room for ``record`` at its key and set its ``version_id``; its ``version_seq``.

        Never versioned: the current object's data go (as before versioning).  Enabled: the
        current version becomes noncurrent and ``record`` gets a new id.  Suspended, or an APPEND
        creating the object: the null version goes, a current non-null version becomes noncurrent,
        ``record`` is the null version."""
        bucket, key = record.bucket, record.key
        state = self.versioning_of(bucket)
        if not state:
            txn.unlink_after_commit(self._take_object_data(bucket, key))  # type: ignore[attr-defined]
            record.version_id = ""
            return 0
        if state == ENABLED and record.object_type != "appendable":
            self._demote(bucket, key)
            record.version_id = self._fresh_version_id(bucket, key)
        else:
            self._drop_null_version(txn, bucket, key)
            self._demote(bucket, key)
            record.version_id = ""
        return self._next_seq(bucket, key)

    def _next_seq(self, bucket: str, key: str) -> int:
        row = self.db.execute(
            f"SELECT MAX(s) FROM (SELECT MAX(version_seq) AS s FROM objects WHERE {_KEY} "
            f"UNION ALL SELECT MAX(version_seq) FROM versions WHERE {_KEY})",
            (bucket, key, bucket, key),
        ).fetchone()
        return int(row[0] or 0) + 1

    def _fresh_version_id(self, bucket: str, key: str) -> str:
        while True:
            candidate = new_version_id()
            if self._find_version(bucket, key, candidate) is None:
                return candidate

    def _demote(self, bucket: str, key: str) -> None:
        """Move the current object row (and its segments) of the key into ``versions``."""
        db = self.db
        db.execute(
            f"INSERT INTO versions ({_VERSION_COLUMNS}, version_seq) "
            f"SELECT {_OBJECT_COLUMNS}, 0, version_seq FROM objects WHERE {_KEY}",
            (bucket, key),
        )
        db.execute(
            "INSERT INTO version_segments (bucket, key, version_id, seq, blob_id, size) "
            "SELECT s.bucket, s.key, o.version_id, s.seq, s.blob_id, s.size FROM segments s "
            "JOIN objects o ON o.bucket = s.bucket AND o.key = s.key WHERE s.bucket = ? AND s.key = ?",
            (bucket, key),
        )
        db.execute(f"DELETE FROM segments WHERE {_KEY}", (bucket, key))
        db.execute(f"DELETE FROM objects WHERE {_KEY}", (bucket, key))

    def _promote(self, bucket: str, key: str) -> None:
        """With no current object row: the newest version becomes current if it is an object."""
        db = self.db
        if db.execute(f"SELECT 1 FROM objects WHERE {_KEY}", (bucket, key)).fetchone():
            return
        row = db.execute(
            f"SELECT version_id, delete_marker FROM versions WHERE {_KEY} ORDER BY version_seq DESC LIMIT 1",
            (bucket, key),
        ).fetchone()
        if row is None or row[1]:
            return
        ident = (bucket, key, row[0])
        db.execute(
            f"INSERT INTO objects ({_OBJECT_COLUMNS}, version_seq) "
            f"SELECT {_OBJECT_COLUMNS}, version_seq FROM versions WHERE {_KEY} AND version_id = ?",
            ident,
        )
        db.execute(
            "INSERT INTO segments (bucket, key, seq, blob_id, size) SELECT bucket, key, seq, blob_id, size "
            f"FROM version_segments WHERE {_KEY} AND version_id = ?",
            ident,
        )
        db.execute(f"DELETE FROM version_segments WHERE {_KEY} AND version_id = ?", ident)
        db.execute(f"DELETE FROM versions WHERE {_KEY} AND version_id = ?", ident)

    def _drop_null_version(self, txn: "_Transaction", bucket: str, key: str) -> None:
        """Remove the key's null version, current or not (its blobs go after the commit)."""
        if self.db.execute(f"SELECT 1 FROM objects WHERE {_KEY} AND version_id = ''", (bucket, key)).fetchone():
            self._drop_current(txn, bucket, key)
        self._drop_noncurrent(txn, bucket, key, "")

    def _drop_current(self, txn: "_Transaction", bucket: str, key: str) -> None:
        txn.unlink_after_commit(self._take_object_data(bucket, key))  # type: ignore[attr-defined]
        self.db.execute(f"DELETE FROM objects WHERE {_KEY}", (bucket, key))

    def _drop_noncurrent(self, txn: "_Transaction", bucket: str, key: str, version_id: str) -> bool:
        """Remove a ``versions`` row and its blobs; whether it was a delete marker."""
        db = self.db
        ident = (bucket, key, version_id)
        row = db.execute(
            f"SELECT blob_id, delete_marker FROM versions WHERE {_KEY} AND version_id = ?", ident
        ).fetchone()
        if row is None:
            return False
        blobs = [row[0]] if row[0] else []
        blobs.extend(
            r[0] for r in db.execute(f"SELECT blob_id FROM version_segments WHERE {_KEY} AND version_id = ?", ident)
        )
        txn.unlink_after_commit(blobs)
        db.execute(f"DELETE FROM version_segments WHERE {_KEY} AND version_id = ?", ident)
        db.execute(f"DELETE FROM versions WHERE {_KEY} AND version_id = ?", ident)
        return bool(row[1])

    # -- DELETE ----------------------------------------------------------------------------

    def remove_object(self, bucket: str, key: str, *, version_id: Optional[str], now: float) -> Removal:
        """DELETE Object on any bucket: ``version_id`` (``""`` = null) removes that version for good
        (absent: nothing happens); without it, a versioned bucket gets a delete marker (Enabled: a
        new id; Suspended: the null version, replacing the old null version) and a never-versioned
        one loses the object."""
        with self._transaction() as txn:  # type: ignore[attr-defined]
            self._require_bucket(bucket)  # type: ignore[attr-defined]
            if version_id is not None:
                return self._remove_version(txn, bucket, key, version_id)
            state = self.versioning_of(bucket)
            if not state:
                self._drop_current(txn, bucket, key)
                return Removal(None, False)
            if state == ENABLED:
                self._demote(bucket, key)
                marker_id = self._fresh_version_id(bucket, key)
            else:
                self._drop_null_version(txn, bucket, key)
                self._demote(bucket, key)
                marker_id = ""
            self._insert_marker(bucket, key, marker_id, now=now)
            return Removal(marker_id, True)

    def _remove_version(self, txn: "_Transaction", bucket: str, key: str, version_id: str) -> Removal:
        current = self.db.execute(
            f"SELECT 1 FROM objects WHERE {_KEY} AND version_id = ?", (bucket, key, version_id)
        ).fetchone()
        if current:
            self._drop_current(txn, bucket, key)
            marker = False
        else:
            marker = self._drop_noncurrent(txn, bucket, key, version_id)
        self._promote(bucket, key)
        return Removal(version_id, marker)

    def _insert_marker(self, bucket: str, key: str, version_id: str, *, now: float) -> None:
        self.db.execute(
            f"INSERT INTO versions ({_VERSION_COLUMNS}, version_seq) VALUES (?, ?, '', 0, '', '0', ?, 'STANDARD', "
            "'normal', 'default', '{}', ?, 1, ?)",
            (bucket, key, now, version_id, self._next_seq(bucket, key)),
        )

    # -- reads -----------------------------------------------------------------------------

    def _find_version(self, bucket: str, key: str, version_id: str) -> Optional[ObjectRecord]:
        ident = (bucket, key, version_id)
        row = (
            self.db.execute(
                f"SELECT {_OBJECT_COLUMNS}, 0 FROM objects WHERE {_KEY} AND version_id = ?", ident
            ).fetchone()
            or self.db.execute(
                f"SELECT {_VERSION_COLUMNS} FROM versions WHERE {_KEY} AND version_id = ?", ident
            ).fetchone()
        )
        return ObjectRecord._from_row(row) if row else None

    def get_version(self, bucket: str, key: str, version_id: str) -> Optional[ObjectRecord]:
        """The version ``version_id`` (``""`` = null) of the key, a delete marker included."""
        with self._lock:
            return self._find_version(bucket, key, version_id)

    def current_marker(self, bucket: str, key: str) -> Optional[str]:
        """The id of the delete marker that is the key's current version, if one is."""
        with self._lock:
            if self.db.execute(f"SELECT 1 FROM objects WHERE {_KEY}", (bucket, key)).fetchone():
                return None
            row = self.db.execute(
                f"SELECT version_id, delete_marker FROM versions WHERE {_KEY} ORDER BY version_seq DESC LIMIT 1",
                (bucket, key),
            ).fetchone()
        return str(row[0]) if row and row[1] else None

    def open_version(
        self, bucket: str, key: str, version_id: str
    ) -> Optional[Tuple[ObjectRecord, Optional[IO[bytes]]]]:
        """The version's record and an open reader of its data (``None`` for a delete marker);
        ``None`` if there is no such version.  The caller closes the reader."""
        with self._lock:
            record = self._find_version(bucket, key, version_id)
            if record is None or record.delete_marker:
                return (record, None) if record else None
            if self.db.execute(
                f"SELECT 1 FROM objects WHERE {_KEY} AND version_id = ?", (bucket, key, version_id)
            ).fetchone():
                return self.open_object(bucket, key)  # type: ignore[attr-defined]
            if not record.segmented:
                return record, open(self._blob_path(record.blob_id), "rb")  # type: ignore[attr-defined]
            segments = [
                (r[0], int(r[1]))
                for r in self.db.execute(
                    f"SELECT blob_id, size FROM version_segments WHERE {_KEY} AND version_id = ? ORDER BY seq",
                    (bucket, key, version_id),
                )
            ]
            self._pin(blob_id for blob_id, _ in segments)  # type: ignore[attr-defined]
            reader = SegmentReader(
                segments,
                open_blob=lambda b: open(self._blob_path(b), "rb"),  # type: ignore[attr-defined]
                unpin=self._unpin,  # type: ignore[attr-defined]
            )
            return record, reader  # type: ignore[return-value]

    def update_object_extra(self, bucket: str, key: str, *, version_id: Optional[str], name: str, value: Any) -> None:
        """Set ``extra[name]`` of the current object (``version_id`` None) or of a version."""
        with self._transaction():  # type: ignore[attr-defined]
            if version_id is not None:
                record = self._find_version(bucket, key, version_id)
            else:
                record = self.get_object(bucket, key)  # type: ignore[attr-defined]
            if record is None or record.delete_marker:
                raise CosError("NoSuchKey")
            record.extra[name] = value
            for table in ("objects", "versions"):
                self.db.execute(
                    f"UPDATE {table} SET attrs = ? WHERE {_KEY} AND version_id = ?",
                    (record._attrs(), bucket, key, record.version_id),
                )

    # -- List Object Versions ------------------------------------------------------------------

    def _iter_versions(self, bucket: str, key: str, seq: int) -> Iterator[Tuple[ObjectRecord, bool]]:
        """``(record, is_latest)`` after the cursor ``(key, seq)`` (``key > k`` or ``key == k`` and
        ``seq < s``), ordered by key then newest first, fetched in batches."""
        where = "bucket = ? AND (key > ? OR (key = ? AND version_seq < ?))"
        latest = (
            "(NOT EXISTS (SELECT 1 FROM objects o WHERE o.bucket = v.bucket AND o.key = v.key) AND v.version_seq = "
            "(SELECT MAX(w.version_seq) FROM versions w WHERE w.bucket = v.bucket AND w.key = v.key))"
        )
        sql = (
            f"SELECT {_OBJECT_COLUMNS}, 0 AS dm, version_seq, 1 AS latest FROM objects WHERE {where} "
            f"UNION ALL SELECT {_VERSION_COLUMNS}, version_seq, {latest} FROM versions v WHERE {where} "
            "ORDER BY key, version_seq DESC LIMIT 256"
        )
        while True:
            with self._lock:
                rows = self.db.execute(sql, (bucket, key, key, seq) * 2).fetchall()
            if not rows:
                return
            for row in rows:
                yield ObjectRecord._from_row(row[:13]), bool(row[14])
            key, seq = rows[-1][1], rows[-1][13]

    def _seq_of(self, bucket: str, key: str, version_id: str) -> int:
        """The ``version_seq`` of a version (``-1``, i.e. after every version of the key, if none)."""
        ident = (bucket, key, version_id)
        with self._lock:
            row = self.db.execute(
                f"SELECT version_seq FROM objects WHERE {_KEY} AND version_id = ? "
                f"UNION ALL SELECT version_seq FROM versions WHERE {_KEY} AND version_id = ?",
                ident * 2,
            ).fetchone()
        return int(row[0]) if row else -1

    def list_versions(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: Optional[str] = None,
        max_keys: int = 1000,
    ) -> VersionListResult:
        """List Object Versions: versions and delete markers, by key then newest first.

        Starts after every version of ``key_marker`` -- or, with ``version_id_marker`` (stored
        form, ``""`` = null), after that version of ``key_marker`` (an unknown one: after every
        version of the key).  Roll-up and counting as ``list_objects``."""
        from ._store import roll_up  # the one listing pager

        cursor = (key_marker, -1) if key_marker else ("", _AFTER_ANY_SEQ)
        if key_marker and version_id_marker is not None:
            cursor = (key_marker, self._seq_of(bucket, key_marker, version_id_marker))
        if prefix > key_marker:
            cursor = (prefix, _AFTER_ANY_SEQ)

        def fetch(restart: Optional[str]) -> Iterator[Tuple[ObjectRecord, bool]]:
            return self._iter_versions(bucket, *(cursor if restart is None else (restart, _AFTER_ANY_SEQ)))

        page = roll_up(
            fetch,
            key_of=lambda entry: entry[0].key,
            prefix=prefix,
            delimiter=delimiter,
            marker=key_marker,
            limit=max_keys,
        )
        if not page.truncated:
            return VersionListResult(page.items, page.prefixes, False, None, None)
        next_version = page.last_item[0].version_id if page.last_item is not None else None
        return VersionListResult(page.items, page.prefixes, True, page.last, next_version)

    def has_versions(self, bucket: str) -> bool:
        """Whether any noncurrent version or delete marker is left in the bucket."""
        return bool(self.db.execute("SELECT 1 FROM versions WHERE bucket = ? LIMIT 1", (bucket,)).fetchone())
