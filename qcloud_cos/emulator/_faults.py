"""Fault plan: make matching requests fail (or misbehave) instead of being served.

A fault fires on the next ``count`` matching requests, or, with ``p``, on each
matching request with probability ``p`` (at most ``count`` times when given).
The draws come from one ``random.Random(seed)`` per plan, so the same seed and
the same sequence of requests give the same faults.

Faults are written as text too (command line, admin endpoint, pytest marker)::

    op=UploadPart,status=503,code=ServiceUnavailable,p=0.05,count=3,key=a%2Cb

``parse_spec`` reads that form, ``format_spec`` writes it; see ``SPEC_HELP``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional
from urllib.parse import quote, unquote

__all__ = ["Fault", "FaultPlan", "FaultSpecError", "parse_spec", "format_spec", "KINDS", "SPEC_HELP"]


@dataclass
class Fault:
    """One planned failure.

    ``method``/``key``/``op``/``bucket`` narrow the match (``None`` matches
    anything).  ``count`` is how many times it fires (``None``: no limit, only
    with ``p``); ``p`` the probability that it fires on a matching request
    (``None``: always).

    Kinds (at most one of the flags / values below; none = an error answer
    ``status``/``code``/``message`` instead of serving the request):

    * ``reset_connection``: the connection is reset (TCP RST) instead of
      answered: after reading ``after_bytes`` of the request body if the
      request has one, else after sending ``after_bytes`` of the response body
      (when ``after_bytes`` is given and the response has a body), else at once.
    * ``corrupt_crc``: the request is served normally, and the next matching
      *successful* response that carries ``x-cos-hash-crc64ecma`` gets a wrong
      value there (the stored data is untouched).
    * ``lose_response``: the next matching request that *succeeds* is carried
      out in full, but its response is never sent: the connection is reset.
    * ``latency_ms``: served normally, the response is held back this long.
    * ``truncate_after``: a successful response with a body sends its full
      ``Content-Length`` but only this many body bytes (``-1``: half of it),
      then the connection is closed (a clean FIN, not a reset).
    * ``flip_at``: a successful response with a body has the byte at this
      offset of its body inverted (``-1``: the middle byte).
    * ``drip_bps``: a successful response with a body is sent at this many
      bytes per second (a slow drip on that connection).

    An ``<Error>`` inside a 200 (what COS does when Complete Multipart Upload
    or a copy fails after it started answering) is an error fault with
    ``status=200``: the request is not carried out.
    """

    status: int = 503
    code: str = "ServiceUnavailable"
    message: Optional[str] = None
    count: Optional[int] = 1
    method: Optional[str] = None
    key: Optional[str] = None
    op: Optional[str] = None
    bucket: Optional[str] = None
    reset_connection: bool = False
    after_bytes: Optional[int] = None
    corrupt_crc: bool = False
    lose_response: bool = False
    p: Optional[float] = None
    latency_ms: Optional[float] = None
    truncate_after: Optional[int] = None
    flip_at: Optional[int] = None
    drip_bps: Optional[int] = None
    fired: int = field(default=0, compare=False)  # how many times it has fired so far

    @property
    def kind(self) -> str:
        if self.corrupt_crc:
            return "crc"
        if self.lose_response:
            return "lose"
        if self.latency_ms is not None:
            return "latency"
        if self.truncate_after is not None:
            return "truncate"
        if self.flip_at is not None:
            return "flip"
        if self.drip_bps is not None:
            return "drip"
        if self.reset_connection:
            return "reset"
        return "error"

    @property
    def needs_body(self) -> bool:
        """A response-stream fault that only applies to a successful response with a body."""
        return self.kind in ("truncate", "flip", "drip")

    def matches(self, *, method: str, bucket: Optional[str], key: Optional[str], op: str) -> bool:
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.key is None or self.key == key)
            and (self.op is None or self.op.lower() == op.lower())
            and (self.bucket is None or self.bucket == bucket)
        )

    def validate(self) -> None:
        """Raise ``ValueError`` for an impossible fault."""
        if self.count is not None and (not isinstance(self.count, int) or self.count < 1):
            raise ValueError("count must be >= 1")
        if self.count is None and self.p is None:
            raise ValueError("count=None (no limit) needs a probability p")
        if self.p is not None and not (0.0 < float(self.p) <= 1.0):
            raise ValueError("p must be > 0 and <= 1")
        set_kinds = [
            name
            for name, on in (
                ("reset_connection", self.reset_connection),
                ("corrupt_crc", self.corrupt_crc),
                ("lose_response", self.lose_response),
                ("latency_ms", self.latency_ms is not None),
                ("truncate_after", self.truncate_after is not None),
                ("flip_at", self.flip_at is not None),
                ("drip_bps", self.drip_bps is not None),
            )
            if on
        ]
        if len(set_kinds) > 1:
            raise ValueError(f"a fault has one kind; got {', '.join(set_kinds)}")
        if self.latency_ms is not None and not self.latency_ms >= 0:
            raise ValueError("latency_ms must be >= 0")
        if self.drip_bps is not None and self.drip_bps < 1:
            raise ValueError("drip_bps must be >= 1")
        for name in ("truncate_after", "flip_at"):
            value = getattr(self, name)
            if value is not None and value < -1:
                raise ValueError(f"{name} must be >= 0 (or -1 for the middle)")
        if self.after_bytes is not None and self.after_bytes < 0:
            raise ValueError("after_bytes must be >= 0")
        if not 100 <= int(self.status) <= 599:
            raise ValueError("status must be 100..599")


class FaultPlan:
    """Thread-safe list of pending faults; the first matching one that fires is used."""

    def __init__(self, seed: Optional[int] = None) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []
        self.seed = seed
        self._rng = random.Random(seed)

    def reseed(self, seed: Optional[int] = None) -> None:
        """Restart the random sequence (with ``seed``, else the plan's own seed)."""
        with self._lock:
            if seed is not None:
                self.seed = seed
            self._rng = random.Random(self.seed)

    def add(self, fault: Fault) -> Fault:
        fault.validate()
        with self._lock:
            self._faults.append(fault)
        return fault

    def _fires(self, fault: Fault) -> bool:
        """One draw for a matching fault (lock held); uses it up when its count is reached."""
        if fault.p is not None and fault.p < 1.0 and self._rng.random() >= fault.p:
            return False
        fault.fired += 1
        if fault.count is not None:
            fault.count -= 1
            if fault.count <= 0:
                self._faults = [f for f in self._faults if f is not fault]
        return True

    def take(
        self,
        *,
        method: str,
        bucket: Optional[str],
        key: Optional[str],
        op: str,
        corrupt_crc: bool = False,
        lose_response: bool = False,
    ) -> Optional[Fault]:
        """Use the first matching fault that fires, of the kind asked for: ``corrupt_crc``,
        ``lose_response``, or (neither) one that replaces serving the request (error, reset)."""
        want = "crc" if corrupt_crc else "lose" if lose_response else None
        with self._lock:
            for fault in list(self._faults):
                kind = fault.kind
                if (kind == want or (want is None and kind in ("error", "reset"))) and fault.matches(
                    method=method, bucket=bucket, key=key, op=op
                ):
                    if self._fires(fault):
                        return fault
        return None

    def take_stream(
        self, *, method: str, bucket: Optional[str], key: Optional[str], op: str, status: int, has_body: bool
    ) -> Dict[str, Fault]:
        """The response-stream faults (latency, truncate, flip, drip) that fire on this
        response, at most one per kind.  Body faults need a 2xx response with a body
        and are not used up otherwise."""
        out: Dict[str, Fault] = {}
        with self._lock:
            for fault in list(self._faults):
                kind = fault.kind
                if kind not in ("latency", "truncate", "flip", "drip") or kind in out:
                    continue
                if fault.needs_body and not (has_body and 200 <= status < 300):
                    continue
                if fault.matches(method=method, bucket=bucket, key=key, op=op) and self._fires(fault):
                    out[kind] = fault
        return out

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f is not fault]

    @property
    def pending(self) -> List[Fault]:
        with self._lock:
            return list(self._faults)


