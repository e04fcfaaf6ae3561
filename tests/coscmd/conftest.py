"""coscmd 1.9.0.6 installed on top of our package in a private virtualenv, and an emulator for it.

The virtualenv holds, installed as a user would (README "Installing beside the official SDK"):
our package built from this working tree, the empty stand-in distribution ``cos-python-sdk-v5``
that requires it, ``coscmd==1.9.0.6`` from the package index and ``six`` (coscmd imports it without
declaring it).  It is made once and reused: it lives in a cache directory keyed by a hash of our
package's files (``QCLOUD_COS_COSCMD_CACHE``, default ``<tmp>/qcloud-cos-coscmd``), so a session
after a change to ``qcloud_cos/`` builds a new one (~10 s).

``QCLOUD_COS_COSCMD=0`` skips these tests; when the package index cannot be reached they skip too
(any other install failure fails them).  Calls coscmd makes: ``CALLS.md``.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import venv

import pytest

COSCMD = "coscmd==1.9.0.6"
UNDECLARED = ["six"]  # coscmd/cos_threadpool.py imports six; the official SDK would have brought it
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APPID = "1250000000"
BUCKET = "coscmd-" + APPID  # coscmd strips the appid with str.rstrip: the name must not end in 0/1/2/5
REGION = "ap-beijing"
ENABLED = os.environ.get("QCLOUD_COS_COSCMD") != "0"

STANDIN_SETUP = (
    "from setuptools import setup\n"
    "setup(name='cos-python-sdk-v5', version='1.9.44', py_modules=[], "
    "install_requires=['qcloud-cos-dropin'])\n"
)

# What pip says when it cannot reach the index (or the index lacks the pinned release): skip, not fail.
_UNREACHABLE = re.compile(
    r"NewConnectionError|ConnectionError|ConnectTimeout|ReadTimeout|Max retries exceeded|"
    r"Temporary failure in name resolution|Name or service not known|nodename nor servname|"
    r"Network is unreachable|No route to host|ProxyError|SSLError|Could not fetch URL|"
    r"No matching distribution found|Could not find a version that satisfies"
)

# Run by the virtualenv's interpreter: which qcloud_cos it imports, and who owns which files.
_CHECK = r"""
import json, sys
from importlib import metadata
import qcloud_cos

def files(name):
    try:
        return [str(f).replace("\\", "/") for f in (metadata.files(name) or [])]
    except metadata.PackageNotFoundError:
        return None

standin = files("cos-python-sdk-v5")
dropin = files("qcloud-cos-dropin")
print(json.dumps({
    "file": qcloud_cos.__file__,
    "prefix": sys.prefix,
    "dropin_version": getattr(qcloud_cos, "__dropin_version__", None),
    "official_sdk_version": getattr(qcloud_cos, "__official_sdk_version__", None),
    "standin_version": metadata.version("cos-python-sdk-v5"),
    "standin_package_files": None if standin is None else [f for f in standin if f.startswith("qcloud_cos")],
    "dropin_package_files": None if dropin is None else len([f for f in dropin if f.startswith("qcloud_cos/")]),
    "coscmd_version": metadata.version("coscmd"),
}))
"""


def _package_files():
    """(relative path, bytes) of what ``pip install REPO`` builds from: top-level files and qcloud_cos/."""
    out = []
    for name in sorted(os.listdir(REPO)):
        path = os.path.join(REPO, name)
        if os.path.isfile(path) and not name.startswith("."):
            out.append(name)
    for dirpath, dirnames, filenames in os.walk(os.path.join(REPO, "qcloud_cos")):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(filenames):
            if not f.endswith((".pyc", ".pyo")):
                out.append(os.path.relpath(os.path.join(dirpath, f), REPO))
    result = []
    for rel in out:
        try:
            with open(os.path.join(REPO, rel), "rb") as fh:
                result.append((rel, fh.read()))
        except FileNotFoundError:  # removed while we walked (others work in this tree)
            pass
    return result


def _key(files):
    h = hashlib.sha256()
    h.update(("%s|%s|%s|%s\n" % (sys.version, COSCMD, UNDECLARED, STANDIN_SETUP)).encode())
    for rel, data in files:
        h.update(rel.replace(os.sep, "/").encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:16]


def _bin(env_dir, name):
    if sys.platform == "win32":
        return os.path.join(env_dir, "Scripts", name + ".exe")
    return os.path.join(env_dir, "bin", name)


def _pip_env():
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV", "PIP_USER", "PIP_TARGET", "PIP_PREFIX"):
        env.pop(name, None)
    return env


def _run(cmd, timeout, **kwargs):
    try:
        proc = subprocess.run(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout, **kwargs
        )
    except subprocess.TimeoutExpired as e:
        return None, (e.output or b"").decode(errors="replace")
    return proc.returncode, proc.stdout.decode(errors="replace")


class _Lock:
    """An exclusive lock on a file (POSIX ``flock``; no locking where it is missing)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.fh = open(self.path, "a+")
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.fh.close()  # releases the lock


