"""Transfers over emulated networks: ours vs the official SDK 1.9.44, interleaved, one table.

    python benchmarks/network_profiles.py [--profiles none,lan,wan] [--runs 1] [--size-mib 256]
                                          [--files 2000] [--file-kib 16] [--quick]
                                          [--official-python /path/to/venv/bin/python | --no-official]
                                          [--cases upload,batch,folder,download] [--json out.json]

For each profile the emulator is started once in its own process with ``--profile NAME`` (none:
plain loopback; lan: 1 ms + 1 Gbit/s per connection and direction; wan: 30 ms + 100 Mbit/s), on a
data directory kept across the profiles.  Every cell is a fresh client process (wall time of the
call measured inside it; CPU time and peak RSS of the whole process from ``wait4``; the emulator's
CPU over the same interval from /proc).  Within a profile, each run measures every case for ours
and then the official before the next case.  The cases:

  * upload default:   ``client.upload_file(Bucket, Key, LocalFilePath)`` of --size-mib random bytes,
    nothing else passed (both SDKs: PartSize=1, MAXThread=5 -> 1 MiB parts);
  * upload PS16/T8:   the same with PartSize=16, MAXThread=8;
  * batch seed:       --files files of --file-kib KiB, the pattern of examples/seed/upload_folder_batch.py
    for both: os.walk, head_object per file (404 -> upload), ``SimpleThreadPool().add_task(
    client.upload_file, bucket, key, path)``, ``wait_completion()``, ``get_result()``.  Logging is
    configured at WARNING into /dev/null (the seed configures INFO to stdout; per-request INFO
    logging of the official would be measured otherwise) and nothing is printed per file;
  * upload_folder:    ours only, ``client.upload_folder(Bucket, LocalPath, KeyPrefix=...)`` of the same
    files (its defaults: MAXThread=10, SkipExisting=True);
  * download default: ``client.download_file(Bucket, Key, DestFilePath)`` of the --size-mib object (both:
    PartSize=20, MAXThread=5);
  * download PS16/T8: the same with PartSize=16, MAXThread=8.

Checks, outside the measured process: an upload is HEADed (size, and the CRC-64 the emulator
computed equals the one of the same payload uploaded at setup) and deleted; a batch is listed
(object count and every size); a download's file is hashed (sha256 of the payload).  The ratio
columns are ours / official for the same case (upload_folder: against the official's batch seed).
The emulator shares the machine's cores with the client: the wall times include its CPU.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    BUCKET,
    CLIENT_PREAMBLE,
    MIB,
    Emulator,
    list_keys,
    machine_info,
    median,
    parent_client,
    print_table,
    run,
    sha256_file,
    write_payload,
)

DEFAULT_OFFICIAL = "/work/official-venv/bin/python"
SOURCE_KEY = "bench/download-source.bin"

CLIENT = (
    CLIENT_PREAMBLE
    + r"""
import logging
logging.basicConfig(level=logging.WARNING, stream=open(os.devnull, 'w'))
mode = args['mode']
kw = {}
if args.get('part_size'):
    kw['PartSize'] = args['part_size']
if args.get('threads'):
    kw['MAXThread'] = args['threads']
out = {}
start = time.perf_counter()
try:
    if mode == 'idle':          # the baseline: imports and a client, nothing sent
        pass
    elif mode == 'upload':
        client.upload_file(args['bucket'], args['key'], args['path'], **kw)
    elif mode == 'download':
        client.download_file(args['bucket'], args['key'], args['dest'], **kw)
    elif mode == 'batch':       # examples/seed/upload_folder_batch.py, folder/bucket/prefix as parameters
        from qcloud_cos import CosServiceError
        from qcloud_cos.cos_threadpool import SimpleThreadPool
        bucket = args['bucket']
        pool = SimpleThreadPool()
        queued = errors = 0
        for path, dir_list, file_list in os.walk(args['folder']):
            for file_name in file_list:
                srcKey = os.path.join(path, file_name)
                cosObjectKey = args['prefix'] + os.path.relpath(srcKey, args['folder']).replace(os.sep, '/')
                exists = False
                try:
                    response = client.head_object(Bucket=bucket, Key=cosObjectKey)
                    exists = True
                except CosServiceError as e:
                    if e.get_status_code() == 404:
                        exists = False
                    else:
                        errors += 1     # the seed prints "Error happened, reupload it."
                if not exists:
                    pool.add_task(client.upload_file, bucket, cosObjectKey, srcKey)
                    queued += 1
        pool.wait_completion()
        result = pool.get_result()
        out.update(success_all=bool(result['success_all']), queued=queued, head_errors=errors)
    elif mode == 'folder':
        r = client.upload_folder(args['bucket'], args['folder'], KeyPrefix=args['prefix'])
        out.update(success_all=bool(r['success_all']), uploaded=len(r['uploaded']), skipped=len(r['skipped']),
                   failed=len(r['failed']))
    outcome = 'ok'
