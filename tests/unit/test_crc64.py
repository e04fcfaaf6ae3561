"""The client's CRC-64/XZ: fastcrc for the bytes, our own GF(2) combine for whole-object checks."""

import os
import random

import pytest

from qcloud_cos import _crc64
from qcloud_cos.emulator import _crc64 as emulator_crc64  # an independent implementation to compare with

VECTORS = [
    (b"", 0),
    (b"a", 3675645893302102789),
    (b"123456789", 11051210869376104954),
    (b"The quick brown fox jumps over the lazy dog", 6583902852472283588),
]


@pytest.mark.parametrize("data,expected", VECTORS)
def test_vectors(data, expected):
    assert _crc64.crc64(data) == expected


def test_continuing_and_buffer_types():
    data = os.urandom(300_001)
    whole = _crc64.crc64(data)
    assert _crc64.crc64(data[1000:], _crc64.crc64(data[:1000])) == whole
    assert _crc64.crc64(memoryview(bytearray(data))) == whole
    assert _crc64.crc64(memoryview(data)[5:]) == _crc64.crc64(data[5:])
    assert _crc64.crc64(b"", 12345) == 12345
    crc = _crc64.Crc64()
    for i in range(0, len(data), 65536):
        crc.update(memoryview(data)[i : i + 65536])
    crc.update(b"")
    assert crc.value == whole


def test_combine_equals_crc_of_concatenation():
    rnd = random.Random(11)
    data = os.urandom(200_000)
    whole = _crc64.crc64(data)
    for _ in range(50):
        cut = rnd.randrange(0, len(data) + 1)
        a, b = data[:cut], data[cut:]
        assert _crc64.combine(_crc64.crc64(a), _crc64.crc64(b), len(b)) == whole
    assert _crc64.combine(77, 0, 0) == 77


def test_combine_of_many_parts_and_huge_lengths_matches_the_emulator():
    # parts of one length (the cached factor) and then the last, shorter part
    parts = [os.urandom(4096) for _ in range(9)] + [os.urandom(1000)]
    crc = _crc64.crc64(parts[0])
    for part in parts[1:]:
        crc = _crc64.combine(crc, _crc64.crc64(part), len(part))
    assert crc == _crc64.crc64(b"".join(parts))
    # lengths no test could hold in memory (5 GiB parts, a 48.8 TiB object): against the emulator's
    # zlib-style matrix combine, which shares no code with ours
    rnd = random.Random(5)
    for length in (5 * 1024**3, 10_000 * 5 * 1024**3, 2**63 + 1, rnd.randrange(2**40)):
        a, b = rnd.getrandbits(64), rnd.getrandbits(64)
        assert _crc64.combine(a, b, length) == emulator_crc64._combine_py(a, b, length)
