"""Bandwidth limiting for ``x-cos-traffic-limit`` (bits per second)."""

from __future__ import annotations

import time
from typing import Callable

__all__ = ["Throttle", "MIN_TRAFFIC_LIMIT", "MAX_TRAFFIC_LIMIT"]

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
