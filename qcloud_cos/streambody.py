"""``StreamBody``: the streamed body of ``get_object`` (official module path and methods)."""

from __future__ import annotations

import errno
import os
import uuid
from typing import IO, Any, Iterator, Optional, Union

import requests
import urllib3

from . import _crc64
from .cos_exception import CosClientError

CHUNK = 1024 * 1024


def _check_chunk_size(chunk_size: Any) -> None:
    if chunk_size is not None and (not isinstance(chunk_size, int) or isinstance(chunk_size, bool)):
        raise CosClientError("chunk_size must be an integer (bytes per chunk), not %r" % (chunk_size,))


class StreamBody:
    def __init__(self, rt: requests.Response) -> None:
        self._rt = rt
        self._read_len = 0
        self._content_len: Optional[int]
        headers = rt.headers
        if "Content-Length" in headers:
            self._content_len = int(headers["Content-Length"])
        elif "Transfer-Encoding" in headers:
            self._content_len = None
        else:
            raise IOError("create StreamBody failed without Content-Length header or Transfer-Encoding header")

    def __len__(self) -> int:
        return self._content_len or 0

    def __iter__(self) -> Iterator[bytes]:
        return self.get_stream(1024)

    def get_raw_stream(self) -> Any:
        """The underlying urllib3 response (a file-like object)."""
        return self._rt.raw

    def get_stream(self, chunk_size: int = 1024, auto_decompress: bool = False) -> Iterator[bytes]:
        """Iterate over the body in chunks; ``auto_decompress`` undoes Content-Encoding gzip."""
        _check_chunk_size(chunk_size)
        if auto_decompress:
            return self._rt.iter_content(chunk_size=chunk_size)
        return self._rt.raw.stream(chunk_size, decode_content=False)

    def read(self, chunk_size: int = 1024, auto_decompress: bool = False) -> bytes:
        """Read everything that is left (in ``chunk_size`` steps) and return it as bytes."""
        return b"".join(self.get_stream(chunk_size, auto_decompress))

    def get_stream_to_file(
        self,
        file_name: Union[str, bytes, os.PathLike],  # os.PathLike[...] would not evaluate on Python 3.8
        disable_tmp_file: bool = False,
        auto_decompress: bool = False,
    ) -> None:
        """Write the body to ``file_name`` through a temporary file renamed at the end.

        Raises IOError if fewer bytes than Content-Length arrived (or the connection broke), and
        CosClientError if the
        whole-object CRC-64 announced by COS does not match what was written.
        """
        if not isinstance(file_name, (str, bytes, os.PathLike)):
            raise CosClientError(
                "file_name must be a path (str, bytes or os.PathLike), not %s" % type(file_name).__name__
            )
        file_name = os.fspath(file_name)
        if os.path.isdir(file_name):  # refused before downloading, not when renaming at the end
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), file_name)
        if disable_tmp_file:
            target = file_name
        elif isinstance(file_name, bytes):
            target = b"%s_%s" % (file_name, uuid.uuid4().hex.encode("ascii"))
        else:
            target = "%s_%s" % (file_name, uuid.uuid4().hex)
        crc = _crc64.Crc64()
        written = 0
        try:
            with open(target, "wb") as fp:
                try:
                    for chunk in self.get_stream(CHUNK, auto_decompress):
                        fp.write(chunk)
                        crc.update(chunk)
                        written += len(chunk)
                except (urllib3.exceptions.HTTPError, requests.RequestException) as exc:
                    raise IOError("download failed with incomplete file: %s" % exc) from exc
            if self._content_len is not None and not auto_decompress and written != self._content_len:
                raise IOError("download failed with incomplete file")
            self._check_crc(crc.value, auto_decompress)
            if not disable_tmp_file:
                os.replace(target, file_name)
        except BaseException:
            if not disable_tmp_file and os.path.exists(target):
                os.remove(target)
            raise

    def pget_stream_to_file(
        self, fdst: IO[bytes], offset: int, expected_len: int, auto_decompress: bool = False
    ) -> None:
        """Write the body into the open binary file ``fdst`` from byte ``offset`` (a ranged GET's part).

        The file position ends after the last byte written.  Raises IOError when the body's length
        is not ``expected_len`` (after writing what arrived) or the connection broke.
        """
        for name, value in (("offset", offset), ("expected_len", expected_len)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise CosClientError("%s must be an integer >= 0, not %r" % (name, value))
        if not callable(getattr(fdst, "write", None)) or not callable(getattr(fdst, "seek", None)):
            raise CosClientError("fdst must be a file opened for binary writing, not %s" % type(fdst).__name__)
        fdst.seek(offset)
        written = 0
        try:
            for chunk in self.get_stream(CHUNK, auto_decompress):
                fdst.write(chunk)
                written += len(chunk)
        except (urllib3.exceptions.HTTPError, requests.RequestException) as exc:
            raise IOError("download failed with incomplete file: %s" % exc) from exc
        if written != expected_len:
            raise IOError(
                "download failed with incomplete file: %d bytes written, %d expected" % (written, expected_len)
            )

    def _check_crc(self, local: int, auto_decompress: bool) -> None:
        remote = self._rt.headers.get("x-cos-hash-crc64ecma")
        if auto_decompress or self._rt.status_code != 200 or not remote:
            return
        if str(local) != remote.strip():
            raise CosClientError("crc64 mismatch on download: got %s, COS says %s" % (local, remote))
