"""Type aliases used in the annotations of the public API (for type checkers and readers only).

The client accepts what the official SDK accepts; these name the usual shapes of it.
"""

from __future__ import annotations

import os
from typing import IO, Any, Callable, Iterable, Union

# An object key: text (bytes are decoded as UTF-8, as the official SDK does).
ObjectKey = Union[str, bytes]
# A whole-number parameter (MaxKeys, PartNumber, ...): an int or a string of digits.
IntParam = Union[int, str]
# An upload body: bytes, text (sent as UTF-8), a binary file object (read from its position) or an
# iterable of bytes chunks (streamed).
BodyData = Union[bytes, bytearray, memoryview, str, IO[Any], Iterable[bytes]]
# A local path, as the official SDK takes it.
PathArg = Union[str, bytes, os.PathLike]  # (unsubscripted: os.PathLike[...] needs Python 3.9 at run time)
# progress_callback(consumed_bytes, total_bytes)
ProgressFn = Callable[[int, int], Any]
