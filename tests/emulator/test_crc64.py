"""CRC-64/XZ vectors, streaming and combine, for both the fast and the pure-Python backend."""

import os
import random

import pytest

from qcloud_cos.emulator import _crc64

BACKENDS = [("python", _crc64._calc_py, _crc64._combine_py)]
if _crc64.BACKEND != "python":
    BACKENDS.append((_crc64.BACKEND, _crc64.calc, _crc64.combine))

VECTORS = [
    (b"", 0),
    (b"a", 3675645893302102789),
    (b"123456789", 11051210869376104954),
    (b"hello", 11177612005948864433),
    (b"The quick brown fox jumps over the lazy dog", 6583902852472283588),
    (b"ObjectContent", 2900061071848923409),
    (b"b" * 10, 16332867268285949405),
]


@pytest.mark.parametrize("name,calc,combine", BACKENDS, ids=[b[0] for b in BACKENDS])
def test_vectors(name, calc, combine):
    for data, expected in VECTORS:
        assert calc(data) == expected, data
    assert calc(b"a" * 1048576) == 6701094182323390671


@pytest.mark.parametrize("name,calc,combine", BACKENDS, ids=[b[0] for b in BACKENDS])
def test_streaming_and_combine(name, calc, combine):
    assert calc(b"6789", calc(b"12345")) == 11051210869376104954
    assert combine(calc(b"12345"), calc(b"6789"), 4) == 11051210869376104954
    assert combine(calc(b"a" * 1048576), calc(b"b" * 10), 10) == 7220253992730643760
    assert combine(123, 0, 0) == 123
    big = os.urandom(2_500_000)  # longer than the fast backend's block of zeros
    assert combine(calc(b"head"), calc(big), len(big)) == calc(b"head" + big)
    rnd = random.Random(7)
    data = os.urandom(5000)
    whole = calc(data)
    for _ in range(20):
        cut = rnd.randrange(0, len(data) + 1)
        a, b = data[:cut], data[cut:]
        assert calc(b, calc(a)) == whole
        assert combine(calc(a), calc(b), len(b)) == whole


def test_backends_agree_and_incremental_class():
    data = os.urandom(100_003)
    c = _crc64.Crc64()
    for i in range(0, len(data), 4096):
        c.update(data[i : i + 4096])
    assert c.value == _crc64._calc_py(data) == _crc64.calc(data)
    assert _crc64._calc_py(memoryview(data)[1:]) == _crc64.calc(data[1:])
