"""Pure planning: simple upload or multipart, and the part layout.  No I/O."""

from __future__ import annotations

import math
from typing import List, Tuple, Union

from ..cos_exception import CosClientError

MIB = 1024 * 1024
SIMPLE_THRESHOLD = 20 * MIB  # the reference's rule: <= max(20 MiB, PartSize MiB) → one PUT
MAX_PARTS = 10000
MIN_PART = 1 * MIB
MAX_PART = 5 * 1024 * MIB


# -- defaults that fit the link --------------------------------------------------------------
#: When the caller passes neither PartSize nor MAXThread (or one of them), what we choose instead of
#: the official defaults (1 MiB parts, 5 threads for uploads; 20 MiB, 5 for downloads), which pay a
#: round trip per MiB and keep at most 5 requests in flight: on a 30 ms, 100 Mbit/s-per-connection link
#: that caps a transfer far below the link.  As s3transfer does: 8 MiB parts (and a multipart
#: threshold of 8 MiB), grown to fit 10,000 parts; and up to 16 requests in flight (never more than
#: there are parts).  Memory stays bounded: each request streams through one 256 KiB buffer.
AUTO_PART = 8 * MIB
AUTO_THREADS = 16


class Default(int):
    """A default value in a signature that also tells "the caller did not pass this".

    It equals (and reprs as) the official SDK's default, so signatures stay identical; a caller's own
    ``PartSize=1`` is a plain int and is honoured exactly.
    """

    def __repr__(self) -> str:
        return int.__repr__(self)


def given(value: object) -> bool:
    """Whether the caller chose ``value`` (not one of our ``Default`` placeholders)."""
    return not isinstance(value, Default)


def auto_threads(*, size: int, part_size: int) -> int:
    """Requests in flight for ``size`` bytes in ``part_size`` parts when MAXThread was not given."""
    return max(1, min(AUTO_THREADS, -(-size // part_size)))


class Part:
    __slots__ = ("number", "offset", "size")

    def __init__(self, number: int, offset: int, size: int) -> None:
        self.number, self.offset, self.size = number, offset, size

    def __repr__(self) -> str:
        return "Part(%d, offset=%d, size=%d)" % (self.number, self.offset, self.size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Part) and (self.number, self.offset, self.size) == (
            other.number,
            other.offset,
            other.size,
        )


def part_size_bytes(part_size_mib: Union[int, float]) -> int:
    """Validate ``PartSize`` (MiB, int or float) and return it in bytes."""
    if isinstance(part_size_mib, bool) or not isinstance(part_size_mib, (int, float)):
        raise CosClientError("PartSize must be a number of MiB, got %r" % (part_size_mib,))
    if not math.isfinite(part_size_mib):
        raise CosClientError("PartSize must be between 1 and 5120 (MiB), got %r" % (part_size_mib,))
    size = int(part_size_mib * MIB)
    if size < MIN_PART or size > MAX_PART:
        raise CosClientError("PartSize must be between 1 and 5120 (MiB), got %r" % (part_size_mib,))
    return size


def is_simple(*, size: int, part_size: int, threshold: int = SIMPLE_THRESHOLD) -> bool:
    """One PUT when the file is at most max(``threshold``, PartSize): 20 MiB is the reference's rule."""
    return size <= max(threshold, part_size)


def plan_parts(*, size: int, part_size: int) -> Tuple[int, List[Part]]:
    """The parts of a multipart upload of ``size`` bytes with parts of ``part_size`` bytes.

    When that would take more than 10,000 parts the part size grows to the smallest whole number
    of MiB that fits (never the official SDK's ``size // 10000`` with an odd remainder).
    """
    if size > MAX_PARTS * MAX_PART:
        raise CosClientError("file of %d bytes is larger than COS allows (10000 parts of 5 GiB)" % size)
    if -(-size // part_size) > MAX_PARTS:
        part_size = -(-size // (MAX_PARTS * MIB)) * MIB
    parts: List[Part] = []
    offset, number = 0, 1
    while offset < size:
        length = min(part_size, size - offset)
        parts.append(Part(number, offset, length))
        offset += length
        number += 1
    return part_size, parts
