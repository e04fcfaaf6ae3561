"""Throughput of the CRC-64/XZ implementations we could depend on (why we picked anycrc).

    python benchmarks/crc64_libs.py [MiB]

Measures whichever of anycrc, fastcrc and crcmod are importable, on one random buffer.  Each must
give 11051210869376104954 for b'123456789' (the COS x-cos-hash-crc64ecma variant).
"""

import os
import sys
import time

VECTOR = 11051210869376104954


def candidates():
    found = {}
    try:
        import anycrc

        model = anycrc.Model("CRC64-XZ")
        found["anycrc %s" % getattr(anycrc, "__version__", "")] = (model.calc, True)
    except ImportError:
        pass
    try:
        import fastcrc

        found["fastcrc"] = (fastcrc.crc64.xz, False)
    except ImportError:
        pass
    try:
        import crcmod

        found["crcmod"] = (crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True), False)
    except ImportError:
        pass
    return found


def main(argv):
    mib = int(argv[1]) if len(argv) > 1 else 256
    data = os.urandom(mib * 1024 * 1024)
    print("%d MiB random buffer, Python %s" % (mib, sys.version.split()[0]))
    for name, (fn, has_combine) in candidates().items():
        assert fn(b"123456789") == VECTOR, name
        best = min(_time(fn, data) for _ in range(3))
        print("%-16s %8.2f GB/s   combine(): %s" % (name, len(data) / best / 1e9, "yes" if has_combine else "no"))


def _time(fn, data):
    start = time.perf_counter()
    fn(data)
    return time.perf_counter() - start


if __name__ == "__main__":
    main(sys.argv)
