"""Bandwidth limiting: ``x-cos-traffic-limit`` (``Throttle``) and network profiles (``Pacer``)."""

from __future__ import annotations

import time
from typing import Callable

__all__ = ["Throttle", "Pacer", "MIN_TRAFFIC_LIMIT", "MAX_TRAFFIC_LIMIT"]

#: Valid ``x-cos-traffic-limit`` range in bit/s (100 KiB/s .. 100 MiB/s).
MIN_TRAFFIC_LIMIT = 819200
MAX_TRAFFIC_LIMIT = 838860800


class Throttle:
    """Paces a byte stream to ``bits_per_second``.

    Call ``chunk_size()`` to size reads/writes (about a tenth of a second of
    data) and ``consume(n)`` after moving ``n`` bytes; it sleeps until the
    stream is back on schedule.  Wall-clock based (``time.monotonic``), never
    the emulator's injected clock.
    """

    def __init__(
        self,
        bits_per_second: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bytes_per_second = bits_per_second / 8.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._start = monotonic()
        self._sent = 0

    def chunk_size(self) -> int:
        return max(1024, min(256 * 1024, int(self.bytes_per_second / 10)))

    def consume(self, n: int) -> None:
        self._sent += n
        due = self._start + self._sent / self.bytes_per_second
        delay = due - self._monotonic()
        if delay > 0:
            self._sleep(delay)


class Pacer:
    """A token bucket: paces one direction of one connection to ``bytes_per_second``.

    ``burst`` bytes (default: ``chunk_size()``, about 10 ms of data) may go out
    at once; an idle connection never saves up more than that.  ``consume(n)``
    after moving ``n`` bytes sleeps until the bucket is no longer in debt, so
    over a stream of ``N`` bytes the sleeps add up to ``(N - burst) / rate``
    (less whatever time the work itself took).  ``monotonic`` and ``sleep`` are
    injectable, so the pacing is tested without a wall clock.
    """

    def __init__(
        self,
        bytes_per_second: float,
        *,
        burst: int = 0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not bytes_per_second > 0:
            raise ValueError("bytes_per_second must be > 0")
        self.bytes_per_second = float(bytes_per_second)
        self.burst = burst if burst > 0 else self.chunk_size()
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._last = monotonic()
        self.slept = 0.0  # total seconds this pacer has asked to sleep

    def chunk_size(self) -> int:
        """How many bytes to move per step: about 10 ms of data, 1 byte .. 256 KiB."""
        return max(1, min(256 * 1024, int(self.bytes_per_second / 100)))

    def consume(self, n: int) -> None:
        now = self._monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.bytes_per_second)
        self._last = now
        self._tokens -= n
        if self._tokens < 0:
            delay = -self._tokens / self.bytes_per_second
            self.slept += delay
            self._sleep(delay)
