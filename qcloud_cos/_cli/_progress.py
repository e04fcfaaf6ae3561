"""Progress display for transfers: a tqdm bar when tqdm is importable, else periodic lines on stderr.

Every display takes the SDK's cumulative ``progress_callback(consumed_bytes, total_bytes)``.  A
display never raises into the transfer (an exception from a progress callback stops the SDK's
transfer): a broken stderr only ends the display.
"""

import math
import threading
import time

from ._output import duration, human_size

#: seconds between two lines of the plain (no tqdm) display
PLAIN_INTERVAL = 1.0


class PlainProgress:
    """``label: 12.0 MiB / 24.0 MiB (50%), 5.2 MiB/s, ETA 0:00:02`` every ``interval`` seconds."""

    def __init__(self, label, stream, *, interval=PLAIN_INTERVAL, clock=time.monotonic):
        self.label = label
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.consumed = 0
        self.total = 0
        self._start = None  # (time, bytes) of the first report: resumed bytes are not "rate"
        self._last_line = None
        self._lock = threading.Lock()
        self._broken = False

    def __call__(self, consumed, total):
        with self._lock:
            now = self.clock()
            if self._start is None:
                self._start = (now, consumed)
                self._last_line = now
            self.consumed, self.total = consumed, total
            if now - self._last_line >= self.interval:
                self._last_line = now
                self._write(self._line(now, final=False))

    def _rate(self, now):
        if self._start is None:
            return None
        elapsed = now - self._start[0]
        sent = self.consumed - self._start[1]
        return sent / elapsed if elapsed > 0 and sent > 0 else None

    def _line(self, now, *, final):
        parts = [human_size(self.consumed)]
        if self.total:
            parts = [
                "%s / %s (%d%%)"
                % (human_size(self.consumed), human_size(self.total), 100 * self.consumed // self.total)
            ]
        rate = self._rate(now)
        if rate:
            parts.append("%s/s" % human_size(rate))
            if not final and self.total and self.consumed < self.total:
                parts.append("ETA %s" % duration(math.ceil((self.total - self.consumed) / rate)))
        if final and self._start is not None:
            parts.append(
                "%s %s"
                % (
                    "done in" if self.total and self.consumed >= self.total else "stopped after",
                    duration(now - self._start[0]),
                )
            )
        return "%s: %s" % (self.label, ", ".join(parts))

    def _write(self, line):
        if self._broken:
            return
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self._broken = True

    def close(self):
        with self._lock:
            if self._start is not None:
                self._write(self._line(self.clock(), final=True))


class TqdmProgress:
    """A tqdm byte bar fed through ``qcloud_cos.progress.ProgressBarCallback``."""

    def __init__(self, label, stream, tqdm):
        from ..progress import ProgressBarCallback

        self._callback = ProgressBarCallback(
            tqdm(desc=label, file=stream, unit="B", unit_scale=True, unit_divisor=1024, dynamic_ncols=True, leave=True)
        )
        self._broken = False

    def __call__(self, consumed, total):
        if self._broken:
            return
        try:
            self._callback(consumed, total)
        except (OSError, ValueError):
            self._broken = True

    def close(self):
        try:
            self._callback.close()
        except (OSError, ValueError):
            pass


class Aggregate:
    """One display for many transfers in a row (a prefix downloaded or copied key by key).

    ``file()`` gives the callback of the next transfer; ``done(size)`` / ``failed(size)`` end it.
    A failed file's bytes leave the total, so the display never counts what did not arrive.
    """

    def __init__(self, display, total):
        self.display = display
        self.total = total
        self.base = 0
        self.current = 0

    def _emit(self):
        if self.display is not None:
            self.display(self.base + self.current, self.total)

    def file(self):
        self.current = 0

        def callback(consumed, total):
            self.current = consumed
            self._emit()

        return callback if self.display is not None else None

    def done(self, size):
        self.base += size
        self.current = 0
        self._emit()

    def failed(self, size):
        self.total = max(self.total - size, self.base)
        self.current = 0
        self._emit()


def _tqdm():
    try:
        from tqdm import tqdm
    except Exception:  # noqa: BLE001 - not installed, or broken: the plain display instead
        return None
    return tqdm


def make_display(enabled, label, stream):
    """The display for one transfer (or one aggregate), or None when progress is off."""
    if not enabled:
        return None
    tqdm = _tqdm()
    if tqdm is not None:
        try:
            return TqdmProgress(label, stream, tqdm)
        except Exception:  # noqa: BLE001 - an odd tqdm: fall back to lines
            pass
    return PlainProgress(label, stream)
