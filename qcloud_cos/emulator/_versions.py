"""Bucket versioning rules with no I/O: the VersioningConfiguration document, version ids.

States of a bucket (``BucketRecord.versioning``): ``""`` never configured (objects have the
null version and no ``x-cos-version-id`` is sent, exactly as before versioning existed),
``Enabled`` (every write makes a new version), ``Suspended`` (writes replace the null version).
Once configured a bucket never goes back to ``""`` (COS: versioning can only be suspended).

Version ids look like COS's (``MTg0NDUxNTc1NjIzMTQ1MDAwODg``: base64 of a decimal number, so
only letters and digits); the null version is stored as ``""`` and spelled ``null`` on the wire.
"""

from __future__ import annotations

import base64
import os
import time
from typing import Optional

from ._errors import CosError
from ._xml import local_name, parse_request_document

__all__ = ["ENABLED", "NULL", "STATES", "SUSPENDED", "new_version_id", "parse_versioning_body", "stored_id", "wire_id"]

ENABLED, SUSPENDED = "Enabled", "Suspended"
STATES = (ENABLED, SUSPENDED)
NULL = "null"


def parse_versioning_body(data: bytes) -> str:
    """The ``Status`` of a ``<VersioningConfiguration>`` document.

    Not well-formed, another root, no ``Status`` or more than one -> 400 ``MalformedXML``; a
    Status other than ``Enabled`` / ``Suspended`` (case-sensitive, as S3) -> 400 ``MalformedXML``
    too (COS documents no other code; S3 answers MalformedXML for a value outside its schema).
    """
    root = parse_request_document(data, "VersioningConfiguration")
    statuses = [(child.text or "").strip() for child in root if local_name(child.tag) == "Status"]
    if len(statuses) != 1:
        raise CosError("MalformedXML")
    if statuses[0] not in STATES:
        raise CosError("MalformedXML", f"Invalid versioning status: {statuses[0]!r} (Enabled or Suspended).")
    return statuses[0]


def new_version_id() -> str:
    """A fresh version id: base64 of 21 decimal digits (microseconds + 5 random digits), 28 characters."""
    number = int(time.time() * 1_000_000) % 10**16 * 10**5 + int.from_bytes(os.urandom(4), "big") % 10**5
    return base64.b64encode(f"{number:021d}".encode("ascii")).decode("ascii")


def stored_id(param: Optional[str]) -> Optional[str]:
    """A ``versionId`` parameter as stored: absent or empty -> ``None``, ``null`` -> ``""``."""
    if param is None or param == "":
        return None
    return "" if param == NULL else param


def wire_id(version_id: str) -> str:
    """A stored version id as sent: ``""`` is ``null``."""
    return version_id or NULL
