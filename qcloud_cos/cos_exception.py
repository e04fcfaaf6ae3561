"""Exceptions raised by qcloud_cos (official module path and semantics).

``CosClientError`` covers everything that happens on the client side (bad arguments, network
failures after retries); ``CosServiceError`` wraps an error answer from COS and exposes the
official getters.  Unlike the official SDK, a getter whose field is missing returns
``'Unknown'`` instead of raising ``KeyError``, and a message never carries a secret: the values
of secret-named fields (``Authorization``, ``q-signature``, ``x-cos-security-token``, SSE-C
keys, ...) are masked when the exception is made, so ``str``, ``repr``, the getters, pickling
and tracebacks show ``***`` instead.  (The transport also masks, by value, the exact secrets the
failed request carried before it builds the exception.)
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from typing import Any, Dict, Optional, Tuple, Union

from . import _redact

__all__ = ["CosException", "CosClientError", "CosServiceError"]

_INVALID = "Response Error Msg Is INVALID"
_REQUIRED = (("Code", "code"), ("Message", "message"), ("Resource", "resource"), ("RequestId", "requestid"))


def _scrubbed(message: Any) -> Any:
    if isinstance(message, str):
        return _redact.scrub_names(message)
    if hasattr(message, "items"):
        result = _redact.headers(message)
        for name, value in list(result.items()):
            if isinstance(value, str):
                result[name] = _redact.scrub_names(value)
        return result
    return message


class CosException(Exception):
    def __init__(self, message: Any) -> None:
        message = _scrubbed(message)
        self._message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self._message)


class CosClientError(CosException):
    """A client-side error: bad input, or a network failure that retries did not cure."""


def _first_text(root: ElementTree.Element, tag: str) -> Optional[str]:
    for element in root.iter(tag):
        if element.text:
            return element.text
        return None
    return None


def digest_xml(data: Union[str, bytes]) -> Union[None, str, Dict[str, str]]:
    """Parse COS's ``<Error>`` XML into the official digest dict, or the INVALID marker."""
    try:
        root = ElementTree.fromstring(data.encode("utf-8") if isinstance(data, str) else data)
    except (ElementTree.ParseError, ValueError):
        return None
    digest = {}
    for tag, name in _REQUIRED:
        value = _first_text(root, tag)
        if value is None:
            return _INVALID
        digest[name] = value
    digest["traceid"] = _first_text(root, "TraceId") or "Unknown"
    return digest


def digest_xml_or_json(data: Union[str, bytes]) -> Any:
    digest = digest_xml(data)
    if digest is not None and digest != _INVALID:
        return digest
    try:
        return json.loads(data)
    except (TypeError, ValueError):
        return _INVALID


class CosServiceError(CosException):
    """An error answered by COS.  ``message`` is the response text, or a digest dict."""

    def __init__(self, method: Optional[str], message: Any, status_code: int) -> None:
        super().__init__(message)
        message = self._message
        self._method = method
        self._status_code = status_code
        if isinstance(message, dict) or (hasattr(message, "items") and not isinstance(message, str)):
            self._origin_msg = ""
            self._digest_msg = message
        else:
            self._origin_msg = message
            self._digest_msg = digest_xml_or_json(message)

    def __str__(self) -> str:
        return str(self._digest_msg)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (self.__class__, (self._method, self._message, self._status_code))

    def _field(self, name: str) -> Any:
        if isinstance(self._digest_msg, dict):
            return self._digest_msg.get(name, "Unknown")
        return "Unknown"

    def get_origin_msg(self) -> str:
        """The raw response text."""
        return self._origin_msg

    def get_digest_msg(self) -> Any:
        """The parsed error: a dict with code/message/resource/requestid/traceid."""
        return self._digest_msg

    def get_status_code(self) -> int:
        return self._status_code

    def get_error_code(self) -> str:
        return self._field("code")

    def get_error_msg(self) -> str:
        return self._field("message")

    def get_resource_location(self) -> str:
        return self._field("resource")

    def get_trace_id(self) -> str:
        return self._field("traceid")

    def get_request_id(self) -> str:
        return self._field("requestid")
