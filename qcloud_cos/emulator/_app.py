"""COS operations: the request pipeline, authorisation and the handlers.

``CosApp.handle(Request) -> Response`` is the whole HTTP-level contract; the
socket side (framing, keep-alive, 100-continue, chunked bodies) lives in
``_server``.  State lives in ``_store``; signatures are checked by ``_auth``.

Routing (which operation a request is) is ``_routes``: one table, one row per API.

Request processing order: route -> injected fault -> signature -> bucket
exists (unknown -> 404 ``NoSuchBucket``) -> operation implemented -> anonymous
access -> operation.

PUT Object key rules: more than 850 UTF-8 bytes -> 400 ``KeyTooLong``; NUL or
control characters 24-27 -> 400 ``InvalidObjectName``.  Keys such as
``../x`` or ``/etc/x`` (path ``//etc/x``) are ordinary keys.

Error codes chosen where COS documents none (research/cos-protocol.md section 9):
invalid ``x-cos-traffic-limit`` / ``x-cos-storage-class`` / ``x-cos-acl`` /
``x-cos-server-side-encryption`` / ``max-keys`` / ``encoding-type`` or a
control character in a ``response-*`` override -> 400 ``InvalidArgument``;
unparsable Content-Length -> 400 ``InvalidArgument``; a temporary key without
(or with the wrong) ``x-cos-security-token`` -> 403 ``AccessDenied``; a
``versionId`` other than ``null`` -> 501 ``NotImplemented``; unparsable
``If-(Un)Modified-Since`` dates are ignored (RFC 7232) rather than rejected; on a bucket
whose versioning was never configured a ``versionId`` other than ``null`` (GET, HEAD, DELETE,
restore, copy source) stays 501 ``NotImplemented`` as before versioning was served (no such
version can exist there; COS would more likely answer 404 ``NoSuchVersion``).

Each handler's docstring states its own rules and the order of its errors
(research/cos-protocol.md sections 3.2, 3.6-3.12; choices where COS documents
none are marked as such).  Response documents are built by ``_render``,
Complete's rules are ``_multipart.plan_completion``, injected faults act in
``_injection``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import logging
import os
import re
import threading
from email.utils import formatdate, parsedate_to_datetime
from typing import IO, Callable, Dict, List, NamedTuple, Optional, Protocol, Sequence, Tuple
from urllib.parse import quote, unquote_to_bytes

from . import _acl, _auth, _injection, _names, _render, _restore, _versions
from ._acl import BUCKET_ACLS, OBJECT_ACLS, PUBLIC_READ_ACLS
from ._batch import parse_delete_body
from ._blobs import copy_stream
from ._errors import CosError
from ._faults import FaultPlan
from ._multipart import (
    MAX_COMPLETE_BODY,
    MAX_PART_NUMBER,
    MIN_PART_SIZE,
    parse_complete_body,
    parse_part_number,
    plan_completion,
)
from ._multipart import parse_uint as _parse_uint
from ._records import BucketRecord, ObjectRecord, Removal, UploadRecord
from ._routes import OBJECT_READ, READ, WRITE, Operation, Route
from ._routes import route as route_request
from ._store import Store
from ._throttle import MAX_TRAFFIC_LIMIT, MIN_TRAFFIC_LIMIT, Throttle
from ._wire import CRC_HEADER, Body, Request, Response

__all__ = ["Body", "CosApp", "Request", "Response"]

logger = logging.getLogger("qcloud_cos.emulator")

MAX_PUT_SIZE = 5 * 1024**3
MAX_KEY_BYTES = 850
_READ_CHUNK = 256 * 1024

_BAD_KEY_CHARS = re.compile("[\x00\x18-\x1b]")
_CTL_CHARS = re.compile("[\x00-\x1f\x7f]")

STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "STANDARD_IA",
        "ARCHIVE",
        "DEEP_ARCHIVE",
        "INTELLIGENT_TIERING",
        "MAZ_STANDARD",
        "MAZ_STANDARD_IA",
        "MAZ_INTELLIGENT_TIERING",
        "MAZ_ARCHIVE",
    }
)
#: the largest AccessControlPolicy body PUT ?acl reads (a choice)
MAX_ACL_BODY = 64 * 1024
SSE_VALUES = frozenset({"AES256", "cos/kms"})
#: Standard headers stored at PUT and returned on HEAD/GET (canonical spelling).
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
#: SSE request headers echoed on PUT/HEAD/GET (the customer key itself is never echoed).
SSE_ECHO_HEADERS = (
    "x-cos-server-side-encryption",
    "x-cos-server-side-encryption-cos-kms-key-id",
    "x-cos-server-side-encryption-customer-algorithm",
    "x-cos-server-side-encryption-customer-key-MD5",
)
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


class ObjectOptions(NamedTuple):
    """Validated attributes a PUT, an Initiate or a first APPEND gives an object."""

    storage_class: str
    acl: str
    headers: Dict[str, str]
    meta: List[Tuple[str, str]]
    extra: Dict[str, object]


def http_date(ts: float) -> str:
    return formatdate(ts, usegmt=True)


def _parse_http_date(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # an unparsable date is ignored (RFC 7232)


def _etag_list(value: str) -> List[str]:
    out = []
    for item in value.split(","):
        item = item.strip()
        if item.startswith("W/"):
            item = item[2:]
        out.append(item.strip('"'))
    return out


class CosApp:
    """The emulated service.  Thread-safe; one instance serves every connection."""

    def __init__(
        self,
        *,
        store: Store,
        region: str,
        clock: Callable[[], float],
        credentials: Optional[Dict[str, _auth.Credential]] = None,
        faults: Optional[FaultPlan] = None,
        throttle: bool = True,
        allow_part_gaps: bool = True,
        min_part_size: int = MIN_PART_SIZE,
        default_bucket: Optional[str] = None,
        restore_delay: float = 1.0,
    ) -> None:
        self.store = store
        self.restore_delay = restore_delay  # seconds from a restore request to a readable object
        self.default_bucket = default_bucket
        self.region = region
        self.clock = clock
        self.credentials: Dict[str, _auth.Credential] = dict(credentials or {})
        self.faults = faults or FaultPlan()
        self.throttle = throttle
        self.allow_part_gaps = allow_part_gaps
        self.min_part_size = min_part_size
        self._counter = itertools.count(1)
        self._pid = os.getpid()
        self._cred_lock = threading.Lock()

    # -- credentials -----------------------------------------------------------------

    def add_credentials(
        self, secret_id: str, secret_key: str, token: Optional[str] = None, *, appid: Optional[str] = None
    ) -> None:
        with self._cred_lock:
            self.credentials[secret_id] = _auth.Credential(secret_id, secret_key, token, appid)

    def _lookup(self, secret_id: str) -> Optional[_auth.Credential]:
        with self._cred_lock:
            return self.credentials.get(secret_id)

    # -- ids and errors ----------------------------------------------------------------

    def new_request_id(self) -> str:
        raw = f"{int(self.clock()):x}_{next(self._counter):x}_{self._pid:x}_{os.urandom(2).hex()}"
        return base64.b64encode(raw.encode("ascii")).decode("ascii")

    def error_response(self, req: Request, err: CosError, request_id: str, route: Optional[Route] = None) -> Response:
        host = route.host if route else _auth.strip_port(req.host)
        key = route.key if route else ""
        trace_id = base64.b64encode(os.urandom(36)).decode("ascii")
        headers = [("Content-Type", "application/xml"), ("x-cos-trace-id", trace_id)]
        headers.extend(err.headers.items())
        body = _render.error_document(err, resource=f"{host}/{key}", request_id=request_id, trace_id=trace_id)
        return Response(
            status=err.status,
            headers=headers,
            body=body,
            op=route.op if route else "",
            bucket=route.bucket if route else None,
            key=key or None,
            error_code=err.code,
        )

    def _address_bucket(self) -> str:
        """The bucket of a request whose Host is an IP address: ``default_bucket``, else the only one.

        URLs made by a client configured with ``IP``/``Port`` (presigned URLs, ``get_object_url``)
        name no bucket (their signature covers host ``127.0.0.1``, not a bucket).  With one bucket
        there is no doubt which is meant; with more, and no ``default_bucket`` naming the one such
        URLs address, routing by guess could read or write the wrong one, so the request is refused.
        """
        if self.default_bucket is not None:
            return self.default_bucket
        names = self.store.bucket_names()
        if len(names) == 1:
            return names[0]
        raise CosError(
            "InvalidURI",
            f"The Host header is an IP address and names no bucket; with {len(names)} buckets the emulator "
            f"serves such requests only from its default bucket, and none is set (start it with "
            f"--default-bucket NAME, or CosEmulator(default_bucket=NAME)). Or address the bucket by its "
            f"host name, <bucket>.cos.<region>.myqcloud.com.",
        )

    # -- entry point ------------------------------------------------------------------

    def handle(self, req: Request, request_id: str) -> Response:
        route: Optional[Route] = None
        try:
            route = route_request(req, address_bucket=self._address_bucket, region=self.region)
            faulted = _injection.before_serving(self, req, route, request_id)  # injected faults: _injection
            if faulted is not None:
                response = faulted
            else:
                credential = _auth.verify(
                    method=req.method,
                    path="/" + route.key,
                    query=req.query,
                    headers=[(k, v.encode("latin-1")) for k, v in req.headers],
                    lookup=self._lookup,
                    now=self.clock(),
                )
                response = self.dispatch(req, route, credential)
                _injection.after_serving(self, req, route, response)
        except CosError as err:
            response = self.error_response(req, err, request_id, route)
        except Exception:  # a bug: answer 500 and let the server close the connection
            logger.exception("internal error serving %s %s", req.method, req.target)
            response = self.error_response(req, CosError("InternalError"), request_id, route)
            response.close_connection = True
        if route is not None:
            response.op, response.bucket, response.key = route.op, route.bucket or None, route.key or None
        return response

    # -- dispatch ---------------------------------------------------------------------

    def dispatch(
        self, req: Request, route: Route, credential: Optional[_auth.Credential], *, trusted: bool = False
    ) -> Response:
        operation = route.operation
        if not route.bucket:  # the service endpoint
            return self._dispatch_service(req, route, credential)
        if not trusted:  # another account's key: everyone's rights only
            credential = _auth.account_credential(
                credential, bucket=route.bucket, credentials=list(self.credentials.values())
            )
        if operation is not None and not operation.needs_bucket:  # PUT Bucket
            if credential is None:
                raise CosError("AccessDenied")
            return self._handler(operation)(req, route)
        bucket = self.store.get_bucket(route.bucket)
        if bucket is None:
            raise CosError("NoSuchBucket")
        version_id = route.params.get("versionid")
        versioned_op = operation is not None and operation.name in _VERSIONED_OPS and bool(bucket.versioning)
        if (
            operation is None
            or operation.handler is None
            or (version_id not in (None, "", "null") and not versioned_op)
        ):
            raise CosError("NotImplemented", f"{route.op} is not implemented by the COS emulator.")
        route.anonymous = credential is None and not trusted
        route.credential = credential
        route.versioning = bucket.versioning
        if route.anonymous:
            self._check_anonymous(operation, bucket.acl, route)
        return self._handler(operation)(req, route)

    def _dispatch_service(self, req: Request, route: Route, credential: Optional[_auth.Credential]) -> Response:
        """GET Service needs a signature (anonymous -> 403 ``AccessDenied``); any other request
        to the service endpoint -> 501."""
        operation = route.operation
        if operation is None or operation.handler is None:
            raise CosError("NotImplemented", f"{route.op} is not implemented by the COS emulator.")
        if credential is None:
            raise CosError("AccessDenied", "GET Service requires a signed request.")
        route.credential = credential
        return self._handler(operation)(req, route)

    def _handler(self, operation: Operation) -> Callable[[Request, Route], Response]:
        assert operation.handler is not None
        return getattr(self, operation.handler)

    def _check_anonymous(self, operation: Operation, bucket_acl: str, route: Route) -> None:
        """Anonymous access by the operation's ``access`` class (``_routes``).  For an object
        read the object's own ACL decides unless it is ``default`` (inherit the bucket's),
        as on COS: a ``private`` object of a public-read bucket is not readable."""
        if operation.access == OBJECT_READ:
            record = self.store.get_object(route.bucket, route.key)
            if _readable_by_all(bucket_acl, record.acl if record is not None else "default"):
                return
        elif operation.access == READ and bucket_acl in PUBLIC_READ_ACLS:
            return
        if operation.access == WRITE and bucket_acl == "public-read-write":
            return
        raise CosError("AccessDenied")

    # -- buckets ----------------------------------------------------------------------

    def put_bucket(self, req: Request, route: Route) -> Response:
        """``x-cos-acl`` / ``x-cos-grant-*`` set the bucket's ACL (``_acl.from_headers``)."""
        acl = _acl_headers(req, default="private", allowed=BUCKET_ACLS) or _acl.Acl("private")
        _drain(req.body)  # an optional CreateBucketConfiguration; ignored
        self.store.create_bucket(
            route.bucket, region=route.region or self.region, acl=acl.canned, grants=acl.grants, now=self.clock()
        )
        return Response(200, [("Location", f"/{route.bucket}")])

    def head_bucket(self, req: Request, route: Route) -> Response:
        bucket = self.store.get_bucket(route.bucket)
        region = bucket.region if bucket else self.region
        return Response(200, [("x-cos-bucket-region", region)])

    def delete_bucket(self, req: Request, route: Route) -> Response:
        """Only an empty bucket goes; uploads in progress -> 409 ``BucketNotEmpty`` (a choice)."""
        self.store.delete_bucket(route.bucket)
        return Response(204)

    def list_objects(self, req: Request, route: Route) -> Response:
        p = route.params
        prefix, delimiter, marker = p.get("prefix", ""), p.get("delimiter", ""), p.get("marker", "")
        encoding = p.get("encoding-type")
        if encoding is not None and encoding.lower() != "url":
            raise CosError("InvalidArgument", "Invalid Encoding Method specified in Request.")
        raw_max = p.get("max-keys", "")
        try:
            max_keys = 1000 if raw_max == "" else int(raw_max)
            if max_keys < 0:
                raise ValueError
        except ValueError:
            raise CosError("InvalidArgument", "Provided max-keys not an integer or within integer range.") from None
        max_keys = min(max_keys, 1000)
        result = self.store.list_objects(
            route.bucket, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
        )
        body = _render.list_bucket_result(
            result,
            bucket=route.bucket,
            prefix=prefix,
            marker=marker,
            delimiter=delimiter,
            max_keys=max_keys,
            encoded=encoding is not None,
        )
        return _xml_response(body)

    # -- objects ----------------------------------------------------------------------

    def _check_key(self, key: str) -> None:
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise CosError("KeyTooLong")
        if _BAD_KEY_CHARS.search(key):
            raise CosError("InvalidObjectName", "The object key contains a forbidden control character.")

    @staticmethod
    def _object_options(
        req: Request, *, storage_class_header: bool = True, check_metadata: bool = True
    ) -> "ObjectOptions":
        """Validated object attributes of a PUT / Initiate / first APPEND / copy.  APPEND ignores
        ``x-cos-storage-class`` altogether (``storage_class_header=False``); a copy that keeps the
        source's metadata does not look at the request's (``check_metadata=False``)."""
        if check_metadata:
            _names.check_user_metadata(req.headers)  # 2 KB per x-cos-meta-* header, 4 KB in all
        raw_class = req.header("x-cos-storage-class") if storage_class_header else None
        storage_class = (raw_class or "STANDARD").strip().upper()
        if storage_class not in STORAGE_CLASSES:
            raise CosError("InvalidArgument", f"Invalid x-cos-storage-class value: {storage_class}.")
        acl = _acl_headers(req, default="default", allowed=OBJECT_ACLS) or _acl.Acl("default")
        sse = req.header("x-cos-server-side-encryption")
        if sse is not None and sse not in SSE_VALUES:
            raise CosError("InvalidArgument", f"Invalid x-cos-server-side-encryption value: {sse}.")
        headers = {"Content-Type": req.header("Content-Type") or "application/octet-stream"}
        for name in STORED_HEADERS:
            value = req.header(name)
            if value is not None:
                headers[name] = value
        meta: List[Tuple[str, str]] = []
        for name, value in req.headers:
            lname = name.lower()
            if lname.startswith("x-cos-meta-") and len(lname) > len("x-cos-meta-"):
                meta.append((lname, value.strip()))
        extra: Dict[str, object] = {
            "grants": [list(grant) for grant in acl.grants],
            "tagging": req.header("x-cos-tagging"),
            "sse": {n: req.header(n) for n in SSE_ECHO_HEADERS if req.header(n) is not None},
        }
        return ObjectOptions(storage_class=storage_class, acl=acl.canned, headers=headers, meta=meta, extra=extra)

    def _new_object(self, bucket: str, key: str, options: "ObjectOptions") -> ObjectRecord:
        """The record of an object being written; the store fills in size, ETag and CRC."""
        return ObjectRecord(
            bucket=bucket, key=key, size=0, etag="", crc64=0, last_modified=self.clock(), **options._asdict()
        )

    def put_object(self, req: Request, route: Route) -> Response:
        self._check_key(route.key)
        incoming = expect_body(req, room=MAX_PUT_SIZE, chunked=True)
        options = self._object_options(req)
        throttle = self._traffic_limit(req, route)
        with self.store.new_blob() as writer:
            incoming.receive(writer, throttle)
            record = self.store.commit_object(writer, self._new_object(route.bucket, route.key, options))
        out = [("ETag", record.etag), (CRC_HEADER, str(record.crc64))]
        out.extend(record.extra["sse"].items())
        out.extend(_version_header(route, record))
        return Response(200, out)

    def _traffic_limit(self, req: Request, route: Route) -> Optional[Throttle]:
        raw = req.header("x-cos-traffic-limit")
        if raw is None:
            raw = route.params.get("x-cos-traffic-limit")
        if raw is None:
            return None
        try:
            limit = int(raw.strip())
        except ValueError:
            limit = -1
        if not MIN_TRAFFIC_LIMIT <= limit <= MAX_TRAFFIC_LIMIT:
            raise CosError(
                "InvalidArgument",
                f"x-cos-traffic-limit must be between {MIN_TRAFFIC_LIMIT} and {MAX_TRAFFIC_LIMIT} bit/s.",
            )
        return Throttle(limit) if self.throttle else None

    def _object_headers(self, record: ObjectRecord) -> List[Tuple[str, str]]:
        out = [
            ("Content-Type", record.headers.get("Content-Type", "application/octet-stream")),
            ("ETag", record.etag),
            ("Last-Modified", http_date(record.last_modified)),
            ("Accept-Ranges", "bytes"),
            (CRC_HEADER, str(record.crc64)),
        ]
        for name in STORED_HEADERS:
            if name in record.headers:
                out.append((name, record.headers[name]))
        out.extend(record.meta)
        if record.storage_class != "STANDARD":
            out.append(("x-cos-storage-class", record.storage_class))
        if record.object_type != "normal":
            out.append(("x-cos-object-type", record.object_type))
        out.extend(record.extra.get("sse", {}).items())
        return out

    def _conditional(self, req: Request, record: ObjectRecord) -> Optional[Response]:
        """RFC 7232 evaluation order: a 304/412 response, or None to serve."""
        if _not_modified(req, record, prefix=""):
            return Response(304, [("ETag", record.etag), ("Last-Modified", http_date(record.last_modified))])
        return None

    def _version_param(self, route: Route) -> Optional[str]:
        """The ``versionId`` addressed (stored form, ``""`` = null); ``None`` for the current
        version, which ``null`` also is on a never-versioned bucket."""
        version_id = _versions.stored_id(route.params.get("versionid"))
        return None if not route.versioning and version_id == "" else version_id

    def _missing(self, route: Route, version_id: Optional[str]) -> CosError:
        """404 for a key with no current object (``x-cos-delete-marker`` when a delete marker
        is current) or an absent version (``NoSuchVersion``)."""
        if version_id is not None:
            return CosError("NoSuchVersion")
        marker = self.store.current_marker(route.bucket, route.key) if route.versioning else None
        if marker is None:
            return CosError("NoSuchKey")
        return CosError("NoSuchKey", headers=_marker_headers(marker))

    def _readable(self, route: Route, record: ObjectRecord) -> None:
        """A delete marker addressed by version -> 405 ``MethodNotAllowed`` (S3); an ARCHIVE /
        DEEP_ARCHIVE object not restored -> 403 ``InvalidObjectState``."""
        if record.delete_marker:
            raise CosError("MethodNotAllowed", headers=_marker_headers(record.version_id))
        if not _restore.is_readable(record.storage_class, record.extra.get("restore"), self.clock()):
            raise CosError(
                "InvalidObjectState", "The object is archived: restore it (POST ?restore) before reading it."
            )

    def _record_headers(self, route: Route, record: ObjectRecord) -> List[Tuple[str, str]]:
        """``_object_headers`` plus the version id (versioned buckets) and ``x-cos-restore``."""
        headers = self._object_headers(record)
        headers.extend(_version_header(route, record))
        restore = _restore.restore_header(record.extra.get("restore"), self.clock())
        if restore is not None:
            headers.append(("x-cos-restore", restore))
        return headers

    def head_object(self, req: Request, route: Route) -> Response:
        """The current object, or the ``versionId`` one (absent -> 404 ``NoSuchVersion``, a delete
        marker -> 405); an archived object answers HEAD (with ``x-cos-restore`` once restoring)."""
        version_id = self._version_param(route)
        if version_id is None:
            record = self.store.get_object(route.bucket, route.key)
        else:
            record = self.store.get_version(route.bucket, route.key, version_id)
        if record is None:
            raise self._missing(route, version_id)
        if record.delete_marker:
            raise CosError("MethodNotAllowed", headers=_marker_headers(record.version_id))
        early = self._conditional(req, record)
        if early is not None:
            return early
        return Response(200, self._record_headers(route, record), length=record.size)

    def _open_target(self, route: Route) -> Tuple[ObjectRecord, IO[bytes]]:
        """The record and data of the object GET addresses (errors as ``_missing``, ``_readable``)."""
        version_id = self._version_param(route)
        if version_id is None:
            opened: Optional[Tuple[ObjectRecord, Optional[IO[bytes]]]] = self.store.open_object(route.bucket, route.key)
        else:
            opened = self.store.open_version(route.bucket, route.key, version_id)
        if opened is None:
            raise self._missing(route, version_id)
        record, fh = opened
        try:
            self._readable(route, record)
        except BaseException:
            if fh is not None:
                fh.close()
            raise
        assert fh is not None
        return record, fh

    def get_object(self, req: Request, route: Route) -> Response:
        throttle = self._traffic_limit(req, route)
        record, fh = self._open_target(route)
        try:
            early = self._conditional(req, record)
            if early is not None:
                fh.close()
                return early
            headers = self._record_headers(route, record)
            overrides = {
                header: route.params[param] for param, header in RESPONSE_OVERRIDES.items() if param in route.params
            }
            for param, value in overrides.items():
                if _CTL_CHARS.search(value):
                    raise CosError("InvalidArgument", f"Invalid value for {param}.")
            if overrides:
                headers = [(n, v) for n, v in headers if n not in overrides]
                headers.extend((n, _latin1(v)) for n, v in overrides.items())
            size = record.size
            rng = _parse_range(req.header("Range"), size)
            status, start, length = 200, 0, size
            if rng is not None:
                start, end = rng
                status, length = 206, end - start + 1
                headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
                fh.seek(start)
        except BaseException:
            fh.close()
            raise
        return Response(status, headers, stream=fh, length=length, throttle=throttle)

    def delete_object(self, req: Request, route: Route) -> Response:
        """Deleting an object never aborts the multipart uploads of its key.  On a versioned
        bucket, without ``versionId``: a delete marker (``x-cos-delete-marker: true`` and its
        ``x-cos-version-id``); with it: that version goes for good (an absent one: 204 all the
        same, as S3), echoed in ``x-cos-version-id`` (and ``x-cos-delete-marker`` if it was one)."""
        version_id = self._version_param(route)
        if not route.versioning and version_id is None:
            self.store.delete_object(route.bucket, route.key)
            return Response(204)
        removal = self.store.remove_object(route.bucket, route.key, version_id=version_id, now=self.clock())
        return Response(204, _removal_headers(removal))

    def get_bucket_location(self, req: Request, route: Route) -> Response:
        """The bucket's region (owner only, like the other bucket settings)."""
        bucket = self.store.get_bucket(route.bucket)
        if bucket is None:
            raise CosError("NoSuchBucket")
        return _xml_response(_render.location_constraint(bucket.region))

    def delete_multiple_objects(self, req: Request, route: Route) -> Response:
        """DELETE Multiple Objects (``POST /?delete``): each key deleted as DELETE Object would
        (a missing key is deleted too, as on COS).  A Content-MD5, when sent, must match
        (``BadDigest``); the document rules are ``_batch.parse_delete_body``.  A key is taken
        exactly as written, so ``/a`` names the key ``/a``, not ``a`` (the keys the official
        SDK's issue #242 reports as "not deleted").  On a bucket whose versioning was never
        configured, a ``VersionId`` other than ``null`` is a per-key ``InvalidArgument`` error; on a
        versioned bucket each key is deleted as DELETE Object with its ``VersionId`` would be, and
        its ``Deleted`` entry reports the ``VersionId`` and ``DeleteMarker`` /
        ``DeleteMarkerVersionId`` (a marker created, or the version removed was a marker)."""
        request = parse_delete_body(_document_body(req))
        bucket = self.store.get_bucket(route.bucket)
        if bucket is None:
            raise CosError("NoSuchBucket")
        deleted: List[_render.DeletedEntry] = []
        errors: List[Tuple[str, str, str]] = []
        for target in request.objects:
            version_id = _versions.stored_id(target.version_id)
            if not bucket.versioning and version_id:
                errors.append((target.key, "InvalidArgument", "Invalid version id specified."))
            elif not bucket.versioning:
                self.store.delete_object(route.bucket, target.key)
                deleted.append(_render.DeletedEntry(target.key, None, None))
            else:
                removal = self.store.remove_object(route.bucket, target.key, version_id=version_id, now=self.clock())
                deleted.append(_deleted_entry(target.key, version_id, removal))
        body = _render.delete_result(deleted=[] if request.quiet else deleted, errors=errors)
        return _xml_response(body)

    # -- versioning (rules: _versions; state: _store_versions) ------------------------------

    def get_bucket_versioning(self, req: Request, route: Route) -> Response:
        """``<VersioningConfiguration/>``, with ``<Status>`` once versioning was configured."""
        return _xml_response(_render.versioning_configuration(route.versioning))

    def put_bucket_versioning(self, req: Request, route: Route) -> Response:
        """``Enabled`` or ``Suspended`` (``_versions.parse_versioning_body``: anything else, an
        empty body included, -> 400 ``MalformedXML``; a bad Content-MD5 as DELETE Multiple's).
        Suspending keeps every version; it never goes back to "never configured"."""
        data = _read_all(req.body, MAX_ACL_BODY)
        expected_md5 = _parse_content_md5(req.header("Content-MD5"))
        if expected_md5 is not None and hashlib.md5(data).digest() != expected_md5:
            raise CosError("BadDigest")
        self.store.set_bucket_versioning(route.bucket, _versions.parse_versioning_body(data))
        return Response(200)

    def list_object_versions(self, req: Request, route: Route) -> Response:
        """``GET /?versions``: every version and delete marker, by key then newest first (a
        never-versioned bucket lists its objects as null versions).  ``max-keys`` a non-negative
        integer (over 1000 -> 1000), ``encoding-type`` only ``url`` (else 400 ``InvalidArgument``);
        ``version-id-marker`` without ``key-marker`` is ignored; empty values count as absent."""
        p = {name: value for name, value in route.params.items() if value != ""}
        encoded = _encoding_type(p.get("encoding-type"))
        max_keys = min(_int_param(p.get("max-keys"), "max-keys", default=1000, low=0, high=None), 1000)
        prefix, delimiter, key_marker = p.get("prefix", ""), p.get("delimiter", ""), p.get("key-marker", "")
        version_marker = p.get("version-id-marker", "") if key_marker else ""
        result = self.store.list_versions(
            route.bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            version_id_marker=_versions.stored_id(version_marker),
            max_keys=max_keys,
        )
        body = _render.list_versions_result(
            result,
            bucket=route.bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            version_id_marker=version_marker,
            max_keys=max_keys,
            encoded=encoded,
        )
        return _xml_response(body)

    # -- restore (rules: _restore) ----------------------------------------------------------

    def restore_object(self, req: Request, route: Route) -> Response:
        """POST Object restore: 202 for a new restore job (readable ``restore_delay`` seconds
        later), 200 for an object already restored (its expiry moves to now + ``Days``).

        Errors, in order: the body (a bad Content-MD5 -> ``InvalidDigest``/``BadDigest``, empty ->
        ``MissingRequestBodyError``, ``_restore.parse_restore_body`` -> ``MalformedXML``) -> no
        object / version (404 ``NoSuchKey`` / ``NoSuchVersion``; a delete marker: 405) -> not
        ARCHIVE / DEEP_ARCHIVE -> 403 ``InvalidObjectState`` -> DEEP_ARCHIVE with the Expedited
        tier -> 400 ``InvalidArgument`` (COS offers only Standard and Bulk there) -> a restore in
        progress -> 409 ``RestoreAlreadyInProgress``."""
        request = _restore.parse_restore_body(_document_body(req))
        version_id = self._version_param(route)
        record = (
            self.store.get_object(route.bucket, route.key)
            if version_id is None
            else self.store.get_version(route.bucket, route.key, version_id)
        )
        if record is None:
            raise self._missing(route, version_id)
        if record.delete_marker:
            raise CosError("MethodNotAllowed", headers=_marker_headers(record.version_id))
        if record.storage_class not in _restore.ARCHIVE_CLASSES:
            raise CosError("InvalidObjectState", "Restore is not allowed for the object's storage class.")
        if record.storage_class == "DEEP_ARCHIVE" and request.tier == "Expedited":
            raise CosError("InvalidArgument", "The Expedited tier is not available for DEEP_ARCHIVE objects.")
        status, entry = _restore.next_entry(
            record.extra.get("restore"), request, now=self.clock(), delay=self.restore_delay
        )
        self.store.update_object_extra(
            route.bucket, route.key, version_id=record.version_id, name="restore", value=entry
        )
        return Response(status, _version_header(route, record))

    # -- the service ------------------------------------------------------------------------

    def list_buckets(self, req: Request, route: Route) -> Response:
        """GET Service: the buckets of the requester's account (``_auth.owns``), by name.

        Filters: the region of a ``cos.<region>.myqcloud.com`` Host or a ``region`` parameter;
        ``create-time`` with ``range`` ``lt``/``gt``; ``tagkey``/``tagvalue`` (buckets carry no
        tags here, so a tag filter matches none).  Paging: ``marker`` (after that name) and
        ``max-keys`` (default and cap 2000, a choice) -> ``IsTruncated`` / ``NextMarker``.  A
        ``max-keys`` or ``create-time`` that is not a non-negative integer, or a ``range`` other
        than ``lt``/``gt`` -> 400 ``InvalidArgument``."""
        p = {name: value for name, value in route.params.items() if value != ""}
        max_keys = min(_int_param(p.get("max-keys"), "max-keys", default=2000, low=0, high=None), 2000)
        credential = route.credential
        assert credential is not None
        others = list(self.credentials.values())
        owned = [b for b in self.store.buckets() if _auth.owns(credential, b.appid, others)]
        chosen = [b for b in owned if _bucket_matches(b, p, region=route.region)]
        marker = p.get("marker", "")
        after = [b for b in chosen if b.name > marker]
        page = after[:max_keys]
        next_marker = page[-1].name if len(after) > len(page) and page else None
        appid = credential.appid or (owned[0].appid if owned else DEFAULT_APPID)
        body = _render.list_all_my_buckets(page, appid=appid, marker=marker, next_marker=next_marker)
        return _xml_response(body)

    # -- ACLs (rules: _acl) -------------------------------------------------------------

    def get_bucket_acl(self, req: Request, route: Route) -> Response:
        bucket = self.store.get_bucket(route.bucket)
        if bucket is None:
            raise CosError("NoSuchBucket")
        return self._acl_response(_acl.Acl(bucket.acl, bucket.grants), bucket=route.bucket)

    def put_bucket_acl(self, req: Request, route: Route) -> Response:
        """Replace the bucket's ACL: by headers or by an AccessControlPolicy body (``_new_acl``)."""
        acl = self._new_acl(req, route, default="private", allowed=BUCKET_ACLS)
        self.store.set_bucket_acl(route.bucket, acl=acl.canned, grants=acl.grants)
        return Response(200)

    def get_object_acl(self, req: Request, route: Route) -> Response:
        """The object's ACL; a missing object -> 404 ``NoSuchKey``."""
        record = self.store.get_object(route.bucket, route.key)
        if record is None:
            raise CosError("NoSuchKey")
        stored = _acl.Acl(record.acl, _acl.stored_grants(record.extra.get("grants")))
        return self._acl_response(stored, bucket=route.bucket)

    def put_object_acl(self, req: Request, route: Route) -> Response:
        """Replace the object's ACL (its data, ETag and Last-Modified stay); errors as
        ``_new_acl``, then a missing object -> 404 ``NoSuchKey``."""
        acl = self._new_acl(req, route, default="default", allowed=OBJECT_ACLS)
        self.store.set_object_acl(route.bucket, route.key, acl=acl.canned, grants=acl.grants)
        return Response(200)

    def _new_acl(self, req: Request, route: Route, *, default: str, allowed: frozenset) -> _acl.Acl:
        """The ACL a PUT ``?acl`` sets.  Errors, in order: a bad ``x-cos-acl`` or grant header
        -> 400 ``InvalidArgument``; a body over 64 KiB -> 400 ``EntityTooLarge``; a non-empty
        body that is not a valid AccessControlPolicy -> 400 ``InvalidArgument``
        (``_acl.parse_policy``; COS parses a body sent with the headers too); headers and a
        valid body (a choice: COS asks for one of the two) -> 400 ``InvalidRequest``; neither
        -> 400 ``MissingRequestBodyError``."""
        by_headers = _acl_headers(req, default=default, allowed=allowed)
        data = _read_all(req.body, MAX_ACL_BODY)
        if not data.strip():
            if by_headers is None:
                raise CosError("MissingRequestBodyError")
            return by_headers
        by_body = _acl.parse_policy(data, owner=_acl.cam_id(_auth.bucket_appid(route.bucket)), base="private")
        if by_headers is not None:
            raise CosError("InvalidRequest", "Set the ACL by headers or by an AccessControlPolicy body, not both.")
        return by_body

    @staticmethod
    def _acl_response(acl: _acl.Acl, *, bucket: str) -> Response:
        owner = _acl.cam_id(_auth.bucket_appid(bucket))
        body = _render.access_control_policy(
            owner=owner, grants=_acl.policy_grants(acl, owner=owner), all_users=_acl.ALL_USERS
        )
        return _xml_response(body)

    # -- APPEND -----------------------------------------------------------------------

    def append_object(self, req: Request, route: Route) -> Response:
        """``POST /<key>?append&position=N``: create (position 0) or extend an appendable object.

        The first append's headers (Content-Type, metadata, ACL, ...) stay with the
        object; later appends' headers and any storage class are ignored.  The ETag is
        the MD5 of the whole object, ``x-cos-hash-crc64ecma`` its CRC-64 (continued
        from the previous CRC, never re-read) and ``x-cos-content-sha1`` the hex MD5
        of this chunk (the Go SDK's contract).

        Errors, in order (choices where COS documents none): no Content-Length
        (absent, or chunked) -> 411 ``MissingContentLength``; ``position`` missing
        or not a decimal integer -> 400 ``InvalidArgument``; position + length over
        5 GiB -> 400 ``EntityTooLarge``; a normal object -> 409
        ``ObjectNotAppendable`` (checked before the position); position != length
        (or != 0 for a new key) -> 409 ``AppendPositionErr``.  Appends to one object
        are serialised: of several at the same position exactly one wins.
        ``x-cos-storage-class`` is ignored (appendable objects are STANDARD).
        """
        self._check_key(route.key)
        if req.body.length is None:
            raise CosError("MissingContentLength")  # before the position
        position = _parse_uint(route.params.get("position"))
        if position is None:
            raise CosError("InvalidArgument", "The position parameter must be a non-negative integer.")
        incoming = expect_body(req, room=MAX_PUT_SIZE - position, chunked=False)
        options = self._object_options(req, storage_class_header=False)
        throttle = self._traffic_limit(req, route)
        with self.store.begin_append(route.bucket, route.key, position) as appender:
            incoming.receive(appender, throttle)
            record = appender.commit(self._new_object(route.bucket, route.key, options))
            chunk_md5 = appender.md5.hex()
        return Response(
            200,
            [
                ("ETag", record.etag),
                (CRC_HEADER, str(record.crc64)),
                ("x-cos-next-append-position", str(record.size)),
                ("x-cos-content-sha1", chunk_md5),
            ],
        )

    # -- multipart upload ---------------------------------------------------------------

    def initiate_multipart_upload(self, req: Request, route: Route) -> Response:
        self._check_key(route.key)
        options = self._object_options(req)
        _drain(req.body)
        upload = self.store.create_upload(
            UploadRecord(upload_id="", bucket=route.bucket, key=route.key, initiated=self.clock(), **options._asdict())
        )
        return _xml_response(_render.initiate_result(upload), sse=_sse_headers(upload))

    def _upload(self, route: Route) -> UploadRecord:
        """The upload named by ``uploadId``: an unknown, completed or aborted one, one of
        another key or bucket, or an empty ``uploadId`` -> 404 ``NoSuchUpload`` for every
        multipart API (List Parts included, rather than ``ListPartUploadIdIsEmpty``)."""
        return self.store.get_upload(route.bucket, route.key, route.params.get("uploadid", ""))

    def upload_part(self, req: Request, route: Route) -> Response:
        """Errors, in order: a part number outside 1..10000 -> 400 ``InvalidArgument``; no
        Content-Length (absent, or chunked) -> 411 ``MissingContentLength``; over 5 GiB ->
        400 ``EntityTooLarge``; a bad Content-MD5 -> 400 ``InvalidDigest``; no such upload
        -> 404 ``NoSuchUpload`` (before the body is read); a body other than its
        Content-MD5 -> 400 ``BadDigest``."""
        number = parse_part_number(route.params.get("partnumber"))
        incoming = expect_body(req, room=MAX_PUT_SIZE, chunked=False)
        throttle = self._traffic_limit(req, route)
        upload = self._upload(route)  # 404 before the body is read
        with self.store.new_blob() as writer:
            incoming.receive(writer, throttle)
            part = self.store.commit_part(
                writer,
                bucket=upload.bucket,
                key=upload.key,
                upload_id=upload.upload_id,
                part_number=number,
                now=self.clock(),
            )
        out = [("ETag", part.etag), (CRC_HEADER, str(part.crc64))]
        out.extend(_sse_headers(upload))
        return Response(200, out)

    def upload_part_copy(self, req: Request, route: Route) -> Response:
        """Upload Part - Copy: a part made of (a range of) an object of any bucket here.

        Choices where COS documents none: the part number is checked first (400
        before 404); a malformed ``x-cos-copy-source`` (no ``/``, a host that is not
        ``<bucket>-<appid>.cos[-internal].<region>.myqcloud.com`` / ``.tencentcos.cn``
        / legacy ``<bucket>-<appid>.<region>.myqcloud.com``, a scheme, an empty or
        non-UTF-8 key) -> 400 ``InvalidArgument``; a source ``versionId`` as
        ``_open_copy_source``; a missing source bucket -> 404 ``NoSuchBucket``, key -> 404
        ``NoSuchKey`` (not ``NoSuchCopySource``); a range that is not
        ``bytes=first-last`` inside the object -> 400 ``InvalidArgument`` (empty ->
        whole object); the four ``x-cos-copy-source-If-*`` conditions are evaluated
        like GET's -> 412 ``PreconditionFailed``.  An anonymous copy, or one from
        another account's bucket, also needs an anonymously readable source.
        """
        number = parse_part_number(route.params.get("partnumber"))
        src = _parse_copy_source(req.header("x-cos-copy-source") or "")
        upload = self._upload(route)
        source, fh = self._open_copy_source(req, route, src)
        with fh:
            start, length = _parse_copy_range(req.header("x-cos-copy-source-range"), source.size)
            if length > MAX_PUT_SIZE:
                raise CosError("EntityTooLarge")
            _drain(req.body)
            fh.seek(start)
            with self.store.new_blob() as writer:
                copy_stream(fh, writer.write, length)
                part = self.store.commit_part(
                    writer,
                    bucket=upload.bucket,
                    key=upload.key,
                    upload_id=upload.upload_id,
                    part_number=number,
                    now=self.clock(),
                )
        return _xml_response(_render.copy_part_result(part), crc64=part.crc64, sse=_sse_headers(upload))

    def _open_copy_source(self, req: Request, route: Route, src: "CopySource") -> Tuple[ObjectRecord, IO[bytes]]:
        """The source object (or source version) of a copy and an open file of its data, after the
        permission check (an anonymous copy, or one from another account's bucket, needs an
        anonymously readable source), the archive check (403 ``InvalidObjectState`` until restored)
        and the four ``x-cos-copy-source-If-*`` conditions (412 ``PreconditionFailed``).  A source
        ``versionId``: absent -> 404 ``NoSuchVersion``, a delete marker -> 400 ``InvalidRequest``,
        on a bucket whose versioning was never configured (non-``null``) -> 501."""
        bucket, key = src.bucket, src.key
        src_bucket = self.store.get_bucket(bucket)
        if src_bucket is None:
            raise CosError("NoSuchBucket", "The specified source bucket does not exist.")
        version_id = src.version_id if src_bucket.versioning or src.version_id else None
        if version_id is None:
            opened: Optional[Tuple[ObjectRecord, Optional[IO[bytes]]]] = self.store.open_object(bucket, key)
        elif not src_bucket.versioning:
            raise CosError("NotImplemented", "Copying a specific version is not implemented by the COS emulator.")
        else:
            opened = self.store.open_version(bucket, key, version_id)
        if opened is None:
            raise CosError("NoSuchKey" if version_id is None else "NoSuchVersion")
        source, fh = opened
        if fh is None:
            raise CosError(
                "InvalidRequest", "The source of a copy request may not refer to a delete marker by version id."
            )
        try:
            if not _restore.is_readable(source.storage_class, source.extra.get("restore"), self.clock()):
                raise CosError("InvalidObjectState", "The copy source is archived: restore it first.")
            foreign = route.anonymous or (  # a source of another account: everyone's rights only
                route.credential is not None
                and _auth.account_credential(
                    route.credential, bucket=bucket, credentials=list(self.credentials.values())
                )
                is None
            )
            if foreign and not _readable_by_all(src_bucket.acl, source.acl):
                raise CosError("AccessDenied")
            _copy_preconditions(req, source)
        except BaseException:
            fh.close()
            raise
        return source, fh

    def put_object_copy(self, req: Request, route: Route) -> Response:
        """PUT Object - Copy: a new object made of a whole object of any bucket here.

        ``x-cos-metadata-directive`` ``Copy`` (default) keeps the source's Content-Type, the
        stored headers (Cache-Control, Content-Disposition, ...) and ``x-cos-meta-*``, ignoring the
        request's; ``Replaced`` takes the request's; anything else is 400 ``InvalidArgument``.  As
        COS documents, the storage class, ACL and SSE are never copied: the request's or
        STANDARD / ``default`` / none.  A source larger than 5 GB is 400 ``EntityTooLarge``.  A copy
        of an object onto itself that changes nothing (``Copy`` and the same storage class) is 400
        ``InvalidRequest``, as on S3.  Source errors and conditions as for Upload Part - Copy.
        """
        self._check_key(route.key)
        src = _parse_copy_source(req.header("x-cos-copy-source") or "")
        directive = (req.header("x-cos-metadata-directive") or "Copy").strip()
        if directive not in ("Copy", "Replaced"):
            raise CosError("InvalidArgument", f"Invalid x-cos-metadata-directive value: {directive}.")
        options = self._object_options(req, check_metadata=directive == "Replaced")
        source, fh = self._open_copy_source(req, route, src)
        with fh:
            if source.size > MAX_PUT_SIZE:
                raise CosError("EntityTooLarge", "A single copy is limited to 5 GB; use Upload Part - Copy.")
            if (
                (src.bucket, src.key) == (route.bucket, route.key)
                and src.version_id is None
                and directive == "Copy"
                and options.storage_class == source.storage_class
            ):
                raise CosError(
                    "InvalidRequest",
                    "This copy request is illegal because it is trying to copy an object to itself without "
                    "changing the object's metadata or storage class.",
                )
            if directive == "Copy":
                options = options._replace(headers=dict(source.headers), meta=list(source.meta))
            _drain(req.body)
            with self.store.new_blob() as writer:
                copy_stream(fh, writer.write, source.size)
                record = self.store.commit_object(writer, self._new_object(route.bucket, route.key, options))
        headers = list(record.extra["sse"].items()) + _version_header(route, record)
        if self.store.versioning_of(src.bucket):
            headers.append(("x-cos-copy-source-version-id", _versions.wire_id(source.version_id)))
        return _xml_response(_render.copy_object_result(record), crc64=record.crc64, sse=headers)

    def list_parts(self, req: Request, route: Route) -> Response:
        """``max-parts`` outside 1..1000, a negative or non-integer ``part-number-marker``,
        an ``encoding-type`` other than ``url`` -> 400 ``InvalidArgument``."""
        p = route.params
        encoded = _encoding_type(p.get("encoding-type"))
        max_parts = _int_param(p.get("max-parts"), "max-parts", default=1000, low=1, high=1000)
        marker = _int_param(p.get("part-number-marker"), "part-number-marker", default=0, low=0, high=None)
        upload = self._upload(route)
        parts, truncated = self.store.list_parts(
            upload.upload_id, marker=min(marker, MAX_PART_NUMBER), max_parts=max_parts
        )
        body = _render.list_parts_result(
            upload, parts, marker=marker, max_parts=max_parts, truncated=truncated, encoded=encoded
        )
        return _xml_response(body)

    def complete_multipart_upload(self, req: Request, route: Route) -> Response:
        """Publish the listed parts as the object's segments.

        Errors, in order: ``NoSuchUpload`` -> a malformed Content-MD5
        (``InvalidDigest``) -> body over 16 MiB (400 ``EntityTooLarge``) -> empty
        body (``MissingRequestBodyError``) -> a body other than its Content-MD5
        (``BadDigest``) -> not well-formed, a DTD, another root, no Part, a Part
        without an integer PartNumber or an ETag
        (``MalformedXML``, ``_multipart.parse_complete_body``) -> the part rules of
        ``_multipart.plan_completion`` (``InvalidPartOrder``, ``InvalidPart``, the
        gap rule with ``allow_part_gaps=False``, ``EntityTooSmall`` under
        ``min_part_size``) -> a part replaced or the upload finished during the
        Complete (``InvalidPart`` / ``NoSuchUpload``, ``Store.complete_upload``).
        Completing a finished upload again -> 404 ``NoSuchUpload`` (no replay).
        """
        upload = self._upload(route)
        data = _document_body(req)
        listed = parse_complete_body(data)
        plan = plan_completion(
            listed,
            self.store.get_parts(upload.upload_id),
            min_part_size=self.min_part_size,
            allow_gaps=self.allow_part_gaps,
        )
        record = upload.object_record(etag=plan.etag, crc64=plan.crc64, last_modified=self.clock())
        # The parts become the object's segments: no byte is copied, so the cost does not
        # depend on the size.  A listed part replaced meanwhile -> InvalidPart; the upload
        # aborted or completed meanwhile -> NoSuchUpload (both checked in the transaction).
        self.store.complete_upload(upload, record, plan.parts)
        location = f"{route.host}/{quote(upload.key, safe='/-_.~')}"
        body = _render.complete_result(upload, location=location, etag=record.etag)
        return _xml_response(body, crc64=record.crc64, sse=_sse_headers(upload) + _version_header(route, record))

    def abort_multipart_upload(self, req: Request, route: Route) -> Response:
        self.store.abort_upload(route.bucket, route.key, route.params.get("uploadid", ""))
        return Response(204)

    def list_multipart_uploads(self, req: Request, route: Route) -> Response:
        """``max-uploads`` outside 1..1000 or an ``encoding-type`` other than ``url`` -> 400
        ``InvalidArgument``; empty parameter values count as absent; ``upload-id-marker``
        without ``key-marker`` is ignored."""
        p = {name: value for name, value in route.params.items() if value != ""}  # empty = absent
        encoded = _encoding_type(p.get("encoding-type"))
        max_uploads = _int_param(p.get("max-uploads"), "max-uploads", default=1000, low=1, high=1000)
        prefix, delimiter = p.get("prefix", ""), p.get("delimiter", "")
        key_marker = p.get("key-marker", "")
        upload_id_marker = p.get("upload-id-marker", "") if key_marker else ""
        result = self.store.list_uploads(
            route.bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            upload_id_marker=upload_id_marker,
            max_uploads=max_uploads,
        )
        body = _render.list_uploads_result(
            result,
            bucket=route.bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            upload_id_marker=upload_id_marker,
            max_uploads=max_uploads,
            encoded=encoded,
        )
        return _xml_response(body)


