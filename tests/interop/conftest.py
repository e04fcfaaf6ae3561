"""The official SDK in a private virtualenv, made once per test session (needs the package index).

``QCLOUD_COS_INTEROP=0`` skips the interop tests (offline work); otherwise they run, and a failure to
create the virtualenv or install ``cos-python-sdk-v5==1.9.44`` FAILS them.
``QCLOUD_COS_OFFICIAL_PYTHON=/path/to/bin/python`` reuses an interpreter that already has it.
"""

import os
import subprocess
import sys
import time
import venv

import pytest

OFFICIAL = "cos-python-sdk-v5==1.9.44"

# Run by the official interpreter: it must be the official package, not ours.
_CHECK = (
    "import qcloud_cos, qcloud_cos.version\n"
    "print('not the official SDK: ' + qcloud_cos.__file__ if hasattr(qcloud_cos, '__dropin_version__') "
    "else qcloud_cos.version.__version__)"
)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("QCLOUD_COS_INTEROP") != "0":
        return
    skip = pytest.mark.skip(reason="QCLOUD_COS_INTEROP=0: official-SDK interop tests skipped")
    for item in items:
        if "interop" in item.keywords:
            item.add_marker(skip)


def _run(cmd, **kwargs):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, **kwargs)


@pytest.fixture(scope="session")
def official_python(tmp_path_factory):
    """Path of a Python interpreter with the official SDK 1.9.44 (and not our package) installed."""
    python = os.environ.get("QCLOUD_COS_OFFICIAL_PYTHON")
    started = time.monotonic()
    if not python:
        env_dir = str(tmp_path_factory.mktemp("official-sdk"))
        try:
            venv.create(env_dir, with_pip=True)
        except Exception as e:  # noqa: BLE001
            pytest.fail("cannot create a virtualenv for the official SDK in %s: %s" % (env_dir, e), pytrace=False)
        python = os.path.join(
            env_dir,
            "Scripts" if sys.platform == "win32" else "bin",
            "python.exe" if sys.platform == "win32" else "python",
        )
        proc = _run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", OFFICIAL])
        if proc.returncode:
            pytest.fail(
                "cannot install %s from the package index (set QCLOUD_COS_INTEROP=0 to skip the interop "
                "tests when offline):\n%s" % (OFFICIAL, proc.stdout.decode(errors="replace")),
                pytrace=False,
            )
    proc = _run([python, "-c", _CHECK], cwd=str(tmp_path_factory.mktemp("official-check")))
    if proc.returncode or proc.stdout.decode().strip() != "5.1.9.44":
        pytest.fail(
            "%s does not give the official SDK 1.9.44: %s" % (python, proc.stdout.decode(errors="replace")),
            pytrace=False,
        )
    sys.stderr.write("\n[interop] official SDK ready in %.1f s (%s)\n" % (time.monotonic() - started, python))
    return python
