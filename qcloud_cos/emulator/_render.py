"""Every XML document the emulator sends: one function per document, records in, bytes out.

Real COS's byte-level quirks are kept on purpose (research/cos-protocol.md):

* the ``<Error>`` document has a single-quoted prolog and tab-indented lines;
  the others a double-quoted prolog and no whitespace;
* quotes in element text are escaped, so an ETag reads ``&quot;...&quot;``;
* List Multipart Uploads spells the element ``<Encoding-Type>``, GET Bucket
  and List Parts ``<EncodingType>``;
* List Multipart Uploads writes an empty value as ``<Name/>``, the others as
  ``<Name></Name>``;
* the Initiator of an upload is a CAM id (``qcs::cam::uin/<appid>:uin/<appid>``),
  an Owner the bare APPID.

The ``<Error>`` document is ``_errors.render_error`` (it masks secrets; see
there), re-exported here as ``error_document``; the escaping is ``_xml.xml_text``.
Standard library only; knows nothing about HTTP or storage.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import quote

from ._errors import render_error as error_document
from ._xml import xml_text

if TYPE_CHECKING:  # records only, for annotations
    from ._records import BucketRecord, VersionListResult
    from ._store import ListResult, ObjectRecord, PartRecord, UploadListResult, UploadRecord

__all__ = [
    "DeletedEntry",
    "access_control_policy",
    "complete_result",
    "copy_part_result",
    "error_document",
    "initiate_result",
    "iso_date",
    "list_all_my_buckets",
    "list_bucket_result",
    "list_parts_result",
    "list_uploads_result",
    "list_versions_result",
    "versioning_configuration",
    "xml_text",
]

_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'


def iso_date(ts: float) -> str:
    """``2020-03-25T10:07:14.000Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def url_encoder(enabled: bool) -> Callable[[str], str]:
    """The ``encoding-type=url`` encoding of keys and prefixes (``/`` kept)."""
    return (lambda s: quote(s, safe="/-_.~")) if enabled else (lambda s: s)


def _appid(bucket: str) -> str:
    return bucket.rsplit("-", 1)[1]


def _owner(tag: str, appid: str, *, cam: bool = False) -> str:
    ident = f"qcs::cam::uin/{appid}:uin/{appid}" if cam else appid
    return f"<{tag}><ID>{ident}</ID><DisplayName>{appid}</DisplayName></{tag}>"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _document(root: str, elements: Sequence[Tuple[str, str]]) -> bytes:
    """``<root>`` holding one text element per ``(name, value)``."""
    inner = "".join(f"<{name}>{xml_text(value)}</{name}>" for name, value in elements)
    return f"{_PROLOG}<{root}>{inner}</{root}>".encode("utf-8")


# -- listings --------------------------------------------------------------------------


def list_bucket_result(
    result: "ListResult",
    *,
    bucket: str,
    prefix: str,
    marker: str,
    delimiter: str,
    max_keys: int,
    encoded: bool,
) -> bytes:
    """GET Bucket (List Objects)."""
    enc = url_encoder(encoded)
    appid = _appid(bucket)
    out = [f"{_PROLOG}<ListBucketResult>", f"<Name>{xml_text(bucket)}</Name>"]
    if encoded:
        out.append("<EncodingType>url</EncodingType>")
    out.append(f"<Prefix>{xml_text(enc(prefix))}</Prefix>")
    out.append(f"<Marker>{xml_text(enc(marker))}</Marker>")
    out.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    if delimiter:
        out.append(f"<Delimiter>{xml_text(enc(delimiter))}</Delimiter>")
    out.append(f"<IsTruncated>{_bool(result.is_truncated)}</IsTruncated>")
    if result.is_truncated and result.next_marker is not None:
        out.append(f"<NextMarker>{xml_text(enc(result.next_marker))}</NextMarker>")
    for rec in result.contents:
        out.append(
            "<Contents>"
            f"<Key>{xml_text(enc(rec.key))}</Key>"
            f"<LastModified>{iso_date(rec.last_modified)}</LastModified>"
            f"<ETag>{xml_text(rec.etag)}</ETag>"
            f"<Size>{rec.size}</Size>"
            f"<Owner><ID>{appid}</ID><DisplayName>{appid}</DisplayName></Owner>"
            f"<StorageClass>{rec.storage_class}</StorageClass>"
            "</Contents>"
        )
    for cp in result.common_prefixes:
        out.append(f"<CommonPrefixes><Prefix>{xml_text(enc(cp))}</Prefix></CommonPrefixes>")
    out.append("</ListBucketResult>")
    return "".join(out).encode("utf-8")