# -- helpers ------------------------------------------------------------------------------

#: operations that address a version with ``versionId`` (on a bucket whose versioning was configured)
_VERSIONED_OPS = frozenset({"GetObject", "HeadObject", "DeleteObject", "PostObjectRestore"})
#: the account of a key registered without an APPID, when it owns no bucket (a choice)
DEFAULT_APPID = "1250000000"


def _version_header(route: Route, record: ObjectRecord) -> List[Tuple[str, str]]:
    """``x-cos-version-id`` on a bucket whose versioning was configured (``null`` for the null
    version); none on a never-versioned bucket, nor for appendable objects (not versioned)."""
    if not route.versioning or record.object_type == "appendable":
        return []
    return [("x-cos-version-id", _versions.wire_id(record.version_id))]


def _marker_headers(version_id: str) -> Dict[str, str]:
    return {"x-cos-delete-marker": "true", "x-cos-version-id": _versions.wire_id(version_id)}


def _removal_headers(removal: Removal) -> List[Tuple[str, str]]:
    headers = []
    if removal.delete_marker:
        headers.append(("x-cos-delete-marker", "true"))
    if removal.version_id is not None:
        headers.append(("x-cos-version-id", _versions.wire_id(removal.version_id)))
    return headers


def _deleted_entry(key: str, version_id: Optional[str], removal: Removal) -> "_render.DeletedEntry":
    """DELETE Multiple's ``Deleted`` entry: the ``VersionId`` asked for, and the marker's id when a
    delete marker was created or removed."""
    shown = _versions.wire_id(version_id) if version_id is not None else None
    marker = _versions.wire_id(removal.version_id or "") if removal.delete_marker else None
    return _render.DeletedEntry(key, shown, marker)


