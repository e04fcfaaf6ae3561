"""Validation of call parameters shared by the client's methods (no I/O)."""

from ._endpoint import key_text
from ._headers import check_value
from .cos_exception import CosClientError


class _BucketLevel:
    """``_send(key=BUCKET)``: the request is on the bucket itself, not on an object."""

    def __repr__(self):
        return "BUCKET"


BUCKET = _BucketLevel()


def integer(value, name, *, low, high=None, optional=False):
    """``value`` if it is a whole number in [low, high] (an int or a string of digits), else CosClientError.

    With ``optional``, None is accepted too (the parameter is then not sent).
    """
    if optional and value is None:
        return value
    text = value.strip() if isinstance(value, str) else None
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif text and text.isascii() and text.isdigit():
        number = int(text)
    if number is None or number < low or (high is not None and number > high):
        bounds = "from %d to %d" % (low, high) if high is not None else "of at least %d" % low
        raise CosClientError("%s must be an integer %s, not %r" % (name, bounds, value))
    return value


def upload_id(value):
    if isinstance(value, bytes):
        value = key_text(value, "UploadId")
    if not isinstance(value, str) or not value.strip():
        raise CosClientError(
            "UploadId is required: a non-empty string (the UploadId that "
            "create_multipart_upload returned), not %r" % (value,)
        )
    check_value(value, "UploadId")
    return value


def text_param(value, name):
    """A query parameter given as text (Prefix, Marker, ...): str, int or None (not sent)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, bytes):
        return key_text(value, name)
    if not isinstance(value, str):
        raise CosClientError("%s must be a string, not %s" % (name, type(value).__name__))
    return key_text(value, name)


def encoding_type(value):
    if value and value != "url":
        raise CosClientError("EncodingType must be url")
    return value
