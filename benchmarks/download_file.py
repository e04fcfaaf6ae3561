"""download_file: ours vs the official SDK 1.9.44, against the same local emulator.

    python benchmarks/download_file.py [--size-mib 256] [--part-size 8] [--threads 10] [--runs 3]
                                       [--interrupt-threads 1] [--enable-crc]
                                       [--official-python /path/to/venv/bin/python]
                                       [--json out.json]

The object (random bytes) is uploaded once at setup with our client.  Then, for each
implementation, in a fresh client process each time:
  * a full download (best of --runs; the runs of ours and the official are interleaved):
    wall time, client CPU time, client peak RSS, bytes the emulator served;
  * "resume at 90 %": a download is interrupted once its progress_callback reports >= 90 %, then the
    same download_file call is run again, and that run is measured.  The interrupted run uses
    --interrupt-threads (default 1), so that what is done at that point is the first 90 % of the
    parts (as in upload_file.py); the resumed run uses --threads.  Ours is interrupted with its
    CancelEvent extension (DownloadCancelled; the record is written on the way out) and, for
    comparison, also by SIGKILL; the official SDK by SIGKILL (it has no cancel).  For a SIGKILL the
    child's callback, once at >= 90 %, prints a line and blocks its (only) worker; the parent kills
    the process on that line, so the kill lands at 90 % however fast the loopback is.  Both keep a
    resume record in DumpRecordDir (a fresh directory per interrupted/resumed pair).
Every downloaded file is checked against the payload's sha256 ("sha256").  "GET MiB" is counted by
the emulator (a wrapper with its request log on): the sum of the byte ranges of the GETs it answered
during that run (for a run that completes: what it served; for an interrupted one: what was asked
for); "left MiB" is the object size minus the parts the resume record (read between the two runs)
lists as done, i.e. what a perfect resume has to fetch ("?" = there was no record).
The emulator runs in its own process with pacing off; both clients talk to it over loopback.  Make
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
    sha256_file,
    write_payload,
)  # noqa: E402

KEY = "bench/download-source.bin"

UPLOAD = (
    CLIENT_PREAMBLE
    + r"""
client.upload_file(args['bucket'], args['key'], args['path'], PartSize=8, MAXThread=4, CheckpointDir=False)
print(json.dumps({'outcome': 'ok'}))
"""
)

DOWNLOAD = (
    CLIENT_PREAMBLE
    + r"""
extra = {}
"""
    + INTERRUPTIBLE
    + r"""
if cancel_at or hang_at:
    extra['progress_callback'] = progress
if args.get('enable_crc'):
    extra['EnableCRC'] = True
if args.get('idle'):            # the baseline: imports and a client, nothing fetched
    print(json.dumps({'wall': 0.0, 'outcome': 'idle', 'read_mib': rchar_mib()}))
    sys.exit(0)
start = time.perf_counter()
try:
    client.download_file(args['bucket'], args['key'], args['dest'], PartSize=args['part_size'],
                         MAXThread=args['threads'], DumpRecordDir=args['record_dir'], **extra)
    outcome = 'ok'
except Exception as exc:
    outcome = type(exc).__name__