def _bucket_matches(bucket: "BucketRecord", params: Dict[str, str], *, region: Optional[str]) -> bool:
    """GET Service's filters (``list_buckets``)."""
    wanted_region = params.get("region") or region
    if wanted_region is not None and bucket.region != wanted_region:
        return False
    if "tagkey" in params:
        return False  # no bucket has tags in the emulator
    if "create-time" in params and "range" in params:
        when = _int_param(params["create-time"], "create-time", default=0, low=0, high=None)
        if params["range"] not in ("lt", "gt"):
            raise CosError("InvalidArgument", "range must be lt or gt.")
        return bucket.created < when if params["range"] == "lt" else bucket.created > when
    return True


def _readable_by_all(bucket_acl: str, object_acl: str) -> bool:
    """Whether everyone may read an object: its own ACL decides unless ``default``."""
    return (bucket_acl if object_acl == "default" else object_acl) in PUBLIC_READ_ACLS


def _acl_headers(req: Request, *, default: str, allowed: frozenset) -> Optional[_acl.Acl]:
    """The ACL of the ``x-cos-acl`` / ``x-cos-grant-*`` headers; ``None`` when none is sent."""
    names = ("x-cos-acl", *_acl.GRANT_HEADERS)
    return _acl.from_headers({n: req.header(n) for n in names}, default=default, allowed=allowed)