# -- the text form ---------------------------------------------------------------------

#: kind name -> the field that selects it (``None``: an error answer)
KINDS = {
    "error": None,
    "error200": None,
    "reset": "reset_connection",
    "crc": "corrupt_crc",
    "lose": "lose_response",
    "latency": "latency_ms",
    "truncate": "truncate_after",
    "flip": "flip_at",
    "drip": "drip_bps",
}

# field -> (kinds it belongs to, or None for all)
_FIELDS = {
    "op": None,
    "method": None,
    "key": None,
    "bucket": None,
    "count": None,
    "p": None,
    "kind": None,
    "status": ("error", "error200"),
    "code": ("error", "error200"),
    "message": ("error", "error200"),
    "after": ("reset",),
    "ms": ("latency",),
    "at": ("truncate", "flip"),
    "bps": ("drip",),
}

SPEC_HELP = (
    "a fault spec is comma-separated name=value fields: "
    "kind=error|error200|reset|crc|lose|latency|truncate|flip|drip (default error), "
    "op=COS API name, method=, key=, bucket= (narrow the match), "
    "count=N (fire N times; default 1, or no limit with p), p=0..1 (probability per matching request), "
    "status=, code=, message= (error), after=BYTES (reset), ms= (latency), "
    "at=BYTES (truncate after / flip the byte at; default the middle), bps= (drip, bytes per second); "
    "values are percent-decoded (write %2C for a comma in a key)"
)


class FaultSpecError(ValueError):
    """A fault spec that cannot be parsed; the message says which part and why."""