def list_parts_result(
    upload: "UploadRecord",
    parts: Sequence["PartRecord"],
    *,
    marker: int,
    max_parts: int,
    truncated: bool,
    encoded: bool,
) -> bytes:
    """List Parts."""
    enc = url_encoder(encoded)
    appid = _appid(upload.bucket)
    out = [f"{_PROLOG}<ListPartsResult>", f"<Bucket>{xml_text(upload.bucket)}</Bucket>"]
    if encoded:
        out.append("<EncodingType>url</EncodingType>")
    out.append(f"<Key>{xml_text(enc(upload.key))}</Key>")
    out.append(f"<UploadId>{upload.upload_id}</UploadId>")
    out.append(_owner("Owner", appid))
    out.append(f"<PartNumberMarker>{marker}</PartNumberMarker>")
    out.append(_owner("Initiator", appid, cam=True))
    for part in parts:
        out.append(
            "<Part>"
            f"<PartNumber>{part.part_number}</PartNumber>"
            f"<LastModified>{iso_date(part.last_modified)}</LastModified>"
            f"<ETag>{xml_text(part.etag)}</ETag>"
            f"<Size>{part.size}</Size>"
            "</Part>"
        )
    next_marker = parts[-1].part_number if parts else marker
    out.append(f"<NextPartNumberMarker>{next_marker}</NextPartNumberMarker>")
    out.append(f"<StorageClass>{upload.storage_class}</StorageClass>")
    out.append(f"<MaxParts>{max_parts}</MaxParts>")
    out.append(f"<IsTruncated>{_bool(truncated)}</IsTruncated>")
    out.append("</ListPartsResult>")
    return "".join(out).encode("utf-8")


def list_uploads_result(
    result: "UploadListResult",
    *,
    bucket: str,
    prefix: str,
    delimiter: str,
    key_marker: str,
    upload_id_marker: str,
    max_uploads: int,
    encoded: bool,
) -> bytes:
    """List Multipart Uploads (``<Encoding-Type>`` and ``<Name/>`` for empty values: COS's spelling)."""
    enc = url_encoder(encoded)
    appid = _appid(bucket)

    def element(name: str, value: str) -> str:
        return f"<{name}>{xml_text(value)}</{name}>" if value else f"<{name}/>"

    out = [f"{_PROLOG}<ListMultipartUploadsResult>", f"<Bucket>{xml_text(bucket)}</Bucket>"]
    if encoded:
        out.append("<Encoding-Type>url</Encoding-Type>")
    out.append(element("KeyMarker", enc(key_marker)))
    out.append(element("UploadIdMarker", upload_id_marker))
    if result.is_truncated:
        out.append(element("NextKeyMarker", enc(result.next_key_marker or "")))
        out.append(element("NextUploadIdMarker", result.next_upload_id_marker or ""))
    out.append(f"<MaxUploads>{max_uploads}</MaxUploads>")
    out.append(element("Prefix", enc(prefix)))
    if delimiter:
        out.append(element("Delimiter", enc(delimiter)))
    out.append(f"<IsTruncated>{_bool(result.is_truncated)}</IsTruncated>")
    for upload in result.uploads:
        out.append(
            "<Upload>"
            f"<Key>{xml_text(enc(upload.key))}</Key>"
            f"<UploadId>{upload.upload_id}</UploadId>"
            f"<StorageClass>{upload.storage_class}</StorageClass>"
            + _owner("Initiator", appid, cam=True)
            + _owner("Owner", appid)
            + f"<Initiated>{iso_date(upload.initiated)}</Initiated>"
            "</Upload>"
        )
    for cp in result.common_prefixes:
        out.append(f"<CommonPrefixes><Prefix>{xml_text(enc(cp))}</Prefix></CommonPrefixes>")
    out.append("</ListMultipartUploadsResult>")
    return "".join(out).encode("utf-8")


# -- multipart results -----------------------------------------------------------------


