"""A local Tencent Cloud COS server for tests and development (standard library only).

    from qcloud_cos.emulator import CosEmulator

    with CosEmulator() as emu:                 # 127.0.0.1, a free port
        config = CosConfig(**emu.config_kwargs())
        ...

The emulator verifies COS signatures with its own implementation, stores
metadata in SQLite and bodies in files (a temporary directory unless
``data_dir`` is given), and serves the virtual-hosted COS XML API for PUT /
GET / HEAD / DELETE Object, APPEND Object, the seven multipart APIs
(Initiate, Upload Part, Upload Part - Copy, List Parts, Complete, Abort, List
Multipart Uploads), PUT Object - Copy, DELETE Multiple Objects, object and bucket
ACLs, PUT / HEAD / DELETE / GET (list) Bucket, GET Bucket location, bucket
versioning (PUT / GET ``?versioning``, ``versionId`` on GET / HEAD / DELETE / copy
sources, delete markers, List Object Versions), POST Object restore of archived
objects and GET Service.  Other APIs answer 501 ``NotImplemented``.  Clients connect to ``host:port``
and name the bucket in the ``Host`` header
(``<bucket>.cos.<region>.myqcloud.com``), which is what the SDK does with
``CosConfig(IP=..., Port=...)``.

This package never imports the client (``qcloud_cos.cos_*``).  See
``python -m qcloud_cos.emulator --help`` for the command line.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from . import _acl
from ._admin import Admin, is_loopback
from ._app import CosApp
from ._auth import Credential
from ._errors import CosError
from ._faults import Fault, FaultPlan, FaultSpecError, parse_spec
from ._names import valid_bucket_name
from ._network import PROFILES, NetworkProfile, resolve_network
from ._records import UploadRecord
from ._server import EmulatorHTTPServer, RequestLog
from ._store import Store

__all__ = [
    "CosEmulator",
    "DEFAULT_BUCKET",
    "DEFAULT_SECRET_ID",
    "DEFAULT_SECRET_KEY",
    "Fault",
    "FaultSpecError",
    "NetworkProfile",
    "PROFILES",
    "parse_spec",
]

DEFAULT_SECRET_ID = "SecretId"
DEFAULT_SECRET_KEY = "SecretKey"
DEFAULT_BUCKET = "examplebucket-1250000000"
DEFAULT_REGION = "ap-beijing"


class CosEmulator:
    """An in-process COS server on a background thread.

    Args (all keyword-only):
        host: address to bind; loopback by default.
        port: port to bind; 0 picks a free one (see ``port`` after ``start``).
        data_dir: keep data here across restarts; ``None`` uses a temporary
            directory removed by ``stop``.
        secret_id, secret_key: the account's permanent key pair.
        buckets: buckets that exist at start (created if missing) and after ``reset``.
        region: region of those buckets (any region is accepted in Host names).
        clock: ``() -> float`` Unix time used for signatures, Date and
            Last-Modified; defaults to ``time.time``.
        throttle: honour ``x-cos-traffic-limit`` by actually pacing bodies.
        request_timeout: socket timeout for idle connections and body reads.
        record_requests: keep a record of every request in ``requests``.
        allow_part_gaps: Complete Multipart Upload accepts part lists with gaps
            (1, 3, 5: S3 semantics, the default).  ``False`` enforces the rule
            the COS documentation states: the listed part numbers must be
            exactly 1, 2, ..., N, else 400 ``InvalidPart``.
        min_part_size: at Complete, every listed part but the last must be at
            least this many bytes, else 400 ``EntityTooSmall`` (COS: 1 MiB).
            ``0`` lifts the limit (handy for fast tests with tiny parts).
        seed: seed of the random draws of faults with a probability ``p``: the
            same seed and the same request sequence give the same faults
            (``None``: a fresh random sequence).  ``reset`` restarts it.
        faults: fault specs (text, see ``add_fault``) or ``Fault`` objects planned at start.
        network: a ``NetworkProfile``, a profile name (``"lan"``: 1 ms and
            1 Gbit/s, ``"wan"``: 30 ms and 100 Mbit/s, ``"none"``) or a dict of
            ``latency_ms``/``bandwidth``: the latency added once to every
            request and the bandwidth of each connection in each direction.
        latency_ms, bandwidth: override the profile's values (``bandwidth`` in
            bit/s or as text: ``"100mbit"``, ``"12MB"``).
        admin: serve the ``/-/`` admin endpoint (faults, reset) on the port;
            ``None`` (default): only when ``host`` is a loopback address.
        restore_delay: seconds from a POST Object restore of an ARCHIVE / DEEP_ARCHIVE
            object until it is readable (``0``: at once); measured on ``clock``, so a test
            clock moves it on.  Changeable while running (``restore_delay`` attribute).

    Choices where COS's behaviour is undocumented (see ``_app`` for the full list):
    deleting a bucket that still has multipart uploads in progress -> 409
    ``BucketNotEmpty`` (COS requires unfinished uploads to be aborted first);
    deleting an object never aborts uploads of its key; a missing copy source
    -> 404 ``NoSuchKey``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Optional[str] = None,
        secret_id: str = DEFAULT_SECRET_ID,
        secret_key: str = DEFAULT_SECRET_KEY,
        buckets: Iterable[str] = (DEFAULT_BUCKET,),
        region: str = DEFAULT_REGION,
        clock: Optional[Callable[[], float]] = None,
        throttle: bool = True,
        request_timeout: float = 60.0,
        record_requests: bool = True,
        allow_part_gaps: bool = True,
        min_part_size: int = 1024 * 1024,
        seed: Optional[int] = None,
        faults: Iterable[Union[str, Fault]] = (),
        network: Union[None, str, NetworkProfile, Dict[str, Any]] = None,
        latency_ms: Optional[float] = None,
        bandwidth: Union[None, str, float] = None,
        admin: Optional[bool] = None,
        default_bucket: Optional[str] = None,
        restore_delay: float = 1.0,
    ) -> None:
        if restore_delay < 0:
            raise ValueError(f"restore_delay must be >= 0 seconds, not {restore_delay!r}")
        self._restore_delay = float(restore_delay)
        if default_bucket is not None and not valid_bucket_name(default_bucket):
            raise ValueError(f"default_bucket {default_bucket!r} is not a bucket name (NAME-APPID)")
        self.default_bucket = default_bucket
        self.host = host
        self._requested_port = port
        self.data_dir = data_dir
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.buckets = tuple(buckets)
        self.region = region
        self.clock: Callable[[], float] = clock or time.time
        self.throttle = throttle
        self.request_timeout = request_timeout
        self.requests: List[Dict[str, Any]] = RequestLog(enabled=record_requests)
        self.allow_part_gaps = allow_part_gaps
        self.min_part_size = min_part_size
        self.seed = seed
        self._faults = FaultPlan(seed)
        for fault in faults:
            self.add_fault(fault)
        self.network: Optional[NetworkProfile] = resolve_network(network, latency_ms=latency_ms, bandwidth=bandwidth)
        self.admin = is_loopback(host) if admin is None else bool(admin)
        self._store: Optional[Store] = None
        self._app: Optional[CosApp] = None
        self._server: Optional[EmulatorHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._extra_credentials: Dict[str, Credential] = {}

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> "CosEmulator":
        """Bind, create the default buckets and serve on a daemon thread; returns ``self``."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        store = Store(self.data_dir)
        try:
            app = CosApp(
                store=store,
                region=self.region,
                clock=lambda: self.clock(),
                credentials={self.secret_id: Credential(self.secret_id, self.secret_key)},
                faults=self._faults,
                throttle=self.throttle,
                allow_part_gaps=self.allow_part_gaps,
                min_part_size=self.min_part_size,
                default_bucket=self.default_bucket,
                restore_delay=self._restore_delay,
            )
            app.credentials.update(self._extra_credentials)
            self._store, self._app = store, app
            self._ensure_buckets()
            server = EmulatorHTTPServer(
                (self.host, self._requested_port),
                app,
                requests=self.requests,  # type: ignore[arg-type]
                request_timeout=self.request_timeout,
                network=self.network,
                admin=Admin(faults=self._faults, reset=self._admin_reset) if self.admin else None,
            )
        except BaseException:
            store.close()
            self._store = self._app = None
            raise
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="cos-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the store (removing a temporary data dir)."""
        server, thread, store = self._server, self._thread, self._store
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        if store is not None:
            store.close()
        self._store = self._app = None

    def __enter__(self) -> "CosEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def config_kwargs(self, **overrides: Any) -> Dict[str, Any]:
        """Keyword arguments for ``CosConfig`` pointing at this emulator."""
        kwargs: Dict[str, Any] = {
            "Region": self.region,
            "SecretId": self.secret_id,
            "SecretKey": self.secret_key,
            "IP": self.host,
            "Port": self.port,
            "Scheme": "http",
        }
        kwargs.update(overrides)
        return kwargs

    @property
    def restore_delay(self) -> float:
        """Seconds a restore of an archived object takes (see the constructor)."""
        return self._restore_delay

    @restore_delay.setter
    def restore_delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"restore_delay must be >= 0 seconds, not {seconds!r}")
        self._restore_delay = float(seconds)
        if self._app is not None:
            self._app.restore_delay = self._restore_delay

    # -- state helpers (no HTTP) -----------------------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("emulator not started")
        return self._store

    def _ensure_buckets(self) -> None:
        for name in self.buckets:
            if self.store.get_bucket(name) is None:
                self.store.create_bucket(name, region=self.region, acl="private", now=self.clock())

    def create_bucket(self, name: str, acl: str = "private", *, region: Optional[str] = None) -> str:
        """Create a bucket directly; raises ``CosError`` (BucketAlreadyExists, InvalidBucketName)."""
        if acl not in _acl.BUCKET_ACLS:
            raise CosError("InvalidArgument", f"Invalid bucket acl: {acl}.")
        self.store.create_bucket(name, region=region or self.region, acl=acl, now=self.clock())
        return name

    def create_upload(
        self, bucket: str, key: str, *, upload_id: Optional[str] = None, storage_class: str = "STANDARD"
    ) -> str:
        """Start a multipart upload directly (as Initiate would); ``upload_id`` chooses its id.

        So an example that names a fixed placeholder (``UploadId='exampleUploadId'``) finds its upload.
        """
        record = UploadRecord(
            upload_id=upload_id or "", bucket=bucket, key=key, initiated=self.clock(), storage_class=storage_class
        )
        return self.store.create_upload(record).upload_id

    def add_credentials(
        self, secret_id: str, secret_key: str, token: Optional[str] = None, *, appid: Optional[str] = None
    ) -> None:
        """Accept another key pair; with ``token``, requests must carry ``x-cos-security-token``.

        With ``appid`` the key belongs to that account: other accounts' buckets
        answer it 403 AccessDenied, and that account's buckets are no longer the
        default key's (a key without ``appid`` owns every unclaimed APPID).
        """
        cred = Credential(secret_id, secret_key, token, appid)
        self._extra_credentials[secret_id] = cred
        if self._app is not None:
            self._app.add_credentials(secret_id, secret_key, token, appid=appid)

    def reset(self, *, seed: Optional[int] = None) -> None:
        """Delete every bucket, object and multipart upload, recreate the default buckets, clear faults and the request log.

        The random sequence of probabilistic faults restarts from the seed
        (``seed`` replaces it)."""
        self.store.reset()
        self._ensure_buckets()
        self._faults.clear()
        self._faults.reseed(seed)
        if seed is not None:
            self.seed = seed
        with self.requests.lock:  # type: ignore[attr-defined]
            self.requests.clear()

    def _admin_reset(self, seed: Optional[int]) -> None:
        self.reset(seed=seed)

    # -- fault injection -------------------------------------------------------------------

    def inject_fault(
        self,
        status: int = 503,
        code: str = "ServiceUnavailable",
        count: Optional[int] = None,
        method: Optional[str] = None,
        key: Optional[str] = None,
        op: Optional[str] = None,
        *,
        message: Optional[str] = None,
        bucket: Optional[str] = None,
        reset_connection: bool = False,
        after_bytes: Optional[int] = None,
        corrupt_crc: bool = False,
        lose_response: bool = False,
        p: Optional[float] = None,
        latency_ms: Optional[float] = None,
        truncate_after: Optional[int] = None,
        flip_at: Optional[int] = None,
        drip_bps: Optional[int] = None,
    ) -> Fault:
        """Fail the next ``count`` requests matching ``method``/``key``/``op``/``bucket``.

        The request gets ``status``/``code`` with a full Error XML instead of
        being served.  With ``reset_connection=True`` the connection is reset
        instead: after reading ``after_bytes`` (default 0) of the request body
        when there is one; for a GET Object with ``after_bytes``, after sending
        that many bytes of the real response body; otherwise at once.

        With ``corrupt_crc=True`` nothing fails: the next ``count`` matching
        requests whose response is a success carrying ``x-cos-hash-crc64ecma``
        (PutObject, GetObject, HeadObject, AppendObject, UploadPart,
        UploadPartCopy, CompleteMultipartUpload) are served normally but get a
        wrong value in that header; the stored data stays right.  Requests that
        fail or carry no CRC do not use the fault up.  The request log marks
        such responses with ``crc_corrupted: True``.  For testing a client's
        integrity checks.

        With ``lose_response=True`` the next ``count`` matching requests that
        succeed are carried out in full (the object is written, the upload
        completed, ...) but the connection is reset instead of answering: the
        response is lost on its way back, so a client that retries meets the
        state its first attempt created.  The request log shows ``status: None``.

        With ``p`` the fault fires on each matching request with that
        probability (drawn from the emulator's ``seed``), at most ``count``
        times (``count=None``, the default: once, or without limit with ``p``).

        Response-stream kinds (the request is served normally): ``latency_ms``
        holds the response back; on a successful response with a body,
        ``truncate_after`` sends only that many body bytes (``-1``: half) then
        closes the connection, ``flip_at`` inverts the body byte at that offset
        (``-1``: the middle one), ``drip_bps`` sends the body at that many
        bytes per second.  ``status=200`` gives an ``<Error>`` inside a 200
        (as COS may answer Complete Multipart Upload or a copy), the request
        not carried out.

        ``op`` is a COS API name: PutObject, GetObject, HeadObject,
        DeleteObject, PutBucket, HeadBucket, DeleteBucket, GetBucket,
        AppendObject, InitiateMultipartUpload, UploadPart, UploadPartCopy,
        ListParts, CompleteMultipartUpload, AbortMultipartUpload,
        ListMultipartUploads, or the name of a not-yet-implemented API
        (e.g. PutObjectCopy, DeleteMultipleObjects).
        """
        return self._faults.add(
            Fault(
                status=status,
                code=code,
                message=message,
                count=(1 if p is None else None) if count is None else count,
                method=method,
                key=key,
                op=op,
                bucket=bucket,
                reset_connection=reset_connection,
                after_bytes=after_bytes,
                corrupt_crc=corrupt_crc,
                lose_response=lose_response,
                p=p,
                latency_ms=latency_ms,
                truncate_after=truncate_after,
                flip_at=flip_at,
                drip_bps=drip_bps,
            )
        )

    def set_network(
        self,
        network: Union[None, str, NetworkProfile, Dict[str, Any]] = None,
        *,
        latency_ms: Optional[float] = None,
        bandwidth: Union[None, str, float] = None,
    ) -> Optional[NetworkProfile]:
        """Change the network profile of a running (or not yet started) emulator.

        The latency applies from the next response; the bandwidth to connections
        opened from now on.  ``set_network()`` with nothing removes shaping."""
        self.network = resolve_network(network, latency_ms=latency_ms, bandwidth=bandwidth)
        if self._server is not None:
            self._server.network = self.network
        return self.network

    def add_fault(self, spec: Union[str, Fault]) -> Fault:
        """Plan a fault given as text (``"op=UploadPart,status=503,p=0.05,count=3"``) or a ``Fault``.

        Fields (comma-separated ``name=value``, values percent-decoded):
        ``kind`` = ``error`` (default: answer ``status``/``code``/``message``),
        ``error200`` (an ``<Error>`` body in a 200, the request not carried out),
        ``reset`` (``after=BYTES``), ``crc``, ``lose``, ``latency`` (``ms=``),
        ``truncate`` (``at=BYTES``, default the middle), ``flip`` (``at=``),
        ``drip`` (``bps=`` bytes per second); ``op``, ``method``, ``key``,
        ``bucket`` narrow the match; ``count`` (default 1, or no limit with
        ``p``) and ``p`` (probability per matching request).  A bad spec raises
        ``FaultSpecError`` (a ``ValueError``) naming the field.
        """
        fault = parse_spec(spec) if isinstance(spec, str) else spec
        return self._faults.add(fault)

    @property
    def faults(self) -> List[Fault]:
        """The faults still pending."""
        return self._faults.pending

    def remove_fault(self, fault: Fault) -> None:
        self._faults.remove(fault)

    def clear_faults(self) -> None:
        self._faults.clear()
