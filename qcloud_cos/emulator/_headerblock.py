"""Reading an HTTP/1.1 request's header block, without ``email.parser``.

``http.server`` parses headers with ``http.client.parse_headers``, which hands the block to the
``email`` package: about a third of the interpreter time of a small PUT went there.  This reader
keeps what the server relies on from it:

* at most ``MAX_LINE`` bytes a line and ``MAX_HEADERS`` lines (``HeaderBlockError`` with the
  status and message ``http.server`` uses: 431 "Line too long" / "Too many headers");
* the block ends at an empty line (or at the end of the stream);
* names are matched case-insensitively, ``get`` answers the first of repeated headers and
  ``items`` all of them in order; a value loses its leading blanks and keeps the rest;
* an obsolete folded line (starting with a space or tab) continues the previous value, joined
  with its line break as the ``email`` package joins it;
* a line with no ``:`` is refused (400 "Bad header line"), where the ``email`` package would
  have quietly ended the headers there and taken the rest as body.
"""

from __future__ import annotations

from typing import BinaryIO, Dict, List, Optional, Tuple

MAX_LINE = 65536
MAX_HEADERS = 100


class HeaderBlockError(Exception):
    """A header block the server refuses: ``status`` and ``message`` for ``send_error``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Headers:
    """The headers of one request: ``get`` (case-insensitive, first wins) and ``items`` (all, in order)."""

    __slots__ = ("_items", "_first")

    def __init__(self, items: List[Tuple[str, str]]) -> None:
        self._items = items
        first: Dict[str, str] = {}
        for name, value in items:
            first.setdefault(name.lower(), value)
        self._first = first

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self._first.get(name.lower(), default)

    def __getitem__(self, name: str) -> Optional[str]:
        return self._first.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def items(self) -> List[Tuple[str, str]]:
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)


def read_headers(rfile: BinaryIO) -> Headers:
    """The header block at the front of ``rfile`` (bytes decoded as ISO-8859-1, as on the wire)."""
    items: List[Tuple[str, str]] = []
    lines = 0
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise HeaderBlockError(431, "Line too long")
        if line in (b"\r\n", b"\n", b""):
            return Headers(items)
        lines += 1
        if lines > MAX_HEADERS:
            raise HeaderBlockError(431, "Too many headers")
        text = line.decode("iso-8859-1")
        if text[:1] in (" ", "\t"):
            if not items:
                raise HeaderBlockError(400, "Bad header line")
            name, value = items[-1]
            items[-1] = (name, value + "\r\n" + text.rstrip("\r\n"))
            continue
        name, sep, value = text.rstrip("\r\n").partition(":")
        if not sep or not name or name != name.strip():
            raise HeaderBlockError(400, "Bad header line")
        items.append((name, value.lstrip(" \t")))
