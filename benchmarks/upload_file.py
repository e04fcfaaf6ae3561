"""upload_file: ours vs the official SDK 1.9.44, against the same local emulator.

    python benchmarks/upload_file.py [--size-mib 1024] [--part-size 8] [--threads 10] [--runs 3]
                                     [--official-python /path/to/venv/bin/python]

Measures, for each implementation, in a fresh client process each time:
  * a full upload: wall time, client CPU time, client peak RSS;
  * resuming an upload that is 90 % done (its parts already on the server): wall time, CPU, and the
    parts sent.  Ours is measured twice: with its local checkpoint (left by a run cancelled at 90 %)
    and without one (parts verified by content, the official SDK's method).
The emulator runs in its own process with pacing off; both clients talk to it over loopback.  Make
an official SDK environment with:

    python -m venv /tmp/official && /tmp/official/bin/pip install cos-python-sdk-v5==1.9.44
"""

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import BUCKET, MIB, Emulator, run  # noqa: E402

CLIENT = r"""
import json, sys, threading, time
from qcloud_cos import CosConfig, CosS3Client
args = json.loads(sys.argv[1])
conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey', IP='127.0.0.1',
                 Port=args['port'], Scheme='http')
client = CosS3Client(conf)
extra = {}
if args.get('ours'):
    extra['CheckpointDir'] = args['ckdir'] if args['ckdir'] else False
if args.get('cancel_at'):
    event = threading.Event()
    extra['CancelEvent'] = event
    def progress(done, total):
        if done >= total * args['cancel_at']:
            event.set()
    extra['progress_callback'] = progress
if args.get('idle'):            # the baseline: imports and a client, nothing sent
    print(json.dumps({'wall': 0.0, 'outcome': 'idle', 'read_mib': None}))
    sys.exit(0)
start = time.perf_counter()
try:
    client.upload_file(args['bucket'], args['key'], args['path'], PartSize=args['part_size'],
                       MAXThread=args['threads'], **extra)
    outcome = 'ok'
except Exception as exc:
    outcome = type(exc).__name__
wall = time.perf_counter() - start
try:
    with open('/proc/self/io') as f:
        rchar = int(dict(line.split(': ') for line in f.read().splitlines())['rchar'])
except OSError:
    rchar = None
print(json.dumps({'wall': wall, 'outcome': outcome, 'read_mib': rchar / 1048576.0 if rchar else None}))
"""

SEED_PARTS = r"""
import json, sys
from qcloud_cos import CosConfig, CosS3Client
args = json.loads(sys.argv[1])
conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey', IP='127.0.0.1',
                 Port=args['port'], Scheme='http')
client = CosS3Client(conf)
upload_id = client.create_multipart_upload(args['bucket'], args['key'])['UploadId']
size = args['part_size'] * 1024 * 1024
with open(args['path'], 'rb') as f:
    for number in range(1, args['parts'] + 1):
        client.upload_part(args['bucket'], args['key'], f.read(size), number, upload_id)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--part-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="full uploads per client (best is shown)")
    parser.add_argument("--official-python")
    args = parser.parse_args()
    impls = [("ours", sys.executable, True)]
    if args.official_python:
        impls.append(("official 1.9.44", args.official_python, False))
    total_parts = -(-args.size_mib // args.part_size)
    seeded = int(total_parts * 0.9)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "payload.bin")
        with open(path, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(MIB))
        emulator = Emulator(os.path.join(tmp, "data"))
        port = emulator.port
        base = dict(port=port, bucket=BUCKET, path=path, part_size=args.part_size, threads=args.threads)
        rows = []
        try:
            for name, python, ours in impls:
                idle = run(python, CLIENT, dict(base, key="-", ours=ours, ckdir=False, idle=True), ours=ours)
                rows.append((name, "baseline (imports + client)", idle))
                fulls = [
                    run(python, CLIENT, dict(base, key="full-%s-%d" % (ours, i), ours=ours, ckdir=False), ours=ours)
                    for i in range(args.runs)
                ]
                best = min(fulls, key=lambda r: r["wall"])
                rows.append((name, "full upload (best of %d)" % args.runs, best))
                # resume by content: 90 % of the parts are on the server, no local state
                run(sys.executable, SEED_PARTS, dict(base, key="resume-%s" % ours, parts=seeded), ours=True)
                resumed = run(python, CLIENT, dict(base, key="resume-%s" % ours, ours=ours, ckdir=False), ours=ours)
                rows.append((name, "resume 90%, verify by content", resumed))
                if ours:
                    ckdir = os.path.join(tmp, "ck")
                    # one thread, cancelled at 90 %: the same 90 % of the parts are done as above
                    run(
                        python,
                        CLIENT,
                        dict(base, key="resume-ck", ours=True, ckdir=ckdir, cancel_at=0.9, threads=1),
                        ours=True,
                    )
                    resumed = run(python, CLIENT, dict(base, key="resume-ck", ours=True, ckdir=ckdir), ours=True)
                    rows.append((name, "resume 90%, local checkpoint", resumed))
                    shutil.rmtree(ckdir, ignore_errors=True)
        finally:
            emulator.close()
    print(
        "upload_file of %d MiB, PartSize=%d, MAXThread=%d (%d parts), emulator on loopback"
        % (args.size_mib, args.part_size, args.threads, total_parts)
    )
    print(
        "%-16s %-32s %8s %7s %13s %13s %8s" % ("client", "run", "wall s", "CPU s", "peak RSS MiB", "read MiB", "result")
    )
    for name, what, r in rows:
        read = "%13.0f" % r["read_mib"] if r.get("read_mib") is not None else "%13s" % "?"
        print(
            "%-16s %-32s %8.2f %7.2f %13.1f %s %8s"
            % (name, what, r["wall"], r["cpu"], r["rss"], read, r.get("outcome", "?"))
        )
    print("(read MiB: all bytes the client process read, file and sockets: /proc/self/io rchar)")


if __name__ == "__main__":
    main()
