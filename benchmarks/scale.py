"""How time and memory grow with the part count (upload_file) and the file count (upload_folder).

    python benchmarks/scale.py [--parts 1,10,21,100,1000,10000] [--fixed-mib 1000] [--fixed-parts 1,10,100,1000]
                               [--files 1,100,1000,10000,100000] [--file-bytes 1024] [--progress]
                               [--series parts,fixed,folder] [--quick] [--sparse-dir /dev/shm]
                               [--official-python /path/to/venv/bin/python] [--json out.json]

One emulator (own process, loopback, no network profile, pacing off), one fresh client process per
cell; wall time of the call measured inside the client, client CPU (user+sys) and peak RSS of the
process (its VmHWM), the emulator's CPU over the same interval.  No client code is patched: these are
real runs of the public calls with their defaults except for what is listed.

  * parts:  ``upload_file(Bucket, Key, path, PartSize=1)`` (1 MiB parts, the smallest PartSize; MAXThread
    left at 5) of a sparse file of N MiB for each N in --parts, so the part count is N.  Both SDKs send
    a file of at most max(20 MiB, PartSize) as one PUT, so N <= 20 is a single PUT (21 is the smallest
    1-MiB-part multipart upload).  10,000 parts = a 10,000 MiB file.  The sparse files live on
    --sparse-dir (default /dev/shm, a tmpfs: reading them costs no disk); the emulator stores the
    bytes on its data directory (default TMPDIR) and every object is deleted once checked.
  * fixed:  the same total (--fixed-mib, default 1000 MiB) in 1, 10, 100, 1000 parts (PartSize =
    total / parts; 1 part = one PUT): the cost of a part with the bytes held constant.
  * folder: ``upload_folder(Bucket, LocalPath, KeyPrefix=...)`` (defaults: MAXThread=10,
    SkipExisting=True) of trees of N files of --file-bytes each (1000 files per directory), on
    --sparse-dir; files/s.

With --progress every upload_file also gets a progress_callback that counts its calls.  The local
checkpoints (ours) are on (the default), in a temporary QCLOUD_COS_CHECKPOINT_DIR.  Checks: every
object is HEADed for its size and CRC-64 (of zeros), every tree listed (count and sizes).  The
emulator runs on the same cores as the client: its CPU is in the table, and in the wall times.
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
    ROOT,
    Emulator,
    list_keys,
    machine_info,
    parent_client,
    print_table,
    run,
)

CLIENT = (
    CLIENT_PREAMBLE
    + r"""
import logging
logging.basicConfig(level=logging.WARNING, stream=open(os.devnull, 'w'))
mode = args['mode']
out = {}
calls = [0]
def progress(done, total):
    calls[0] += 1
start = time.perf_counter()
try:
    if mode == 'idle':
        pass
    elif mode == 'upload':
        kw = {'PartSize': args['part_size']}
        if args.get('progress'):
            kw['progress_callback'] = progress
        if args.get('no_checkpoint'):
            kw['CheckpointDir'] = False     # ours only: its extension kwarg
        client.upload_file(args['bucket'], args['key'], args['path'], **kw)
    elif mode == 'folder':
        r = client.upload_folder(args['bucket'], args['folder'], KeyPrefix=args['prefix'])
        out.update(success_all=bool(r['success_all']), uploaded=len(r['uploaded']), failed=len(r['failed']))
    outcome = 'ok'
except Exception as exc:
    outcome = ('%s: %s' % (type(exc).__name__, exc))[:300]
out.update(wall=time.perf_counter() - start, outcome=outcome, progress_calls=calls[0])
print(json.dumps(out))
"""
)

SIMPLE_MAX_MIB = 20  # both SDKs: a file of at most max(20 MiB, PartSize) is one PUT


def zeros_crc64(size):
    """CRC-64 (decimal string, as COS reports it) of ``size`` zero bytes, by doubling."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from qcloud_cos import _crc64

    crc, piece, piece_len, left = 0, _crc64.crc64(b"\0" * MIB), MIB, size
    # size is a whole number of MiB here: combine powers of two of the 1 MiB block
    blocks = left // MIB
    while blocks:
        if blocks & 1:
            crc = _crc64.combine(crc, piece, piece_len)
        piece = _crc64.combine(piece, piece, piece_len)
        piece_len *= 2
        blocks >>= 1
    return str(crc)


