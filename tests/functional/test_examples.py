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