def _latin1(value: str) -> str:
    """Query values are text; header values go out as latin-1 of their UTF-8 bytes."""
    return value.encode("utf-8").decode("latin-1")


def _drain(body: Body) -> None:
    while body.read(_READ_CHUNK):
        pass


class _Sink(Protocol):
    """Where a received body goes: ``BlobWriter`` (PUT, Upload Part) or ``Appender`` (APPEND)."""

    def write(self, data: bytes) -> None: ...

    @property
    def md5(self) -> bytes:
        """MD5 of the bytes written."""


def expect_body(req: Request, *, room: int, chunked: bool) -> "IncomingBody":
    """The checks before a body is read (PUT, APPEND, Upload Part), in this order:

    no Content-Length (chunked counts only with ``chunked=True``) -> 411
    ``MissingContentLength``; a Content-Length over ``room`` -> 400
    ``EntityTooLarge``; a malformed ``Content-MD5`` -> 400 ``InvalidDigest``.
    """
    body = req.body
    if body.length is None and not (chunked and body.chunked):
        raise CosError("MissingContentLength")
    if body.length is not None and body.length > room:
        raise CosError("EntityTooLarge")
    return IncomingBody(body, room=room, expected_md5=_parse_content_md5(req.header("Content-MD5")))


class IncomingBody:
    """A request body that passed ``expect_body``; ``receive`` streams it into a sink."""

    def __init__(self, body: Body, *, room: int, expected_md5: Optional[bytes]) -> None:
        self.body = body
        self.room = room
        self.expected_md5 = expected_md5

    def receive(self, sink: _Sink, throttle: Optional[Throttle]) -> None:
        """Stream the body into ``sink`` (paced by ``throttle``): more than ``room`` bytes
        -> ``EntityTooLarge``; an MD5 other than the Content-MD5 -> 400 ``BadDigest``."""
        _receive(self.body, sink.write, throttle, limit=self.room)
        if self.expected_md5 is not None and sink.md5 != self.expected_md5:
            raise CosError("BadDigest")


