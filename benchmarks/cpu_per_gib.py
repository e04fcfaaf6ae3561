"""Client CPU per GiB of upload_file at a fixed part size: ours vs the official SDK 1.9.44, steady state.

    python benchmarks/cpu_per_gib.py [--size-mib 512] [--part-sizes 8,16] [--threads 8] [--runs 3]
                                     [--official-python /path/to/venv/bin/python]

Each client process uploads the same file ``--runs`` + 1 times to a local emulator (its own process,
pacing off) and reports the CPU (user + system, getrusage of the whole process: every thread) of the
last ``--runs`` uploads only, so imports, the first connection and lazily imported modules are left
out; the figure is CPU seconds per GiB uploaded.  Ours and the official run interleaved.  The kernel's
share that no client can avoid is measured by ``benchmarks/cpu_floor.py``.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import BUCKET, Emulator, write_payload  # noqa: E402

CHILD = r"""
import json, logging, os, resource, sys
args = json.loads(sys.argv[1])
if args['root']:
    sys.path.insert(0, args['root'])
logging.disable(logging.INFO)
from qcloud_cos import CosConfig, CosS3Client
client = CosS3Client(CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                               IP='127.0.0.1', Port=args['port'], Scheme='http'))
extra = {'CheckpointDir': False} if hasattr(client, 'upload_folder') else {}

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime

def upload(n):
    client.upload_file(args['bucket'], 'cpu-%d' % n, args['path'], PartSize=args['part_size'],
                       MAXThread=args['threads'], **extra)

upload(0)
user0, sys0 = cpu()
for n in range(1, args['runs'] + 1):
    upload(n)
user1, sys1 = cpu()
gib = args['runs'] * os.path.getsize(args['path']) / float(1024 ** 3)
print(json.dumps({'user': (user1 - user0) / gib, 'sys': (sys1 - sys0) / gib}))
"""


def measure(python, *, root, port, path, part_size, threads, runs):
    args = dict(root=root, port=port, bucket=BUCKET, path=path, part_size=part_size, threads=threads, runs=runs)
    out = subprocess.run(
        [python, "-c", CHILD, json.dumps(args)], capture_output=True, text=True, cwd=tempfile.gettempdir(), check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--part-sizes", default="8,16")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per part size (best kept)")
    parser.add_argument("--official-python", default="/work/official-venv/bin/python")
    args = parser.parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp, Emulator(tmp) as emu:
        path = os.path.join(tmp, "payload.bin")
        write_payload(path, args.size_mib)
        print(
            "upload_file of %d MiB x %d (after one warm-up), MAXThread=%d, CPU s per GiB (user + sys, whole client)"
            % (args.size_mib, args.runs, args.threads)
        )
        print("%-10s %-10s %8s %8s %8s %12s" % ("PartSize", "client", "user", "sys", "total", "ours/official"))
        for part_size in (int(p) for p in args.part_sizes.split(",")):
            best = {}
            for _ in range(args.rounds):
                for name, python, code_root in (("ours", sys.executable, root), ("official", args.official_python, "")):
                    got = measure(
                        python, root=code_root, port=emu.port, path=path, part_size=part_size,
                        threads=args.threads, runs=args.runs,
                    )  # fmt: skip
                    if name not in best or got["user"] + got["sys"] < best[name]["user"] + best[name]["sys"]:
                        best[name] = got
            ratio = (best["ours"]["user"] + best["ours"]["sys"]) / (best["official"]["user"] + best["official"]["sys"])
            for name in ("ours", "official"):
                b = best[name]
                print(
                    "%-10s %-10s %8.3f %8.3f %8.3f %12s"
                    % (
                        part_size,
                        name,
                        b["user"],
                        b["sys"],
                        b["user"] + b["sys"],
                        "%.2f" % ratio if name == "ours" else "",
                    )
                )


if __name__ == "__main__":
    main()
