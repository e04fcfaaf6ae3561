"""copy (managed, multipart): ours vs the official SDK 1.9.44, against the same local emulator.

    python benchmarks/copy_managed.py [--size-mib 256] [--part-size 8] [--threads 10] [--runs 3]
                              [--interrupt-threads 1] [--threshold-mib 1]
                              [--official-python /path/to/venv/bin/python] [--json out.json]

``client.copy(Bucket, Key, CopySource={'Bucket', 'Key', 'Region'}, PartSize, MAXThread)`` of one
object (random bytes, uploaded once at setup with our client) to new keys of the same bucket.  Both
SDKs route a copy to the multipart path (Initiate, Upload Part - Copy per part, Complete) only when
the source is in another region *or* the storage class changes, *and* the source is at least
``CosConfig._copy_part_threshold_size`` (5 GiB); so the copies here ask for
``StorageClass='STANDARD_IA'`` (the source is STANDARD) and every client lowers the threshold with
``conf.set_copy_part_threshold_size(--threshold-mib)`` (a public CosConfig method in both).  The
emulator's count of Upload Part - Copy requests shows the path taken.

For each implementation, in a fresh client process each time:
  * a full copy (best of --runs; ours and the official interleaved): wall, client CPU, client
    peak RSS, the parts and bytes the emulator copied;
  * "resume at 90 %": a copy interrupted once 90 % of its parts are copied, then the same copy
    call again, measured.  The interrupted run uses --interrupt-threads (default 1), so that what is
    done is the first 90 % of the parts.  Ours is interrupted with its CancelEvent extension (set
    from its progress_callback; CopyCancelled, the checkpoint is written on the way out, the upload
    kept) and, for comparison, by SIGKILL (its callback, at >= 90 %, prints a line and blocks; the
    parent kills it on that line); its next call resumes from the checkpoint (in CheckpointDir),
    checked against List Parts.  The official SDK has neither a progress callback for copy nor a
    resume: the parent polls the emulator's count of copied parts and SIGKILLs it at >= 90 %, and
    the rerun copies everything again (and its killed upload stays behind, unaborted).
Each copied object is read back (GET, sha256) and compared with the payload, and its storage class
checked; "uploads left" counts the multipart uploads still open on the destination key afterwards.
The emulator runs in its own process with pacing off; the clients talk to it over loopback, as
their HTTP proxy (``Proxies={'http': ...}``): the official copy builds the source's URL from its
region, ignoring ``IP``/``Port``, so both clients keep the real COS host names here.  Make
an official SDK environment with:

    python -m venv /tmp/official && /tmp/official/bin/pip install cos-python-sdk-v5==1.9.44
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (
    BUCKET,
    CLIENT_PREAMBLE,
    INTERRUPTIBLE,
    MIB,
    Emulator,
    best,
    last_progress,
    print_table,
    reached,
    run,
    write_payload,
)  # noqa: E402

SOURCE = "bench/copy-source.bin"

UPLOAD = (
    CLIENT_PREAMBLE
    + r"""
client.upload_file(args['bucket'], args['key'], args['path'], PartSize=8, MAXThread=4, CheckpointDir=False)
print(json.dumps({'outcome': 'ok'}))
"""
)

COPY = (
    CLIENT_PREAMBLE
    + r"""
conf.set_copy_part_threshold_size(args['threshold'])
extra = {}
if args.get('ours'):
    extra['CheckpointDir'] = args['ckdir']
"""
    + INTERRUPTIBLE
    + r"""
if cancel_at or hang_at:            # ours only: the official copy has no progress_callback
    extra['progress_callback'] = progress
if args.get('idle'):            # the baseline: imports and a client, nothing copied
    print(json.dumps({'wall': 0.0, 'outcome': 'idle'}))
    sys.exit(0)
source = {'Bucket': args['bucket'], 'Key': args['source'], 'Region': 'ap-beijing'}
start = time.perf_counter()
try:
    client.copy(args['bucket'], args['key'], source, PartSize=args['part_size'], MAXThread=args['threads'],
                StorageClass='STANDARD_IA', **extra)
    outcome = 'ok'
except Exception as exc:
    outcome = type(exc).__name__
wall = time.perf_counter() - start
print(json.dumps({'wall': wall, 'outcome': outcome}))
"""
)

# Run with our client: read the copy back, sha256 it, count (and abort) the uploads left, delete it.
VERIFY = (
    CLIENT_PREAMBLE
    + r"""
import hashlib
from qcloud_cos.cos_exception import CosServiceError
try:
    head = client.head_object(args['bucket'], args['key'])
