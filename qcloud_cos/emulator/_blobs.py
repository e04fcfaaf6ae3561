"""Body files: receiving one (``BlobWriter``), reading a segmented one (``SegmentReader``),
and deleting removed ones in the background (``_Reaper``).

No SQLite and no knowledge of keys here: a blob is a file named by an opaque id,
and the store decides where it lives and when it may go (see ``_store``).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import os
import shutil
import tempfile
import threading
from typing import IO, Any, Callable, List, Optional, Sequence, Tuple

from ._crc64 import Crc64

__all__ = ["BlobWriter", "SegmentReader", "copy_stream"]

_COPY_CHUNK = 1 << 20


class BlobWriter:
    """Receives one body into ``tmp/``, hashing as it goes; ``Store.commit_object`` publishes it.

    Use as a context manager: leaving the block without a commit removes the file.
    """

    def __init__(self, tmp_dir: str, *, hashing: bool = True) -> None:
        fd, self.path = tempfile.mkstemp(dir=tmp_dir, prefix="body-")
        self._file: Optional[IO[bytes]] = os.fdopen(fd, "wb")
        self._md5 = hashlib.md5()
        self._crc = Crc64()
        self._hashing = hashing
        self.size = 0
        self.committed = False

    def write(self, data: bytes) -> None:
        assert self._file is not None, "writer is closed"
        self._file.write(data)
        if self._hashing:
            self._md5.update(data)
            self._crc.update(data)
        self.size += len(data)

    def md5_state(self) -> Any:
        """A copy of the running MD5 object (to continue hashing later)."""
        return self._md5.copy()

    @property
    def md5(self) -> bytes:
        return self._md5.digest()

    @property
    def etag(self) -> str:
        return f'"{self._md5.hexdigest()}"'

    @property
    def crc64(self) -> int:
        return self._crc.value

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def discard(self) -> None:
        self.close()
        if not self.committed:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "BlobWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


class SegmentReader:
    """Read-only, seekable view of a segmented body: its segment blobs, concatenated.

    Memory stays bounded: ``read(n)`` returns at most ``n`` bytes and never
    crosses a segment boundary (short reads are normal; ``b''`` only at the
    end), and only one segment file is open at a time.  The segment blobs are
    pinned by ``Store.open_object`` (which passes ``open_blob`` and ``unpin``) so they outlive an overwrite or DELETE
    until ``close`` (which unpins them; closing twice is harmless).
    """

    def __init__(
        self,
        segments: Sequence[Tuple[str, int]],
        *,
        open_blob: Callable[[str], IO[bytes]],
        unpin: Callable[[List[str]], None],
    ) -> None:
        self._open_blob = open_blob
        self._unpin: Optional[Callable[[List[str]], None]] = unpin  # None once closed
        self._blob_ids = [blob_id for blob_id, _ in segments]
        self._ends = list(itertools.accumulate(size for _, size in segments))
        self.size = self._ends[-1] if self._ends else 0
        self._pos = 0
        self._index = -1  # segment whose file is open in ``_fh``
        self._fh: Optional[IO[bytes]] = None

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        self._close_file()  # reopened (and positioned) by the next read
        return self._pos

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes from the current position (``n`` must be >= 0: reads are bounded)."""
        if self._unpin is None:
            raise ValueError("read from a closed SegmentReader")
        if n < 0:
            raise ValueError("SegmentReader.read needs a byte count")
        if n == 0 or self._pos >= self.size:
            return b""
        index = bisect.bisect_right(self._ends, self._pos)  # first segment ending after pos (skips empty ones)
        seg_start = self._ends[index - 1] if index else 0
        if index != self._index:
            self._close_file()
            self._fh = self._open_blob(self._blob_ids[index])
            self._index = index
            self._fh.seek(self._pos - seg_start)
        assert self._fh is not None
        data = self._fh.read(min(n, self._ends[index] - self._pos))
        if not data:
            raise OSError("object segment is shorter than its record")
        self._pos += len(data)
        return data

    def readable(self) -> bool:
        return True

    def _close_file(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._index = -1

    def close(self) -> None:
        self._close_file()
        unpin, self._unpin = self._unpin, None
        if unpin is not None:
            unpin(self._blob_ids)

    @property
    def closed(self) -> bool:
        return self._unpin is None

    def __enter__(self) -> "SegmentReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _empty_dir(path: str) -> None:
    """Delete everything in ``path`` (best effort; files may vanish meanwhile)."""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return
    for name in names:
        entry = os.path.join(path, name)
        if os.path.isdir(entry) and not os.path.islink(entry):
            shutil.rmtree(entry, ignore_errors=True)
        else:
            try:
                os.unlink(entry)
            except OSError:
                pass


class _Reaper:
    """Empties ``trash/`` on a daemon thread whenever poked; ``stop`` empties it once more and joins."""

    def __init__(self, trash_dir: str) -> None:
        self.trash_dir = trash_dir
        self._cv = threading.Condition()
        self._wanted = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="cos-emulator-reaper", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        with self._cv:
            self._wanted = True
            self._cv.notify()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not (self._wanted or self._stopping):
                    self._cv.wait()
                self._wanted = False
                stopping = self._stopping
            _empty_dir(self.trash_dir)
            if stopping:
                return

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify()
        self._thread.join()


def copy_stream(src: IO[bytes], write: Any, length: int) -> None:
    """Copy ``length`` bytes from ``src`` to ``write`` in bounded chunks."""
    while length > 0:
        chunk = src.read(min(_COPY_CHUNK, length))
        if not chunk:
            raise OSError("object body is shorter than its record")
        write(chunk)
        length -= len(chunk)
