"""A part of a local file as a request body: opened lazily, read in blocks, never held whole.

``PartReader`` looks like a seekable binary file of exactly ``size`` bytes; the HTTP layer reads it
block by block (so memory stays O(block), not O(part)), rewinds it with ``seek(0)`` to retry, and
every block read is counted towards progress (taken back on rewind) and checked for cancellation.
The CRC-64 of what is sent is computed by the request layer, which checks it against COS's; the
reader keeps its own (``crc64``: of the bytes read since the last rewind) for the engine's checks.

A local read error (the file replaced by a directory, a permission or I/O error) is raised as
``LocalReadError``, a BaseException like ``Stopped``, so that no HTTP layer mistakes the OSError
for a network failure and retries it; the engine raises the OSError itself.
"""

import os
import threading

from .. import _crc64
from ..cos_exception import CosClientError
from .progress import Stopped


class LocalReadError(BaseException):
    """An OSError reading the local file inside a request body; ``error`` is the OSError."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error

    def oserror(self, path):
        """The OSError, naming ``path`` when it did not already."""
        error = self.error
        if getattr(error, "filename", None) is None and error.errno is not None:
            return type(error)(error.errno, error.strerror, path)
        return error


BLOCK = 256 * 1024
_buffers = threading.local()


def _thread_buffer():
    """This thread's read buffer: reused by every part the thread sends, so no block is allocated
    (and zero-filled by the kernel) per read."""
    buf = getattr(_buffers, "buf", None)
    if buf is None:
        buf = _buffers.buf = memoryview(bytearray(BLOCK))
    return buf


class PartReader:
    """The bytes ``[offset, offset + size)`` of a file as a seekable binary file.

    ``read`` returns a memoryview of this thread's buffer, valid until the next ``read`` in the
    thread (the HTTP layer sends each block before reading the next; ``returns_views`` tells the body
    layer not to copy it), and keeps ``crc64``, the CRC-64 of the bytes read since the start
    (``tracks_crc64``: the body layer uses it instead of computing its own).
    """

    returns_views = True
    tracks_crc64 = True

    def __init__(self, path, *, offset, size, progress=None, should_stop=None):
        self._path = path
        self._offset = offset
        self._size = size
        self._progress = progress
        self._should_stop = should_stop
        self._file = None
        self._pos = 0
        self.crc64 = 0

    # -- file protocol used by the HTTP layer ----------------------------------------------
    def read(self, amount=-1):
        if self._should_stop is not None and self._should_stop():
            raise Stopped()
        left = self._size - self._pos
        if amount is None or amount < 0 or amount > left:
            amount = left
        amount = min(amount, BLOCK)  # a short read is allowed; the caller asks again
        if amount <= 0:
            return b""
        data = _thread_buffer()[:amount]
        try:
            if self._file is None:
                self._file = open(self._path, "rb", buffering=0)
                self._file.seek(self._offset + self._pos)
            got = 0
            while got < amount:
                n = self._file.readinto(data[got:])
                if not n:
                    break
                got += n
        except OSError as exc:
            raise LocalReadError(exc) from exc
        if got < amount:
            raise CosClientError(
                "%s is shorter than when the upload was planned: it changed while uploading" % self._path
            )
        self._pos += len(data)
        self.crc64 = _crc64.crc64(data, self.crc64)
        if self._progress is not None:
            self._progress.add(len(data))
        return data

    def tell(self):
        return self._pos

    def seek(self, offset, whence=os.SEEK_SET):
        if whence == os.SEEK_END:
            target = self._size + offset
        elif whence == os.SEEK_CUR:
            target = self._pos + offset
        else:
            target = offset
        if target != self._pos:
            if target != 0 and whence != os.SEEK_END:
                raise OSError("PartReader can only rewind to its start")
            if whence == os.SEEK_END:
                # only used to measure the size; restore immediately
                return target
            if self._progress is not None:
                self._progress.take_back(self._pos)
            self._pos = 0
            self.crc64 = 0
            if self._file is not None:
                try:
                    self._file.seek(self._offset)
                except OSError as exc:
                    raise LocalReadError(exc) from exc
        return self._pos

    def seekable(self):
        return True

    def readable(self):
        return True

    def __len__(self):
        return self._size

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
