"""Progress bars for transfers: from the SDK's cumulative ``progress_callback(consumed, total)`` to a bar.

The SDK calls ``progress_callback(consumed_bytes, total_bytes)`` with running totals; bars such as
tqdm's want increments.  ``ProgressBarCallback`` does that conversion (and sets the bar's total the
first time it is known), so a bar can be handed over directly::

    from tqdm import tqdm
    from qcloud_cos.progress import ProgressBarCallback

    with tqdm(unit='B', unit_scale=True, unit_divisor=1024, desc='big.bin') as bar:
        client.upload_file(Bucket=bucket, Key='big.bin', LocalFilePath='big.bin',
                           progress_callback=ProgressBarCallback(bar))

or, letting it make the tqdm bar: ``with tqdm_callback(desc='big.bin') as cb: ... progress_callback=cb``.

tqdm is not a dependency: any object with ``update(n)`` and a writable ``total`` works (rich's and
enlighten's bars through a three-line shim).  A ``consumed`` that goes down (bytes of a retried
request taken back) becomes a negative update, so the bar never overstates what arrived.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["ProgressBarCallback", "tqdm_callback"]


class ProgressBarCallback:
    """A ``progress_callback`` that moves ``bar`` (anything with ``update(n)`` and ``total``).

    Safe to call from several threads (the official SDK's transfers call from their workers).
    Usable as a context manager that closes the bar on exit.
    """

    def __init__(self, bar: Any) -> None:
        if not callable(getattr(bar, "update", None)):
            raise TypeError("bar must have an update(n) method (a tqdm bar, for instance), not %r" % (bar,))
        self.bar = bar
        self._shown = 0
        self._lock = threading.Lock()

    def __call__(self, consumed_bytes: int, total_bytes: int) -> None:
        with self._lock:
            if total_bytes and getattr(self.bar, "total", None) != total_bytes:
                self.bar.total = total_bytes
                refresh = getattr(self.bar, "refresh", None)
                if callable(refresh):
                    refresh()
            step = consumed_bytes - self._shown
            if step:
                self._shown = consumed_bytes
                self.bar.update(step)

    def close(self) -> None:
        close = getattr(self.bar, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> ProgressBarCallback:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def tqdm_callback(**tqdm_kwargs: Any) -> ProgressBarCallback:
    """A ``ProgressBarCallback`` on a new tqdm bar counting bytes (``pip install tqdm`` first).

    ``tqdm_kwargs`` go to ``tqdm.tqdm`` (``desc``, ``position``, ``leave``, ...); ``unit='B'``,
    ``unit_scale=True`` and ``unit_divisor=1024`` are the defaults.
    """
    try:
        from tqdm import tqdm
    except ImportError:
        raise ImportError(
            "tqdm_callback needs tqdm: pip install tqdm (or pass any bar with update(n) to ProgressBarCallback)"
        ) from None
    options = dict(unit="B", unit_scale=True, unit_divisor=1024)
    options.update(tqdm_kwargs)
    return ProgressBarCallback(tqdm(**options))
