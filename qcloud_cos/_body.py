"""Request bodies: what to hand to requests, how long, how to replay, how to checksum.

A ``Body`` is built once per call from whatever the user passed (bytes, str, a file object at
any offset, any readable stream, an iterable) and is asked, attempt after attempt, for a fresh
payload.  Files are streamed from disk in blocks (never read whole), and the CRC-64 of what was
actually sent is computed on the way out so it can be checked against ``x-cos-hash-crc64ecma``.
"""

import base64
import errno
import hashlib
import io
import os
import stat as _stat
from stat import S_ISREG

from . import _crc64
from ._headers import content_length
from .cos_exception import CosClientError

SINGLE_UPLOAD_LENGTH = 5 * 1024**3
READ_BLOCK = 1024 * 1024


class _FileReader:
    """Streams exactly ``length`` bytes of a file object, feeding a CRC as it goes."""

    def __init__(self, fileobj, length, crc, *, name="Body"):
        self._name = name
        self._fileobj = fileobj
        self._left = length
        self._length = length
        self._crc = crc

    def __len__(self):
        return self._length

    def read(self, size=-1):
        if self._left <= 0:
            return b""
        if size is None or size < 0 or size > self._left:
            size = self._left
        chunk = _read(self._fileobj, size, name=self._name)
        if not chunk:
            if isinstance(self._fileobj, _IterFile):
                raise CosClientError(
                    "%s ended %d bytes short of ContentLength=%d" % (self._name, self._left, self._length)
                )
            raise CosClientError("body file ended %d bytes early: it changed while uploading" % self._left)
        if len(chunk) > self._left:
            raise CosClientError("%s delivered more bytes than asked for" % self._name)
        self._left -= len(chunk)
        if not self._left and isinstance(self._fileobj, _IterFile) and self._fileobj.has_more():
            # Refuse before the last byte goes out: the server must not store a truncated object.
            raise CosClientError("%s has more bytes than ContentLength=%d" % (self._name, self._length))
        if self._crc is not None:
            self._crc.update(chunk)
        return chunk

    def __iter__(self):
        while True:
            chunk = self.read(READ_BLOCK)
            if not chunk:
                return
            yield chunk


class _IterFile:
    """``read(n)`` over an iterable of byte chunks."""

    def __init__(self, chunks):
        self._chunks = chunks
        self._pending = b""

    def _fill(self, size):
        while len(self._pending) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                return
            self._pending += chunk

    def read(self, size):
        self._fill(size)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def has_more(self):
        self._fill(1)
        return bool(self._pending)


def _chunk_bytes(chunk, where):
    """One chunk of an iterable Body as bytes; anything but bytes or str is an error."""
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    if isinstance(chunk, str):
        return _utf8(chunk, where)
    raise CosClientError("%s is %s: an iterable body must yield bytes or str" % (where, type(chunk).__name__))


def _utf8(text, where):
    """``text`` as UTF-8; a str that has none (a lone surrogate) is the caller's error."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CosClientError(
            "%s is a str that cannot be encoded as UTF-8 (%s); pass bytes" % (where, exc.reason)
        ) from None


def _checked_chunks(iterable, name):
    """The chunks of an iterable body as bytes, failing (before sending it) on the first bad one.

    An error raised by the iterable itself (a generator reading a file) is the body's error: the HTTP
    layer would otherwise take an ``OSError`` for a broken connection and retry it.
    """
    chunks = iter(iterable)
    index = 0
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        except (OSError, ValueError) as exc:
            raise CosClientError("cannot read %s: %s" % (name, exc)) from exc
        yield _chunk_bytes(chunk, "%s item %d" % (name, index))
        index += 1


def _read(fileobj, size, *, name):
    """``fileobj.read(size)``; a local read failure is the body's error (never retried as a network one)."""
    try:
        chunk = fileobj.read(size)
    except CosClientError:
        raise
    except (OSError, ValueError) as exc:
        raise CosClientError("cannot read %s: %s" % (name, exc)) from exc
    if chunk is None:  # a non-blocking stream with nothing to read now
        raise CosClientError("cannot read %s: read() returned None (a non-blocking stream?)" % name)
    if isinstance(chunk, str):
        raise CosClientError("%s must be opened in binary mode (read() returned str)" % name)
    if isinstance(chunk, memoryview) and getattr(fileobj, "returns_views", False):
        return chunk  # our own part reader: sent before its next read, so not copied
    return _chunk_bytes(chunk, "%s.read() result" % name)


