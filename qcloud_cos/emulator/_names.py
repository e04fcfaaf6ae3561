"""COS naming rules: bucket names, regions, bucket Host names, user-metadata sizes.

Pure functions (standard library only, no I/O); ``check_*`` raise the COS
error, ``valid_*`` answer a bool.  Sources: research/cos-protocol.md 1.1-1.3
and 4.4 (Tencent docs 13312 bucket naming, 6224 regions, 7749 user metadata).

Documented choices:

* **Bucket name** ``<name>-<APPID>``: the custom part is lower-case letters,
  digits and ``-``, neither first nor last a ``-``, 1-50 characters; the APPID
  is digits.  Anything else -> 400 ``InvalidBucketName``; a custom part longer
  than 50 -> 400 ``BucketNameTooLong``.  (The public-cloud doc also caps the
  whole request domain at 60 characters; that rule was not re-verified and is
  not applied.)
* **Region**: one of ``REGIONS`` (the regions of doc 6224, finance zones and the
  closed ``ap-beijing-1`` included); ``cos.accelerate.`` (global acceleration)
  is also a valid Host; the legacy Host form ``<bucket>.<region>.myqcloud.com``
  takes the legacy v4 names (``LEGACY_REGIONS``) or a region.  Anything else ->
  400 ``InvalidRegionName`` (real COS has no DNS name for it; an XML error is
  the nearest an emulator can answer).
* **Host**: DNS names are case-insensitive, so the suffix and the region label
  are compared case-folded; the *bucket label* is the bucket name the client
  chose and must itself be valid: ``MyBucket-1250000000.cos...`` is 400
  ``InvalidBucketName`` (the bucket-naming rules allow no upper case, and an
  SDK that sends it would fail on COS).  A Host not shaped like a bucket Host
  is left to the router (400 ``InvalidURI``).
* **User metadata** (``x-cos-meta-*``): one header at most 2 KB, all of them
  at most 4 KB, a header counting the bytes of its full name plus its value as
  received -> else 400 ``MetadataTooLarge`` (COS documents the limits, not the
  code; S3's code for the same rule).
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Tuple, Union

from ._auth import strip_port
from ._errors import CosError

__all__ = [
    "ACCELERATE",
    "LEGACY_REGIONS",
    "MAX_BUCKET_NAME",
    "MAX_META_HEADER",
    "MAX_META_TOTAL",
    "REGIONS",
    "check_bucket_name",
    "check_bucket_region",
    "check_host",
    "check_region",
    "check_user_metadata",
    "user_metadata_size",
    "valid_bucket_name",
    "valid_region",
]

#: COS regions (doc 6224): Chinese mainland, finance zones, Hong Kong and abroad.
REGIONS = frozenset(
    {
        "ap-beijing-1",  # Beijing Zone 1: closed to new buckets, existing ones still served
        "ap-beijing",
        "ap-nanjing",
        "ap-shanghai",
        "ap-guangzhou",
        "ap-chengdu",
        "ap-chongqing",
        "ap-shenzhen-fsi",
        "ap-shanghai-fsi",
        "ap-beijing-fsi",
        "ap-hongkong",
        "ap-singapore",
        "ap-mumbai",
        "ap-jakarta",
        "ap-seoul",
        "ap-bangkok",
        "ap-tokyo",
        "na-siliconvalley",
        "na-ashburn",
        "na-toronto",
        "sa-saopaulo",
        "eu-frankfurt",
        "eu-moscow",
    }
)
#: v4 names still used by the legacy Host form ``<bucket>.<region>.myqcloud.com``.
LEGACY_REGIONS = frozenset({"cn-north", "cn-south", "cn-east", "cn-south-2", "cn-southwest", "sg"})
#: the global-acceleration endpoint label: ``<bucket>.cos.accelerate.myqcloud.com``
ACCELERATE = "accelerate"

MAX_BUCKET_NAME = 50  # characters of the custom part
MAX_META_HEADER = 2 * 1024
MAX_META_TOTAL = 4 * 1024
_META_PREFIX = "x-cos-meta-"

_BUCKET_RE = re.compile(r"(?P<name>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-(?P<appid>[0-9]+)")
# a Host label that is meant as a bucket: something, a '-', digits
_BUCKET_LABEL_RE = re.compile(r"[^.]+-[0-9]+")
_DOMAINS = (("myqcloud", "com"), ("tencentcos", "cn"))
_ENDPOINTS = ("cos", "cos-internal")


def valid_bucket_name(name: str) -> bool:
    """Whether ``name`` is a valid full bucket name ``<name>-<APPID>``."""
    m = _BUCKET_RE.fullmatch(name)
    return m is not None and len(m.group("name")) <= MAX_BUCKET_NAME


def check_bucket_name(name: str) -> None:
    """Raise 400 ``InvalidBucketName`` / ``BucketNameTooLong`` unless ``valid_bucket_name``."""
    m = _BUCKET_RE.fullmatch(name)
    if m is None:
        raise CosError(
            "InvalidBucketName",
            "The specified bucket is not valid: a bucket is <name>-<APPID>, the name of lower-case "
            "letters, digits and '-' (not first or last), the APPID of digits.",
        )
    if len(m.group("name")) > MAX_BUCKET_NAME:
        raise CosError(
            "BucketNameTooLong",
            f"The specified bucket name is too long: at most {MAX_BUCKET_NAME} characters before -<APPID>.",
        )


def valid_region(region: str) -> bool:
    """Whether ``region`` is a COS region (exact, lower-case: ``ap-beijing``)."""
    return region in REGIONS


def check_region(region: str) -> None:
    """Raise 400 ``InvalidRegionName`` unless ``valid_region``."""
    if not valid_region(region):
        raise CosError("InvalidRegionName", "The specified region is not valid.")


def check_bucket_region(bucket_region: str, host_region: Optional[str]) -> None:
    """Raise 400 ``InvalidRegionName`` when a Host names a region other than the bucket's.

    ``host_region`` ``None`` (or the acceleration endpoint) names no region.
    Not wired by default: see the report of issue 8 (the suite addresses buckets
    through other regions' Hosts).
    """
    if host_region is None or host_region == ACCELERATE:
        return
    if host_region != bucket_region:
        raise CosError("InvalidRegionName", "The bucket is not in the region the Host names.")


def check_host(host: str) -> None:
    """Check the bucket label and the region of a bucket Host (``Host`` header value).

    A Host not shaped like ``<bucket>.cos[-internal].<region>.<domain>`` or the
    legacy ``<bucket>.<region>.myqcloud.com``, or whose first label is not
    ``...-<digits>``, is left alone (the router answers ``InvalidURI``).

    Raises:
        CosError: InvalidBucketName, BucketNameTooLong, InvalidRegionName.
    """
    labels = strip_port(host.strip()).rstrip(".").split(".")
    if not labels or _BUCKET_LABEL_RE.fullmatch(labels[0]) is None:
        return
    bucket, rest = labels[0], [label.lower() for label in labels[1:]]
    if len(rest) == 4 and tuple(rest[2:]) in _DOMAINS and rest[0] in _ENDPOINTS:
        region = rest[1]
        ok = valid_region(region) or (region == ACCELERATE and rest[0] == "cos")
    elif len(rest) == 3 and tuple(rest[1:]) in _DOMAINS:
        region = rest[0]
        ok = region in LEGACY_REGIONS or valid_region(region)
    else:
        return
    check_bucket_name(bucket)
    if not ok:
        raise CosError("InvalidRegionName", "The specified region is not valid.")


def _size(value: Union[str, bytes]) -> int:
    if isinstance(value, bytes):
        return len(value)
    try:
        return len(value.encode("latin-1"))  # http.server hands header bytes over as latin-1 text
    except UnicodeEncodeError:
        return len(value.encode("utf-8"))


def user_metadata_size(headers: Iterable[Tuple[str, Union[str, bytes]]]) -> Tuple[int, int]:
    """``(largest single x-cos-meta-* header, total of them)`` in bytes (name + value)."""
    largest = total = 0
    for name, value in headers:
        if not name.strip().lower().startswith(_META_PREFIX):
            continue
        size = len(name.strip()) + _size(value.strip() if isinstance(value, str) else value.strip())
        largest = max(largest, size)
        total += size
    return largest, total


def check_user_metadata(headers: Iterable[Tuple[str, Union[str, bytes]]]) -> None:
    """Raise 400 ``MetadataTooLarge`` when user metadata breaks COS's size limits.

    Args:
        headers: the request headers (all of them; only ``x-cos-meta-*`` count).
    """
    largest, total = user_metadata_size(headers)
    if largest > MAX_META_HEADER:
        raise CosError(
            "MetadataTooLarge",
            f"Your metadata headers exceed the maximum allowed metadata size: one x-cos-meta-* "
            f"header may carry at most {MAX_META_HEADER} bytes.",
        )
    if total > MAX_META_TOTAL:
        raise CosError(
            "MetadataTooLarge",
            f"Your metadata headers exceed the maximum allowed metadata size: all x-cos-meta-* "
            f"headers together may carry at most {MAX_META_TOTAL} bytes.",
        )
