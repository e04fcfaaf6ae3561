"""put_object_from_local_file: ours vs the official SDK, against the same local emulator.

    python benchmarks/put_object.py [--size-mib 512] [--runs 3] [--official-python /path/to/venv/bin/python]

Each upload runs in its own client process (so peak RSS and CPU are that client's alone); the
emulator runs in another process with traffic pacing off.  Without --official-python only ours is
measured.  Make an official SDK environment with:

    python -m venv /tmp/official && /tmp/official/bin/pip install cos-python-sdk-v5==1.9.44
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DRIVER = r"""
import json, sys, time
from qcloud_cos import CosConfig, CosS3Client
port, path, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey', IP='127.0.0.1',
                 Port=port, Scheme='http')
client = CosS3Client(conf)
start = time.perf_counter()
response = client.put_object_from_local_file(Bucket='examplebucket-1250000000', LocalFilePath=path, Key=key)
print(json.dumps({'wall': time.perf_counter() - start, 'etag': response['ETag']}))
"""


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
    )
    line = proc.stdout.readline()
    return proc, int(line.rsplit(":", 1)[1])


def run_client(python, *, port, path, key, pythonpath):
    env = dict(os.environ)
    env.pop("QCLOUD_COS_ENDPOINT_URL", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    else:
        env.pop("PYTHONPATH", None)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [python, "-c", DRIVER, str(port), path, key], stdout=subprocess.PIPE, env=env, cwd=tempfile.gettempdir()
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit("client failed (%s)" % python)
    result = json.loads(out)
    result.update(
        process_wall=time.perf_counter() - start,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024.0,
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--official-python")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "payload.bin")
        with open(path, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(1024 * 1024))
        emulator, port = start_emulator(os.path.join(tmp, "data"))
        try:
            impls = [("ours", sys.executable, ROOT)]
            if args.official_python:
                impls.append(("official 1.9.44", args.official_python, None))
            print(
                "put_object_from_local_file, %d MiB file, %d runs each (best wall shown, median CPU/RSS)"
                % (args.size_mib, args.runs)
            )
            for name, python, pythonpath in impls:
                results = [
                    run_client(python, port=port, path=path, key="bench/%s-%d" % (name[:4], i), pythonpath=pythonpath)
                    for i in range(args.runs)
                ]
                best = min(r["wall"] for r in results)
                cpu = sorted(r["cpu"] for r in results)[len(results) // 2]
                rss = sorted(r["peak_rss_mib"] for r in results)[len(results) // 2]
                print(
                    "%-16s upload %6.2fs (%6.1f MiB/s)  client CPU %5.2fs  client peak RSS %7.1f MiB"
                    % (name, best, args.size_mib / best, cpu, rss)
                )
        finally:
            emulator.terminate()
            emulator.wait()


if __name__ == "__main__":
    main()
