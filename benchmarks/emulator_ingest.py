"""The emulator's own cost of receiving bodies: CPU seconds per GiB ingested and small PUTs per second.

    python benchmarks/emulator_ingest.py [--big-mib 256] [--big-count 2] [--runs 3]
                                         [--small-count 2000] [--small-kib 4] [--threads 4]
                                         [--moto-python /tmp/moto-venv/bin/python] [--json out.json]

The emulator runs in its own process (``python -m qcloud_cos.emulator --no-throttle``); its CPU
(user + sys, from ``/proc/<pid>/stat``) is read before and after each batch, so the figures are the
server's alone -- the clients run in this process.  Rows:

* ``PUT 256 MiB``: ``--big-count`` PUTs of a ``--big-mib`` MiB file streamed by our client;
  emulator CPU seconds per GiB ingested (best and median of ``--runs`` batches).
* ``Upload Part``: the same bytes as 4 parts of one multipart upload.
* ``PUT 4 KiB``: ``--small-count`` PUTs from ``--threads`` client threads; PUTs per second
  (wall) and emulator CPU milliseconds per PUT.
* ``moto PUT 4 KiB`` (with ``--moto-python``, a virtualenv holding ``moto[server]`` and boto3):
  moto's S3 server on the same machine, driven the same way by boto3, as a reference point.
  Make one with ``python -m venv /tmp/moto-venv && /tmp/moto-venv/bin/pip install 'moto[server]' boto3``.

Floors on the machine this was written on (2 cores): MD5 alone (hashlib, OpenSSL) about 1.4 s per
GiB, the kernel's socket and page-cache copies 0.3 s to 1.4 s per GiB (more when the page cache must be
reclaimed first); the emulator's own Python work is a few per cent of the total.

Linux only (``/proc``).  Two cores: clients and server share them, so PUTs/s is a lower bound.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from qcloud_cos import CosConfig, CosS3Client  # noqa: E402

BUCKET = "examplebucket-1250000000"
TICK = os.sysconf("SC_CLK_TCK")


def proc_times(pid):
    """(user, system) CPU seconds of process ``pid`` (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def proc_cpu(pid):
    """User + system CPU seconds of process ``pid`` (all its threads)."""
    return sum(proc_times(pid))


def start_emulator(data_dir):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qcloud_cos.emulator",
            "--port",
            "0",
            "--no-throttle",
            "--data-dir",
            data_dir,
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=ROOT),
        text=True,
        cwd=ROOT,
    )
    line = proc.stdout.readline()
    return proc, int(line.rsplit(":", 1)[1])


def make_client(port):
    conf = CosConfig(
        Region="ap-beijing", SecretId="SecretId", SecretKey="SecretKey", IP="127.0.0.1", Port=port, Scheme="http"
    )
    return CosS3Client(conf)


def make_file(path, size):
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(block[: min(left, len(block))])
            left -= len(block)


def big_puts(client, path, count):
    for i in range(count):
        with open(path, "rb") as f:
            client.put_object(Bucket=BUCKET, Body=f, Key="big-%d" % i)


def multipart(client, path, size, parts=4):
    up = client.create_multipart_upload(Bucket=BUCKET, Key="mp")
    part = size // parts
    listed = []
    with open(path, "rb") as f:
        for n in range(1, parts + 1):
            f.seek((n - 1) * part)
            body = _Slice(f, part)
            r = client.upload_part(
                Bucket=BUCKET, Key="mp", Body=body, PartNumber=n, UploadId=up["UploadId"], ContentLength=part
            )
            listed.append({"PartNumber": n, "ETag": r["ETag"]})
    client.abort_multipart_upload(Bucket=BUCKET, Key="mp", UploadId=up["UploadId"])


class _Slice:
    """``length`` bytes of an open file from its position (bounded reads)."""

    def __init__(self, f, length):
        self._f, self._left = f, length

    def read(self, n=-1):
        if n is None or n < 0 or n > self._left:
            n = self._left
        data = self._f.read(n)
        self._left -= len(data)
        return data

    def __len__(self):
        return self._left


def small_puts(make, count, size, threads):
    body = os.urandom(size)
    per = count // threads
    errors = []

    def worker(t):
        try:
            put = make()
            for i in range(per):
                put("small-%d-%d" % (t, i), body)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    return per * threads, wall


def measure(pid, fn):
    c0, w0 = proc_cpu(pid), time.perf_counter()
    result = fn()
    return proc_cpu(pid) - c0, time.perf_counter() - w0, result


