"""Request bodies: what to hand to requests, how long, how to replay, how to checksum.

A ``Body`` is built once per call from whatever the user passed (bytes, str, a file object at
any offset, any readable stream, an iterable) and is asked, attempt after attempt, for a fresh
payload.  Files are streamed from disk in blocks (never read whole), and the CRC-64 of what was
actually sent is computed on the way out so it can be checked against ``x-cos-hash-crc64ecma``.
"""
import base64
import hashlib
import io
import os
from stat import S_ISREG

from . import _crc64
from .cos_exception import CosClientError

SINGLE_UPLOAD_LENGTH = 5 * 1024 ** 3
READ_BLOCK = 1024 * 1024


class _FileReader:
    """Streams exactly ``length`` bytes of a file object, feeding a CRC as it goes."""

    def __init__(self, fileobj, length, crc):
        self._fileobj = fileobj
        self._left = length
        self._length = length
        self._crc = crc

    def __len__(self):
        return self._length

    def read(self, size=-1):
        if self._left <= 0:
            return b''
        if size is None or size < 0 or size > self._left:
            size = self._left
        chunk = self._fileobj.read(size)
        if not chunk:
            raise CosClientError('body file ended %d bytes early: it changed while uploading'
                                 % self._left)
        self._left -= len(chunk)
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

    def __init__(self, iterable):
        self._chunks = iter(iterable)
        self._pending = b''

    def read(self, size):
        while len(self._pending) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._pending += chunk.encode('utf-8') if isinstance(chunk, str) else bytes(chunk)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


class Body:
    """One request body.  ``payload()`` gives the data for the next attempt."""

    def __init__(self, *, data=None, fileobj=None, iterable=None, length=None, position=None):
        self._data = data
        self._fileobj = fileobj
        self._iterable = iterable
        self.length = length
        self._position = position
        self._crc = _crc64.Crc64()
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
            return b''
        return _FileReader(self._fileobj, self.length, self._crc)

    def use_declared_length(self, declared):
        """Honour a caller-declared ContentLength for a stream of unknown length.

        The stream is then sent with that Content-Length (not chunked) and must deliver exactly
        that many bytes.  For bodies whose length is known the real length always wins.
        """
        if declared is None or self.length is not None or self._iterable is None:
            return
        try:
            length = int(declared)
        except (TypeError, ValueError):
            raise CosClientError('ContentLength must be an integer, got %r' % (declared,)) from None
        self._fileobj = _IterFile(self._iterable)
        self._iterable = None
        self.length = length

    def sent_crc64(self):
        """CRC-64 of the bytes the last attempt sent, or None when it is not known."""
        if self._data is not None:
            return _crc64.crc64(self._data)
        if self._fileobj is not None and self.length is not None:
            return self._crc.value
        return None

    def content_md5(self):
        """base64 MD5 of the body (bytes, or a seekable stream read from its position and put back)."""
        if self._data is not None:
            return base64.b64encode(hashlib.md5(self._data).digest()).decode('ascii')
        if self._fileobj is None or self._position is None:
            raise CosClientError('unsupported body type to calculate md5!')
        digest = hashlib.md5()
        left = self.length
        while left:
            chunk = self._fileobj.read(min(READ_BLOCK, left))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
        try:
            self._fileobj.seek(self._position)
        except (OSError, ValueError) as exc:
            raise CosClientError('seek unsupported to calculate md5!') from exc
        return base64.b64encode(digest.digest()).decode('ascii')


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
    if hasattr(fileobj, 'getbuffer'):
        return position, max(len(fileobj.getbuffer()) - position, 0)
    try:
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(position)
        return position, max(end - position, 0)
    except (AttributeError, OSError, ValueError):
        return None, None


def _read_chunks(fileobj):
    while True:
        chunk = fileobj.read(READ_BLOCK)
        if not chunk:
            return
        yield chunk


def make_body(body, *, limit=SINGLE_UPLOAD_LENGTH, name='Body'):
    """Build a ``Body`` from what the caller passed; enforce the single-request size limit."""
    if body is None:
        body = b''
    if isinstance(body, str):
        body = body.encode('utf-8')
    if isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    if isinstance(body, bytes):
        result = Body(data=body, length=len(body))
    elif hasattr(body, 'read'):
        if isinstance(body, io.TextIOBase):
            raise CosClientError('%s must be opened in binary mode (got a text file)' % name)
        position, length = _remaining(body)
        if length is None:
            result = Body(iterable=_read_chunks(body))
        else:
            result = Body(fileobj=body, length=length, position=position)
    elif hasattr(body, '__iter__'):
        result = Body(iterable=iter(body))
    else:
        raise CosClientError('%s must be bytes, str, a binary file object or an iterable of bytes, not %s'
                             % (name, type(body).__name__))
    if result.length is not None and result.length > limit:
        raise CosClientError('The object size you upload can not be larger than 5GB in put_object or upload_part')
    return result
