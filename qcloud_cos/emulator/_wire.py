"""The HTTP-level contract between the socket side (``_server``) and the service (``_app``).

``_server`` turns bytes into a ``Request`` and a ``Response`` back into bytes;
everything between is ``CosApp.handle(Request) -> Response``.  No COS rules here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, List, Optional, Protocol, Tuple

from ._throttle import Throttle

__all__ = ["Body", "CRC_HEADER", "Request", "Response"]

#: the CRC-64 response header (set by the handlers, altered by a ``corrupt_crc`` fault)
CRC_HEADER = "x-cos-hash-crc64ecma"


class Body(Protocol):
    """A request body as the server hands it over."""

    length: Optional[int]  # Content-Length, or None for chunked
    chunked: bool

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes; ``b''`` at the end.  Raises ``CosError`` on a short body."""


@dataclass
class Request:
    method: str
    target: str  # the request-target exactly as received
    path: str  # raw (percent-encoded) path
    query: str  # raw query string, no '?'
    host: str  # Host header value, or the authority of an absolute-form target
    headers: List[Tuple[str, str]]  # as received; values hold raw bytes as latin-1
    body: Body

    def header(self, name: str) -> Optional[str]:
        lname = name.lower()
        values = [v for k, v in self.headers if k.lower() == lname]
        return ", ".join(v.strip() for v in values) if values else None


@dataclass
class Response:
    """One answer.  Its fields are of three kinds:

    * wire data: ``status``, ``headers``, ``body`` (or ``stream`` + ``length``);
    * instructions to the server: ``throttle``, ``reset_after``, ``reset_now``,
      ``close_connection``;
    * request-log data: ``op``, ``bucket``, ``key``, ``error_code``, ``crc_corrupted``.
    """

    status: int
    headers: List[Tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Optional[IO[bytes]] = None  # body file, positioned; ``length`` bytes are sent
    length: Optional[int] = None  # Content-Length when ``stream`` is used (or for HEAD)
    throttle: Optional[Throttle] = None
    reset_after: Optional[int] = None  # reset the connection after this many body bytes
    reset_now: bool = False  # reset the connection without answering
    op: str = ""
    bucket: Optional[str] = None
    key: Optional[str] = None
    error_code: Optional[str] = None
    close_connection: bool = False
    crc_corrupted: bool = False  # a corrupt_crc fault altered x-cos-hash-crc64ecma

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