MOTO_DRIVER = r"""
import json, sys, threading, time, os
import boto3
port, count, size, threads = map(int, sys.argv[1:5])
def client():
    return boto3.client('s3', endpoint_url='http://127.0.0.1:%d' % port, region_name='us-east-1',
                        aws_access_key_id='testing', aws_secret_access_key='testing')
client().create_bucket(Bucket='bench')
body = os.urandom(size)
per = count // threads
def worker(t):
    c = client()
    c.put_object(Bucket='bench', Key='warm-%d' % t, Body=body)
    barrier.wait()
    for i in range(per):
        c.put_object(Bucket='bench', Key='small-%d-%d' % (t, i), Body=body)
barrier = threading.Barrier(threads + 1)
ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
for t in ts: t.start()
print('ready', flush=True); sys.stdin.readline()
barrier.wait(); start = time.perf_counter()
for t in ts: t.join()
print(json.dumps({'n': per * threads, 'wall': time.perf_counter() - start}), flush=True)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def moto_row(python, count, size, threads):
    port = free_port()
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(python), "moto_server"), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        drv = subprocess.Popen(
            [python, "-c", MOTO_DRIVER, str(port), str(count), str(size), str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert drv.stdout.readline().strip() == "ready"
        c0 = proc_cpu(server.pid)
        drv.stdin.write("\n")
        drv.stdin.flush()
        out = json.loads(drv.stdout.readline())
        cpu = proc_cpu(server.pid) - c0
        drv.wait()
        return {"n": out["n"], "wall": out["wall"], "cpu": cpu}
    finally:
        server.terminate()
        server.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--big-mib", type=int, default=256)
    p.add_argument("--big-count", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--small-count", type=int, default=2000)
    p.add_argument("--small-kib", type=int, default=4)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--no-multipart", action="store_true")
    p.add_argument("--moto-python", help="python of a virtualenv with moto[server] and boto3")
    p.add_argument("--json", help="also write the figures here")
    args = p.parse_args()

    work = tempfile.mkdtemp(prefix="emu-ingest-")
    data_dir = os.path.join(work, "data")
    os.mkdir(data_dir)
    big = os.path.join(work, "big.bin")
    size = args.big_mib << 20
    make_file(big, size)
    proc, port = start_emulator(data_dir)
    rows = {}
    try:
        client = make_client(port)
        client.put_object(Bucket=BUCKET, Body=b"warm-up", Key="warm")
        gib = size * args.big_count / float(1 << 30)
        per_gib, user_sys = [], []
        for _ in range(args.runs):
            t0 = proc_times(proc.pid)
            cpu, wall, _ = measure(proc.pid, lambda: big_puts(client, big, args.big_count))
            t1 = proc_times(proc.pid)
            per_gib.append(cpu / gib)
            user_sys.append(((t1[0] - t0[0]) / gib, (t1[1] - t0[1]) / gib))
        rows["put_big"] = {"cpu_per_gib": per_gib, "user_sys_per_gib": user_sys, "gib_per_run": gib}
        if not args.no_multipart:
            per_gib = []
            for _ in range(args.runs):
                cpu, wall, _ = measure(proc.pid, lambda: multipart(client, big, size))
                per_gib.append(cpu / (size / float(1 << 30)))
            rows["upload_part"] = {"cpu_per_gib": per_gib}

        def make():
            c = make_client(port)
            return lambda key, body: c.put_object(Bucket=BUCKET, Body=body, Key=key)

        small = []
        for _ in range(args.runs):
            cpu, wall, (n, twall) = measure(
                proc.pid, lambda: small_puts(make, args.small_count, args.small_kib << 10, args.threads)
            )
            small.append({"n": n, "wall": twall, "cpu": cpu})
        rows["put_small"] = small
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    if args.moto_python:
        rows["moto_small"] = [
            moto_row(args.moto_python, args.small_count, args.small_kib << 10, args.threads) for _ in range(args.runs)
        ]

    print(
        "emulator ingest, %d cores, python %s, crc backend %s"
        % (os.cpu_count(), sys.version.split()[0], _crc_backend())
    )
    print("%-28s %14s %14s" % ("row", "best", "median"))
    for name, label in (("put_big", "PUT %d MiB" % args.big_mib), ("upload_part", "Upload Part (4 parts)")):
        if name in rows:
            v = rows[name]["cpu_per_gib"]
            print("%-28s %12.2f s %12.2f s   CPU per GiB" % (label, min(v), statistics.median(v)))
            if "user_sys_per_gib" in rows[name]:
                best = min(rows[name]["user_sys_per_gib"], key=sum)
                print(
                    "%-28s %s   (best run: user %.2f s + sys %.2f s; MD5 is user, page-cache and socket copies sys)"
                    % ("", " " * 29, best[0], best[1])
                )
    for name, label in (
        ("put_small", "PUT %d KiB" % args.small_kib),
        ("moto_small", "moto PUT %d KiB" % args.small_kib),
    ):
        if name in rows:
            rates = [r["n"] / r["wall"] for r in rows[name]]
            cpu_ms = [1000.0 * r["cpu"] / r["n"] for r in rows[name]]
            print(
                "%-28s %12.0f/s %12.0f/s   PUTs per second (%d threads)"
                % (label, max(rates), statistics.median(rates), args.threads)
            )
            print("%-28s %11.2f ms %11.2f ms   server CPU per PUT" % ("", min(cpu_ms), statistics.median(cpu_ms)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


def _crc_backend():
    from qcloud_cos.emulator import _crc64

    return _crc64.BACKEND


if __name__ == "__main__":
    main()