def initiate_result(upload: "UploadRecord") -> bytes:
    return _document(
        "InitiateMultipartUploadResult",
        [("Bucket", upload.bucket), ("Key", upload.key), ("UploadId", upload.upload_id)],
    )


def complete_result(upload: "UploadRecord", *, location: str, etag: str) -> bytes:
    return _document(
        "CompleteMultipartUploadResult",
        [("Location", location), ("Bucket", upload.bucket), ("Key", upload.key), ("ETag", etag)],
    )


def location_constraint(region: str) -> bytes:
    """GET Bucket location: ``<LocationConstraint>region</LocationConstraint>``."""
    return f"{_PROLOG}<LocationConstraint>{xml_text(region)}</LocationConstraint>".encode("utf-8")


class DeletedEntry(NamedTuple):
    """One ``Deleted`` entry: the key, the ``VersionId`` asked for, the delete marker's id
    (``DeleteMarker`` true) when one was created or removed; None: the element is left out."""

    key: str
    version_id: Optional[str]
    marker_version_id: Optional[str]


def _deleted(entry: DeletedEntry) -> str:
    out = [f"<Deleted><Key>{xml_text(entry.key)}</Key>"]
    if entry.version_id is not None:
        out.append(f"<VersionId>{xml_text(entry.version_id)}</VersionId>")
    if entry.marker_version_id is not None:
        out.append("<DeleteMarker>true</DeleteMarker>")
        out.append(f"<DeleteMarkerVersionId>{xml_text(entry.marker_version_id)}</DeleteMarkerVersionId>")
    return "".join(out) + "</Deleted>"


def delete_result(*, deleted: Sequence[DeletedEntry], errors: Sequence[Tuple[str, str, str]]) -> bytes:
    """DELETE Multiple Objects' answer: a ``Deleted`` per key (none in quiet mode) and an
    ``Error`` per ``(key, code, message)``."""
    out = [f"{_PROLOG}<DeleteResult>"]
    out.extend(_deleted(entry) for entry in deleted)
    out.extend(
        f"<Error><Key>{xml_text(key)}</Key><Code>{xml_text(code)}</Code><Message>{xml_text(message)}</Message></Error>"
        for key, code, message in errors
    )
    out.append("</DeleteResult>")
    return "".join(out).encode("utf-8")


def copy_object_result(record: "ObjectRecord") -> bytes:
    """PUT Object - Copy's answer: the new object's ETag, LastModified and CRC-64."""
    return _document(
        "CopyObjectResult",
        [("ETag", record.etag), ("LastModified", iso_date(record.last_modified)), ("CRC64", str(record.crc64))],
    )


def copy_part_result(part: "PartRecord") -> bytes:
    return _document("CopyPartResult", [("ETag", part.etag), ("LastModified", iso_date(part.last_modified))])


# -- ACLs ------------------------------------------------------------------------------

_XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'


def access_control_policy(*, owner: str, grants: Sequence[Tuple[str, str]], all_users: str) -> bytes:
    """GET Bucket / Object ACL: the owner (a CAM id, also its DisplayName) and each
    ``(permission, grantee)`` grant; ``all_users`` is the group URI (a ``Group`` grantee),
    any other grantee a ``CanonicalUser``."""
    out = [
        f"{_PROLOG}<AccessControlPolicy>",
        f"<Owner><ID>{xml_text(owner)}</ID><DisplayName>{xml_text(owner)}</DisplayName></Owner>",
        "<AccessControlList>",
    ]
    for permission, who in grants:
        if who == all_users:
            grantee = f'<Grantee {_XSI} xsi:type="Group"><URI>{xml_text(who)}</URI></Grantee>'
        else:
            grantee = (
                f'<Grantee {_XSI} xsi:type="CanonicalUser">'
                f"<ID>{xml_text(who)}</ID><DisplayName>{xml_text(who)}</DisplayName></Grantee>"
            )
        out.append(f"<Grant>{grantee}<Permission>{permission}</Permission></Grant>")
    out.append("</AccessControlList></AccessControlPolicy>")
    return "".join(out).encode("utf-8")


# -- versioning ------------------------------------------------------------------------


def versioning_configuration(status: str) -> bytes:
    """GET Bucket versioning: ``<VersioningConfiguration/>`` with a ``Status`` once configured."""
    inner = f"<Status>{xml_text(status)}</Status>" if status else ""
    return f"{_PROLOG}<VersioningConfiguration>{inner}</VersioningConfiguration>".encode("utf-8")