except CosServiceError:
    print(json.dumps({'sha256': None, 'storage_class': 'missing', 'uploads_left': None}))
    sys.exit(0)
body = client.get_object(args['bucket'], args['key'])['Body'].get_raw_stream()
h = hashlib.sha256()
for block in iter(lambda: body.read(4 << 20), b''):
    h.update(block)
uploads = [u for u in client.list_multipart_uploads(args['bucket'], Prefix=args['key']).get('Upload', [])
           if u['Key'] == args['key']]
for u in uploads:
    client.abort_multipart_upload(args['bucket'], args['key'], u['UploadId'])
client.delete_object(args['bucket'], args['key'])
print(json.dumps({'sha256': h.hexdigest(), 'storage_class': head.get('x-cos-storage-class', 'STANDARD'),
                  'uploads_left': len(uploads)}))
"""
)


def checkpoint_done(ckdir, size):
    """Bytes our copy checkpoint in ``ckdir`` lists as copied; None without one."""
    names = [n for n in os.listdir(ckdir) if n.startswith("copy-")] if os.path.isdir(ckdir) else []
    if not names:
        return None
    with open(os.path.join(ckdir, names[0])) as f:
        record = json.load(f)["record"]
    piece = record["part_size"]
    return sum(min(piece, size - (int(n) - 1) * piece) for n in record["done"])


class Bench:
    def __init__(self, args, tmp, emu, sha):
        self.args, self.tmp, self.emu, self.sha = args, tmp, emu, sha
        self.size = args.size_mib * MIB
        self.parts = -(-args.size_mib // args.part_size)
        self.base = dict(
            port=emu.port,
            bucket=BUCKET,
            source=SOURCE,
            part_size=args.part_size,
            threads=args.threads,
            threshold=args.threshold_mib * MIB,
            proxy=True,
        )
        self.count = 0

    def fresh(self):
        self.count += 1
        ckdir = os.path.join(self.tmp, "ck%d" % self.count)
        os.makedirs(ckdir)
        return dict(key="bench/copy-%d.bin" % self.count, ckdir=ckdir)

    def copied(self, result, mark):
        stats = self.emu.stats(mark)
        result["copied_parts"] = stats["copy_parts"]
        result["copied_mib"] = stats["copy_bytes"] / float(MIB)
        return result

    def verify(self, result, paths):
        check = run(sys.executable, VERIFY, dict(self.base, key=paths["key"]), ours=True)
        result["sha_ok"] = check["sha256"] == self.sha
        result["storage_class"] = check["storage_class"]
        result["uploads_left"] = check["uploads_left"]
        result["ck_left"] = len(os.listdir(paths["ckdir"]))
        shutil.rmtree(paths["ckdir"])

    def full(self, python, ours):
        paths = self.fresh()
        mark = self.emu.mark()
        result = self.copied(run(python, COPY, dict(self.base, ours=ours, **paths), ours=ours), mark)
        self.verify(result, paths)
        return result

    def interrupted(self, python, ours, how):
        """(interrupted run, the next run) with ``how`` 'cancel', 'kill' (ours) or 'poll-kill' (official)."""
        paths = self.fresh()
        first_args = dict(self.base, ours=ours, threads=self.args.interrupt_threads, **paths)
        mark = self.emu.mark()
        if how == "cancel":
            first = run(python, COPY, dict(first_args, cancel_at=0.9), ours=ours)
        elif how == "kill":
            first = run(python, COPY, dict(first_args, hang_at=0.9), ours=ours, kill_when=reached)
        else:
            want = 0.9 * self.parts
            first = run(
                python,
                COPY,
                first_args,
                ours=ours,
                poll=0.005,
                kill_when=lambda lines: self.emu.stats(mark)["copy_parts"] >= want,
            )
        self.copied(first, mark)
        first["at"] = last_progress(first["lines"]) if how != "poll-kill" else first["copied_parts"] / float(self.parts)
        done = checkpoint_done(paths["ckdir"], self.size) if ours else 0
        mark = self.emu.mark()
        second = self.copied(run(python, COPY, dict(self.base, ours=ours, **paths), ours=ours), mark)
        second["left_mib"] = None if done is None else (self.size - done) / float(MIB)
        self.verify(second, paths)
        return first, second


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--part-size", type=int, default=8, help="PartSize, MiB (default 8)")
    parser.add_argument("--threads", type=int, default=10, help="MAXThread (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="full copies per client (best is shown)")
    parser.add_argument(
        "--interrupt-threads",
        type=int,
        default=1,
        help="MAXThread of the run interrupted at 90 %% (default 1: then the first 90 %% of the "
        "parts are what is done; the next run uses --threads)",
    )
    parser.add_argument(
        "--threshold-mib",
        type=int,
        default=1,
        help="set_copy_part_threshold_size, MiB (default 1: the object goes multipart)",
    )
    parser.add_argument("--official-python")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()
    impls = [("ours", sys.executable, True)]
    if args.official_python:
        impls.append(("official 1.9.44", args.official_python, False))

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        payload = os.path.join(tmp, "payload.bin")
        sha = write_payload(payload, args.size_mib)
        with Emulator(os.path.join(tmp, "data"), record=True) as emu:
            run(sys.executable, UPLOAD, dict(port=emu.port, bucket=BUCKET, key=SOURCE, path=payload), ours=True)
            os.remove(payload)
            bench = Bench(args, tmp, emu, sha)
            for name, python, ours in impls:
                paths = bench.fresh()
                rows.append(
                    (
                        name,
                        "baseline (imports + client)",
                        run(python, COPY, dict(bench.base, ours=ours, idle=True, **paths), ours=ours),
                    )
                )
            fulls = {name: [] for name, _, _ in impls}
            for _ in range(args.runs):  # interleaved: ours, official, ours, ...
                for name, python, ours in impls:
                    fulls[name].append(bench.full(python, ours))
            for name, _python, _ours in impls:
                runs = fulls[name]
                chosen = dict(best(runs))
                chosen["all_walls"] = [r["wall"] for r in runs]
                chosen["sha_ok"] = all(r["sha_ok"] for r in runs)
                rows.append((name, "full copy (best of %d)" % args.runs, chosen))
            for name, python, ours in impls:
                if ours:
                    ways = [
                        ("cancel", "interrupted (CancelEvent at 90%)", "resume after CancelEvent"),
                        ("kill", "interrupted (SIGKILL at 90%)", "resume after SIGKILL"),
                    ]
                else:
                    ways = [("poll-kill", "interrupted (SIGKILL at 90% of parts)", "rerun after SIGKILL (no resume)")]
                for how, first_label, second_label in ways:
                    first, second = bench.interrupted(python, ours, how)
                    rows.append((name, first_label, first))
                    rows.append((name, second_label, second))

    def fmt(v, spec):
        return "?" if v is None else spec % v

    header = [
        "client",
        "run",
        "wall s",
        "CPU s",
        "peak RSS MiB",
        "parts",
        "copied MiB",
        "left MiB",
        "sha256",
        "class",
        "left behind",
        "result",
    ]
    table = []
    for name, what, r in rows:
        wall = fmt(r["elapsed"], "%.2f") + "*" if r.get("killed") else fmt(r.get("wall"), "%.2f")
        at = " @%.0f%%" % (100 * r["at"]) if r.get("at") is not None else ""
        table.append(
            [
                name,
                what,
                wall,
                "%.2f" % r["cpu"],
                "%.1f" % r["rss"],
                "-" if "copied_parts" not in r else str(r["copied_parts"]),
                fmt(r.get("copied_mib"), "%.1f"),
                fmt(r.get("left_mib"), "%.1f"),
                {True: "ok", False: "BAD", None: "-"}[r.get("sha_ok")],
                r.get("storage_class", "-"),
                "-" if "uploads_left" not in r else "%s+%d" % (r["uploads_left"], r["ck_left"]),
                r.get("outcome", "?") + at,
            ]
        )
    print(
        "copy of %d MiB, PartSize=%d, MAXThread=%d (%d parts), StorageClass STANDARD -> STANDARD_IA, copy "
        "threshold %d MiB, emulator on loopback, pacing off"
        % (args.size_mib, args.part_size, args.threads, -(-args.size_mib // args.part_size), args.threshold_mib)
    )
    print_table(header, table)
    print(
        "wall: copy() inside the client (* = process lifetime up to the kill; @N% = progress when interrupted); "
        "CPU, peak RSS: the client process (wait4).\nparts, copied: Upload Part - Copy requests the emulator "
        "answered 200 in that run, and their bytes; left: size minus the parts the checkpoint listed as done "
        "(official: no resume, so all).\nleft behind: multipart uploads still open on the key + checkpoint "
        "files left in CheckpointDir after the run."
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "args": vars(args),
                    "rows": [
                        {"client": n, "run": w, **{k: v for k, v in r.items() if k != "lines"}} for n, w, r in rows
                    ],
                },
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
