"""The co-installation warning: the official cos-python-sdk-v5 installed beside qcloud-cos-dropin.

Each case runs a fresh interpreter (the check runs once, at the first ``import qcloud_cos``) with a
temporary site directory on ``PYTHONPATH`` holding a fake installed distribution: no network, no pip.
"""

import os
import subprocess
import sys
import textwrap

import pytest

import qcloud_cos

PACKAGE_DIR = os.path.dirname(os.path.abspath(qcloud_cos.__file__))

# Import twice (reload re-runs __init__) with every warning shown: the guard, not the filter, keeps it single.
SCRIPT = textwrap.dedent("""
    import importlib, warnings
    warnings.simplefilter('always')
    import qcloud_cos
    importlib.reload(qcloud_cos)
    print('imported', qcloud_cos.__file__)
""")


def _fake_dist(
    site,
    name="cos_python_sdk_v5-1.9.44.dist-info",
    record_lines=("qcloud_cos/__init__.py,,", "qcloud_cos/cos_client.py,,"),
):
    info = site / name
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cos_python_sdk_v5\nVersion: 1.9.44\n")
    (info / "RECORD").write_text("\n".join(list(record_lines) + ["%s/RECORD,," % name]) + "\n")
    return info


def _run(site, tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), os.path.dirname(PACKAGE_DIR)])
    env.pop("PYTHONWARNINGS", None)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=str(tmp_path),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode(), proc.stderr.decode()


def test_official_sdk_elsewhere_on_sys_path_warns_once(tmp_path):
    site = tmp_path / "site"
    _fake_dist(site)
    out, err = _run(site, tmp_path)
    assert err.count("CoInstallWarning") == 1, err
    assert "the official cos-python-sdk-v5 1.9.44 is also installed, in %s" % site in err
    assert "pip uninstall -y cos-python-sdk-v5 qcloud-cos-dropin && pip install qcloud-cos-dropin" in err


def test_official_sdk_in_the_same_directory_says_the_files_are_mixed(tmp_path):
    site = tmp_path / "site"
    _fake_dist(site)
    os.symlink(PACKAGE_DIR, str(site / "qcloud_cos"))  # our package, as if installed in that directory
    out, err = _run(site, tmp_path)
    assert out.startswith("imported %s" % (site / "qcloud_cos"))
    assert err.count("CoInstallWarning") == 1, err
    assert ("qcloud-cos-dropin and the official cos-python-sdk-v5 1.9.44 are both installed in %s" % site) in err
    assert "uninstalling either one breaks the other (ImportError)" in err


def test_egg_info_install_of_the_official_sdk_is_seen(tmp_path):
    site = tmp_path / "site"
    info = site / "cos_python_sdk_v5-1.9.44-py3.11.egg-info"
    info.mkdir(parents=True)
    (info / "top_level.txt").write_text("qcloud_cos\n")
    out, err = _run(site, tmp_path)
    assert err.count("CoInstallWarning") == 1, err


@pytest.mark.parametrize("case", ["nothing", "placeholder-without-files", "other-package"])
def test_no_warning_without_the_official_files(tmp_path, case):
    site = tmp_path / "site"
    site.mkdir()
    if case == "placeholder-without-files":  # a stand-in distribution that owns no qcloud_cos/ file
        _fake_dist(site, record_lines=())
    elif case == "other-package":
        _fake_dist(site, name="cos_python_sdk_v5_extras-1.0.dist-info")
    out, err = _run(site, tmp_path)
    assert "CoInstallWarning" not in err, err
    assert out.startswith("imported")


def test_the_warning_class_is_public():
    assert issubclass(qcloud_cos.CoInstallWarning, UserWarning)