#: the block a body is received in (one buffer per request, reused for every block; 256 KiB
#: keeps each block in cache from the socket copy through MD5, CRC and the file write)
_RECEIVE_BLOCK = 256 * 1024


def _receive(body: Body, write: Callable[[bytes], None], throttle: Optional[Throttle], *, limit: int) -> int:
    """Stream ``body`` into ``write`` (paced by ``throttle``); more than ``limit`` bytes -> EntityTooLarge.

    A body that can ``readinto`` (the server's) is received into one reused buffer,
    filled across short reads and chunk boundaries, so ``write`` (file, MD5, CRC) sees
    whole blocks: a view of the buffer, valid only during the call."""
    readinto = getattr(body, "readinto", None)
    if readinto is None:
        return _receive_reads(body, write, throttle, limit=limit)
    size = throttle.chunk_size() if throttle else _RECEIVE_BLOCK
    if body.length is not None:
        size = max(1, min(size, body.length))
    buf = memoryview(bytearray(size))
    total = 0
    while True:
        filled = 0
        while filled < size:
            n = readinto(buf[filled:])
            if not n:
                break
            filled += n
        if not filled:
            return total
        total += filled
        if total > limit:
            raise CosError("EntityTooLarge")
        write(buf[:filled])  # type: ignore[arg-type]
        if throttle:
            throttle.consume(filled)
        if filled < size:
            return total