def make_sparse(path, mib):
    with open(path, "wb") as f:
        f.truncate(mib * MIB)


def make_tree(root, count, size):
    body = b"x" * size
    for i in range(count):
        d = os.path.join(root, "d%03d" % (i // 1000))
        if i % 1000 == 0:
            os.makedirs(d)
        with open(os.path.join(d, "f%06d" % i), "wb") as f:
            f.write(body)


def settle(emu_data):
    """Let the machine go quiet before a measurement: dirty pages written, the emulator's trash empty."""
    trash = os.path.join(emu_data, "trash")
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if not os.listdir(trash):
                break
        except OSError:
            break
        time.sleep(0.2)
    os.sync()


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", help="part counts of the 1-MiB-part series (default 1,10,21,100,1000,10000)")
    parser.add_argument("--fixed-mib", type=int, help="total of the fixed-bytes series, MiB (default 1000)")
    parser.add_argument("--fixed-parts", help="part counts of the fixed-bytes series (default 1,10,100,1000)")
    parser.add_argument("--files", help="file counts of the folder series (default 1,100,1000,10000,100000)")
    parser.add_argument("--file-bytes", type=int, default=1024, help="size of each file of the folder series")
    parser.add_argument("--progress", action="store_true", help="upload_file with a counting progress_callback too")
    parser.add_argument("--series", default="parts,fixed,folder", help="comma-separated: parts,fixed,folder")
    parser.add_argument("--quick", action="store_true", help="a smoke run: up to 1000 parts, 10000 files, 200 MiB")
    parser.add_argument("--sparse-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    parser.add_argument("--data-dir", help="where the emulator's data directory goes (default TMPDIR)")
    parser.add_argument(
        "--checkpoint-dir",
        help="where ours keeps its upload checkpoints (QCLOUD_COS_CHECKPOINT_DIR; default: a temporary "
        "directory beside the emulator's data)",
    )
    parser.add_argument("--no-checkpoint", action="store_true", help="ours: upload_file(..., CheckpointDir=False)")
    parser.add_argument("--official-python", help="also measure the official SDK (upload_file series only)")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()
    parts = [
        int(x) for x in (args.parts or ("1,10,21,100,1000" if args.quick else "1,10,21,100,1000,10000")).split(",")
    ]
    fixed_mib = args.fixed_mib or (200 if args.quick else 1000)
    fixed_parts = [int(x) for x in (args.fixed_parts or ("1,10,100,200" if args.quick else "1,10,100,1000")).split(",")]
    files = [
        int(x) for x in (args.files or ("1,100,1000,10000" if args.quick else "1,100,1000,10000,100000")).split(",")
    ]
    series = [s.strip() for s in args.series.split(",")]
    for n in fixed_parts:
        if fixed_mib % n:
            parser.error("--fixed-mib %d is not a whole number of MiB per part for %d parts" % (fixed_mib, n))
    impls = [("ours", sys.executable, True)]
    if args.official_python:
        impls.append(("official", args.official_python, False))

    info = machine_info(args.official_python)
    sparse_base = args.sparse_dir or tempfile.gettempdir()
    data_base = args.data_dir or tempfile.gettempdir()
    header_lines = [
        "scale.py, %s" % info["date"],
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
        "conditions: emulator in its own process on the same cores, loopback, no network profile, pacing off; "
        "sparse files and trees on %s, emulator data on %s; progress_callback %s; ours' checkpoints %s"
        % (
            sparse_base,
            data_base,
            "on" if args.progress else "off",
            "off (CheckpointDir=False)" if args.no_checkpoint else "in " + (args.checkpoint_dir or data_base),
        ),
    ]
    for line in header_lines:
        print(line, flush=True)

    started = time.time()
    cells = []
    sparse = tempfile.mkdtemp(prefix="scale-", dir=sparse_base)
    data_parent = tempfile.mkdtemp(prefix="scale-data-", dir=data_base)
    old_ckpt = os.environ.get("QCLOUD_COS_CHECKPOINT_DIR")
    ckpt_parent = tempfile.mkdtemp(prefix="scale-ckpt-", dir=args.checkpoint_dir) if args.checkpoint_dir else None
    os.environ["QCLOUD_COS_CHECKPOINT_DIR"] = os.path.join(ckpt_parent or data_parent, "checkpoints")
    try:
        data = os.path.join(data_parent, "emulator")
        with Emulator(data) as emu:
            client = parent_client(emu.port)
            baselines = {}
            for name, python, ours in impls:
                r = run(python, CLIENT, dict(port=emu.port, bucket=BUCKET, mode="idle"), ours=ours)
                r.pop("lines", None)
                baselines[name] = r

            def measure(series_name, label, args_, count, mib, request_parts, impl):
                name, python, ours = impl
                settle(data)
                cpu0 = emu.cpu()
                r = run(python, CLIENT, dict(args_, port=emu.port, bucket=BUCKET), ours=ours)
                cpu1 = emu.cpu()
                r.pop("lines", None)
                r["emu_cpu"] = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
                if r.get("outcome") != "ok":
                    r["check"] = "FAILED"
                elif args_["mode"] == "upload":
                    head = client.head_object(Bucket=BUCKET, Key=args_["key"])
                    ok = int(head["Content-Length"]) == mib * MIB and head.get("x-cos-hash-crc64ecma") in (
                        None,
                        zeros_crc64(mib * MIB),
                    )
                    r["check"] = "ok size+crc64" if ok else "BAD"
                    client.delete_object(Bucket=BUCKET, Key=args_["key"])
                else:
                    keys = list_keys(client, BUCKET, args_["prefix"])
                    ok = (
                        r.get("success_all") and len(keys) == count and all(s == args.file_bytes for s in keys.values())
                    )
                    r["check"] = ("ok %d objects" % len(keys)) if ok else "BAD %d objects" % len(keys)
                base_cpu = baselines[name]["cpu"]
                cell = dict(
                    series=series_name,
                    label=label,
                    client=name,
                    count=count,
                    mib=mib,
                    requests=request_parts,
                    result=r,
                    cpu_net=r["cpu"] - base_cpu,
                )
                cells.append(cell)
                print(
                    "  [%5.0fs] %-6s %-26s %-8s wall %.2f s, CPU %.2f s, RSS %.0f MiB, emu CPU %s s, %s"
                    % (
                        time.time() - started,
                        series_name,
                        label,
                        name,
                        r["wall"],
                        r["cpu"],
                        r["rss"],
                        fmt(r["emu_cpu"]),
                        r["check"],
                    ),
                    file=sys.stderr,
                    flush=True,
                )

            if "parts" in series or "fixed" in series:
                plan = []
                if "parts" in series:
                    plan += [("parts", n, n, 1) for n in parts]  # (series, parts, MiB, PartSize)
                if "fixed" in series:
                    plan += [("fixed", n, fixed_mib, fixed_mib // n) for n in fixed_parts]
                paths = {}
                for _s, _n, mib, _ps in plan:
                    path = os.path.join(sparse, "sparse-%d.bin" % mib)
                    if path not in paths.values():
                        make_sparse(path, mib)
                    paths[mib] = path
                time.sleep(2.5)  # older than upload_file's "changed just now" window (no CRC re-read)
                for s_name, n, mib, ps in plan:
                    simple = mib <= max(SIMPLE_MAX_MIB, ps)
                    label = "%d MiB, PartSize=%d (%s)" % (mib, ps, "1 PUT" if simple else "%d parts" % n)
                    for impl in impls:
                        key = "scale/%s/%d-%d-%s.bin" % (s_name, n, mib, impl[0])
                        measure(
                            s_name,
                            label,
                            dict(
                                mode="upload",
                                key=key,
                                path=paths[mib],
                                part_size=ps,
                                progress=args.progress,
                                no_checkpoint=args.no_checkpoint and impl[2],
                            ),
                            n,
                            mib,
                            1 if simple else n,
                            impl,
                        )
                for path in set(paths.values()):
                    os.remove(path)
            if "folder" in series:
                for n in files:
                    tree = os.path.join(sparse, "tree-%d" % n)
                    make_tree(tree, n, args.file_bytes)
                    measure(
                        "folder",
                        "%d files x %d B" % (n, args.file_bytes),
                        dict(mode="folder", folder=tree, prefix="scale/folder/%d/" % n),
                        n,
                        n * args.file_bytes / float(MIB),
                        n,
                        impls[0],
                    )
                    shutil.rmtree(tree)
    finally:
        shutil.rmtree(sparse, ignore_errors=True)
        shutil.rmtree(data_parent, ignore_errors=True)
        if ckpt_parent:
            shutil.rmtree(ckpt_parent, ignore_errors=True)
        if old_ckpt is None:
            os.environ.pop("QCLOUD_COS_CHECKPOINT_DIR", None)
        else:
            os.environ["QCLOUD_COS_CHECKPOINT_DIR"] = old_ckpt

    print()
    print(
        "baseline (imports + client, nothing sent): "
        + "; ".join("%s CPU %.2f s, RSS %.1f MiB" % (n, r["cpu"], r["rss"]) for n, r in baselines.items())
    )
    for s_name, title in (
        ("parts", "upload_file, 1 MiB parts, the file grows with the part count"),
        ("fixed", "upload_file, %d MiB in a growing number of parts" % fixed_mib),
    ):
        rows = []
        for c in cells:
            if c["series"] != s_name:
                continue
            r = c["result"]
            rows.append(
                [
                    c["label"],
                    c["client"],
                    fmt(r["wall"]),
                    "%.0f" % (c["mib"] / r["wall"]) if r["wall"] else "-",
                    fmt(r["cpu"]),
                    fmt(1000.0 * c["cpu_net"] / c["requests"], "%.2f"),
                    fmt(1000.0 * c["cpu_net"] / c["mib"], "%.2f"),
                    fmt(r["rss"], "%.1f"),
                    fmt(r["emu_cpu"]),
                    str(r.get("progress_calls")) if args.progress else "-",
                    r["check"],
                ]
            )
        if rows:
            print("\n" + title)
            print_table(
                [
                    "file",
                    "client",
                    "wall s",
                    "MiB/s",
                    "CPU s",
                    "CPU ms/request",
                    "CPU ms/MiB",
                    "RSS MiB",
                    "emu CPU s",
                    "progress calls",
                    "check",
                ],
                rows,
            )
    rows = []
    for c in cells:
        if c["series"] != "folder":
            continue
        r = c["result"]
        rows.append(
            [
                c["label"],
                c["client"],
                fmt(r["wall"]),
                "%.0f" % (c["count"] / r["wall"]) if r["wall"] else "-",
                fmt(r["cpu"]),
                fmt(1000.0 * c["cpu_net"] / c["count"], "%.3f"),
                fmt(r["rss"], "%.1f"),
                fmt(r["emu_cpu"]),
                fmt(1000.0 * r["emu_cpu"] / c["count"], "%.3f") if r["emu_cpu"] is not None else "-",
                r["check"],
            ]
        )
    if rows:
        print("\nupload_folder, tiny files")
        print_table(
            [
                "tree",
                "client",
                "wall s",
                "files/s",
                "CPU s",
                "CPU ms/file",
                "RSS MiB",
                "emu CPU s",
                "emu ms/file",
                "check",
            ],
            rows,
        )
    print(
        "\nwall: the call inside the client; CPU: client user+sys (wait4), per request/MiB/file after subtracting the "
        "baseline process's CPU;\nRSS: the client's peak (VmHWM); emu CPU: the emulator process over the same "
        "interval (it shares the %s cores). Total %.0f s." % (info["cores"], time.time() - started)
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"args": vars(args), "machine": info, "header": header_lines, "baselines": baselines, "cells": cells},
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
