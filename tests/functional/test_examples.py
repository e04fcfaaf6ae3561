"""The scripts in examples/ run and succeed (so they cannot rot)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize('script, expected', [
    ('quickstart.py', 'downloaded again: identical'),
    ('upload_resume.py', 'resumed: sent '),   # the script exits 1 if every part was sent again
])
def test_example_runs(script, expected, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('QCLOUD_COS_ENDPOINT_URL', None)
    proc = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', script)], cwd=str(tmp_path), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout


def test_pytest_plugin_example_project_passes():
    """examples/pytest_plugin/ is a standalone pytest project (its own pytest.ini) that users copy."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    for name in ('QCLOUD_COS_ENDPOINT_URL', 'COS_BUCKET', 'COS_SECRET_ID', 'COS_SECRET_KEY', 'COS_REGION'):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider'],
                          cwd=os.path.join(ROOT, 'examples', 'pytest_plugin'), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
    assert '7 passed' in proc.stdout
