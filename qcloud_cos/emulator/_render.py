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
from typing import TYPE_CHECKING, Callable, Sequence, Tuple
from urllib.parse import quote

from ._errors import render_error as error_document
from ._xml import xml_text

if TYPE_CHECKING:  # records only, for annotations
    from ._store import ListResult, ObjectRecord, PartRecord, UploadListResult, UploadRecord

__all__ = [
    "access_control_policy",
    "complete_result",
    "copy_part_result",
    "error_document",
    "initiate_result",
    "iso_date",
    "list_bucket_result",
    "list_parts_result",
    "list_uploads_result",
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


def delete_result(
    *, deleted: Sequence[str], errors: Sequence[Tuple[str, str, str]]
) -> bytes:
    """DELETE Multiple Objects' answer: a ``Deleted`` per key (none in quiet mode) and an
    ``Error`` per ``(key, code, message)``."""
    out = [f"{_PROLOG}<DeleteResult>"]
    out.extend(f"<Deleted><Key>{xml_text(key)}</Key></Deleted>" for key in deleted)
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
