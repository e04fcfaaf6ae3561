"""Local upload checkpoints: which upload id a file's upload uses and which parts are done.

One small JSON file per (bucket, key, local path), written atomically (temp file, fsync,
``os.replace``) and carrying a SHA-256 of its own content, so a torn or edited file is ignored,
never trusted.  The directory is per user (``$QCLOUD_COS_CHECKPOINT_DIR``, else
``$XDG_CACHE_HOME/qcloud_cos/checkpoints`` or ``~/.cache/qcloud_cos/checkpoints``; on Windows
``%LOCALAPPDATA%\\qcloud_cos\\checkpoints``).  Nothing secret is stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from typing import Any, Dict, Optional

logger = logging.getLogger("qcloud_cos.transfer")

VERSION = 1


def default_directory() -> str:
    explicit = os.environ.get("QCLOUD_COS_CHECKPOINT_DIR")
    if explicit:
        return explicit
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return os.path.join(os.environ["LOCALAPPDATA"], "qcloud_cos", "checkpoints")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "qcloud_cos", "checkpoints")


def digest(record: Dict[str, Any]) -> str:
    """The SHA-256 a record file carries of its own record (canonical JSON)."""
    body = json.dumps(record, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(body).hexdigest()


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never a part:
    a temp file in the same directory (created 0700 if missing), fsync, ``os.replace``."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ckpt-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


class CheckpointStore:
    """Load, save and delete checkpoint records in one directory."""

    def __init__(self, directory: Optional[str] = None) -> None:
        self.directory = directory or default_directory()

    def path_for(self, *, endpoint: str, bucket: str, key: str, local_path: str) -> str:
        ident = "\n".join((endpoint, bucket, key, os.path.abspath(local_path)))
        return os.path.join(self.directory, hashlib.sha256(ident.encode("utf-8")).hexdigest() + ".json")

    def load(self, path: str) -> Optional[Dict[str, Any]]:
        """The record at ``path``, or None when absent, unreadable or failing its checksum."""
        try:
            with open(path, "r", encoding="utf-8") as f:
                stored = json.load(f)
            record, checksum = stored["record"], stored["sha256"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("ignoring unreadable checkpoint %s: %s", path, exc)
            return None
        if digest(record) != checksum or record.get("version") != VERSION:
            logger.warning("ignoring checkpoint %s: checksum or version mismatch", path)
            return None
        return record

    def save(self, path: str, record: Dict[str, Any]) -> None:
        write_atomically(path, json.dumps({"record": record, "sha256": digest(record)}, sort_keys=True))

    def delete(self, path: str) -> None:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


class NoCheckpoints:
    """A store that remembers nothing (``CheckpointDir=False``)."""

    directory = None

    def path_for(self, **_: Any) -> None:
        return None

    def load(self, path: Optional[str]) -> None:
        return None

    def save(self, path: Optional[str], record: Dict[str, Any]) -> None:
        pass

    def delete(self, path: Optional[str]) -> None:
        pass