def _build(env_dir, files):
    """Create the virtualenv in ``env_dir``; returns ``None`` or ``('skip'|'fail', message)``."""
    work = tempfile.mkdtemp(prefix="coscmd-build-")
    try:
        src = os.path.join(work, "qcloud-cos-dropin")
        for rel, data in files:  # a snapshot of the tree: no build/ or egg-info written into it
            dest = os.path.join(src, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as fh:
                fh.write(data)
        standin = os.path.join(work, "cos-standin")
        os.makedirs(standin)
        with open(os.path.join(standin, "setup.py"), "w") as fh:
            fh.write(STANDIN_SETUP)
        try:
            venv.create(env_dir, with_pip=True, clear=True)
        except Exception as e:  # noqa: BLE001
            return "fail", "cannot create a virtualenv in %s: %s" % (env_dir, e)
        python = _bin(env_dir, "python")
        pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input"]
        for what, args in (
            ("our package (pip install %s)" % REPO, [src]),
            ("the cos-python-sdk-v5 stand-in", [standin]),
            ("%s and %s" % (COSCMD, " ".join(UNDECLARED)), [COSCMD] + UNDECLARED),
        ):
            rc, out = _run(pip + args, timeout=400, env=_pip_env(), cwd=work)
            if rc == 0:
                continue
            out = "\n".join(line for line in out.splitlines() if "is ignored: it is neither" not in line)
            if rc is None or _UNREACHABLE.search(out):
                errors = [line for line in out.splitlines() if line.startswith("ERROR")] or ["timed out"]
                return "skip", "package index unreachable while installing %s: %s" % (what, errors[-1])
            return "fail", "installing %s into %s failed (exit %s):\n%s" % (what, env_dir, rc, out[-6000:])
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _prune(cache, keep):
    """Remove virtualenvs of other source hashes unused for an hour (50 MB each; an edit makes a new one)."""
    now = time.time()
    for name in os.listdir(cache):
        path = os.path.join(cache, name)
        if name.startswith("venv-") and name != keep and os.path.isdir(path):
            try:
                if now - os.path.getmtime(os.path.join(path, ".ready")) > 3600:
                    shutil.rmtree(path, ignore_errors=True)
                    os.remove(path + ".lock")
            except OSError:
                pass


class CoscmdEnv:
    def __init__(self, env_dir, info, built, seconds):
        self.dir = env_dir
        self.python = _bin(env_dir, "python")
        self.coscmd = _bin(env_dir, "coscmd")
        self.info = info
        self.built = built
        self.seconds = seconds


@pytest.fixture(scope="session")
def coscmd_env():
    """The virtualenv with coscmd over our package; fails if it imports anything but our package."""
    if not ENABLED:
        pytest.skip("QCLOUD_COS_COSCMD=0: coscmd tests skipped")
    started = time.monotonic()
    files = _package_files()
    key = _key(files)
    cache = os.environ.get("QCLOUD_COS_COSCMD_CACHE") or os.path.join(tempfile.gettempdir(), "qcloud-cos-coscmd")
    os.makedirs(cache, exist_ok=True)
    env_dir = os.path.join(cache, "venv-" + key)
    ready = os.path.join(env_dir, ".ready")
    built = False
    with _Lock(os.path.join(cache, "venv-%s.lock" % key)):
        if not os.path.exists(ready):
            problem = _build(env_dir, files)
            if problem is not None:
                shutil.rmtree(env_dir, ignore_errors=True)
                kind, message = problem
                if kind == "skip":
                    pytest.skip(message)
                pytest.fail(message, pytrace=False)
            with open(ready, "w") as fh:
                fh.write(REPO + "\n")
            built = True
        os.utime(ready)
    _prune(cache, "venv-" + key)
    python = _bin(env_dir, "python")
    rc, out = _run([python, "-c", _CHECK], timeout=120, env=_pip_env(), cwd=cache)
    if rc != 0:
        pytest.fail("%s cannot import qcloud_cos:\n%s" % (python, out), pytrace=False)
    info = json.loads(out.strip().splitlines()[-1])
    rc, info["pip_check"] = _run(
        [python, "-m", "pip", "check", "--disable-pip-version-check"], timeout=120, env=_pip_env(), cwd=cache
    )
    info["pip_check_rc"] = rc
    if info["dropin_version"] is None or info["standin_package_files"]:
        pytest.fail("the official SDK was installed over ours in %s: %r" % (env_dir, info), pytrace=False)
    seconds = time.monotonic() - started
    sys.stderr.write("\n[coscmd] virtualenv %s in %.1f s (%s)\n" % ("built" if built else "reused", seconds, env_dir))
    return CoscmdEnv(env_dir, info, built, seconds)


@pytest.fixture(scope="session")
def coscmd_emulator():
    """An emulator of our own: presigned URLs name 127.0.0.1, so it needs a default bucket."""
    if not ENABLED:
        pytest.skip("QCLOUD_COS_COSCMD=0: coscmd tests skipped")
    from qcloud_cos.emulator import CosEmulator

    emu = CosEmulator(buckets=(BUCKET,), region=REGION, default_bucket=BUCKET).start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def cos(coscmd_emulator):
    """Our own client of that emulator, to check what coscmd really did."""
    from qcloud_cos import CosConfig, CosS3Client

    return CosS3Client(CosConfig(**coscmd_emulator.config_kwargs()))


class Coscmd:
    """Runs ``coscmd -c CONF -l LOG [-b BUCKET] ARGS...``; asserts exit 0 unless told otherwise."""

    def __init__(self, env, conf, log, environ, cwd, emulator):
        self.env, self.conf, self.log, self.environ, self.cwd, self.emulator = env, conf, log, environ, cwd, emulator
        self.last_requests = []  # the emulator's records of the last run

    def __call__(self, *args, bucket=None, expect_rc=0, timeout=120):
        cmd = [self.env.coscmd, "-c", self.conf, "-l", self.log]
        if bucket is not None:
            cmd += ["-b", bucket]
        cmd += [str(a) for a in args]
        first = len(self.emulator.requests)
        proc = subprocess.run(
            cmd,
            cwd=self.cwd,
            env=self.environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
        self.last_requests = list(self.emulator.requests[first:])
        out = proc.stdout.decode("utf-8", "replace")
        if expect_rc is not None:
            assert proc.returncode == expect_rc, "coscmd %s exited %s (expected %s):\n%s" % (
                " ".join(cmd[5:]),
                proc.returncode,
                expect_rc,
                out,
            )
        assert "Traceback (most recent call last)" not in out, out
        return out

    def ops(self):
        """(op, status) of each request of the last run."""
        return [(r.get("op"), r.get("status")) for r in self.last_requests]


@pytest.fixture(scope="session")
def _coscmd_home(tmp_path_factory, coscmd_env, coscmd_emulator):
    home = tmp_path_factory.mktemp("coscmd-home")
    conf = home / "cos.conf"
    conf.write_text(
        "[common]\n"
        "secret_id = %s\n"
        "secret_key = %s\n"
        "bucket = %s\n"
        "region = %s\n"
        "max_thread = 5\n"
        "part_size = 1\n"
        "retry = 1\n"
        "timeout = 60\n"
        "schema = http\n"
        "verify = md5\n"
        "anonymous = False\n"
        "multiupload_threshold = 20\n"  # MB; coscmd's floor: bigger files go to upload_file/download_file
        "multidownload_threshold = 20\n" % (coscmd_emulator.secret_id, coscmd_emulator.secret_key, BUCKET, REGION)
    )
    environ = _pip_env()
    for name in list(environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            del environ[name]
    environ["QCLOUD_COS_ENDPOINT_URL"] = coscmd_emulator.endpoint
    environ["HOME"] = environ["USERPROFILE"] = str(home)  # coscmd keeps records under ~/.tmp
    environ["PYTHONIOENCODING"] = "utf-8"
    return str(conf), str(home / "coscmd.log"), environ


@pytest.fixture
def coscmd(coscmd_env, coscmd_emulator, _coscmd_home, tmp_path):
    conf, log, environ = _coscmd_home
    return Coscmd(coscmd_env, conf, log, environ, str(tmp_path), coscmd_emulator)
