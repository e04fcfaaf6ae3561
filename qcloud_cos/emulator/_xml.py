"""Tiny XML text helpers shared by the error renderer and the list operations."""

from __future__ import annotations

import re

__all__ = ["xml_text"]

# Characters XML 1.0 cannot carry at all, even as character references.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Escape ``value`` for element content; characters XML 1.0 forbids become U+FFFD.

    Quotes are escaped too, so an ETag is emitted as ``&quot;...&quot;`` like real COS.
    """
    value = (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
    return _INVALID_XML.sub("\ufffd", value)