def _empty_or(name: str, value: str) -> str:
    """``<Name>value</Name>``, or ``<Name/>`` for an empty value (as COS writes empty markers)."""
    return f"<{name}>{xml_text(value)}</{name}>" if value else f"<{name}/>"


def _version_entry(rec: "ObjectRecord", latest: bool, *, enc: Callable[[str], str], appid: str) -> str:
    head = (
        f"<Key>{xml_text(enc(rec.key))}</Key><VersionId>{xml_text(rec.version_id or 'null')}</VersionId>"
        f"<IsLatest>{_bool(latest)}</IsLatest><LastModified>{iso_date(rec.last_modified)}</LastModified>"
    )
    owner = f"<Owner><UID>{appid}</UID></Owner>"
    if rec.delete_marker:
        return f"<DeleteMarker>{head}{owner}</DeleteMarker>"
    return (
        f"<Version>{head}<ETag>{xml_text(rec.etag)}</ETag><Size>{rec.size}</Size>"
        f"<StorageClass>{rec.storage_class}</StorageClass>{owner}</Version>"
    )


def list_versions_result(
    result: "VersionListResult",
    *,
    bucket: str,
    prefix: str,
    delimiter: str,
    key_marker: str,
    version_id_marker: str,
    max_keys: int,
    encoded: bool,
) -> bytes:
    """List Object Versions: ``Version`` and ``DeleteMarker`` entries in listing order (key, then
    newest first), then ``CommonPrefixes``."""
    enc = url_encoder(encoded)
    out = [f"{_PROLOG}<ListVersionsResult>"]
    if encoded:
        out.append("<EncodingType>url</EncodingType>")
    out.append(f"<Name>{xml_text(bucket)}</Name>")
    out.append(_empty_or("Prefix", enc(prefix)))
    out.append(_empty_or("KeyMarker", enc(key_marker)))
    out.append(_empty_or("VersionIdMarker", version_id_marker))
    out.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    if delimiter:
        out.append(_empty_or("Delimiter", enc(delimiter)))
    out.append(f"<IsTruncated>{_bool(result.is_truncated)}</IsTruncated>")
    if result.is_truncated:
        out.append(_empty_or("NextKeyMarker", enc(result.next_key_marker or "")))
        next_version = result.next_version_id_marker
        out.append(_empty_or("NextVersionIdMarker", "" if next_version is None else next_version or "null"))
    appid = _appid(bucket)
    out.extend(_version_entry(rec, latest, enc=enc, appid=appid) for rec, latest in result.entries)
    for cp in result.common_prefixes:
        out.append(f"<CommonPrefixes><Prefix>{xml_text(enc(cp))}</Prefix></CommonPrefixes>")
    out.append("</ListVersionsResult>")
    return "".join(out).encode("utf-8")


# -- the service -----------------------------------------------------------------------


def list_all_my_buckets(
    buckets: Sequence["BucketRecord"], *, appid: str, marker: str, next_marker: Optional[str]
) -> bytes:
    """GET Service: the owner (a CAM id, the APPID as DisplayName) and each bucket
    (``CreationDate`` to the second, as COS writes it)."""
    out = [
        f"{_PROLOG}<ListAllMyBucketsResult>",
        f"<Owner><ID>qcs::cam::uin/{appid}:uin/{appid}</ID><DisplayName>{appid}</DisplayName></Owner>",
        "<Buckets>" if buckets else "<Buckets/>",
    ]
    for bucket in buckets:
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(bucket.created))
        out.append(
            f"<Bucket><Name>{xml_text(bucket.name)}</Name><Location>{xml_text(bucket.region)}</Location>"
            f"<CreationDate>{created}</CreationDate><BucketType>cos</BucketType></Bucket>"
        )
    if buckets:
        out.append("</Buckets>")
    out.append(_empty_or("Marker", marker))
    out.append(f"<IsTruncated>{_bool(next_marker is not None)}</IsTruncated>")
    if next_marker is not None:
        out.append(f"<NextMarker>{xml_text(next_marker)}</NextMarker>")
    out.append("</ListAllMyBucketsResult>")
    return "".join(out).encode("utf-8")