def _receive_reads(body: Body, write: Callable[[bytes], None], throttle: Optional[Throttle], *, limit: int) -> int:
    """``_receive`` for a body that only has ``read``."""
    chunk_size = throttle.chunk_size() if throttle else _READ_CHUNK
    total = 0
    while True:
        chunk = body.read(chunk_size)
        if not chunk:
            return total
        total += len(chunk)
        if total > limit:
            raise CosError("EntityTooLarge")
        write(chunk)
        if throttle:
            throttle.consume(len(chunk))


def _parse_content_md5(value: Optional[str]) -> Optional[bytes]:
    if value is None:
        return None
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise CosError("InvalidDigest")
    return digest


_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def _parse_range(value: Optional[str], size: int) -> Optional[Tuple[int, int]]:
    """``(start, end)`` inclusive, ``None`` for no/malformed Range; InvalidRange if unsatisfiable."""
    if not value:
        return None
    m = _RANGE_RE.match(value)
    if not m or (not m.group(1) and not m.group(2)):
        return None  # malformed (incl. multiple ranges): ignored, full body
    first, last = m.group(1), m.group(2)
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return None  # syntactically invalid: ignored
        if start >= size:
            raise _range_error(size)
        return start, min(end, size - 1)
    suffix = int(last)
    if suffix == 0 or size == 0:
        raise _range_error(size)
    return max(0, size - suffix), size - 1


