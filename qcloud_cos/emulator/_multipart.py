"""The rules of multipart upload, with no I/O: part limits, the Complete body, the completion plan.

``plan_completion`` is Complete Multipart Upload's whole rule book (the analogue
of moto's ``FakeMultipart.complete``): given the parts the request lists and the
parts stored, it checks them in COS's order and computes the new object's size,
ETag (``md5(concatenated part MD5s)-N``) and CRC-64 (the parts' CRCs combined,
no byte re-read).  The store then publishes the plan in one transaction
(``Store.complete_upload``), where a part replaced meanwhile is caught.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import _crc64
from ._errors import CosError
from ._xml import local_name as _local_name
from ._xml import parse_request_document

if TYPE_CHECKING:
    from ._store import PartRecord

__all__ = [
    "Completion",
    "MAX_COMPLETE_BODY",
    "MAX_PART_NUMBER",
    "MIN_PART_SIZE",
    "parse_complete_body",
    "parse_part_number",
    "parse_uint",
    "plan_completion",
]

MAX_PART_NUMBER = 10000
#: every listed part but the last must be at least this big (COS: 1 MiB; configurable)
MIN_PART_SIZE = 1024 * 1024
MAX_COMPLETE_BODY = 16 * 1024 * 1024


def parse_part_number(value: Optional[str]) -> int:
    """The ``partNumber`` parameter: 1..10000, else 400 ``InvalidArgument``."""
    number = parse_uint(value)
    if number is None or not 1 <= number <= MAX_PART_NUMBER:
        raise CosError("InvalidArgument", f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive.")
    return number


def parse_complete_body(data: bytes) -> List[Tuple[int, str]]:
    """``[(part number, etag)]`` of a CompleteMultipartUpload document, in document order.

    Not well-formed, a DTD (never needed; refused to rule out entity expansion), another
    root, a Part without an integer PartNumber or without ETag, or no Part -> MalformedXML.
    """
    root = parse_request_document(data, "CompleteMultipartUpload")
    listed: List[Tuple[int, str]] = []
    for part in root:
        if _local_name(part.tag) != "Part":
            continue
        fields = {_local_name(child.tag): (child.text or "").strip() for child in part}
        number = parse_uint(fields.get("PartNumber"))
        etag = fields.get("ETag")
        if number is None or not etag:
            raise CosError("MalformedXML")
        listed.append((number, etag))
    if not listed:
        raise CosError("MalformedXML")
    return listed


@dataclass(frozen=True)
class Completion:
    """What a Complete publishes: the listed parts in order, and the object's size, ETag and CRC."""

    parts: Tuple["PartRecord", ...]
    size: int
    etag: str  # quoted: "<md5 of the part MD5s>-<N>"
    crc64: int


def plan_completion(
    listed: Sequence[Tuple[int, str]],
    stored: Mapping[int, "PartRecord"],
    *,
    min_part_size: int,
    allow_gaps: bool,
) -> Completion:
    """Check a Complete's part list against the stored parts, in this order:

    numbers not strictly ascending -> ``InvalidPartOrder``; a part not uploaded
    or an ETag mismatch (quotes and case ignored) -> ``InvalidPart``; with
    ``allow_gaps=False``, numbers other than exactly 1..N -> ``InvalidPart``; a
    non-last part under ``min_part_size`` -> ``EntityTooSmall``.
    """
    for (prev, _), (cur, _) in zip(listed, listed[1:]):
        if cur <= prev:
            raise CosError("InvalidPartOrder")
    used: List["PartRecord"] = []
    for number, etag in listed:
        part = stored.get(number)
        if part is None or _bare_etag(part.etag) != _bare_etag(etag):
            raise CosError("InvalidPart")
        used.append(part)
    if not allow_gaps and [n for n, _ in listed] != list(range(1, len(listed) + 1)):
        raise CosError("InvalidPart", "Part numbers must be consecutive, starting at 1.")
    for part in used[:-1]:
        if part.size < min_part_size:
            raise CosError("EntityTooSmall")
    return Completion(
        parts=tuple(used),
        size=sum(part.size for part in used),
        etag=multipart_etag(part.etag for part in used),
        crc64=combined_crc64((part.crc64, part.size) for part in used),
    )


def multipart_etag(part_etags: Iterable[str]) -> str:
    """``"<md5 of the concatenated binary part MD5s>-<number of parts>"`` (quoted)."""
    digests = [bytes.fromhex(etag.strip('"')) for etag in part_etags]
    return f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(digests)}"'


def combined_crc64(parts: Iterable[Tuple[int, int]]) -> int:
    """The CRC-64 of the concatenation of pieces given as ``(crc64, size)``, in order."""
    crc: Optional[int] = None
    for part_crc, size in parts:
        crc = part_crc if crc is None else _crc64.combine(crc, part_crc, size)
    return crc or 0


def _bare_etag(etag: str) -> str:
    return etag.strip().strip('"').lower()


def parse_uint(value: Optional[str]) -> Optional[int]:
    """A non-negative decimal integer, or None (missing, empty, signs, spaces, junk)."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    return int(value)
