"""Byte-level progress that users can trust.

Bytes are counted as request bodies are actually read for sending; when a request is retried the
bytes of the failed attempt are taken back, so the count never includes anything twice.  What the
callback sees is serialised (one call at a time, under a lock), never decreases, reports resumed
bytes first, and reaches ``total`` only once the object is complete.
"""

import threading


class Stopped(BaseException):
    """Raised inside a request body read to stop an upload (cancel, or a failing callback).

    A BaseException so that no HTTP layer mistakes it for a network error worth retrying.
    """


class Progress:
    def __init__(self, *, total, callback):
        self.total = total
        self._callback = callback
        self._lock = threading.Lock()
        self._count = 0
        self._reported = -1
        self._finished = False
        self.error = None  # an exception raised by the callback

    @property
    def count(self):
        return self._count

    def add(self, amount):
        with self._lock:
            self._count += amount
            self._emit()

    def take_back(self, amount):
        with self._lock:
            self._count -= amount

    def finish(self):
        with self._lock:
            self._finished = True
            self._count = self.total
            self._emit()

    def _emit(self):
        if self._callback is None or self.error is not None:
            return
        ceiling = self.total if self._finished else max(self.total - 1, 0)
        value = min(self._count, ceiling)
        if value <= self._reported:
            return
        self._reported = value
        try:
            self._callback(value, self.total)
        except Exception as exc:  # the user's callback stops the upload with its exception
            self.error = exc
            raise Stopped() from exc
