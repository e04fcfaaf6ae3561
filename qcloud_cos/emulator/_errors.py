"""COS error codes as data, and the renderer for the ``<Error>`` XML document.

``CosError`` is raised by the store, the verifier and the operations; only the
HTTP layer turns it into a response (``render_error``).  Standard library only.
"""

from __future__ import annotations

import base64
import os
import re
from typing import Dict, List, Mapping, Optional, Tuple

from ._xml import xml_text as escape

__all__ = ["CosError", "ERRORS", "REDACTED", "SECRET_NAMES", "protocol_error", "redact", "refusal", "render_error"]

#: Request header / query parameter names whose values are secrets: never echoed
#: in an error body (the SSE-C key MD5s are not secrets and stay visible).
SECRET_NAMES = (
    "authorization",
    "x-cos-security-token",
    "x-ci-security-token",
    "x-cos-server-side-encryption-customer-key",
    "x-cos-copy-source-server-side-encryption-customer-key",
    "q-signature",
)
REDACTED = "***"
# ``name=value`` (FormatString / query form, value up to ``&`` or a line end) or
# ``name: value`` (header form, value up to a line end); the name must not be the
# tail of a longer name and must be followed directly by the separator, so
# ``...-customer-key-MD5`` is left alone.
_SECRET_RE = re.compile(
    r"(?<![A-Za-z0-9_.~%-])(" + "|".join(re.escape(n) for n in SECRET_NAMES) + r")"
    r"(?:(=)[^&\r\n]+|(:[ \t]*)[^\r\n]+)",
    re.IGNORECASE,
)