wall = time.perf_counter() - start
print(json.dumps({'wall': wall, 'outcome': outcome, 'read_mib': rchar_mib()}))
"""
)


def recorded_done(record_dir, size):
    """Bytes the (single) resume record in ``record_dir`` lists as downloaded; None without one."""
    names = [n for n in os.listdir(record_dir) if not n.endswith(".tmp")] if os.path.isdir(record_dir) else []
    if not names:
        return None
    path = os.path.join(record_dir, names[0])
    with open(path) as f:
        first_line = json.loads(f.readline())
    if "qcloud_cos" in first_line:  # ours: a journal (header line, then one line per part done)
        from qcloud_cos._transfer.download import load_record

        rec = load_record(path)
        piece = rec["part_size"]
        return sum(min(piece, size - int(i) * piece) for i in rec["done"])
    with open(path) as f:  # official: one JSON document {'parts': [{'length': ...}]}
        return sum(p["length"] for p in json.load(f).get("parts", []))


class Bench:
    def __init__(self, args, tmp, emu, sha):
        self.args, self.tmp, self.emu, self.sha = args, tmp, emu, sha
        self.size = args.size_mib * MIB
        self.base = dict(
            port=emu.port,
            bucket=BUCKET,
            key=KEY,
            part_size=args.part_size,
            threads=args.threads,
            enable_crc=args.enable_crc,
        )
        self.count = 0

    def fresh(self):
        """A fresh destination directory and record directory."""
        self.count += 1
        where = os.path.join(self.tmp, "run%d" % self.count)
        os.makedirs(os.path.join(where, "dest"))
        os.makedirs(os.path.join(where, "records"))
        return dict(dest=os.path.join(where, "dest", "object.bin"), record_dir=os.path.join(where, "records")), where

    def measure(self, python, ours, paths):
        mark = self.emu.mark()
        result = run(python, DOWNLOAD, dict(self.base, ours=ours, **paths), ours=ours)
        result["served_mib"] = self.emu.stats(mark)["get_bytes"] / float(MIB)
        return result

    def check(self, result, paths):
        """sha256 of the destination and the files left beside it; frees the disk."""
        dest = paths["dest"]
        result["sha_ok"] = os.path.isfile(dest) and sha256_file(dest) == self.sha
        result["leftover"] = len([n for n in os.listdir(os.path.dirname(dest)) if n != "object.bin"])
        result["records_left"] = len(os.listdir(paths["record_dir"]))

    def full(self, python, ours):
        paths, where = self.fresh()
        result = self.measure(python, ours, paths)
        self.check(result, paths)
        shutil.rmtree(where)
        return result

    def interrupted(self, python, ours, how):
        """Interrupt at 90 % (``how``: 'cancel' or 'kill'), then resume; (first run, resumed run)."""
        paths, where = self.fresh()
        mark = self.emu.mark()
        first_args = dict(self.base, ours=ours, threads=self.args.interrupt_threads, **paths)
        if how == "cancel":
            first = run(python, DOWNLOAD, dict(first_args, cancel_at=0.9), ours=ours)
        else:
            first = run(python, DOWNLOAD, dict(first_args, hang_at=0.9), ours=ours, kill_when=reached)
        first["served_mib"] = self.emu.stats(mark)["get_bytes"] / float(MIB)
        first["at"] = last_progress(first["lines"])
        done = recorded_done(paths["record_dir"], self.size)
        mark = self.emu.mark()
        second = run(python, DOWNLOAD, dict(self.base, ours=ours, **paths), ours=ours)
        second["served_mib"] = self.emu.stats(mark)["get_bytes"] / float(MIB)
        second["left_mib"] = None if done is None else (self.size - done) / float(MIB)
        self.check(second, paths)
        shutil.rmtree(where)
        return first, second


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--part-size", type=int, default=8, help="PartSize, MiB (default 8)")
    parser.add_argument("--threads", type=int, default=10, help="MAXThread (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="full downloads per client (best is shown)")
    parser.add_argument(
        "--interrupt-threads",
        type=int,
        default=1,
        help="MAXThread of the run that is interrupted at 90 %% (default 1: then the first "
        "90 %% of the parts are what is done; the resumed run uses --threads)",
    )
    parser.add_argument("--enable-crc", action="store_true", help="pass EnableCRC=True to both")
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
            run(sys.executable, UPLOAD, dict(port=emu.port, bucket=BUCKET, key=KEY, path=payload), ours=True)
            os.remove(payload)
            bench = Bench(args, tmp, emu, sha)
            for name, python, ours in impls:
                paths, where = bench.fresh()
                rows.append(
                    (
                        name,
                        "baseline (imports + client)",
                        run(python, DOWNLOAD, dict(bench.base, ours=ours, idle=True, **paths), ours=ours),
                    )
                )
                shutil.rmtree(where)
            fulls = {name: [] for name, _, _ in impls}
            for _ in range(args.runs):  # interleaved: ours, official, ours, ...
                for name, python, ours in impls:
                    fulls[name].append(bench.full(python, ours))
            for name, _python, _ours in impls:
                runs = fulls[name]
                chosen = dict(best(runs))
                chosen["all_walls"] = [r["wall"] for r in runs]
                chosen["sha_ok"] = all(r["sha_ok"] for r in runs)
                rows.append((name, "full download (best of %d)" % args.runs, chosen))
            for name, python, ours in impls:
                ways = [("cancel", "CancelEvent"), ("kill", "SIGKILL")] if ours else [("kill", "SIGKILL")]
                for how, label in ways:
                    first, second = bench.interrupted(python, ours, how)
                    rows.append((name, "interrupted (%s at 90%%)" % label, first))
                    rows.append((name, "resume after %s" % label, second))

    def fmt(v, spec):
        return "?" if v is None else spec % v

    header = [
        "client",
        "run",
        "wall s",
        "CPU s",
        "peak RSS MiB",
        "GET MiB",
        "left MiB",
        "sha256",
        "leftovers",
        "result",
    ]
    table = []
    for name, what, r in rows:
        if r.get("killed"):
            wall = fmt(r["elapsed"], "%.2f") + "*"
        else:
            wall = fmt(r.get("wall"), "%.2f")
        extra = ""
        if r.get("at") is not None:
            extra = " @%.0f%%" % (100 * r["at"])
        table.append(
            [
                name,
                what,
                wall,
                "%.2f" % r["cpu"],
                "%.1f" % r["rss"],
                fmt(r.get("served_mib"), "%.1f"),
                fmt(r.get("left_mib"), "%.1f"),
                {True: "ok", False: "BAD", None: "-"}[r.get("sha_ok")],
                "-" if "leftover" not in r else "%d+%d" % (r["leftover"], r["records_left"]),
                r.get("outcome", "?") + extra,
            ]
        )
    print(
        "download_file of %d MiB, PartSize=%d, MAXThread=%d (%d parts), EnableCRC=%s, emulator on loopback, "
        "pacing off"
        % (args.size_mib, args.part_size, args.threads, -(-args.size_mib // args.part_size), args.enable_crc)
    )
    print_table(header, table)
    print(
        "wall: download_file() inside the client (* = process lifetime up to the kill; @N% = progress when "
        "interrupted); CPU, peak RSS: the "
        "client process (wait4).\nGET: sum of the ranges of the GETs the emulator answered in that run; left: size "
        "minus the parts the resume record listed as done (? = no record).\nleftovers: files beside the destination + "
        "records left in DumpRecordDir after the run."
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