def _range_error(size: int) -> CosError:
    return CosError("InvalidRange", headers={"Content-Range": f"bytes */{size}"})


def _int_param(value: Optional[str], name: str, *, default: int, low: int, high: Optional[int]) -> int:
    if value is None or value == "":
        return default
    number = _parse_uint(value)
    if number is None or number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise CosError("InvalidArgument", f"{name} must be an integer {bounds}.")
    return number


def _encoding_type(value: Optional[str]) -> bool:
    """``encoding-type``: absent/empty -> False, ``url`` -> True, anything else -> InvalidArgument."""
    if value is None or value == "":
        return False
    if value.lower() != "url":
        raise CosError("InvalidArgument", "Invalid Encoding Method specified in Request.")
    return True


def _sse_headers(upload: UploadRecord) -> List[Tuple[str, str]]:
    sse = upload.extra.get("sse") or {}
    return list(sse.items()) if isinstance(sse, dict) else []


def _document_body(req: Request) -> bytes:
    """The XML body of Complete or DELETE Multiple: a malformed Content-MD5 (``InvalidDigest``), an
    empty body (``MissingRequestBodyError``), a body other than its Content-MD5 (``BadDigest``)."""
    expected_md5 = _parse_content_md5(req.header("Content-MD5"))
    data = _read_all(req.body, MAX_COMPLETE_BODY)
    if not data.strip():
        raise CosError("MissingRequestBodyError")
    if expected_md5 is not None and hashlib.md5(data).digest() != expected_md5:
        raise CosError("BadDigest")
    return data


