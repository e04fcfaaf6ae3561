"""Throughput of the CRC-64/XZ implementations we could depend on (why we use fastcrc).

    python benchmarks/crc64_libs.py [MiB]

Measures whichever of fastcrc, anycrc and crcmod are importable, on one random buffer: one thread, and
two threads at once on the machine's cores (an implementation that holds the GIL cannot go faster with
two; part uploads checksum on up to 16 threads).  Each must give 11051210869376104954 for b'123456789'
(the COS x-cos-hash-crc64ecma variant).  ``combine()`` (whole-object checks from part CRCs) is ours in
``qcloud_cos/_crc64.py`` whatever computes the bytes; its cost per call is printed last.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

VECTOR = 11051210869376104954


def candidates():
    found = {}
    try:
        import fastcrc

        found["fastcrc"] = fastcrc.crc64.xz
    except ImportError:
        pass
    try:
        import anycrc

        found["anycrc %s" % getattr(anycrc, "__version__", "")] = anycrc.Model("CRC64-XZ").calc
    except ImportError:
        pass
    try:
        import crcmod

        found["crcmod"] = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    except ImportError:
        pass
    return found


def _time(fn, data, threads):
    workers = [threading.Thread(target=fn, args=(data,)) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def main(argv):
    mib = int(argv[1]) if len(argv) > 1 else 256
    data = os.urandom(mib * 1024 * 1024)
    print("%d MiB random buffer, Python %s, %d cores" % (mib, sys.version.split()[0], os.cpu_count() or 1))
    print("%-16s %14s %22s %10s" % ("library", "1 thread GB/s", "2 threads GB/s (sum)", "s per GiB"))
    for name, fn in candidates().items():
        assert fn(b"123456789") == VECTOR, name
        one = min(_time(fn, data, 1) for _ in range(3))
        two = min(_time(fn, data, 2) for _ in range(3))
        print(
            "%-16s %14.2f %22.2f %10.3f"
            % (name, len(data) / one / 1e9, 2 * len(data) / two / 1e9, one * 1024**3 / len(data))
        )
    from qcloud_cos import _crc64

    start = time.perf_counter()
    for n in range(10_000):
        _crc64.combine(n, n, 8 * 1024 * 1024)
    same = (time.perf_counter() - start) / 10_000
    start = time.perf_counter()
    for n in range(1_000):
        _crc64._SHIFTS.clear()
        _crc64.combine(n, n, 8 * 1024 * 1024 + n * 4099)
    fresh = (time.perf_counter() - start) / 1_000
    print(
        "qcloud_cos._crc64.combine: %.1f us per part of a known length, %.1f us for a new length"
        % (1e6 * same, 1e6 * fresh)
    )


if __name__ == "__main__":
    main(sys.argv)
