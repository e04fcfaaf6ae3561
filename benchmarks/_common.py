"""Helpers shared by the transfer benchmarks (upload_file.py, download_file.py, copy_managed.py).

* ``Emulator``: the local COS emulator in its own process, pacing off.  With ``record=True`` it is
  started through a small wrapper that keeps the emulator's request records and answers
  ``stats N`` on its stdin with a JSON summary of the requests since record ``N`` (requests per
  operation, bytes asked for by ranged GETs, bytes copied by Upload Part - Copy), so that a
  benchmark can tell what a client actually fetched.
* ``run``: one client script in a fresh process (ours: with the repo on ``PYTHONPATH``; the
  official SDK: without it, from the temp directory so that it cannot import ours), its wall time
  as measured by the parent, its CPU time and peak RSS from ``wait4``; optionally SIGKILLed when a
  ``kill_when`` predicate (polled while it runs, given its stdout lines so far) says so.
* ``CLIENT_PREAMBLE``: the start of every client script (``args`` from argv, ``client``; with
  ``args['proxy']`` the client reaches the emulator as its HTTP proxy instead of through
  ``IP``/``Port``, for calls that build their own URLs from a region, such as the official
  ``copy``'s HEAD of the source).
* ``sha256_file``, ``write_payload``, ``print_table``.
* ``machine_info``: cores, CPU model, memory, Python, kernel, the git revision measured (for the
  header of a results table); ``parent_client``: a client of ours in the benchmark's own process,
  for checks between measurements (listing, HEAD, deletes), never for a measured call.

Run the benchmarks as ``python benchmarks/NAME.py`` (this directory is then on ``sys.path``).  To
measure a snapshot instead of the working tree, set ``QCLOUD_COS_BENCH_ROOT`` (see ``ROOT``).
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

# The code measured (ours and the emulator): this checkout, or QCLOUD_COS_BENCH_ROOT (a directory
# holding a ``qcloud_cos`` package, e.g. ``git archive HEAD qcloud_cos | tar -x -C /tmp/snap`` when
# the working tree is mid-edit).
ROOT = os.environ.get("QCLOUD_COS_BENCH_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUCKET = "examplebucket-1250000000"
MIB = 1024 * 1024

CLIENT_PREAMBLE = r'''
import json, os, sys, threading, time
from qcloud_cos import CosConfig, CosS3Client
args = json.loads(sys.argv[1])
if args.get('proxy'):   # the emulator as an HTTP proxy: requests keep the real COS host names
    conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey', Scheme='http',
                     Proxies={'http': 'http://127.0.0.1:%d' % args['port']})
else:
    conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey', IP='127.0.0.1',
                     Port=args['port'], Scheme='http')
client = CosS3Client(conf)

def rchar_mib():
    """All bytes this process read (files and sockets), /proc/self/io rchar, in MiB."""
    try:
        with open('/proc/self/io') as f:
            return int(dict(line.split(': ') for line in f.read().splitlines())['rchar']) / 1048576.0
    except OSError:
        return None
'''

# For a child script that already set ``extra = {}``: ``args['cancel_at']`` (a fraction) sets a CancelEvent
# from ``progress``; ``args['hang_at']`` makes ``progress`` print 'K done total' and block, so that the
# parent SIGKILLs the child at that point.  The script passes ``progress`` on when either is set.
INTERRUPTIBLE = r"""
cancel_at = args.get('cancel_at')
hang_at = args.get('hang_at')
if cancel_at:
    event = threading.Event()
    extra['CancelEvent'] = event
def progress(done, total):
    if cancel_at and done >= total * cancel_at:
        event.set()
    if hang_at and done >= total * hang_at:
        # tell the parent, which SIGKILLs us; block this (the only) worker until then
        sys.stdout.write('K %d %d\n' % (done, total))
        sys.stdout.flush()
        time.sleep(3600)
"""


def reached(lines):
    """The ``kill_when`` predicate: the child said its progress reached the mark ('K done total')."""
    return any(line.startswith("K ") for line in lines)


def last_progress(lines):
    """The fraction the child's last 'K done total' line reported, or None."""
    for line in reversed(lines):
        if line.startswith("K "):
            _, done, total = line.split()
            return int(done) / float(total)
    return None