def _int(spec: str, name: str, value: str, *, low: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise FaultSpecError(f"fault spec {spec!r}: {name}={value!r} is not an integer") from None
    if number < low:
        raise FaultSpecError(f"fault spec {spec!r}: {name} must be >= {low}, got {number}")
    return number


def parse_spec(spec: str) -> Fault:
    """Parse the text form of a fault (see ``SPEC_HELP``); ``FaultSpecError`` when invalid."""
    if not isinstance(spec, str) or not spec.strip():
        raise FaultSpecError(f"empty fault spec; {SPEC_HELP}")
    values: Dict[str, str] = {}
    for item in spec.strip().split(","):
        item = item.strip()
        if not item:
            continue
        name, eq, value = item.partition("=")
        name = name.strip().lower()
        if not eq:
            raise FaultSpecError(f"fault spec {spec!r}: {item!r} is not name=value")
        if name not in _FIELDS:
            raise FaultSpecError(f"fault spec {spec!r}: unknown field {name!r} (known: {', '.join(sorted(_FIELDS))})")
        if name in values:
            raise FaultSpecError(f"fault spec {spec!r}: {name} given twice")
        values[name] = unquote(value.strip())
    kind = values.get("kind", "error").lower()
    if kind not in KINDS:
        raise FaultSpecError(f"fault spec {spec!r}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
    for name in values:
        allowed = _FIELDS[name]
        if allowed is not None and kind not in allowed:
            raise FaultSpecError(f"fault spec {spec!r}: {name} does not apply to kind={kind}")
    fault = Fault()
    for name in ("op", "method", "key", "bucket"):
        if name in values:
            if not values[name]:
                raise FaultSpecError(f"fault spec {spec!r}: {name} is empty")
            setattr(fault, name, values[name])
    if "p" in values:
        try:
            fault.p = float(values["p"])
        except ValueError:
            raise FaultSpecError(f"fault spec {spec!r}: p={values['p']!r} is not a number") from None
        if not 0.0 < fault.p <= 1.0:
            raise FaultSpecError(f"fault spec {spec!r}: p must be > 0 and <= 1, got {values['p']}")
    if "count" in values:
        fault.count = _int(spec, "count", values["count"], low=1)
    elif fault.p is not None:
        fault.count = None  # a probability without a count: no limit
    if kind == "error200":
        fault.status, fault.code = 200, "InternalError"
    if "status" in values:
        fault.status = _int(spec, "status", values["status"], low=100)
        if fault.status > 599:
            raise FaultSpecError(f"fault spec {spec!r}: status must be 100..599, got {fault.status}")
    if "code" in values:
        fault.code = values["code"]
    if "message" in values:
        fault.message = values["message"]
    if kind == "reset":
        fault.reset_connection = True
        if "after" in values:
            fault.after_bytes = _int(spec, "after", values["after"], low=0)
    elif kind == "crc":
        fault.corrupt_crc = True
    elif kind == "lose":
        fault.lose_response = True
    elif kind == "latency":
        if "ms" not in values:
            raise FaultSpecError(f"fault spec {spec!r}: kind=latency needs ms=")
        try:
            fault.latency_ms = float(values["ms"])
        except ValueError:
            raise FaultSpecError(f"fault spec {spec!r}: ms={values['ms']!r} is not a number") from None
        if not fault.latency_ms >= 0:
            raise FaultSpecError(f"fault spec {spec!r}: ms must be >= 0")
    elif kind in ("truncate", "flip"):
        at = _int(spec, "at", values["at"], low=0) if "at" in values else -1
        setattr(fault, KINDS[kind], at)  # type: ignore[arg-type]
    elif kind == "drip":
        if "bps" not in values:
            raise FaultSpecError(f"fault spec {spec!r}: kind=drip needs bps= (bytes per second)")
        fault.drip_bps = _int(spec, "bps", values["bps"], low=1)
    try:
        fault.validate()
    except ValueError as exc:
        raise FaultSpecError(f"fault spec {spec!r}: {exc}") from None
    return fault


def format_spec(fault: Fault) -> str:
    """The text form of ``fault`` (``parse_spec(format_spec(f))`` gives an equal fault)."""
    kind = fault.kind
    if kind == "error" and fault.status == 200:
        kind = "error200"
    parts = [f"kind={kind}"]

    def add(name: str, value: object) -> None:
        parts.append(f"{name}={quote(str(value), safe='')}")

    for name in ("op", "method", "key", "bucket"):
        value = getattr(fault, name)
        if value is not None:
            add(name, value)
    if kind in ("error", "error200"):
        add("status", fault.status)
        add("code", fault.code)
        if fault.message is not None:
            add("message", fault.message)
    elif kind == "reset" and fault.after_bytes is not None:
        add("after", fault.after_bytes)
    elif kind == "latency":
        add("ms", f"{fault.latency_ms:g}")
    elif kind in ("truncate", "flip"):
        at = getattr(fault, KINDS[kind])  # type: ignore[arg-type]
        if at is not None and at >= 0:
            add("at", at)
    elif kind == "drip":
        add("bps", fault.drip_bps)
    if fault.p is not None:
        add("p", repr(float(fault.p)))
    if fault.count is not None:
        add("count", fault.count)
    return ",".join(parts)
