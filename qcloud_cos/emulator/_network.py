"""Network profiles (latency, per-connection bandwidth) and response-stream shaping.

A ``NetworkProfile`` makes loopback look like a real link: every request's
response is held back ``latency_ms`` once, and each connection moves at most
``bandwidth`` bits per second in each direction (request bodies received,
response bodies sent), each direction paced by its own token bucket
(``_throttle.Pacer``).  Named profiles: ``lan`` (1 ms, 1 Gbit/s) and ``wan``
(30 ms, 100 Mbit/s); ``none`` is no shaping.

``BodyShaper`` is what the server writes a response body through: the
connection's pacer, the response's ``x-cos-traffic-limit`` throttle stays
separate, and the response-stream faults (truncate, flip, drip) of
``_faults``.  Standard library only.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Union

from ._faults import Fault, FaultPlan, format_spec
from ._throttle import Pacer

logger = logging.getLogger("qcloud_cos.emulator")

__all__ = [
    "NetworkProfile",
    "PROFILES",
    "parse_bandwidth",
    "resolve_network",
    "BodyShaper",
    "connection_pacers",
    "paced_read",
    "shape_response",
]

_BANDWIDTH_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]i?)?(bit/s|bit|bps|b/s|b)?\s*$", re.IGNORECASE)
_PREFIX = {
    "": 1,
    "k": 1e3,
    "m": 1e6,
    "g": 1e9,
    "t": 1e12,
    "ki": 1024.0,
    "mi": 1024.0**2,
    "gi": 1024.0**3,
    "ti": 1024.0**4,
}


def parse_bandwidth(text: Union[str, int, float]) -> float:
    """Bits per second from ``100mbit``, ``1gbit``, ``800kbps`` (bits) or ``12MB``, ``1.5MiB/s`` (bytes).

    A number is bits per second.  A lower-case ``b`` after a prefix (``100mb``)
    is ambiguous and refused: write ``mbit`` or ``MB``.  Raises ``ValueError``.
    """
    if isinstance(text, bool):
        raise ValueError(f"bandwidth {text!r}: not a rate")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        m = _BANDWIDTH_RE.match(str(text))
        if not m:
            raise ValueError(f"bandwidth {text!r}: write a rate such as 100mbit, 1gbit, 12MB or 500KiB")
        number, prefix, unit = float(m.group(1)), (m.group(2) or "").lower(), m.group(3) or ""
        if unit in ("B", "B/s"):
            factor = 8.0
        elif unit == "b" or unit == "b/s":
            raise ValueError(f"bandwidth {text!r} is ambiguous: write {prefix}bit (bits) or {prefix.upper()}B (bytes)")
        elif unit == "" and prefix:
            raise ValueError(f"bandwidth {text!r} needs a unit: {text}bit (bits) or {text.upper()}B (bytes)")
        else:  # bit, bit/s, bps (any case) or a bare number: bits
            if unit and unit.lower() not in ("bit", "bit/s", "bps"):
                raise ValueError(f"bandwidth {text!r}: unknown unit {unit!r}")
            factor = 1.0
        value = number * _PREFIX[prefix] * factor
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError(f"bandwidth {text!r} must be > 0")
    return value


@dataclass
class NetworkProfile:
    """Latency per request and bandwidth per connection and direction.

    ``bandwidth`` is bits per second (a number, or text for ``parse_bandwidth``;
    ``None``: unlimited).  ``monotonic``/``sleep`` are injectable (tests record
    the sleeps instead of waiting).
    """

    latency_ms: float = 0.0
    bandwidth: Optional[Union[float, str]] = None
    name: str = "custom"
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            self.latency_ms = float(self.latency_ms)
        except (TypeError, ValueError):
            raise ValueError(f"latency_ms {self.latency_ms!r} is not a number") from None
        if not 0 <= self.latency_ms <= 3_600_000:
            raise ValueError(f"latency_ms must be 0 .. 3600000, got {self.latency_ms}")
        if self.bandwidth is not None:
            self.bandwidth = parse_bandwidth(self.bandwidth)

    @property
    def bytes_per_second(self) -> Optional[float]:
        return None if self.bandwidth is None else float(self.bandwidth) / 8.0

    @property
    def active(self) -> bool:
        return self.latency_ms > 0 or self.bandwidth is not None

    def pacer(self) -> Optional[Pacer]:
        """A new pacer for one direction of one connection (``None``: unlimited)."""
        rate = self.bytes_per_second
        if rate is None:
            return None
        return Pacer(rate, monotonic=self.monotonic, sleep=self.sleep)

    def delay(self) -> None:
        """The per-request latency (once per request)."""
        if self.latency_ms > 0:
            self.sleep(self.latency_ms / 1000.0)


#: Named profiles: (latency ms, bits per second per connection and direction)
PROFILES: Dict[str, Dict[str, object]] = {
    "none": {"latency_ms": 0.0, "bandwidth": None},
    "lan": {"latency_ms": 1.0, "bandwidth": 1e9},
    "wan": {"latency_ms": 30.0, "bandwidth": 100e6},
}


def resolve_network(
    network: Union[None, str, NetworkProfile, Dict[str, object]] = None,
    *,
    latency_ms: Optional[float] = None,
    bandwidth: Union[None, str, float] = None,
) -> Optional[NetworkProfile]:
    """A profile from a name (``lan``/``wan``/``none``), a mapping, a ``NetworkProfile`` or
    nothing, with ``latency_ms``/``bandwidth`` overriding it.  ``None`` when nothing shapes,
    except that a ``NetworkProfile`` given as such is kept (its ``sleep``/``monotonic``
    also pace the ``drip`` faults)."""
    if isinstance(network, NetworkProfile):
        profile = network
        if latency_ms is None and bandwidth is None:
            return profile
        if latency_ms is not None or bandwidth is not None:
            profile = NetworkProfile(
                latency_ms=profile.latency_ms if latency_ms is None else latency_ms,
                bandwidth=profile.bandwidth if bandwidth is None else bandwidth,
                name="custom",
                monotonic=profile.monotonic,
                sleep=profile.sleep,
            )
    else:
        if network is None:
            base: Dict[str, object] = {}
            name = "custom"
        elif isinstance(network, str):
            if network.lower() not in PROFILES:
                raise ValueError(f"unknown network profile {network!r} (known: {', '.join(PROFILES)})")
            name = network.lower()
            base = dict(PROFILES[name])
        elif isinstance(network, dict):
            base = dict(network)
            name = str(base.pop("name", "custom"))
        else:
            raise ValueError(
                f"network must be a profile name, a dict or a NetworkProfile, not {type(network).__name__}"
            )
        if latency_ms is not None:
            base["latency_ms"], name = latency_ms, "custom"
        if bandwidth is not None:
            base["bandwidth"], name = bandwidth, "custom"
        try:
            profile = NetworkProfile(name=name, **base)  # type: ignore[arg-type]
        except TypeError as exc:
            raise ValueError(f"network: {exc}") from None
    return profile if profile.active else None


class BodyShaper:
    """Writes one response body: connection pacing, and the truncate/flip/drip faults."""

    def __init__(
        self,
        write: Callable[[bytes], object],
        *,
        length: int,
        pacer: Optional[Pacer] = None,
        faults: Optional[Dict[str, Fault]] = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_cut: Optional[Callable[[], None]] = None,
    ) -> None:
        faults = faults or {}
        self._write = write
        self._on_cut = on_cut
        self._pacers = [pacer] if pacer is not None else []
        drip = faults.get("drip")
        if drip is not None and drip.drip_bps:
            self._pacers.append(Pacer(drip.drip_bps, burst=1, monotonic=monotonic, sleep=sleep))
        self.cut_at: Optional[int] = None
        truncate = faults.get("truncate")
        if truncate is not None and truncate.truncate_after is not None:
            at = truncate.truncate_after
            self.cut_at = max(0, min(length - 1, length // 2 if at < 0 else at))
        self.flip_at: Optional[int] = None
        flip = faults.get("flip")
        if flip is not None and flip.flip_at is not None and length > 0:
            at = flip.flip_at
            self.flip_at = min(length - 1, length // 2 if at < 0 else at)
        self.sent = 0
        self.cut = False  # the body was truncated: close the connection after it

    @property
    def active(self) -> bool:
        return bool(self._pacers) or self.cut_at is not None or self.flip_at is not None

    def write(self, data: bytes) -> None:
        if self.cut:
            return
        step = min((p.chunk_size() for p in self._pacers), default=len(data)) or len(data)
        for start in range(0, len(data), max(1, step)):
            piece = data[start : start + step]
            if self.cut_at is not None:
                piece = piece[: max(0, self.cut_at - self.sent)]
            if self.flip_at is not None and self.sent <= self.flip_at < self.sent + len(piece):
                i = self.flip_at - self.sent
                piece = piece[:i] + bytes([piece[i] ^ 0xFF]) + piece[i + 1 :]
            if piece:
                for pacer in self._pacers:  # the time on the wire before the bytes arrive
                    pacer.consume(len(piece))
                self._write(piece)
                self.sent += len(piece)
            if self.cut_at is not None and self.sent >= self.cut_at:
                self.cut = True
                if self._on_cut is not None:
                    self._on_cut()
                return


def connection_pacers(network: Optional[NetworkProfile]) -> "tuple[Optional[Pacer], Optional[Pacer]]":
    """``(receive, send)`` pacers for a new connection."""
    if network is None:
        return None, None
    return network.pacer(), network.pacer()


def paced_read(rfile: Any, want: int, pacer: Optional[Pacer]) -> bytes:
    """``rfile.read(want)``, in pacer-sized steps when the connection is paced."""
    if pacer is None:
        return rfile.read(want)
    parts = []
    got = 0
    while got < want:
        piece = rfile.read(min(pacer.chunk_size(), want - got))
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
        pacer.consume(len(piece))
    return b"".join(parts)


def shape_response(
    *,
    network: Optional[NetworkProfile],
    faults: Optional[FaultPlan],
    pacer: Optional[Pacer],
    write: Callable[[bytes], object],
    on_cut: Callable[[], None],
    method: str,
    on_fired: Optional[Callable[[list], None]] = None,
    response: Any,
    length: int,
) -> BodyShaper:
    """Hold the response back (profile latency, latency faults), then a writer for its body
    applying the connection's bandwidth and any truncate / flip / drip fault."""
    fired: Dict[str, Fault] = {}
    if faults is not None and response.op:
        fired = faults.take_stream(
            method=method,
            bucket=response.bucket,
            key=response.key,
            op=response.op,
            status=response.status,
            has_body=length > 0,
        )
    for _kind, fault in fired.items():
        logger.info("injecting fault %s into %s %s", format_spec(fault), method, response.op)
    if fired and on_fired is not None:
        on_fired(sorted(fired))  # the request log's ``injected``: before anything is sent
    sleep = network.sleep if network is not None else time.sleep
    monotonic = network.monotonic if network is not None else time.monotonic
    if network is not None:
        network.delay()
    latency = fired.get("latency")
    if latency is not None and latency.latency_ms:
        sleep(latency.latency_ms / 1000.0)
    return BodyShaper(write, length=length, pacer=pacer, faults=fired, monotonic=monotonic, sleep=sleep, on_cut=on_cut)