# The recording emulator: CosEmulator in-process with its request log on, and a stdin command loop.
_RECORDER = r'''
import json, sys
import logging
from qcloud_cos.emulator import CosEmulator
logging.basicConfig(stream=sys.stderr, level=logging.WARNING)

def span(value):
    """Length of 'bytes=a-b' (None when absent or open-ended)."""
    if not value or not value.strip().lower().startswith('bytes='):
        return None
    first, _, last = value.strip()[6:].partition('-')
    try:
        return int(last) - int(first) + 1
    except ValueError:
        return None

emu = CosEmulator(data_dir=sys.argv[1], throttle=False, record_requests=True)
emu.start()
sys.stdout.write('COS emulator listening on %s\n' % emu.endpoint)
sys.stdout.flush()
try:
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] != 'stats':
            continue
        with emu.requests.lock:
            records = list(emu.requests)
        since = records[int(words[1]) if len(words) > 1 else 0:]
        ops, get_bytes, get_unranged, copy_bytes, copy_parts = {}, 0, 0, 0, 0
        for rec in since:
            status = rec.get('status')
            op = '%s %s' % (rec.get('op') or rec.get('method'), status)
            ops[op] = ops.get(op, 0) + 1
            headers = {k.lower(): v for k, v in rec.get('headers', {}).items()}
            if rec.get('op') == 'GetObject' and status in (200, 206):
                n = span(headers.get('range'))
                if n is None:
                    get_unranged += 1
                else:
                    get_bytes += n
            if rec.get('op') == 'UploadPartCopy' and status == 200:
                copy_parts += 1
                copy_bytes += span(headers.get('x-cos-copy-source-range')) or 0
        sys.stdout.write(json.dumps({'n': len(records), 'ops': ops, 'get_bytes': get_bytes,
                                     'get_unranged': get_unranged, 'copy_bytes': copy_bytes,
                                     'copy_parts': copy_parts}) + '\n')
        sys.stdout.flush()
finally:
    emu.stop()
'''


class Emulator:
    """The emulator in its own process (``with Emulator(data_dir) as emu: emu.port``)."""

    def __init__(self, data_dir, *, record=False, args=()):
        """``args``: more command-line options for ``python -m qcloud_cos.emulator`` (``--profile
        wan``, ``--min-part-size 0``, ...); not with ``record=True``."""
        if record and args:
            raise ValueError("extra emulator options are not supported with record=True")
        env = dict(os.environ, PYTHONPATH=ROOT)
        env.pop("QCLOUD_COS_ENDPOINT_URL", None)
        self.record = record
        if record:
            cmd = [sys.executable, "-c", _RECORDER, data_dir]
        else:
            cmd = [
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
                *args,
            ]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stdin=subprocess.PIPE if record else None,
            env=env,
            cwd=tempfile.gettempdir(),
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the emulator did not start")
        self.port = int(line.rsplit(":", 1)[1])
        self._lock = threading.Lock()

    def stats(self, since=0):
        """Summary of the requests since record ``since`` (``record=True`` only); ``['n']`` is the next mark."""
        if not self.record:
            raise RuntimeError("start the emulator with record=True")
        with self._lock:
            self.proc.stdin.write("stats %d\n" % since)
            self.proc.stdin.flush()
            return json.loads(self.proc.stdout.readline())

    def cpu(self):
        """CPU seconds (user + system) the emulator process has used so far (Linux /proc)."""
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))

    def mark(self):
        return self.stats(1 << 62)["n"]

    def close(self):
        if self.proc.poll() is None:
            if self.record:
                self.proc.stdin.close()
                try:
                    self.proc.wait(10)
                    return
                except subprocess.TimeoutExpired:
                    pass
            self.proc.terminate()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def client_env(ours):
    env = dict(os.environ)
    env.pop("QCLOUD_COS_ENDPOINT_URL", None)
    env.pop("PYTHONPATH", None)
    if ours:
        env["PYTHONPATH"] = ROOT
    return env


# Prepended to every client script by ``run``: at exit the process prints its own peak RSS (VmHWM
# of /proc/self/status).  The ``ru_maxrss`` that ``wait4`` reports for a child is not enough: Linux
# carries the high-water mark of the memory a process had before ``execve`` into it, and
# ``subprocess`` starts the child with vfork + exec from the benchmark process, so a child's
# ``ru_maxrss`` is at least the parent's RSS at that moment (a parent of 300 MiB gives a 10 MiB
# child ``ru_maxrss`` = 311 MiB).  VmHWM is that of the new program only.
_RSS_PROBE = r"""
def _bench_vmhwm():
    import sys
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    sys.stdout.write('\n@VmHWM %s\n' % line.split()[1])
                    sys.stdout.flush()
    except Exception:
        pass
__import__('atexit').register(_bench_vmhwm)
"""


