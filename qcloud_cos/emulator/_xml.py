"""Tiny XML helpers: text escaping for the renderers, and reading a request document."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["local_name", "parse_request_document", "xml_text"]


def local_name(tag: str) -> str:
    """``tag`` without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


def parse_request_document(data: bytes, root: str) -> ET.Element:
    """The root element of a request body that must be a ``<root>`` document.

    Not well-formed, a DTD or entity declaration (never needed; refused to rule out entity
    expansion) or another root -> 400 ``MalformedXML``.
    """
    from ._errors import CosError  # _errors renders with xml_text: imported here, not at the top

    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise CosError("MalformedXML")
    try:
        element = ET.fromstring(data)
    except ET.ParseError:
        raise CosError("MalformedXML") from None
    if local_name(element.tag) != root:
        raise CosError("MalformedXML")
    return element


# Characters XML 1.0 cannot carry at all, even as character references.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Escape ``value`` for element content; characters XML 1.0 forbids become U+FFFD.

    Quotes are escaped too, so an ETag is emitted as ``&quot;...&quot;`` like real COS.
    """
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _INVALID_XML.sub("\ufffd", value)
