"""Every script in examples/ runs as written (so none can rot), answers --help, and is listed here."""

import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")

#: script -> (arguments, text its output must contain)
RUNS = {
    "quickstart.py": ([], "downloaded again: identical"),
    "download_copy_list.py": (["--files", "1100"], "copy downloaded: identical"),
    "run_seed.py": ([], "complete_multipart_upload.py   ok  COS error InvalidPart, as expected"),
}


def _env():
    env = dict(os.environ, PYTHONPATH=ROOT)
    for name in ("QCLOUD_COS_ENDPOINT_URL", "COS_BUCKET", "COS_SECRET_ID", "COS_SECRET_KEY", "COS_REGION"):
        env.pop(name, None)
    return env


def _run(args, cwd):
    return subprocess.run(
        [sys.executable] + args,
        cwd=str(cwd),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )


def test_every_example_script_is_run_here():
    scripts = {os.path.basename(p) for p in glob.glob(os.path.join(EXAMPLES, "*.py"))}
    assert {s for s in scripts if not s.startswith("_")} == set(RUNS)


@pytest.mark.parametrize("script", sorted(RUNS))
def test_example_runs(script, tmp_path):
    args, expected = RUNS[script]
    proc = _run([os.path.join(EXAMPLES, script)] + args, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert expected in proc.stdout
    assert os.listdir(str(tmp_path)) == []  # nothing left in the folder it was run from


@pytest.mark.parametrize("script", sorted(RUNS))
def test_example_answers_help(script, tmp_path):
    proc = _run([os.path.join(EXAMPLES, script), "--help"], tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: ")
    assert "COS_SECRET_ID" in proc.stdout or "QCLOUD_COS_ENDPOINT_URL" in proc.stdout


def test_examples_refuse_half_a_real_cos_configuration(tmp_path):
    env = dict(_env(), COS_SECRET_ID="AKID-not-real")
    proc = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "quickstart.py")],
        cwd=str(tmp_path),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "missing: COS_SECRET_KEY, COS_REGION, COS_BUCKET" in proc.stderr


def test_every_seed_script_has_a_scenario():
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_seed", os.path.join(EXAMPLES, "run_seed.py"))
    run_seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_seed)
    seeds = {os.path.basename(p) for p in glob.glob(os.path.join(EXAMPLES, "seed", "*.py"))}
    assert seeds == set(run_seed.SCENARIOS)


def test_pytest_plugin_example_project_passes():
    """examples/pytest_plugin/ is a standalone pytest project (its own pytest.ini) that users copy."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=os.path.join(EXAMPLES, "pytest_plugin"),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout
    assert "7 passed" in proc.stdout