except Exception as exc:
    outcome = ('%s: %s' % (type(exc).__name__, exc))[:300]
out.update(wall=time.perf_counter() - start, outcome=outcome)
print(json.dumps(out))
"""
)

UPLOAD_SOURCE = (
    CLIENT_PREAMBLE
    + r"""
client.upload_file(args['bucket'], args['key'], args['path'], PartSize=16, MAXThread=4, CheckpointDir=False)
print(json.dumps({'outcome': 'ok'}))
"""
)

# (case id, label, mode, PartSize, MAXThread, official too)
CASES = [
    ("upload-default", "upload_file %(size)s, defaults", "upload", None, None, True),
    ("upload-16x8", "upload_file %(size)s, PartSize=16 MAXThread=8", "upload", 16, 8, True),
    ("batch-seed", "%(files)s: seed batch (HEAD + pool)", "batch", None, None, True),
    ("upload-folder", "%(files)s: upload_folder", "folder", None, None, False),
    ("download-default", "download_file %(size)s, defaults", "download", None, None, True),
    ("download-16x8", "download_file %(size)s, PartSize=16 MAXThread=8", "download", 16, 8, True),
]
GROUPS = {"upload": ("upload-default", "upload-16x8"), "batch": ("batch-seed",), "folder": ("upload-folder",)}
GROUPS["download"] = ("download-default", "download-16x8")


class Bench:
    def __init__(self, args, tmp, impls):
        self.args, self.tmp, self.impls = args, tmp, impls
        self.size = args.size_mib * MIB
        self.payload = os.path.join(tmp, "payload.bin")
        self.folder = os.path.join(tmp, "folder")
        self.data = os.path.join(tmp, "data")
        self.count = 0

    def setup(self):
        """The payload, the tree of small files, and the object downloaded (uploaded unshaped)."""
        self.sha = write_payload(self.payload, self.args.size_mib)
        per_dir = 100  # the tree: d000/f00000.bin ... 100 files per directory
        body = os.urandom(self.args.file_kib * 1024)
        for i in range(self.args.files):
            d = os.path.join(self.folder, "d%03d" % (i // per_dir))
            if i % per_dir == 0:
                os.makedirs(d)
            with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
                f.write(body[:-8] + i.to_bytes(8, "big"))
        with Emulator(self.data) as emu:
            run(
                sys.executable,
                UPLOAD_SOURCE,
                dict(port=emu.port, bucket=BUCKET, key=SOURCE_KEY, path=self.payload),
                ours=True,
            )
            head = parent_client(emu.port).head_object(Bucket=BUCKET, Key=SOURCE_KEY)
            self.crc = head.get("x-cos-hash-crc64ecma")
            if int(head["Content-Length"]) != self.size:
                raise SystemExit("setup: the source object has the wrong size")

    def cell(self, emu, profile, case, impl, run_no):
        cid, _label, mode, part_size, threads, _official = case
        name, python, ours = impl
        self.count += 1
        tag = "%s/%s/%s/r%d" % (profile, cid, "ours" if ours else "official", run_no)
        args = dict(port=emu.port, bucket=BUCKET, mode=mode, part_size=part_size, threads=threads)
        where = os.path.join(self.tmp, "cell%d" % self.count)
        os.makedirs(where)
        if mode == "upload":
            args.update(key="bench/up/%s.bin" % tag, path=self.payload)
        elif mode == "download":
            args.update(key=SOURCE_KEY, dest=os.path.join(where, "object.bin"))
        else:
            args.update(folder=self.folder, prefix="bench/files/%s/" % tag)
        cpu0 = emu.cpu()
        result = run(python, CLIENT, args, ours=ours)
        cpu1 = emu.cpu()
        result.pop("lines", None)
        result["emu_cpu"] = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
        result["check"] = self.check(emu, mode, args, result)
        shutil.rmtree(where)
        return result

    def check(self, emu, mode, args, result):
        """'ok' or what is wrong; frees the disk (uploaded object deleted, downloaded file removed)."""
        if result.get("outcome") != "ok":
            return "FAILED"
        client = parent_client(emu.port)
        if mode == "upload":
            head = client.head_object(Bucket=BUCKET, Key=args["key"])
            client.delete_object(Bucket=BUCKET, Key=args["key"])
            if int(head["Content-Length"]) != self.size:
                return "BAD size %s" % head["Content-Length"]
            if self.crc and head.get("x-cos-hash-crc64ecma") != self.crc:
                return "BAD crc64"
            return "ok size+crc64"
        if mode == "download":
            if not os.path.isfile(args["dest"]) or sha256_file(args["dest"]) != self.sha:
                return "BAD sha256"
            return "ok sha256"
        if result.get("success_all") is not True:
            return "BAD success_all"
        keys = list_keys(client, BUCKET, args["prefix"])
        want = self.args.file_kib * 1024
        if len(keys) != self.args.files or any(size != want for size in keys.values()):
            return "BAD %d objects" % len(keys)
        return "ok %d objects" % len(keys)


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def ratio(a, b):
    return None if a is None or not b else a / b


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", default="none,lan,wan", help="comma-separated emulator --profile names")
    parser.add_argument("--runs", type=int, default=1, help="runs per cell (the median is shown)")
    parser.add_argument("--size-mib", type=int, help="size of the large file (default 256; --quick: 64)")
    parser.add_argument("--files", type=int, help="number of small files (default 2000; --quick: 500)")
    parser.add_argument("--file-kib", type=int, default=16, help="size of each small file, KiB (default 16)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 64 MiB and 500 files")
    parser.add_argument("--cases", default="upload,batch,folder,download", help="comma-separated: " + ",".join(GROUPS))
    parser.add_argument("--official-python", help="the official SDK's python (default %s)" % DEFAULT_OFFICIAL)
    parser.add_argument("--no-official", action="store_true", help="measure ours only")
    parser.add_argument("--tmp", help="directory for the payload, the files and the emulator's data (default: TMPDIR)")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()
    if args.size_mib is None:
        args.size_mib = 64 if args.quick else 256
    if args.files is None:
        args.files = 500 if args.quick else 2000
    official = None if args.no_official else (args.official_python or DEFAULT_OFFICIAL)
    if official and not os.path.exists(official):
        raise SystemExit("no official SDK python at %s (--official-python PATH, or --no-official)" % official)
    impls = [("ours", sys.executable, True)]
    if official:
        impls.append(("official", official, False))
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    wanted = set()
    for group in args.cases.split(","):
        if group.strip() not in GROUPS:
            parser.error("unknown case %r (known: %s)" % (group, ", ".join(GROUPS)))
        wanted.update(GROUPS[group.strip()])
    cases = [c for c in CASES if c[0] in wanted]
    names = {"size": "%d MiB" % args.size_mib, "files": "%d x %d KiB" % (args.files, args.file_kib)}

    info = machine_info(official)
    header_lines = [
        "network_profiles.py, %s" % info["date"],
        "machine: %s cores (%s), %s RAM, kernel %s; ours: Python %s, %s; official: %s"
        % (
            info["cores"],
            info["cpu"],
            info["memory"],
            info["kernel"],
            info["python"],
            info["ours"],
            info.get("official", "not measured"),
        ),
        "conditions: the emulator (own process, same cores, pacing of x-cos-traffic-limit off) and the client share "
        "the machine; profiles %s (none = loopback; lan = 1 ms + 1 Gbit/s, wan = 30 ms + 100 Mbit/s, per request / "
        "per connection and direction); %d run(s) per cell, median shown; large file %d MiB, small files %d x %d KiB"
        % (",".join(profiles), args.runs, args.size_mib, args.files, args.file_kib),
    ]
    for line in header_lines:
        print(line, flush=True)

    base_tmp = args.tmp or tempfile.gettempdir()
    started = time.time()
    results = {}  # (profile, case id, impl name) -> [run results]
    baselines = {}
    with tempfile.TemporaryDirectory(dir=base_tmp, prefix="netprof-") as tmp:
        bench = Bench(args, tmp, impls)
        bench.setup()
        print("data: %s (payload, files and emulator data)" % base_tmp, flush=True)
        for profile in profiles:
            with Emulator(bench.data, args=["--profile", profile]) as emu:
                if not baselines:
                    for name, python, ours in impls:
                        r = run(python, CLIENT, dict(port=emu.port, bucket=BUCKET, mode="idle"), ours=ours)
                        r.pop("lines", None)
                        baselines[name] = r
                for run_no in range(args.runs):
                    for case in cases:
                        for impl in impls:
                            if not impl[2] and not case[5]:
                                continue
                            r = bench.cell(emu, profile, case, impl, run_no)
                            results.setdefault((profile, case[0], impl[0]), []).append(r)
                            print(
                                "  [%5.0fs] %-4s %-17s %-8s run %d: wall %.2f s, CPU %.2f s, RSS %.0f MiB, %s"
                                % (
                                    time.time() - started,
                                    profile,
                                    case[0],
                                    impl[0],
                                    run_no + 1,
                                    r["wall"],
                                    r["cpu"],
                                    r["rss"],
                                    r["check"],
                                ),
                                file=sys.stderr,
                                flush=True,
                            )

    header = [
        "profile",
        "case",
        "client",
        "wall s",
        "CPU s",
        "RSS MiB",
        "files/s",
        "emu CPU s",
        "check",
        "wall o/off",
        "CPU o/off",
        "RSS o/off",
    ]
    rows, out_cells = [], []
    for name, r in baselines.items():
        rows.append(["-", "baseline: imports + client", name, "-", fmt(r["cpu"]), fmt(r["rss"], "%.1f")] + ["-"] * 6)
    for profile in profiles:
        for case in cases:
            for name, _python, ours in impls:
                runs = results.get((profile, case[0], name))
                if not runs:
                    continue
                chosen = median(runs)
                check = "ok" if all(r["check"].startswith("ok") for r in runs) else "BAD"
                detail = chosen["check"] if check == "ok" else "; ".join(r["check"] for r in runs)
                files_s = args.files / chosen["wall"] if case[2] in ("batch", "folder") else None
                wall = fmt(chosen["wall"])
                if len(runs) > 1:
                    walls = [r["wall"] for r in runs]
                    wall += " (%.2f-%.2f)" % (min(walls), max(walls))
                ratios = [None, None, None]
                if ours and len(impls) > 1:
                    ref_case = "batch-seed" if case[0] == "upload-folder" else case[0]
                    ref = results.get((profile, ref_case, "official"))
                    if ref:
                        o = median(ref)
                        ratios = [ratio(chosen[k], o[k]) for k in ("wall", "cpu", "rss")]
                rows.append(
                    [
                        profile,
                        case[1] % names,
                        name,
                        wall,
                        fmt(chosen["cpu"]),
                        fmt(chosen["rss"], "%.1f"),
                        fmt(files_s, "%.0f"),
                        fmt(chosen["emu_cpu"]),
                        detail,
                    ]
                    + [fmt(x) for x in ratios]
                )
                out_cells.append(
                    {
                        "profile": profile,
                        "case": case[0],
                        "label": case[1] % names,
                        "client": name,
                        "median": chosen,
                        "runs": runs,
                        "files_per_s": files_s,
                        "ratio_ours_official": dict(zip(("wall", "cpu", "rss"), ratios)) if ours else None,
                    }
                )
    print()
    print_table(header, rows)
    print(
        "wall: the call inside the client process (imports excluded); CPU, RSS: the whole client process (wait4: "
        "user+sys, peak RSS; baseline rows: a process that only imports and builds a client);\nemu CPU: the "
        "emulator process over the same interval; o/off: ours / official for the same case (upload_folder: "
        "against the official's seed batch).\nThe emulator shares the %s cores with the client. Total %.0f s."
        % (info["cores"], time.time() - started)
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "args": vars(args),
                    "machine": info,
                    "header": header_lines,
                    "baselines": baselines,
                    "cells": out_cells,
                },
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
