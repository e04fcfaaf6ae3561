"""CRC-64/XZ, the checksum COS returns in ``x-cos-hash-crc64ecma``.

Parameters: ECMA-182 polynomial, reflected input and output, init and xorout all
ones (a.k.a. CRC-64/GO-ECMA; Go's ``crc64.MakeTable(crc64.ECMA)``).  Not the
catalogue's "CRC-64/ECMA-182", which is unreflected with init 0.

``calc(data, prev)`` continues a running checksum: ``calc(b, calc(a)) ==
calc(a + b)``; ``combine(crc_a, crc_b, len_b) == calc(a + b)`` without the data.
``fastcrc`` (the client's dependency) is used when importable (C speed, SIMD);
otherwise a table-driven slicing-by-8 implementation in pure Python (roughly
10-20 MB/s) and a zlib-style GF(2) matrix combine.  Standard library only
otherwise; imports nothing else from the package.
"""

from __future__ import annotations

import functools
import struct
from typing import Callable, List

__all__ = ["calc", "combine", "Crc64", "POLY_REFLECTED", "BACKEND"]

#: ECMA-182 polynomial 0x42F0E1EBA9EA3693, bit-reversed.
POLY_REFLECTED = 0xC96C5795D7870F42
_MASK = 0xFFFFFFFFFFFFFFFF


def _make_tables() -> List[List[int]]:
    t0 = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ POLY_REFLECTED if crc & 1 else crc >> 1
        t0.append(crc)
    tables = [t0]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(prev[i] >> 8) ^ t0[prev[i] & 0xFF] for i in range(256)])
    return tables


_TABLES = _make_tables()


def _calc_py(data: bytes, prev: int = 0) -> int:
    """Pure-Python CRC-64/XZ of ``data`` continuing from ``prev``."""
    t0, t1, t2, t3, t4, t5, t6, t7 = _TABLES
    crc = (prev ^ _MASK) & _MASK
    mv = memoryview(data).cast("B")
    n = len(mv)
    head = n - (n % 8)
    if head:
        # Slicing-by-8: fold eight bytes per iteration.
        for (word,) in struct.iter_unpack("<Q", mv[:head]):
            x = crc ^ word
            crc = (
                t7[x & 0xFF]
                ^ t6[(x >> 8) & 0xFF]
                ^ t5[(x >> 16) & 0xFF]
                ^ t4[(x >> 24) & 0xFF]
                ^ t3[(x >> 32) & 0xFF]
                ^ t2[(x >> 40) & 0xFF]
                ^ t1[(x >> 48) & 0xFF]
                ^ t0[x >> 56]
            )
    for b in mv[head:]:
        crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ _MASK


def _gf2_times(mat: List[int], vec: int) -> int:
    total = 0
    i = 0
    while vec:
        if vec & 1:
            total ^= mat[i]
        vec >>= 1
        i += 1
    return total


def _gf2_square(mat: List[int]) -> List[int]:
    return [_gf2_times(mat, mat[n]) for n in range(64)]


def _combine_py(crc1: int, crc2: int, len2: int) -> int:
    """CRC of ``A + B`` from ``crc(A)``, ``crc(B)`` and ``len(B)`` (zlib's method)."""
    if len2 <= 0:
        return crc1
    odd = [POLY_REFLECTED] + [1 << (n - 1) for n in range(1, 64)]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)  # first pass: one zero byte
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return (crc1 ^ crc2) & _MASK


calc: Callable[..., int]
combine: Callable[[int, int, int], int]

try:  # pragma: no cover - depends on the environment
    import fastcrc as _fastcrc

    _xz = _fastcrc.crc64.xz
    _ZEROS = bytes(1 << 20)

    def calc(data: bytes, prev: int = 0) -> int:
        """CRC-64/XZ of ``data``, continuing from ``prev`` (fastcrc)."""
        return int(_xz(data, prev)) if data else prev

    def _zeros(length: int, prev: int) -> int:
        """The CRC after ``length`` zero bytes, continuing from ``prev``."""
        view = memoryview(_ZEROS)
        while length > 0:
            step = min(length, len(view))
            prev = int(_xz(view[:step], prev))
            length -= step
        return prev

    def combine(crc1: int, crc2: int, len2: int) -> int:
        """CRC of ``A + B`` from ``crc(A)``, ``crc(B)``, ``len(B)``.

        The CRC register is affine in its starting value, so continuing from crc(A) over B equals
        continuing from crc(A) over len(B) zero bytes, XOR crc(B), XOR the CRC of len(B) zero bytes:
        two passes over zeros at the library's speed (no matrices, nothing shared with the client).
        """
        if len2 <= 0:
            return crc1
        return _zeros(len2, crc1) ^ crc2 ^ _zeros_from_zero(len2)

    @functools.lru_cache(maxsize=64)
    def _zeros_from_zero(length: int) -> int:
        """``_zeros(length, 0)``: the same for every part of one length, so worked out once."""
        return _zeros(length, 0)

    BACKEND = "fastcrc"
except Exception:  # ImportError
    calc = _calc_py
    combine = _combine_py
    BACKEND = "python"


class Crc64:
    """Incremental CRC-64/XZ: ``c = Crc64(); c.update(b'..'); c.value``."""

    __slots__ = ("value",)

    def __init__(self, value: int = 0) -> None:
        self.value = value

    def update(self, data: bytes) -> None:
        self.value = calc(data, self.value)
