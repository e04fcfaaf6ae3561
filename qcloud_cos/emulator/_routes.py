"""Which COS API a request is: the one operation table, and routing a request to a ``Route``.

Every API the emulator knows is one row of ``OPERATIONS``: its name (the COS API
name, used by faults, the request log and ``NotImplemented`` messages), the
method, whether it addresses the bucket or an object, the query parameter that
selects it, the ``CosApp`` method that serves it (``None``: known but not
implemented -> 501) and who may call it without credentials.

Routing rules (documented choices):

* the bucket comes from the Host (or the authority of an absolute-form
  target): ``<bucket>.cos.<region>.myqcloud.com``, ``cos-internal.``,
  ``.tencentcos.cn`` and the legacy ``<bucket>.<region>.myqcloud.com``, with
  any ``:port`` ignored and any region accepted.  ``GET /`` on the service
  endpoint (``service.cos.myqcloud.com``, ``service.cos.tencentcos.cn``,
  ``cos.<region>.myqcloud.com``) is GET Service (``Route.bucket`` is ``""``).
  Any other Host naming no bucket -> 400 ``InvalidURI``;
* the key is the path percent-decoded once (``+`` stays ``+``), one leading
  ``/`` stripped, decoded as UTF-8 (invalid UTF-8 -> 400 ``InvalidURI``);
* the operation is selected by the method, the level (a non-empty key is the
  object level), the sub-resource parameters present (``SUBRESOURCES``; tried
  in sorted order, the first that names a row wins) and, for PUT, the
  ``x-cos-copy-source`` header.  A combination no row names gets a derived
  name (``PutObjectAcl``, ``PostBucket``) and no handler.  So ``DELETE
  /?uploadId=...`` on the bucket root is not an Abort: 501, the bucket is untouched.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote_to_bytes

from . import _auth, _names
from ._errors import CosError
from ._wire import Request

__all__ = ["OPERATIONS", "Operation", "Route", "SUBRESOURCES", "route"]

BUCKET, OBJECT, SERVICE = "bucket", "object", "service"
#: who may call an operation without credentials
READ = "read"  # anyone, when the bucket ACL is public-read or public-read-write
OBJECT_READ = "object-read"  # as READ, or when the object's own ACL is public-read(-write)
WRITE = "write"  # anyone, when the bucket ACL is public-read-write
OWNER = "owner"  # never anonymously

COPY_SOURCE = "x-cos-copy-source"

#: Query parameters that select a sub-resource (an API this emulator may not serve).
SUBRESOURCES = frozenset(
    {
        "accelerate", "acl", "append", "cors", "delete", "domain", "encryption", "intelligenttiering",
        "intelligent-tiering", "inventory", "lifecycle", "list-type", "live", "location", "logging",
        "notification", "object-lock", "objectlock", "origin", "partnumber", "policy", "referer",
        "rename", "replication", "restore", "retention", "legal-hold", "requestpayment", "select",
        "symlink", "tagging", "torrent", "uploadid", "uploads", "versioning", "versions", "website",
        "ci-process", "image_process", "metainsight", "publicaccessblock", "ownershipcontrols",
    }
)  # fmt: skip

#: Query parameters every request may carry: a signature in the query, the session token, a traffic limit.
_ANY_PARAMS = frozenset(_auth._FIELDS) | {"x-cos-security-token", "x-cos-traffic-limit", "sign"}
#: What each plain (no sub-resource) operation that changes state understands besides ``_ANY_PARAMS``.
#: Any other parameter means a request the emulator does not understand (``PUT /k?live`` is not an
#: object upload, ``PUT /?intelligent-tiering`` not PUT Bucket): it is not carried out.
_WRITE_PARAMS = {
    ("PUT", BUCKET): frozenset(),
    ("DELETE", BUCKET): frozenset(),
    ("PUT", OBJECT): frozenset(),
    ("DELETE", OBJECT): frozenset({"versionid"}),
    ("POST", OBJECT): frozenset(),
    ("POST", BUCKET): frozenset(),
}


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    level: str  # BUCKET or OBJECT
    sub: Optional[str]  # the selecting sub-resource parameter; None for the plain resource
    handler: Optional[str]  # CosApp method name; None: recognised, answered 501 NotImplemented
    access: str = OWNER  # anonymous access: READ, OBJECT_READ, WRITE or OWNER
    copy: bool = False  # selected when the request carries x-cos-copy-source
    needs_bucket: bool = True  # False only for PUT Bucket (the bucket need not exist)


# fmt: off
OPERATIONS: Tuple[Operation, ...] = (
    # bucket level
    Operation("PutBucket",               "PUT",    BUCKET, None,        "put_bucket", needs_bucket=False),
    Operation("GetBucket",               "GET",    BUCKET, None,        "list_objects", READ),
    Operation("HeadBucket",              "HEAD",   BUCKET, None,        "head_bucket", READ),
    Operation("DeleteBucket",            "DELETE", BUCKET, None,        "delete_bucket"),
    Operation("ListMultipartUploads",    "GET",    BUCKET, "uploads",   "list_multipart_uploads", READ),
    Operation("ListObjectVersions",      "GET",    BUCKET, "versions",  "list_object_versions", READ),
    Operation("ListObjectsV2",           "GET",    BUCKET, "list-type", None),
    Operation("DeleteMultipleObjects",   "POST",   BUCKET, "delete",    "delete_multiple_objects", WRITE),
    Operation("GetBucketAcl",            "GET",    BUCKET, "acl",       "get_bucket_acl"),
    Operation("GetBucketLocation",       "GET",    BUCKET, "location",  "get_bucket_location"),
    Operation("PutBucketAcl",            "PUT",    BUCKET, "acl",       "put_bucket_acl"),
    Operation("GetBucketVersioning",     "GET",    BUCKET, "versioning", "get_bucket_versioning"),
    Operation("PutBucketVersioning",     "PUT",    BUCKET, "versioning", "put_bucket_versioning"),
    # object level
    Operation("PutObject",               "PUT",    OBJECT, None,        "put_object", WRITE),
    Operation("PutObjectCopy",           "PUT",    OBJECT, None,        "put_object_copy", WRITE, copy=True),
    Operation("GetObject",               "GET",    OBJECT, None,        "get_object", OBJECT_READ),
    Operation("HeadObject",              "HEAD",   OBJECT, None,        "head_object", OBJECT_READ),
    Operation("DeleteObject",            "DELETE", OBJECT, None,        "delete_object", WRITE),
    Operation("AppendObject",            "POST",   OBJECT, "append",    "append_object", WRITE),
    Operation("InitiateMultipartUpload", "POST",   OBJECT, "uploads",   "initiate_multipart_upload", WRITE),
    Operation("UploadPart",              "PUT",    OBJECT, "uploadid",  "upload_part", WRITE),
    Operation("UploadPart",              "PUT",    OBJECT, "partnumber", "upload_part", WRITE),
    Operation("UploadPartCopy",          "PUT",    OBJECT, "uploadid",  "upload_part_copy", WRITE, copy=True),
    Operation("UploadPartCopy",          "PUT",    OBJECT, "partnumber", "upload_part_copy", WRITE, copy=True),
    Operation("ListParts",               "GET",    OBJECT, "uploadid",  "list_parts", READ),
    Operation("CompleteMultipartUpload", "POST",   OBJECT, "uploadid",  "complete_multipart_upload", WRITE),
    Operation("AbortMultipartUpload",    "DELETE", OBJECT, "uploadid",  "abort_multipart_upload", WRITE),
    Operation("GetObjectAcl",            "GET",    OBJECT, "acl",       "get_object_acl"),
    Operation("PutObjectAcl",            "PUT",    OBJECT, "acl",       "put_object_acl"),
    Operation("PostObjectRestore",       "POST",   OBJECT, "restore",   "restore_object", WRITE),
    Operation("SelectObjectContent",     "POST",   OBJECT, "select",    None),
    # the service (no bucket): GET Service lists the requester's buckets
    Operation("GetService",              "GET",    SERVICE, None,       "list_buckets", needs_bucket=False),
)
# fmt: on

_TABLE: Dict[Tuple[str, str, Optional[str], bool], Operation] = {
    (op.method, op.level, op.sub, op.copy): op for op in OPERATIONS
}


@dataclass
class Route:
    """Where a request goes: the bucket (always named: see ``route``), key and operation."""

    host: str  # routing host without port (used in Resource)
    bucket: str  # "" for the service (GET Service)
    region: Optional[str]
    key: str
    op: str  # the operation's name (derived when no row names the request)
    operation: Optional[Operation]  # None when no row of OPERATIONS names the request
    params: Dict[str, str]  # lower-cased names -> decoded values (last wins)
    anonymous: bool = False  # no credentials (set by dispatch)
    credential: Optional[_auth.Credential] = None  # the key acting on this bucket (set by dispatch)
    versioning: str = ""  # the bucket's versioning state (set by dispatch; ``_versions``)


#: the service endpoint: ``service.cos.myqcloud.com`` / ``service.cos.tencentcos.cn`` (every region)
#: or ``cos.<region>.myqcloud.com`` (that region's buckets)
_SERVICE_RE = re.compile(r"^(?:service\.cos|cos\.(?P<region>[a-z0-9-]+))\.(?:myqcloud\.com|tencentcos\.cn)$")
_HOST_RE = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9-]*-[0-9]+)\."
    r"(?:(?:cos|cos-internal)\.(?P<region>[a-z0-9-]+)|(?P<legacy>[a-z0-9-]+))"
    r"\.(?:myqcloud\.com|tencentcos\.cn)$"
)


def route(req: Request, *, address_bucket: Optional[Callable[[], str]] = None, region: Optional[str] = None) -> Route:
    """The ``Route`` of ``req``; 400 ``InvalidURI`` for a bad path or a Host naming no bucket.

    A Host that is an IP address or ``localhost`` (what a browser or curl sends for a URL of a client
    configured with ``IP``/``Port`` or ``QCLOUD_COS_ENDPOINT_URL``: such URLs name no bucket)
    addresses the bucket ``address_bucket()`` answers (it raises when there is none), in ``region``.
    """
    host = _auth.strip_port(req.host.strip()).lower().rstrip(".")
    if not req.path.startswith("/"):
        raise CosError("InvalidURI")
    try:
        key = unquote_to_bytes(req.path)[1:].decode("utf-8")
    except UnicodeDecodeError:
        raise CosError("InvalidURI", "The object key is not valid UTF-8.") from None
    params: Dict[str, str] = {}
    for name, value in _auth.parse_query(req.query):
        params[name] = value.decode("utf-8", "replace")
    _names.check_host(req.host)  # bucket-name and region rules (InvalidBucketName, InvalidRegionName)
    service = _SERVICE_RE.match(host)
    if service is not None:
        return _service_route(req, host=host, key=key, params=params, region=service.group("region"))
    m = _HOST_RE.match(host)
    if m is not None:
        bucket, bucket_region = m.group("bucket"), m.group("region") or m.group("legacy")
    elif address_bucket is not None and _is_local_address(host):
        bucket, bucket_region = address_bucket(), region
    else:
        raise CosError("InvalidURI", "The Host header does not name a bucket.")
    name, operation = select_operation(req, key=key, params=params)
    return Route(
        host=host,
        bucket=bucket,
        region=bucket_region,
        key=key,
        op=name,
        operation=operation,
        params=params,
    )


def _service_route(req: Request, *, host: str, key: str, params: Dict[str, str], region: Optional[str]) -> Route:
    """A request to the service endpoint: ``GET /`` (no sub-resource) is GET Service; anything
    else names no bucket -> 400 ``InvalidURI`` (as before GET Service was served).  A region
    label that is not a region -> 400 ``InvalidRegionName``."""
    if req.method.upper() != "GET" or key or any(name in SUBRESOURCES for name in params):
        raise CosError("InvalidURI", "The Host header does not name a bucket.")
    if region is not None and not _names.valid_region(region):
        raise CosError("InvalidRegionName", "The specified region is not valid.")
    operation = _TABLE[("GET", SERVICE, None, False)]
    return Route(host=host, bucket="", region=region, key=key, op=operation.name, operation=operation, params=params)


def select_operation(req: Request, *, key: str, params: Dict[str, str]) -> Tuple[str, Optional[Operation]]:
    """The operation's name and row (``None`` when no row names this request)."""
    method = req.method.upper()
    level = OBJECT if key else BUCKET
    copy = method == "PUT" and req.header(COPY_SOURCE) is not None
    subs = sorted(name for name in params if name in SUBRESOURCES or _processing(name))
    allowed = _WRITE_PARAMS.get((method, level))
    if not subs and allowed is not None:
        unknown = sorted(name for name in params if name not in allowed and name not in _ANY_PARAMS)
        if unknown:
            return f"{method.capitalize()}{level.capitalize()}" + unknown[0].capitalize(), None
    candidates: List[Optional[str]] = list(subs) if subs else [None]
    for sub in candidates:
        operation = _TABLE.get((method, level, sub, copy)) or _TABLE.get((method, level, sub, False))
        if operation is not None:
            return operation.name, operation
    suffix = ("Processing" if _processing(subs[0]) else subs[0].capitalize().replace("-", "")) if subs else ""
    return f"{method.capitalize()}{level.capitalize()}{suffix}", None


def _processing(name: str) -> bool:
    """A data-processing query such as ``imageMogr2/thumbnail/!50p`` (CI): never a plain GET."""
    return "/" in name or "%2f" in name


def _is_local_address(host: str) -> bool:
    """An IP literal (``127.0.0.1``, ``[::1]``) or ``localhost``: a Host that cannot name a bucket."""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