def _read_all(body: Body, limit: int) -> bytes:
    chunks: List[bytes] = []
    total = 0
    while True:
        chunk = body.read(_READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise CosError("EntityTooLarge", "The request body is too large.")
        chunks.append(chunk)


_COPY_SOURCE_HOST_RE = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9-]*-[0-9]+)\."
    r"(?:(?:cos|cos-internal|cosv6|cos-cdc)\.[a-z0-9-]+|[a-z0-9-]+)"
    r"\.(?:myqcloud\.com|tencentcos\.cn)$"
)


class CopySource(NamedTuple):
    bucket: str
    key: str
    version_id: Optional[str]  # stored form ("" = null); None: the current version


def _parse_copy_source(value: str) -> CopySource:
    """``<bucket>.cos.<region>.myqcloud.com/<url-encoded key>[?versionId=...]`` -> ``CopySource``.

    The host forms accepted are those of requests (``cos``/``cos-internal``,
    ``tencentcos.cn``, the legacy ``<bucket>.<region>.myqcloud.com``); no scheme.
    Malformed -> 400 InvalidArgument.  (Whether the version exists is ``_open_copy_source``'s.)
    """
    value = value.strip()
    host, slash, rest = value.partition("/")
    _names.check_host(host)  # the same bucket-name and region rules as a request's Host
    m = _COPY_SOURCE_HOST_RE.match(_auth.strip_port(host).lower().rstrip("."))
    path, _, query = rest.partition("?")
    if not slash or not m or not path:
        raise CosError(
            "InvalidArgument", "x-cos-copy-source is not in the form <bucket>.cos.<region>.myqcloud.com/<key>."
        )
    try:
        key = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise CosError("InvalidArgument", "The x-cos-copy-source key is not valid UTF-8.") from None
    version_id: Optional[str] = None
    for name, raw in _auth.parse_query(query):
        if name == "versionid":
            version_id = _versions.stored_id(raw.decode("utf-8", "replace"))
    return CopySource(m.group("bucket"), key, version_id)


_COPY_RANGE_RE = re.compile(r"^bytes=(\d+)-(\d+)$")


def _parse_copy_range(value: Optional[str], size: int) -> Tuple[int, int]:
    """``x-cos-copy-source-range``: ``(start, length)``; absent/empty -> the whole object;
    not ``bytes=first-last`` with ``first <= last < size`` -> 400 InvalidArgument."""
    if value is None or not value.strip():
        return 0, size
    m = _COPY_RANGE_RE.match(value.strip())
    if not m:
        raise CosError("InvalidArgument", "The x-cos-copy-source-range value must be of the form bytes=first-last.")
    first, last = int(m.group(1)), int(m.group(2))
    if first > last or last >= size:
        raise CosError("InvalidArgument", f"The x-cos-copy-source-range is not within the source object size ({size}).")
    return first, last - first + 1


def _not_modified(req: Request, record: ObjectRecord, *, prefix: str) -> bool:
    """Evaluate the ``<prefix>If-*`` conditions in RFC 7232 order.

    A failed If-Match / If-Unmodified-Since raises 412 PreconditionFailed; the result says whether
    If-None-Match / If-Modified-Since find the object not modified.  If-Match present makes
    If-Unmodified-Since moot, If-None-Match present makes If-Modified-Since moot; unparsable dates
    are ignored.
    """
    etag = record.etag.strip('"')
    lm = int(record.last_modified)
    if_match = req.header(prefix + "If-Match")
    if if_match is not None:
        tags = _etag_list(if_match)
        if "*" not in tags and etag not in tags:
            raise CosError("PreconditionFailed")
    else:
        ius = _parse_http_date(req.header(prefix + "If-Unmodified-Since"))
        if ius is not None and lm > ius:
            raise CosError("PreconditionFailed")
    if_none = req.header(prefix + "If-None-Match")
    if if_none is not None:
        tags = _etag_list(if_none)
        return "*" in tags or etag in tags
    ims = _parse_http_date(req.header(prefix + "If-Modified-Since"))
    return ims is not None and lm <= ims


def _copy_preconditions(req: Request, source: ObjectRecord) -> None:
    """The ``x-cos-copy-source-If-*`` conditions (names case-insensitive) -> 412 PreconditionFailed."""
    if _not_modified(req, source, prefix="x-cos-copy-source-"):
        raise CosError("PreconditionFailed")


def _xml_response(body: bytes, *, crc64: Optional[int] = None, sse: Sequence[Tuple[str, str]] = ()) -> Response:
    """A 200 answer carrying an XML document, the CRC header when given and SSE echo headers."""
    headers = [("Content-Type", "application/xml")]
    if crc64 is not None:
        headers.append((CRC_HEADER, str(crc64)))
    headers.extend(sse)
    return Response(200, headers, body)
