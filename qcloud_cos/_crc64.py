"""CRC-64/XZ (the ``x-cos-hash-crc64ecma`` checksum, reported as a decimal string)."""

import anycrc

_MODEL = anycrc.Model("CRC64-XZ")


def crc64(data, crc=0):
    """CRC of ``data``, continuing from ``crc`` (the CRC of the bytes before it)."""
    return _MODEL.calc(data, crc)


def combine(crc1, crc2, len2):
    """CRC of A+B from crc(A), crc(B) and len(B)."""
    if len2 == 0:
        return crc1
    return _MODEL.combine(crc1, crc2, len2)


class Crc64:
    """Incremental CRC-64/XZ."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0

    def update(self, data):
        if data:
            self.value = crc64(data, self.value)
