"""Warn, once per process, when the official ``cos-python-sdk-v5`` is installed beside this package.

Both distributions write the directory ``qcloud_cos/``.  Installed into the same site directory their
files mix silently, and uninstalling either one deletes files the other needs (``ImportError``).
Installed into different directories of ``sys.path``, whichever comes first wins.  Either way the
process gets a ``CoInstallWarning`` saying what happened and how to fix it.

Cheap at import: one ``os.listdir`` per ``sys.path`` directory (no ``importlib.metadata``, which costs
more to import than this whole check); a distribution's ``RECORD`` is read only when its name matches.
"""

import os
import re
import sys
import warnings

__all__ = ["CoInstallWarning", "check"]

# <name>-<version>.dist-info / .egg-info of the official distribution (any of its spellings).
_OFFICIAL_DIST = re.compile(r"^cos[-_.]python[-_.]sdk[-_.]v5-([^-]+?)(?:-py[^-]*)?\.(dist-info|egg-info)$", re.I)

FIX = (
    "Fix: pip uninstall -y cos-python-sdk-v5 qcloud-cos-dropin && pip install qcloud-cos-dropin "
    "(to install a package that requires cos-python-sdk-v5 on top of qcloud-cos-dropin, "
    'see "Installing beside the official SDK" in the qcloud-cos-dropin README).'
)

_checked = False


class CoInstallWarning(UserWarning):
    """The official cos-python-sdk-v5 is installed too, and owns files of ``qcloud_cos/``."""


def _owns_qcloud_cos(info_dir):
    """Whether an installed distribution's metadata lists files (or a top-level package) in qcloud_cos/."""
    for name, prefix in (
        ("RECORD", "qcloud_cos/"),
        ("installed-files.txt", "../qcloud_cos/"),
        ("top_level.txt", "qcloud_cos"),
    ):
        try:
            with open(os.path.join(info_dir, name), encoding="utf-8", errors="replace") as f:
                return any(line.strip().replace("\\", "/").startswith(prefix) for line in f)
        except OSError:
            continue
    return False


def find_official(path=None):
    """``[(site directory, version)]`` of the official distributions on ``path`` (default ``sys.path``)
    that own files in ``qcloud_cos/``."""
    found = []
    seen = set()
    for entry in sys.path if path is None else path:
        directory = os.path.abspath(entry or os.curdir)
        if directory in seen:
            continue
        seen.add(directory)
        try:
            names = os.listdir(directory)
        except OSError:  # not a directory (a zip file), unreadable, gone
            continue
        for name in names:
            match = _OFFICIAL_DIST.match(name)
            if match and _owns_qcloud_cos(os.path.join(directory, name)):
                found.append((directory, match.group(1)))
    return found


def message(found, package_dir):
    """The warning text for ``find_official``'s answer, ``package_dir`` being our ``qcloud_cos/``."""
    ours_site = os.path.realpath(os.path.dirname(package_dir))
    lines = []
    for directory, version in found:
        if os.path.realpath(directory) == ours_site:
            lines.append(
                "qcloud-cos-dropin and the official cos-python-sdk-v5 %s are both installed in %s and "
                "share its qcloud_cos/ directory: their files are mixed, and uninstalling either one "
                "breaks the other (ImportError)." % (version, directory)
            )
        else:
            lines.append(
                "the official cos-python-sdk-v5 %s is also installed, in %s; it provides qcloud_cos too, "
                'so which one "import qcloud_cos" gives depends on sys.path order (this process got '
                "qcloud-cos-dropin from %s)." % (version, directory, package_dir)
            )
    return "qcloud_cos: " + " ".join(lines) + " " + FIX


def check(package_dir, *, path=None):
    """Warn (``CoInstallWarning``) if the official SDK is installed; only the first call in a process checks."""
    global _checked
    if _checked:
        return
    _checked = True
    found = find_official(path)
    if found:
        warnings.warn(message(found, package_dir), CoInstallWarning, stacklevel=2)
