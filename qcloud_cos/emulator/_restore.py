"""POST Object restore rules with no I/O: the RestoreRequest document and the restore state machine.

An ARCHIVE / DEEP_ARCHIVE object cannot be read (GET, copy source) until restored: 403
``InvalidObjectState``.  A restore request stores ``extra["restore"]`` on the object (or the
version) as ``{"ready": t, "expiry": t + days, "days": n, "tier": ...}`` where ``t`` is the time of
the request plus the emulator's ``restore_delay``; the state is derived from the clock whenever
it is read (no background job):

* before ``ready``: ``x-cos-restore: ongoing-request="true"``; another request -> 409
  ``RestoreAlreadyInProgress``;
* from ``ready`` to ``expiry``: ``x-cos-restore: ongoing-request="false", expiry-date="<HTTP date>"``,
  GET works; another request -> 200 and the expiry moves to now + the new ``Days``;
* after ``expiry``: archived again, as if never restored (a new request -> 202).
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any, Dict, NamedTuple, Optional, Tuple

from ._errors import CosError
from ._xml import local_name, parse_request_document

__all__ = [
    "ARCHIVE_CLASSES",
    "RestoreRequest",
    "is_readable",
    "next_entry",
    "parse_restore_body",
    "restore_header",
    "state",
]

#: storage classes whose objects must be restored before they are read
ARCHIVE_CLASSES = frozenset({"ARCHIVE", "DEEP_ARCHIVE", "MAZ_ARCHIVE"})
TIERS = ("Expedited", "Standard", "Bulk")
#: the longest restore COS accepts (a choice: the COS doc lists no maximum; S3 has none either)
MAX_DAYS = 365
DAY = 86400.0

NONE, ONGOING, RESTORED = "none", "ongoing", "restored"


class RestoreRequest(NamedTuple):
    days: int
    tier: str


def parse_restore_body(data: bytes) -> RestoreRequest:
    """``<RestoreRequest><Days>N</Days><CASJobParameters><Tier>T</Tier></CASJobParameters>``.

    Not well-formed, another root, ``Days`` missing or not an integer in 1..365, a ``Tier``
    other than Expedited / Standard / Bulk -> 400 ``MalformedXML``.  No Tier: Standard.
    """
    root = parse_request_document(data, "RestoreRequest")
    fields = {local_name(child.tag): child for child in root}
    days_text = (fields["Days"].text or "").strip() if "Days" in fields else ""
    if not days_text.isdigit() or not 1 <= int(days_text) <= MAX_DAYS:
        raise CosError("MalformedXML", f"Days must be an integer from 1 to {MAX_DAYS}.")
    tier = "Standard"
    job = fields.get("CASJobParameters")
    if job is not None:
        tiers = [(item.text or "").strip() for item in job if local_name(item.tag) == "Tier"]
        if len(tiers) > 1 or (tiers and tiers[0] not in TIERS):
            raise CosError("MalformedXML", "Tier must be one of Expedited, Standard, Bulk.")
        tier = tiers[0] if tiers else tier
    return RestoreRequest(int(days_text), tier)


def state(entry: Optional[Dict[str, Any]], now: float) -> str:
    """``none`` (never restored, or expired), ``ongoing`` or ``restored`` at ``now``."""
    if not entry:
        return NONE
    if now < float(entry["ready"]):
        return ONGOING
    return RESTORED if now < float(entry["expiry"]) else NONE


def is_readable(storage_class: str, entry: Optional[Dict[str, Any]], now: float) -> bool:
    """Whether GET may read an object of ``storage_class`` with restore state ``entry``."""
    return storage_class not in ARCHIVE_CLASSES or state(entry, now) == RESTORED


def restore_header(entry: Optional[Dict[str, Any]], now: float) -> Optional[str]:
    """The ``x-cos-restore`` value HEAD/GET send, or None when there is no restore to report."""
    current = state(entry, now)
    if current == ONGOING:
        return 'ongoing-request="true"'
    if current == RESTORED:
        assert entry is not None
        return f'ongoing-request="false", expiry-date="{formatdate(float(entry["expiry"]), usegmt=True)}"'
    return None


def next_entry(
    entry: Optional[Dict[str, Any]], request: RestoreRequest, *, now: float, delay: float
) -> Tuple[int, Dict[str, Any]]:
    """``(status, new entry)`` for a restore request: 202 and a new job, or 200 and a new expiry
    for a restored object; a job in progress -> 409 ``RestoreAlreadyInProgress``."""
    current = state(entry, now)
    if current == ONGOING:
        raise CosError("RestoreAlreadyInProgress")
    if current == RESTORED:
        assert entry is not None
        return 200, {**entry, "days": request.days, "expiry": now + request.days * DAY}
    ready = now + max(0.0, delay)
    return 202, {"ready": ready, "expiry": ready + request.days * DAY, "days": request.days, "tier": request.tier}