class Body:
    """One request body.  ``payload()`` gives the data for the next attempt."""

    def __init__(self, *, data=None, fileobj=None, iterable=None, length=None, position=None, name="Body"):
        self.name = name
        self._data = data
        self._fileobj = fileobj
        self._iterable = iterable
        self.length = length
        self._position = position
        self._crc = _crc64.Crc64()
        # a file object that keeps the CRC-64 of what it delivered since its start (our part reader):
        # use it rather than computing the same CRC a second time
        self._crc_from_file = position == 0 and getattr(fileobj, "tracks_crc64", False)
        self._used = False

    @property
    def rewindable(self):
        """Whether a retry can send the same bytes again."""
        if self._iterable is not None:
            return not self._used
        if self._fileobj is not None:
            return self._position is not None or not self._used
        return True

    def payload(self):
        """The object requests should send for the next attempt (rewinding a file first)."""
        self._crc = _crc64.Crc64()
        if self._data is not None:
            return self._data
        if self._iterable is not None:
            self._used = True
            return self._iterable
        if self._used and self._position is not None:
            self._fileobj.seek(self._position)
        self._used = True
        if self.length == 0:
            return b""
        crc = None if self._crc_from_file else self._crc
        return _FileReader(self._fileobj, self.length, crc, name=self.name)

    def use_declared_length(self, declared):
        """Honour a caller-declared ContentLength for a stream of unknown length.

        The stream is then sent with that Content-Length (not chunked) and must deliver exactly
        that many bytes.  For bodies whose length is known the real length always wins.
        """
        length = content_length(declared)
        if length is None or self.length is not None or self._iterable is None:
            return
        self._fileobj = _IterFile(self._iterable)
        self._iterable = None
        self.length = length

    def sent_crc64(self):
        """CRC-64 of the bytes the last attempt sent, or None when it is not known."""
        if self._data is not None:
            return _crc64.crc64(self._data)
        if self._fileobj is not None and self.length is not None:
            return self._fileobj.crc64 if self._crc_from_file else self._crc.value
        return None

    def content_md5(self):
        """base64 MD5 of the body (bytes, or a seekable stream read from its position and put back)."""
        if self._data is not None:
            return base64.b64encode(hashlib.md5(self._data).digest()).decode("ascii")
        if self._fileobj is None or self._position is None:
            raise CosClientError("unsupported body type to calculate md5!")
        digest = hashlib.md5()
        left = self.length
        while left:
            chunk = _read(self._fileobj, min(READ_BLOCK, left), name=self.name)
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
        try:
            self._fileobj.seek(self._position)
        except (OSError, ValueError) as exc:
            raise CosClientError("seek unsupported to calculate md5!") from exc
        return base64.b64encode(digest.digest()).decode("ascii")


def _remaining(fileobj):
    """(position, remaining bytes) of a readable object, or (None, None) when it cannot tell."""
    try:
        position = fileobj.tell()
    except (AttributeError, OSError, ValueError):
        return None, None
    try:
        stat = os.fstat(fileobj.fileno())
        if S_ISREG(stat.st_mode):
            return position, max(stat.st_size - position, 0)
    except (AttributeError, OSError, ValueError):
        pass
    if hasattr(fileobj, "getbuffer"):
        return position, max(len(fileobj.getbuffer()) - position, 0)
    try:
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(position)
        return position, max(end - position, 0)
    except (AttributeError, OSError, ValueError):
        return None, None


def _read_chunks(fileobj, name):
    while True:
        chunk = _read(fileobj, READ_BLOCK, name=name)
        if not chunk:
            return
        yield chunk


def _check_readable(fileobj, name):
    """Refuse closed, write-only and text-mode file objects before any request is made."""
    if getattr(fileobj, "closed", False) is True:
        raise CosClientError("%s is a closed file" % name)
    readable = getattr(fileobj, "readable", None)
    if callable(readable):
        try:
            ok = readable()
        except (OSError, ValueError) as exc:
            raise CosClientError("%s cannot be read: %s" % (name, exc)) from exc
        if not ok:
            raise CosClientError("%s is not readable (a file opened for writing only?)" % name)
    if isinstance(fileobj, io.TextIOBase):
        raise CosClientError("%s must be opened in binary mode (got a text file)" % name)


_FILE_KINDS = (
    (_stat.S_ISFIFO, "a FIFO"),
    (_stat.S_ISCHR, "a character device"),
    (_stat.S_ISBLK, "a block device"),
    (_stat.S_ISSOCK, "a socket"),
)


def open_local_file(path, *, name="LocalFilePath"):
    """Open a local regular file for binary reading, refusing anything else before it can block.

    A missing path, a directory or a socket raises the OSError naming the path (as ``open``
    would); a FIFO or a device raises CosClientError naming ``name``: reading one would block, or
    upload whatever it yields.  The file is opened without blocking (O_NONBLOCK) and checked with
    ``fstat`` on the descriptor itself, so nothing can swap the path in between.
    """
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise CosClientError("%s must be a path (str, bytes or os.PathLike), not %s" % (name, type(path).__name__))
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if _stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not S_ISREG(mode):
            kind = next((what for test, what in _FILE_KINDS if test(mode)), "not a regular file")
            raise CosClientError("%s %r is %s, not a regular file" % (name, os.fsdecode(path), kind))
        if getattr(os, "O_NONBLOCK", 0) and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def make_body(body, *, limit=SINGLE_UPLOAD_LENGTH, name="Body"):
    """Build a ``Body`` from what the caller passed; enforce the single-request size limit."""
    if body is None:
        body = b""
    if isinstance(body, str):
        body = _utf8(body, name)
    if isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    if isinstance(body, bytes):
        result = Body(data=body, length=len(body))
    elif hasattr(body, "read"):
        _check_readable(body, name)
        position, length = _remaining(body)
        if length is None:
            result = Body(iterable=_read_chunks(body, name), name=name)
        else:
            result = Body(fileobj=body, length=length, position=position, name=name)
    elif isinstance(body, (list, tuple)):
        # Already in memory: sent with its length, and replayable.
        data = b"".join(_chunk_bytes(chunk, "%s item %d" % (name, i)) for i, chunk in enumerate(body))
        result = Body(data=data, length=len(data))
    elif isinstance(body, (dict, set, frozenset)) or not hasattr(body, "__iter__"):
        raise CosClientError(
            "%s must be bytes, str, a binary file object or an iterable of bytes, not %s" % (name, type(body).__name__)
        )
    else:
        result = Body(iterable=_checked_chunks(body, name), name=name)
    if result.length is not None and result.length > limit:
        raise CosClientError("The object size you upload can not be larger than 5GB in put_object or upload_part")
    return result
