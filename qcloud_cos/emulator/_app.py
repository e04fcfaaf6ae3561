"""COS operations: routing, authentication, authorisation and the handlers.

``CosApp.handle(Request) -> Response`` is the whole HTTP-level contract; the
socket side (framing, keep-alive, 100-continue, chunked bodies) lives in
``_server``.  State lives in ``_store``; signatures are checked by ``_auth``.

Routing decisions (documented choices):

* the bucket comes from the Host (or the authority of an absolute-form
  target): ``<bucket>.cos.<region>.myqcloud.com``, ``cos-internal.``,
  ``.tencentcos.cn`` and the legacy ``<bucket>.<region>.myqcloud.com``, with
  any ``:port`` ignored and any region accepted.  A Host naming no bucket ->
  400 ``InvalidURI``; an unknown bucket -> 404 ``NoSuchBucket``;
* the key is the path percent-decoded once (``+`` stays ``+``), one leading
  ``/`` stripped, decoded as UTF-8 (invalid UTF-8 -> 400 ``InvalidURI``);
* request processing order: route -> injected fault -> signature -> bucket
  exists -> operation implemented -> anonymous access -> operation.
* PUT Object key rules: more than 850 UTF-8 bytes -> 400 ``KeyTooLong``; NUL or
  control characters 24-27 -> 400 ``InvalidObjectName``.  Keys such as
  ``../x`` or ``/etc/x`` (path ``//etc/x``) are ordinary keys.

Error codes chosen where COS documents none (research/cos-protocol.md section 9):
invalid ``x-cos-traffic-limit`` / ``x-cos-storage-class`` / ``x-cos-acl`` /
``x-cos-server-side-encryption`` / ``max-keys`` / ``encoding-type`` or a
control character in a ``response-*`` override -> 400 ``InvalidArgument``;
unparsable Content-Length -> 400 ``InvalidArgument``; a temporary key without
(or with the wrong) ``x-cos-security-token`` -> 403 ``AccessDenied``; a
``versionId`` other than ``null`` -> 501 ``NotImplemented``; unparsable
``If-(Un)Modified-Since`` dates are ignored (RFC 7232) rather than rejected.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from typing import IO, Callable, Dict, List, Optional, Protocol, Tuple
from urllib.parse import quote, unquote_to_bytes

from . import _auth
from ._errors import CosError, render_error
from ._faults import Fault, FaultPlan
from ._store import ObjectRecord, Store
from ._throttle import MAX_TRAFFIC_LIMIT, MIN_TRAFFIC_LIMIT, Throttle
from ._xml import xml_text

__all__ = ["Body", "CosApp", "Request", "Response"]

logger = logging.getLogger("qcloud_cos.emulator")

MAX_PUT_SIZE = 5 * 1024**3
MAX_KEY_BYTES = 850
_READ_CHUNK = 256 * 1024

_HOST_RE = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9-]*-[0-9]+)\."
    r"(?:(?:cos|cos-internal)\.(?P<region>[a-z0-9-]+)|(?P<legacy>[a-z0-9-]+))"
    r"\.(?:myqcloud\.com|tencentcos\.cn)$"
)
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
OBJECT_ACLS = frozenset({"default", "private", "public-read", "public-read-write"})
BUCKET_ACLS = frozenset({"private", "public-read", "public-read-write"})
SSE_VALUES = frozenset({"AES256", "cos/kms"})
#: Standard headers stored at PUT and returned on HEAD/GET (canonical spelling).
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
GRANT_HEADERS = (
    "x-cos-grant-read",
    "x-cos-grant-write",
    "x-cos-grant-read-acp",
    "x-cos-grant-write-acp",
    "x-cos-grant-full-control",
)
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
#: Query parameters that select a sub-resource (an API this emulator may not serve).
SUBRESOURCES = frozenset(
    {
        "accelerate", "acl", "append", "cors", "delete", "domain", "encryption", "intelligenttiering",
        "inventory", "lifecycle", "list-type", "location", "logging", "notification", "object-lock",
        "origin", "partnumber", "policy", "referer", "rename", "replication", "restore", "select",
        "symlink", "tagging", "torrent", "uploadid", "uploads", "versioning", "versions", "website",
    }
)  # fmt: skip
_NAMED_OPS = {
    ("POST", "object", "uploads"): "InitiateMultipartUpload",
    ("PUT", "object", "uploadid"): "UploadPart",
    ("PUT", "object", "partnumber"): "UploadPart",
    ("GET", "object", "uploadid"): "ListParts",
    ("POST", "object", "uploadid"): "CompleteMultipartUpload",
    ("DELETE", "object", "uploadid"): "AbortMultipartUpload",
    ("POST", "object", "append"): "AppendObject",
    ("POST", "object", "restore"): "PostObjectRestore",
    ("POST", "object", "select"): "SelectObjectContent",
    ("GET", "bucket", "uploads"): "ListMultipartUploads",
    ("GET", "bucket", "versions"): "ListObjectVersions",
    ("GET", "bucket", "list-type"): "ListObjectsV2",
    ("POST", "bucket", "delete"): "DeleteMultipleObjects",
}
READ_OPS = frozenset({"GetObject", "HeadObject", "GetBucket", "HeadBucket"})
WRITE_OPS = frozenset({"PutObject", "DeleteObject"})


class Body(Protocol):
    """A request body as the server hands it over."""

    length: Optional[int]  # Content-Length, or None for chunked
    chunked: bool

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes; ``b''`` at the end.  Raises ``CosError`` on a short body."""


