"""The kernel's share of an upload: CPU per GiB of reading a file and sending it over loopback TCP.

    python benchmarks/cpu_floor.py [--size-mib 512] [--runs 2]

No HTTP, no SDK: one thread reads a local file and sends it to a local sink that discards it, in
the ways an uploader can (1 MiB reads; 8 MiB reads as the official SDK's parts; with our CRC-64; into
one reused buffer as our part reader; mmap + sendfile; sendfile alone).  The sending thread's own user
and system CPU (RUSAGE_THREAD) is what an SDK can at best approach: a client's CPU per GiB cannot go
below it, whatever it does in Python.  Linux only (RUSAGE_THREAD).
"""

import argparse
import mmap
import os
import resource
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from qcloud_cos import _crc64  # noqa: E402

MIB = 1024 * 1024


def _sink():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def drain(conn):
        while conn.recv(MIB):
            pass

    def accept():
        while True:
            conn, _ = server.accept()
            threading.Thread(target=drain, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1]


def read_send(path, sock, size, block):
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(block), b""):
            sock.sendall(chunk)


def read_crc_send(path, sock, size, block):
    crc = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(block), b""):
            crc = _crc64.crc64(chunk, crc)
            sock.sendall(chunk)


def reused_crc_send(path, sock, size, block):
    buf, crc = memoryview(bytearray(block)), 0
    with open(path, "rb", buffering=0) as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            crc = _crc64.crc64(buf[:n], crc)
            sock.sendall(buf[:n])


def mmap_crc_sendfile(path, sock, size, block):
    crc, offset = 0, 0
    with open(path, "rb") as f:
        while offset < size:
            n = min(8 * MIB, size - offset)
            with mmap.mmap(f.fileno(), n, access=mmap.ACCESS_READ, offset=offset) as m:
                crc = _crc64.crc64(m, crc)
            sock.sendfile(f, offset, n)
            offset += n


def sendfile_only(path, sock, size, block):
    with open(path, "rb") as f:
        sock.sendfile(f, 0, size)


WAYS = [
    ("read 1 MiB + send", read_send, MIB),
    ("read 8 MiB + send (official parts)", read_send, 8 * MIB),
    ("read 1 MiB + CRC-64 + send", read_crc_send, MIB),
    ("reused 256 KiB buffer + CRC-64 + send (ours)", reused_crc_send, 256 * 1024),
    ("mmap + CRC-64 + sendfile", mmap_crc_sendfile, 8 * MIB),
    ("sendfile alone (no CRC)", sendfile_only, 0),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)
    port = _sink()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "payload.bin")
        with open(path, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(MIB))
        size = os.path.getsize(path)
        print("%d MiB, loopback, %d runs each (best); CPU of the sending thread per GiB" % (args.size_mib, args.runs))
        print("%-46s %8s %8s %8s" % ("way", "user s", "sys s", "total s"))
        for name, fn, block in WAYS:
            best = None
            for _ in range(args.runs):
                sock = socket.create_connection(("127.0.0.1", port))
                before = resource.getrusage(resource.RUSAGE_THREAD)
                fn(path, sock, size, block)
                after = resource.getrusage(resource.RUSAGE_THREAD)
                sock.close()
                user = (after.ru_utime - before.ru_utime) * 1024 * MIB / size
                system = (after.ru_stime - before.ru_stime) * 1024 * MIB / size
                if best is None or user + system < sum(best):
                    best = (user, system)
            print("%-46s %8.3f %8.3f %8.3f" % (name, best[0], best[1], sum(best)))
            time.sleep(0.1)


if __name__ == "__main__":
    main()
