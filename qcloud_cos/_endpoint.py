"""Where a request goes: region/endpoint formatting, bucket validation, key quoting.

Pure string functions with the official SDK's rules and error messages.
"""

from __future__ import annotations

import re
from typing import Any, Optional, cast
from urllib.parse import quote

from .cos_exception import CosClientError

_REGION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*[A-Za-z0-9]$")
_BUCKET_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]$")
_LEGACY_REGIONS = frozenset(("cn-north", "cn-south", "cn-east", "cn-south-2", "cn-southwest", "sg"))
_V4_ALIASES = {
    "cossh": "ap-shanghai",
    "cosgz": "ap-guangzhou",
    "cosbj": "ap-beijing",
    "costj": "ap-beijing-1",
    "coscd": "ap-chengdu",
    "cossgp": "ap-singapore",
    "coshk": "ap-hongkong",
    "cosca": "na-toronto",
    "cosger": "eu-frankfurt",
}


def format_region(region: str, module: str, EnableOldDomain: bool, EnableInternalDomain: bool) -> str:
    """``ap-guangzhou`` → ``cos.ap-guangzhou`` (or ``cos-internal.``); validates the region."""
    if not isinstance(region, str):
        raise CosClientError("region is not string type")
    if not region:
        raise CosClientError("region is required not empty!")
    if not _REGION_RE.match(region):
        raise CosClientError("region format is illegal, only digit, letter and - is allowed!")
    if region.find(module) != -1:
        return region
    if region in _LEGACY_REGIONS:
        return region
    region = _V4_ALIASES.get(region, region)
    if module == "cos." and not EnableOldDomain and EnableInternalDomain:
        return "cos-internal." + region
    return module + region


def format_endpoint(
    endpoint: Optional[str], region: Optional[str], module: str, EnableOldDomain: bool, EnableInternalDomain: bool
) -> str:
    """The endpoint host suffix: ``Endpoint`` verbatim, else the formatted region plus the domain."""
    if not endpoint and not region:
        raise CosClientError("Region or Endpoint is required not empty!")
    if endpoint:
        return endpoint
    suffix = ".myqcloud.com" if EnableOldDomain else ".tencentcos.cn"
    return format_region(cast(str, region), module, EnableOldDomain, EnableInternalDomain) + suffix  # not None here


def format_bucket(bucket: str, appid: Optional[str]) -> str:
    """Validate ``BucketName-APPID`` and append ``-<appid>`` when one is configured."""
    if not isinstance(bucket, str):
        raise CosClientError("bucket is not string")
    if not bucket:
        raise CosClientError("bucket is required not empty")
    if not (_BUCKET_RE.match(bucket) or (len(bucket) == 1 and bucket.isalnum() and bucket.isascii())):
        raise CosClientError("bucket format is illegal, only digit, letter and - is allowed!")
    if not appid:
        return bucket
    if not isinstance(appid, str):
        raise CosClientError("appid is not string")
    suffix = "-" + appid
    return bucket if bucket.endswith(suffix) else bucket + suffix


_UTF8_ONLY = "your unicode strings can not encoded in utf8, utf8 support only!"


def key_text(key: Any, name: str) -> str:
    """``key`` as str (bytes are decoded as UTF-8, as the official SDK does); type and encoding checked."""
    if isinstance(key, (bytes, bytearray)):
        try:
            key = bytes(key).decode("utf-8")
        except UnicodeDecodeError:
            raise CosClientError("%s %r is not valid UTF-8" % (name, bytes(key))) from None
    if not isinstance(key, str):
        raise CosClientError("%s must be a string, not %s" % (name, type(key).__name__))
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise CosClientError("%s %r is invalid: %s" % (name, key, _UTF8_ONLY)) from None
    return key


def object_key(key: Any, *, name: str = "Key") -> str:
    """The key of an object request, as str; refuses every key that would not name an object.

    ``None`` and ``'/'`` would otherwise become a request on the bucket itself (a DELETE Bucket
    instead of a DELETE Object), so they are refused here, before any URL is built.
    """
    if key is None:
        raise CosClientError("%s is required: None would make this a request on the bucket, not on an object" % name)
    key = key_text(key, name)
    if not key:
        raise CosClientError("%s is required not empty" % name)
    if key == "/":
        raise CosClientError("%s '/' is invalid: it names the bucket, not an object" % name)
    return key


def signing_key(key: Any) -> str:
    """The key of get_auth, presigned and plain URLs: as for objects, except that ``'/'`` is the bucket.

    (The official SDK signs bucket-level requests this way; None is refused rather than guessed.)
    """
    if key is None:
        raise CosClientError("Key is required (Key='/' means the bucket itself)")
    key = key_text(key, "Key")
    if not key:
        raise CosClientError("Key is required not empty")
    return key


def copy_source_key(key: Any) -> str:
    """``CopySource['Key']``, with the official SDK's messages."""
    if key is None:
        raise CosClientError("key is not string")
    key = key_text(key, "CopySource Key")
    if key.startswith("/"):
        key = key[1:]
    if not key:
        raise CosClientError("Key is required not empty")
    return key


def check_key(key: Any) -> None:
    """Raise CosClientError unless ``key`` names an object (see ``object_key``)."""
    object_key(key)


def quote_key(key: str) -> str:
    """The URL path of a key (without the leading ``/``), as the official SDK writes it."""
    if key.startswith("/"):
        key = key[1:]
    path = quote(key.encode("utf-8"), safe="/-_.~").replace("./", ".%2F")
    # A final "." or ".." segment would be removed by URL normalisation (RFC 3986 dot segments)
    # and the request would hit another resource: send it percent-encoded.
    head, _, last = path.rpartition("/")
    if last in (".", ".."):
        path = (head + "/" if head or path.startswith("/") else "") + last.replace(".", "%2E")
    return path
