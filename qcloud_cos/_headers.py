"""The official keyword-argument → HTTP header (or query parameter) mapping."""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Mapping

from . import _redact
from .cos_exception import CosClientError

# kwarg name → header name (or query parameter name for VersionId and Response*).
MAPLIST = {
    "ContentLength": "Content-Length",
    "ContentMD5": "Content-MD5",
    "ContentType": "Content-Type",
    "CacheControl": "Cache-Control",
    "ContentDisposition": "Content-Disposition",
    "ContentEncoding": "Content-Encoding",
    "ContentLanguage": "Content-Language",
    "Expires": "Expires",
    "ResponseContentType": "response-content-type",
    "ResponseContentLanguage": "response-content-language",
    "ResponseExpires": "response-expires",
    "ResponseCacheControl": "response-cache-control",
    "ResponseContentDisposition": "response-content-disposition",
    "ResponseContentEncoding": "response-content-encoding",
    "Metadata": "Metadata",
    "ACL": "x-cos-acl",
    "Tagging": "x-cos-tagging",
    "GrantFullControl": "x-cos-grant-full-control",
    "GrantWrite": "x-cos-grant-write",
    "GrantRead": "x-cos-grant-read",
    "StorageClass": "x-cos-storage-class",
    "Range": "Range",
    "IfMatch": "If-Match",
    "IfNoneMatch": "If-None-Match",
    "IfModifiedSince": "If-Modified-Since",
    "IfUnmodifiedSince": "If-Unmodified-Since",
    "CopySourceIfMatch": "x-cos-copy-source-If-Match",
    "CopySourceIfNoneMatch": "x-cos-copy-source-If-None-Match",
    "CopySourceIfModifiedSince": "x-cos-copy-source-If-Modified-Since",
    "CopySourceIfUnmodifiedSince": "x-cos-copy-source-If-Unmodified-Since",
    "VersionId": "versionId",
    "ServerSideEncryption": "x-cos-server-side-encryption",
    "SSEKMSKeyId": "x-cos-server-side-encryption-cos-kms-key-id",
    "SSEKMSContext": "x-cos-server-side-encryption-context",
    "SSECustomerAlgorithm": "x-cos-server-side-encryption-customer-algorithm",
    "SSECustomerKey": "x-cos-server-side-encryption-customer-key",
    "SSECustomerKeyMD5": "x-cos-server-side-encryption-customer-key-MD5",
    "CopySourceSSECustomerAlgorithm": "x-cos-copy-source-server-side-encryption-customer-algorithm",
    "CopySourceSSECustomerKey": "x-cos-copy-source-server-side-encryption-customer-key",
    "CopySourceSSECustomerKeyMD5": "x-cos-copy-source-server-side-encryption-customer-key-MD5",
    "Referer": "Referer",
    "PicOperations": "Pic-Operations",
    "TrafficLimit": "x-cos-traffic-limit",
    "Accept": "Accept",
    "AcceptEncoding": "Accept-Encoding",
    "Callback": "x-cos-callback",
    "CallbackVar": "x-cos-callback-var",
}

# Headers whose values are secrets (never logged): one list, in ``_redact``.
SECRET_HEADERS = _redact.SECRET_HEADERS


def mapped(headers: Mapping[str, Any]) -> Dict[str, Any]:
    """Map official kwargs to headers; ``Metadata`` entries are copied verbatim.

    Raises CosClientError naming the first unknown kwarg, before any I/O.
    """
    result: Dict[str, Any] = {}
    for name, value in headers.items():
        if name not in MAPLIST:
            raise CosClientError("No Parameter Named " + name + " Please Check It")
        if name == "Metadata":
            if not isinstance(value, dict):
                raise CosClientError("Metadata must be a dict of x-cos-meta-* headers")
            result.update(value)
        else:
            result[MAPLIST[name]] = value
    return result


# RFC 7230 ``token``: what a header name may be made of.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE_CHARS = ("\r", "\n", "\x00")


def check_value(value, what, *, secret=False):
    """Raise CosClientError unless ``value`` can be sent as this header's (or parameter's) value.

    Text (str, UTF-8; or bytes) and numbers are accepted; ``None`` means "not sent".  With
    ``secret`` (an SSE-C key) the message never shows the value.
    """

    def shown(v):
        return "***" if secret else repr(v)

    if value is None:
        return
    if isinstance(value, bool):
        raise CosClientError("%s must be a string, not bool (%s)" % (what, shown(value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise CosClientError("%s must be a string or a finite number, not %s" % (what, shown(value)))
    if isinstance(value, (int, float)):
        return
    if isinstance(value, (bytes, bytearray)):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise CosClientError("%s is not valid UTF-8: %s" % (what, shown(bytes(value)))) from None
    elif isinstance(value, str):
        text = value
    else:
        raise CosClientError("%s must be a string, not %s (%s)" % (what, type(value).__name__, shown(value)))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CosClientError("%s can not be encoded in UTF-8: %s" % (what, shown(text))) from None
    if any(c in text for c in _BAD_VALUE_CHARS):
        raise CosClientError("%s must not contain CR, LF or NUL characters: %s" % (what, shown(text)))
    if text[:1].isspace():
        raise CosClientError("%s must not start with whitespace: %s" % (what, shown(text)))


def _check_metadata_name(name):
    if not isinstance(name, str):
        raise CosClientError("Metadata names must be strings (x-cos-meta-*), not %s (%r)" % (type(name).__name__, name))
    if not name.isascii():
        raise CosClientError(
            "Metadata name %r is not ASCII: HTTP header names must be ASCII "
            "(non-ASCII text is allowed in the value)" % (name,)
        )
    if not _TOKEN.match(name):
        raise CosClientError(
            "Metadata name %r is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)" % (name,)
        )


def request_headers(kwargs):
    """``mapped(kwargs)`` with every value checked, for the client's requests.

    Raises CosClientError naming the kwarg (or the Metadata entry) whose value cannot be sent
    as it is: a list or dict, a bool, CR/LF (header injection), a non-ASCII header name.
    Numbers are sent as their text; ``None`` values are left out.
    """
    for name, value in kwargs.items():
        if name == "Metadata" and isinstance(value, dict):
            for meta_name, meta_value in value.items():
                _check_metadata_name(meta_name)
                check_value(meta_value, "Metadata[%r]" % (meta_name,))
        elif name == "ContentLength":
            content_length(value)
        elif name in MAPLIST and name != "Metadata":
            check_value(value, name, secret=MAPLIST[name].lower() in SECRET_HEADERS)
    return mapped(kwargs)


def content_length(value):
    """A caller's ``ContentLength`` as an int (None when not given); it must be a count of bytes."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CosClientError("ContentLength must be a non-negative integer, not %r" % (value,))
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value.strip())
    if isinstance(value, int) and value >= 0:
        return value
    raise CosClientError("ContentLength must be a non-negative integer, not %r" % (value,))


def split_params(headers, *, names=(), prefix=None):
    """Move mapped entries that are really query parameters out of ``headers`` into a dict.

    The ``prefix`` ones come first, then ``names``: the official SDK's order of the query.
    """
    params = {}
    for name in list(headers):
        if prefix and name.startswith(prefix):
            params[name] = headers.pop(name)
    for name in list(headers):
        if name in names:
            params[name] = headers.pop(name)
    return params


def redact(headers):
    """A copy of ``headers`` safe to log: secret values replaced."""
    return dict(_redact.headers(headers))