@dataclass
class Request:
    method: str
    target: str  # the request-target exactly as received
    path: str  # raw (percent-encoded) path
    query: str  # raw query string, no '?'
    host: str  # Host header value, or the authority of an absolute-form target
    headers: List[Tuple[str, str]]  # as received; values hold raw bytes as latin-1
    body: Body

    def header(self, name: str) -> Optional[str]:
        lname = name.lower()
        values = [v for k, v in self.headers if k.lower() == lname]
        return ", ".join(v.strip() for v in values) if values else None


@dataclass
class Response:
    status: int
    headers: List[Tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Optional[IO[bytes]] = None  # body file, positioned; ``length`` bytes are sent
    length: Optional[int] = None  # Content-Length when ``stream`` is used (or for HEAD)
    throttle: Optional[Throttle] = None
    reset_after: Optional[int] = None  # reset the connection after this many body bytes
    reset_now: bool = False  # reset the connection without answering
    op: str = ""
    bucket: Optional[str] = None
    key: Optional[str] = None
    error_code: Optional[str] = None
    close_connection: bool = False

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None


@dataclass
class Route:
    host: str  # routing host without port (used in Resource)
    bucket: Optional[str]
    region: Optional[str]
    key: str
    op: str
    params: Dict[str, str]  # lower-cased names -> decoded values (last wins)


def http_date(ts: float) -> str:
    return formatdate(ts, usegmt=True)


def iso_date(ts: float) -> str:
    """``2020-03-25T10:07:14.000Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


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
    ) -> None:
        self.store = store
        self.region = region
        self.clock = clock
        self.credentials: Dict[str, _auth.Credential] = dict(credentials or {})
        self.faults = faults or FaultPlan()
        self.throttle = throttle
        self._counter = itertools.count(1)
        self._pid = os.getpid()
        self._cred_lock = threading.Lock()

    # -- credentials -----------------------------------------------------------------

    def add_credentials(self, secret_id: str, secret_key: str, token: Optional[str] = None) -> None:
        with self._cred_lock:
            self.credentials[secret_id] = _auth.Credential(secret_id, secret_key, token)

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
        body = render_error(err, resource=f"{host}/{key}", request_id=request_id, trace_id=trace_id)
        return Response(
            status=err.status,
            headers=headers,
            body=body,
            op=route.op if route else "",
            bucket=route.bucket if route else None,
            key=key or None,
            error_code=err.code,
        )

    # -- entry point ------------------------------------------------------------------

    def handle(self, req: Request, request_id: str) -> Response:
        route: Optional[Route] = None
        try:
            route = self.route(req)
            fault = self.faults.take(method=req.method, bucket=route.bucket, key=route.key or None, op=route.op)
            if fault is not None:
                response = self._apply_fault(req, route, fault, request_id)
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
        except CosError as err:
            response = self.error_response(req, err, request_id, route)
        except Exception:  # a bug: answer 500 and let the server close the connection
            logger.exception("internal error serving %s %s", req.method, req.target)
            response = self.error_response(req, CosError("InternalError"), request_id, route)
            response.close_connection = True
        if route is not None:
            response.op, response.bucket, response.key = route.op, route.bucket, route.key or None
        return response

    def route(self, req: Request) -> Route:
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
        m = _HOST_RE.match(host)
        bucket = m.group("bucket") if m else None
        region = (m.group("region") or m.group("legacy")) if m else None
        route = Route(host=host, bucket=bucket, region=region, key=key, op="", params=params)
        route.op = self._op_name(req, route)
        if bucket is None:
            raise CosError("InvalidURI", "The Host header does not name a bucket.")
        return route

    @staticmethod
    def _op_name(req: Request, route: Route) -> str:
        method = req.method.upper()
        level = "object" if route.key else "bucket"
        subs = sorted(name for name in route.params if name in SUBRESOURCES)
        if subs:
            for sub in subs:
                named = _NAMED_OPS.get((method, level, sub))
                if named:
                    if named == "UploadPart" and req.header("x-cos-copy-source") is not None:
                        return "UploadPartCopy"
                    return named
            return f"{method.capitalize()}{level.capitalize()}{subs[0].capitalize().replace('-', '')}"
        if level == "object":
            if method == "PUT" and req.header("x-cos-copy-source") is not None:
                return "PutObjectCopy"
            return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(
                method, f"{method.capitalize()}Object"
            )
        return {"PUT": "PutBucket", "GET": "GetBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(
            method, f"{method.capitalize()}Bucket"
        )

    def _apply_fault(self, req: Request, route: Route, fault: Fault, request_id: str) -> Response:
        logger.info("injecting fault %s into %s %s", fault.code if not fault.reset_connection else "reset", req.method, route.op)
        if not fault.reset_connection:
            err = CosError(fault.code, fault.message, status=fault.status)
            return self.error_response(req, err, request_id, route)
        has_body = req.body.chunked or bool(req.body.length)
        if has_body:
            remaining = fault.after_bytes or 0
            while remaining > 0:
                chunk = req.body.read(min(_READ_CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            return Response(status=0, reset_now=True)
        if fault.after_bytes is not None and route.op == "GetObject":
            try:
                response = self.dispatch(req, route, _auth.Credential("fault", "", None), trusted=True)
            except CosError as err:
                return self.error_response(req, err, request_id, route)
            response.reset_after = fault.after_bytes
            return response
        return Response(status=0, reset_now=True)

    # -- dispatch ---------------------------------------------------------------------

    def dispatch(
        self, req: Request, route: Route, credential: Optional[_auth.Credential], *, trusted: bool = False
    ) -> Response:
        op = route.op
        assert route.bucket is not None
        if op == "PutBucket":
            if credential is None:
                raise CosError("AccessDenied")
            return self.put_bucket(req, route)
        bucket = self.store.get_bucket(route.bucket)
        if bucket is None:
            raise CosError("NoSuchBucket")
        version_id = route.params.get("versionid")
        handler = {
            "PutObject": self.put_object,
            "GetObject": self.get_object,
            "HeadObject": self.head_object,
            "DeleteObject": self.delete_object,
            "GetBucket": self.list_objects,
            "HeadBucket": self.head_bucket,
            "DeleteBucket": self.delete_bucket,
        }.get(op)
        if handler is None or (version_id not in (None, "", "null")):
            raise CosError("NotImplemented", f"{op} is not implemented by the COS emulator.")
        if credential is None and not trusted:
            self._check_anonymous(op, bucket.acl, route)
        return handler(req, route)

    def _check_anonymous(self, op: str, bucket_acl: str, route: Route) -> None:
        if op in READ_OPS and bucket_acl in ("public-read", "public-read-write"):
            return
        if op in WRITE_OPS and bucket_acl == "public-read-write":
            return
        if op in ("GetObject", "HeadObject"):
            assert route.bucket is not None
            record = self.store.get_object(route.bucket, route.key)
            if record is not None and record.acl in ("public-read", "public-read-write"):
                return
        raise CosError("AccessDenied")

    # -- buckets ----------------------------------------------------------------------

    def put_bucket(self, req: Request, route: Route) -> Response:
        acl = (req.header("x-cos-acl") or "private").strip()
        if acl not in BUCKET_ACLS:
            raise CosError("InvalidArgument", f"Invalid x-cos-acl value: {acl}.")
        _drain(req.body)  # an optional CreateBucketConfiguration; ignored
        assert route.bucket is not None
        self.store.create_bucket(route.bucket, region=route.region or self.region, acl=acl, now=self.clock())
        return Response(200, [("Location", f"/{route.bucket}")])

    def head_bucket(self, req: Request, route: Route) -> Response:
        assert route.bucket is not None
        bucket = self.store.get_bucket(route.bucket)
        region = bucket.region if bucket else self.region
        return Response(200, [("x-cos-bucket-region", region)])

    def delete_bucket(self, req: Request, route: Route) -> Response:
        assert route.bucket is not None
        self.store.delete_bucket(route.bucket)
        return Response(204)

    def list_objects(self, req: Request, route: Route) -> Response:
        assert route.bucket is not None
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
        enc: Callable[[str], str] = (lambda s: quote(s, safe="/-_.~")) if encoding else (lambda s: s)
        appid = route.bucket.rsplit("-", 1)[1]
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>']
        out.append(f"<Name>{xml_text(route.bucket)}</Name>")
        if encoding is not None:
            out.append("<EncodingType>url</EncodingType>")
        out.append(f"<Prefix>{xml_text(enc(prefix))}</Prefix>")
        out.append(f"<Marker>{xml_text(enc(marker))}</Marker>")
        out.append(f"<MaxKeys>{max_keys}</MaxKeys>")
        if delimiter:
            out.append(f"<Delimiter>{xml_text(enc(delimiter))}</Delimiter>")
        out.append(f"<IsTruncated>{'true' if result.is_truncated else 'false'}</IsTruncated>")
        if result.is_truncated and result.next_marker is not None:
            out.append(f"<NextMarker>{xml_text(enc(result.next_marker))}</NextMarker>")
        for rec in result.contents:
            out.append(
                "<Contents>"
                f"<Key>{xml_text(enc(rec.key))}</Key>"
                f"<LastModified>{iso_date(rec.last_modified)}</LastModified>"
                f"<ETag>{xml_text(rec.etag)}</ETag>"
                f"<Size>{rec.size}</Size>"
                f"<Owner><ID>{appid}</ID><DisplayName>{appid}</DisplayName></Owner>"
                f"<StorageClass>{rec.storage_class}</StorageClass>"
                "</Contents>"
            )
        for cp in result.common_prefixes:
            out.append(f"<CommonPrefixes><Prefix>{xml_text(enc(cp))}</Prefix></CommonPrefixes>")
        out.append("</ListBucketResult>")
        return Response(200, [("Content-Type", "application/xml")], "".join(out).encode("utf-8"))

    # -- objects ----------------------------------------------------------------------

    def put_object(self, req: Request, route: Route) -> Response:
        assert route.bucket is not None
        key = route.key
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise CosError("KeyTooLong")
        if _BAD_KEY_CHARS.search(key):
            raise CosError("InvalidObjectName", "The object key contains a forbidden control character.")
        body = req.body
        if body.length is None and not body.chunked:
            raise CosError("MissingContentLength")
        if body.length is not None and body.length > MAX_PUT_SIZE:
            raise CosError("EntityTooLarge")
        expected_md5 = _parse_content_md5(req.header("Content-MD5"))
        storage_class = (req.header("x-cos-storage-class") or "STANDARD").strip().upper()
        if storage_class not in STORAGE_CLASSES:
            raise CosError("InvalidArgument", f"Invalid x-cos-storage-class value: {storage_class}.")
        acl = (req.header("x-cos-acl") or "default").strip()
        if acl not in OBJECT_ACLS:
            raise CosError("InvalidArgument", f"Invalid x-cos-acl value: {acl}.")
        sse = req.header("x-cos-server-side-encryption")
        if sse is not None and sse not in SSE_VALUES:
            raise CosError("InvalidArgument", f"Invalid x-cos-server-side-encryption value: {sse}.")
        throttle = self._traffic_limit(req, route)

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
        extra = {
            "grants": {n: req.header(n) for n in GRANT_HEADERS if req.header(n) is not None},
            "tagging": req.header("x-cos-tagging"),
            "sse": {n: req.header(n) for n in SSE_ECHO_HEADERS if req.header(n) is not None},
        }

        with self.store.new_blob() as writer:
            chunk_size = throttle.chunk_size() if throttle else _READ_CHUNK
            while True:
                chunk = body.read(chunk_size)
                if not chunk:
                    break
                writer.write(chunk)
                if writer.size > MAX_PUT_SIZE:
                    raise CosError("EntityTooLarge")
                if throttle:
                    throttle.consume(len(chunk))
            if expected_md5 is not None and writer.md5 != expected_md5:
                raise CosError("BadDigest")
            record = ObjectRecord(
                bucket=route.bucket,
                key=key,
                size=0,
                etag="",
                crc64=0,
                last_modified=self.clock(),
                storage_class=storage_class,
                acl=acl,
                headers=headers,
                meta=meta,
                extra=extra,
            )
            self.store.commit_object(writer, record)
        out = [("ETag", record.etag), ("x-cos-hash-crc64ecma", str(record.crc64))]
        out.extend(record.extra["sse"].items())
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
            ("x-cos-hash-crc64ecma", str(record.crc64)),
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
        etag = record.etag.strip('"')
        lm = int(record.last_modified)
        if_match = req.header("If-Match")
        if if_match is not None:
            tags = _etag_list(if_match)
            if "*" not in tags and etag not in tags:
                raise CosError("PreconditionFailed")
        else:
            ius = _parse_http_date(req.header("If-Unmodified-Since"))
            if ius is not None and lm > ius:
                raise CosError("PreconditionFailed")
        if_none = req.header("If-None-Match")
        not_modified = False
        if if_none is not None:
            tags = _etag_list(if_none)
            not_modified = "*" in tags or etag in tags
        else:
            ims = _parse_http_date(req.header("If-Modified-Since"))
            not_modified = ims is not None and lm <= ims
        if not_modified:
            return Response(304, [("ETag", record.etag), ("Last-Modified", http_date(record.last_modified))])
        return None

    def head_object(self, req: Request, route: Route) -> Response:
        assert route.bucket is not None
        record = self.store.get_object(route.bucket, route.key)
        if record is None:
            raise CosError("NoSuchKey")
        early = self._conditional(req, record)
        if early is not None:
            return early
        return Response(200, self._object_headers(record), length=record.size)

    def get_object(self, req: Request, route: Route) -> Response:
        assert route.bucket is not None
        throttle = self._traffic_limit(req, route)
        opened = self.store.open_object(route.bucket, route.key)
        if opened is None:
            raise CosError("NoSuchKey")
        record, fh = opened
        try:
            early = self._conditional(req, record)
            if early is not None:
                fh.close()
                return early
            headers = self._object_headers(record)
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
        assert route.bucket is not None
        self.store.delete_object(route.bucket, route.key)
        return Response(204)


# -- helpers ------------------------------------------------------------------------------


def _latin1(value: str) -> str:
    """Query values are text; header values go out as latin-1 of their UTF-8 bytes."""
    return value.encode("utf-8").decode("latin-1")


def _drain(body: Body) -> None:
    while body.read(_READ_CHUNK):
        pass


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

