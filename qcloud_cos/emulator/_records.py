"""The records the store reads and writes: buckets, objects, uploads, parts, listing pages.

Plain dataclasses with their SQLite row mapping (``_from_row``, ``_attrs``); no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = [
    "BucketRecord",
    "ListResult",
    "ObjectRecord",
    "PartRecord",
    "Removal",
    "UploadListResult",
    "UploadRecord",
    "VersionListResult",
]


@dataclass(frozen=True)
class BucketRecord:
    name: str
    region: str
    acl: str  # the canned ACL (what the anonymous checks read)
    created: float
    grants: Tuple[Tuple[str, str], ...] = ()  # explicit ACL grants beyond ``acl`` (``_acl``)
    versioning: str = ""  # "" (never configured), "Enabled" or "Suspended"

    @classmethod
    def _from_row(cls, row: Sequence[Any]) -> "BucketRecord":
        (name, region, acl, created, attrs) = row
        data = json.loads(attrs or "{}")
        grants = data.get("grants", [])
        grant_pairs = tuple((str(p), str(g)) for p, g in grants)
        return cls(name, region, acl, created, grant_pairs, str(data.get("versioning", "")))

    @property
    def appid(self) -> str:
        return self.name.rsplit("-", 1)[1]


@dataclass
class ObjectRecord:
    """Metadata of one stored object.

    ``headers`` holds the stored standard headers (``Content-Type``,
    ``Cache-Control``, ...) under their canonical names; ``meta`` the
    ``x-cos-meta-*`` pairs (lower-cased names, values verbatim); ``extra`` the
    rest (``grants``: the explicit ACL grants as ``[permission, grantee]`` pairs -- in a data
    directory written before ACLs were served, the raw ``x-cos-grant-*`` headers, read by
    ``_acl.stored_grants`` --, tagging, SSE echo headers).  Header values are ``str`` holding
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
    blob_id: str = ""  # "" for a stored object: its data are its ``segments`` rows
    version_id: str = ""  # "" is the null version (every object of a never-versioned bucket)
    delete_marker: bool = False  # a delete marker (a version without data), from the ``versions`` table

    @property
    def segmented(self) -> bool:
        """Whether the data are a list of segments (a completed multipart upload)."""
        return not self.blob_id

    def _attrs(self) -> str:
        return json.dumps({"headers": self.headers, "meta": self.meta, "extra": self.extra})

    @classmethod
    def _from_row(cls, row: Sequence[Any]) -> "ObjectRecord":
        (bucket, key, blob_id, size, etag, crc, lm, sc, otype, acl, attrs, version_id) = row[:12]
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
            meta=[tuple(pair) for pair in data.get("meta", [])],
            extra=data.get("extra", {}),
            version_id=version_id,
            delete_marker=bool(row[12]) if len(row) > 12 else False,
        )


_BUCKET_COLUMNS = "name, region, acl, created, attrs"

_OBJECT_COLUMNS = (
    "bucket, key, blob_id, size, etag, crc64, last_modified, storage_class, object_type, acl, attrs, version_id"
)


@dataclass
class ListResult:
    contents: List[ObjectRecord]
    common_prefixes: List[str]
    is_truncated: bool
    next_marker: Optional[str]


@dataclass
class UploadRecord:
    """One multipart upload in progress, with the Initiate headers its object will get."""

    upload_id: str
    bucket: str
    key: str
    initiated: float
    storage_class: str = "STANDARD"
    acl: str = "default"
    headers: Dict[str, str] = field(default_factory=dict)
    meta: List[Tuple[str, str]] = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)

    def _attrs(self) -> str:
        return json.dumps({"headers": self.headers, "meta": self.meta, "extra": self.extra})

    def object_record(self, *, etag: str, crc64: int, last_modified: float) -> "ObjectRecord":
        """The record of the object this upload completes into, with the Initiate attributes
        (the size is set by ``Store.complete_upload``)."""
        return ObjectRecord(
            bucket=self.bucket,
            key=self.key,
            size=0,
            etag=etag,
            crc64=crc64,
            last_modified=last_modified,
            storage_class=self.storage_class,
            acl=self.acl,
            headers=dict(self.headers),
            meta=list(self.meta),
            extra=dict(self.extra),
        )

    @classmethod
    def _from_row(cls, row: Sequence[Any]) -> "UploadRecord":
        (upload_id, bucket, key, initiated, sc, acl, attrs) = row
        data = json.loads(attrs)
        return cls(
            upload_id=upload_id,
            bucket=bucket,
            key=key,
            initiated=initiated,
            storage_class=sc,
            acl=acl,
            headers=data.get("headers", {}),
            meta=[tuple(pair) for pair in data.get("meta", [])],
            extra=data.get("extra", {}),
        )


_UPLOAD_COLUMNS = "upload_id, bucket, key, initiated, storage_class, acl, attrs"


@dataclass(frozen=True)
class PartRecord:
    upload_id: str
    part_number: int
    blob_id: str
    size: int
    etag: str  # quoted lowercase MD5 hex
    crc64: int
    last_modified: float

    @classmethod
    def _from_row(cls, row: Sequence[Any]) -> "PartRecord":
        (upload_id, number, blob_id, size, etag, crc, lm) = row
        return cls(upload_id, int(number), blob_id, int(size), etag, int(crc), lm)


_PART_COLUMNS = "upload_id, part_number, blob_id, size, etag, crc64, last_modified"


@dataclass
class UploadListResult:
    uploads: List[UploadRecord]
    common_prefixes: List[str]
    is_truncated: bool
    next_key_marker: Optional[str]
    next_upload_id_marker: Optional[str]  # "" when the page ended on a common prefix


@dataclass(frozen=True)
class Removal:
    """What a DELETE did on a bucket with versioning: the version it addressed or created."""

    version_id: Optional[str]  # the version removed, or the delete marker created ("" = null); None: none
    delete_marker: bool  # a delete marker was created, or the version removed was one


@dataclass
class VersionListResult:
    """One page of List Object Versions: ``(record, is_latest)`` in key order, newest first."""

    entries: List[Tuple[ObjectRecord, bool]]
    common_prefixes: List[str]
    is_truncated: bool
    next_key_marker: Optional[str]
    next_version_id_marker: Optional[str]  # "" when the page ended on a common prefix