#: code -> (HTTP status, default message).  Messages follow real COS where a
#: real body was observed (see research/cos-protocol.md section 5), S3 otherwise.
ERRORS: Dict[str, Tuple[int, str]] = {
    "AccessDenied": (403, "Access Denied."),
    "AppendPositionErr": (409, "Position not equal object length"),
    "BadDigest": (400, "The Content-MD5 you specified did not match what we received."),
    "BucketAlreadyExists": (
        409,
        "The requested bucket name is not available. The bucket namespace is shared "
        "by all users of the system. Please select a different name and try again.",
    ),
    "BucketNameTooLong": (400, "The specified bucket name is too long."),
    "BucketNotEmpty": (409, "The bucket you tried to delete is not empty."),
    "EntityTooLarge": (400, "Your proposed upload exceeds the maximum allowed object size."),
    "EntityTooSmall": (400, "Your proposed upload is smaller than the minimum allowed object size."),
    "IncompleteBody": (
        400,
        "You did not provide the number of bytes specified by the Content-Length HTTP header.",
    ),
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "InvalidAccessKeyId": (
        403,
        "The Access Key Id you provided does not exist in our records.",
    ),
    "InvalidArgument": (400, "Invalid Argument."),
    "InvalidBucketName": (400, "The specified bucket is not valid."),
    "InvalidDigest": (400, "The Content-MD5 you specified is not valid."),
    "InvalidObjectName": (400, "The specified object name is not valid."),
    "InvalidObjectState": (403, "The operation is not valid for the object's storage class."),
    "InvalidPart": (
        400,
        "One or more of the specified parts could not be found. The part might not have been "
        "uploaded, or the specified entity tag might not have matched the part's entity tag.",
    ),
    "InvalidPartOrder": (
        400,
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
    ),
    "InvalidRange": (416, "The requested range is not satisfiable."),
    "InvalidRegionName": (400, "The specified region is not valid."),
    "InvalidRequest": (400, "Invalid Request."),
    "InvalidURI": (400, "Couldn't parse the specified URI."),
    "KeyTooLong": (400, "Your key is too long."),
    "MalformedXML": (
        400,
        "The XML you provided was not well-formed or did not validate against our published schema.",
    ),
    "MetadataTooLarge": (400, "Your metadata headers exceed the maximum allowed metadata size."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "MissingContentLength": (411, "You must provide the Content-Length HTTP header."),
    "MissingRequestBodyError": (400, "Request Body is empty."),
    "NoSuchBucket": (404, "The specified bucket does not exist."),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchUpload": (404, "The specified upload does not exist."),
    "NoSuchVersion": (404, "The specified version does not exist."),
    "NotImplemented": (
        501,
        "A header or query you provided implies functionality that is not implemented.",
    ),
    "ObjectNotAppendable": (409, "The operation is not valid for the current state of the object."),
    "PreconditionFailed": (412, "At least one of the preconditions you specified did not hold."),
    "RequestTimeTooSkewed": (
        403,
        "The difference between the request time and the server's time is too large.",
    ),
    "RequestTimeout": (
        400,
        "Your socket connection to the server was not read from or written to within the timeout period.",
    ),
    "RestoreAlreadyInProgress": (409, "Object restore is already in progress."),
    "ServiceUnavailable": (503, "Please reduce your request rate."),
    "SignatureDoesNotMatch": (403, "The Signature you specified is invalid."),
    "SlowDown": (503, "Please reduce your request rate."),
}


class CosError(Exception):
    """A COS service error: ``code``, HTTP ``status``, ``message``, extra XML elements.

    ``message`` and the ``extra`` values pass through ``redact``.
    """

    def __init__(
        self,
        code: str,
        message: Optional[str] = None,
        *,
        status: Optional[int] = None,
        extra: Optional[Mapping[str, str]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        default_status, default_message = ERRORS.get(code, (400, code))
        self.code = code
        self.status = status if status is not None else default_status
        # Secret values (token, SSE-C keys, Authorization) never reach an error
        # body or a log line, whichever renderer or handler sees the error.
        self.message = redact(message) if message is not None else default_message
        self.extra = {name: redact(value) for name, value in (extra or {}).items()}
        self.headers = dict(headers or {})
        super().__init__(f"{self.status} {code}: {self.message}")


def redact(text: str) -> str:
    """``text`` with the value of every ``SECRET_NAMES`` entry replaced by ``***``.

    Names and the rest of the text stay, so an echoed FormatString still shows
    which headers and parameters were signed (and that a token was sent); an
    empty value stays empty.
    """
    return _SECRET_RE.sub(lambda m: f"{m.group(1)}{m.group(2) or m.group(3)}{REDACTED}", text)


def render_error(err: CosError, *, resource: str, request_id: str, trace_id: str) -> bytes:
    """Render ``err`` as the XML document real COS sends (single-quoted prolog, tabs)."""
    parts = [
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n",
        f"\t<Code>{escape(err.code)}</Code>\n",
        f"\t<Message>{escape(redact(err.message))}</Message>\n",
        f"\t<Resource>{escape(resource)}</Resource>\n",
        f"\t<RequestId>{escape(request_id)}</RequestId>\n",
        f"\t<TraceId>{escape(trace_id)}</TraceId>\n",
    ]
    for name, value in err.extra.items():
        parts.append(f"\t<{name}>{escape(redact(value))}</{name}>\n")
    parts.append("</Error>")
    return "".join(parts).encode("utf-8")


# -- refusals of the HTTP layer itself ----------------------------------------------

#: http.server's own status for a header block it will not read (a line longer
#: than 65536 bytes, more than 100 header lines).
_HEADERS_TOO_LARGE = 431
_HEADERS_TOO_LARGE_MESSAGE = "Your request header section exceeds the maximum allowed size."


def protocol_error(status: int, message: Optional[str] = None, explain: Optional[str] = None) -> CosError:
    """The COS error for a request the HTTP layer refuses before COS logic runs.

    ``status``, ``message`` and ``explain`` are what ``http.server`` passes to
    ``send_error``.  COS answers every request-shape error with its XML
    document, not a status page.  COS documents no code for an oversized header
    block (S3 says 400 ``RequestHeaderSectionTooLarge``); the closest code in
    COS's table (research/cos-protocol.md 5.2, "unparsable request") is
    **400 ``InvalidRequest``**, used with S3's message and the limit that was
    hit in parentheses.  A request line that is too long is 400 ``InvalidURI``;
    a 501 is ``NotImplemented``; anything else (bad request line, bad version)
    is ``InvalidRequest`` with ``http.server``'s status.
    """
    detail = explain or message or ""
    if status == _HEADERS_TOO_LARGE:
        text = _HEADERS_TOO_LARGE_MESSAGE + (f" ({detail})" if detail else "")
        return CosError("InvalidRequest", text, status=400)
    if status == 414:
        return CosError("InvalidURI", "The request line is too long.", status=400)
    if status == 501:
        return CosError("NotImplemented", status=501)
    return CosError("InvalidRequest", detail or None, status=status if 400 <= status < 600 else 400)


def refusal(
    status: int, message: Optional[str], explain: Optional[str], *, request_id: str
) -> Tuple[int, List[Tuple[str, str]], bytes]:
    """``(status, headers, body)`` answering a refused request (``protocol_error``) as COS does."""
    err = protocol_error(status, message, explain)
    trace_id = base64.b64encode(os.urandom(36)).decode("ascii")
    body = render_error(err, resource="", request_id=request_id, trace_id=trace_id)
    headers = [("Content-Type", "application/xml"), ("x-cos-trace-id", trace_id), ("x-cos-request-id", request_id)]
    return err.status, headers, body