def run(python, script, args, *, ours, kill_when=None, poll=0.01):
    """Run ``script`` (its argv[1] is ``args`` as JSON) in a fresh process; its result.

    The result is the last stdout line parsed as JSON (if any), plus ``elapsed`` (wall time seen by
    the parent, process start to exit), ``cpu`` (user + system seconds, from ``wait4``), ``rss``
    (peak RSS, MiB: the child's own VmHWM, printed at its exit; ``wait4``'s ``ru_maxrss``, which
    also counts the parent's RSS at spawn, when the child printed none, e.g. when it was killed;
    ``rss_wait4`` is always that one), and ``lines`` (every stdout line).  With ``kill_when``, the process is SIGKILLed
    as soon as ``kill_when(lines)`` is true (polled every ``poll`` seconds); then ``killed`` is
    true and ``outcome`` is ``'killed'``.  A client that fails otherwise stops the benchmark.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        [python, "-c", _RSS_PROBE + script, json.dumps(args)],
        stdout=subprocess.PIPE,
        env=client_env(ours),
        cwd=tempfile.gettempdir(),
        text=True,
    )
    lines = []

    def reader():
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    killed = False
    if kill_when is not None:
        while proc.poll() is None:
            if kill_when(list(lines)):
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(poll)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    thread.join()
    if killed and proc.returncode != -signal.SIGKILL:
        killed = False  # it exited on its own before the signal landed
    if not killed and proc.returncode:
        raise SystemExit("benchmark client failed (exit %s): %s\n%s" % (proc.returncode, python, "\n".join(lines)))
    vmhwm = None
    for line in [line for line in lines if line.startswith("@VmHWM ")]:
        vmhwm = int(line.split()[1]) / 1024.0
    lines = [line for line in lines if line and not line.startswith("@VmHWM ")]
    result = {}
    for line in reversed(lines):
        if line.startswith("{"):
            result = json.loads(line)
            break
    if killed:
        result = {"outcome": "killed"}
    result.update(
        elapsed=elapsed,
        cpu=usage.ru_utime + usage.ru_stime,
        rss=vmhwm if vmhwm is not None else usage.ru_maxrss / 1024.0,
        rss_wait4=usage.ru_maxrss / 1024.0,
        lines=lines,
        killed=killed,
    )
    return result


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(4 * MIB), b""):
            h.update(block)
    return h.hexdigest()


def write_payload(path, size_mib):
    """``size_mib`` MiB of random bytes at ``path``; their sha256."""
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(size_mib):
            block = os.urandom(MIB)
            h.update(block)
            f.write(block)
    return h.hexdigest()


def print_table(header, rows, file=None):
    """``header``: column titles; ``rows``: lists of cells (str); a plain left-aligned text table."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = file or sys.stdout
    for r in [header] + rows:
        out.write("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")


def best(results, key="wall"):
    return min(results, key=lambda r: r[key])


def median(results, key="wall"):
    """The result with the median ``key`` (the lower one of the middle two for an even count)."""
    ordered = sorted(results, key=lambda r: r[key])
    return ordered[(len(ordered) - 1) // 2]


def parent_client(port):
    """A client of ours (from ``ROOT``) in this process, for checks between measurements."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from qcloud_cos import CosConfig, CosS3Client

    conf = CosConfig(
        Region="ap-beijing", SecretId="SecretId", SecretKey="SecretKey", IP="127.0.0.1", Port=port, Scheme="http"
    )
    return CosS3Client(conf)


def list_keys(client, bucket, prefix):
    """``{key: size}`` of every object under ``prefix`` (list_objects, paged)."""
    found, marker = {}, ""
    while True:
        page = client.list_objects(Bucket=bucket, Prefix=prefix, Marker=marker, MaxKeys=1000)
        for item in page.get("Contents", []) or []:
            found[item["Key"]] = int(item["Size"])
        if page.get("IsTruncated") != "true":
            return found
        marker = page.get("NextMarker") or item["Key"]


def _output(cmd, **kw):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, **kw).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine_info(official_python=None):
    """What the tables were measured on: a dict of short strings."""
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1024.0 / 1024.0)
    except (OSError, ValueError, IndexError):
        pass
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rev = _output(["git", "rev-parse", "--short", "HEAD"], cwd=checkout)
    dirty = _output(["git", "status", "--porcelain", "--", "qcloud_cos"], cwd=checkout)
    if os.path.realpath(ROOT) == os.path.realpath(checkout):
        ours = "working tree at git %s%s" % (rev, " + uncommitted changes in qcloud_cos/" if dirty else "")
    else:
        ours = "QCLOUD_COS_BENCH_ROOT=%s (the checkout is at git %s)" % (ROOT, rev)
    info = {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "memory": mem,
        "python": sys.version.split()[0],
        "kernel": os.uname().release,
        "ours": ours,
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    if official_python:
        info["official"] = _output(
            [
                official_python,
                "-c",
                "import sys, importlib.metadata as m; "
                "print('cos-python-sdk-v5 %s, Python %s' % (m.version('cos-python-sdk-v5'), sys.version.split()[0]))",
            ],
            cwd=tempfile.gettempdir(),
        )
    return info
