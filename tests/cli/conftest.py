"""The ``qcloud-cos`` command line, run as a subprocess against the session's COS emulator.

``cli(*args)`` runs ``python -m qcloud_cos ARGS`` with stdin not a terminal, ``HOME`` and the
checkpoint directory inside the test's tmp_path (so no real ``~/.qcloud_cos.ini`` or checkpoint is
read), ``QCLOUD_COS_ENDPOINT_URL`` at the emulator and the emulator's credentials in
``COS_SECRET_ID``/``COS_SECRET_KEY``/``COS_REGION``.
"""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Cli:
    def __init__(self, env, cwd):
        self.env = env
        self.cwd = cwd

    def command(self, *args):
        return [sys.executable, "-m", "qcloud_cos"] + [str(a) for a in args]

    def popen(self, *args, stdin=subprocess.DEVNULL):
        return subprocess.Popen(
            self.command(*args),
            cwd=str(self.cwd),
            env=self.env,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def __call__(self, *args, env=None, unset=(), input=None, timeout=60, traceback_ok=False):
        run_env = dict(self.env)
        for name in unset:
            run_env.pop(name, None)
        run_env.update(env or {})
        result = subprocess.run(
            self.command(*args),
            cwd=str(self.cwd),
            env=run_env,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
        )
        if not traceback_ok:
            assert "Traceback" not in result.stderr, result.stderr
        return result


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def cli_env(cos_emulator, tmp_path):
    kwargs = cos_emulator.config_kwargs()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COS_", "QCLOUD_COS_"))}
    home = tmp_path / "home"
    home.mkdir()
    env.update(
        {
            "HOME": str(home),
            "PYTHONPATH": os.pathsep.join([REPO] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])),
            "QCLOUD_COS_ENDPOINT_URL": cos_emulator.endpoint,
            "QCLOUD_COS_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
            "COS_SECRET_ID": kwargs["SecretId"],
            "COS_SECRET_KEY": kwargs["SecretKey"],
            "COS_REGION": kwargs["Region"],
        }
    )
    env.pop("XDG_CACHE_HOME", None)
    return env


@pytest.fixture
def cli(cli_env, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    return Cli(cli_env, work)
