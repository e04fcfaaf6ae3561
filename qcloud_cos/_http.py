"""The one request path: a ``Request`` is built once, then each attempt is prepared from it,
signed, and sent exactly as signed.

Retries: transient 5xx answers, connection errors and timeouts are retried with exponential
backoff and full jitter, re-signed each time, the body rewound; 4xx answers and 5xx answers that
say the request itself cannot be served (501 NotImplemented, ...) are never retried, a body that
cannot be replayed is never sent twice, and a local error reading the body (an ``OSError`` from
the file) is raised as itself at once.  Errors come out as ``CosServiceError`` (built from COS's
answer), ``CosClientError`` (a network failure says what was contacted, how many attempts were
made, why they failed in one line and what to check) or that local ``OSError``.

Secrets never reach the logs or the exceptions: every server text, library message and log line
is masked by value (the exact token, SSE-C keys, Authorization, signature, SecretKey and signing
key of the request) and by name (``_redact``).
"""

import contextlib
import errno
import http.client
import logging
import os
import random
import socket
import struct
import sys
import threading
import time
from typing import Any, Dict, List, Set, Tuple
from urllib.parse import urlsplit

import requests
import urllib3
from requests.exceptions import ChunkedEncodingError
from requests.structures import CaseInsensitiveDict

from . import _redact, _signing
from .cos_exception import CosClientError, CosServiceError
from .version import __version__

logger = logging.getLogger("qcloud_cos.cos_client")
_redact.install_log_filter()

DEFAULT_UA = "cos-python-sdk-v" + __version__
SIGN_EXPIRE = 10000

# Network errors (retried).  Older requests let urllib3's own exceptions escape from their
# chunked-upload path, so those are listed too.
_RETRYABLE_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.TimeoutError,
    urllib3.exceptions.NewConnectionError,
)
# Errors of the HTTP libraries about the request itself (e.g. http.client's "Invalid header
# value" ValueError with older requests): a CosClientError, unless the body raised them.
_LIBRARY_ERRORS = (ValueError, TypeError, http.client.HTTPException)

# 5xx answers about the request itself, not the server's state: retrying cannot help.
# (501 NotImplemented: COS does not support a header or feature the request uses.)
NOT_TRANSIENT_5XX = frozenset(
    (
        501,  # Not Implemented
        505,  # HTTP Version Not Supported
        506,  # Variant Also Negotiates (a server misconfiguration)
        508,  # Loop Detected
        510,  # Not Extended
        511,  # Network Authentication Required (a captive portal)
    )
)


class Request:
    """Everything that defines one COS request; built once, sent (and re-sent) as is.

    ``key`` is the object key the signature covers (None for bucket-level calls); ``host`` is an
    explicit Host header (when the connection goes to an IP) or None.
    """

    __slots__ = ("method", "url", "key", "host", "params", "headers", "body", "timeout", "stream", "check_crc")

    def __init__(
        self,
        *,
        method,
        url,
        key=None,
        host=None,
        params=None,
        headers=None,
        body=None,
        timeout=30,
        stream=False,
        check_crc=False,
    ):
        self.method = method
        self.url = url
        self.key = key
        self.host = host
        self.params = {k: v for k, v in (params or {}).items() if v is not None}
        self.headers = headers or {}
        self.body = body
        self.timeout = timeout
        self.stream = stream
        self.check_crc = check_crc


class ResponseHeaders(dict):
    """The response headers as a plain dict (server casing kept) whose lookups ignore case."""

    def _find(self, key):
        if isinstance(key, str):
            lower = key.lower()
            for name in dict.keys(self):
                if isinstance(name, str) and name.lower() == lower:
                    return name
        return None

    def __missing__(self, key):
        name = self._find(key)
        if name is None:
            raise KeyError(key)
        return dict.__getitem__(self, name)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key):
        return dict.__contains__(self, key) or self._find(key) is not None


def utf8_header(value):
    """Undo http.client's latin-1 decoding of raw UTF-8 header values (e.g. x-cos-meta-*)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def header_value(value):
    """Header values go out as bytes (UTF-8); numbers are converted instead of rejected."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        value = str(value).lower()
    return str(value).encode("utf-8")


# Bodies are written to the socket in blocks of this size (urllib3's default is 16 KiB).
SEND_BLOCK = 1024 * 1024
# Plain-TCP request bodies are written with blocking sends bounded by SO_SNDTIMEO (HTTPConnection.send).
_BLOCKING_SENDS = sys.platform.startswith("linux") and hasattr(socket, "SO_SNDTIMEO")


# The block size is given to the connections themselves rather than as a pool-manager keyword:
# urllib3 2.x knows a ``blocksize`` pool keyword (and passes its 16 KiB default to every
# connection), urllib3 1.x does not (its PoolKey rejects it), but on both the connection classes
# take ``blocksize`` (1.x hands it on to ``http.client``).  The classes keep urllib3's names,
# which appear in its messages.
class HTTPConnection(urllib3.connection.HTTPConnection):
    def __init__(self, *args, **kwargs):
        kwargs["blocksize"] = SEND_BLOCK
        super().__init__(*args, **kwargs)
        self._send_timeout = None  # the SO_SNDTIMEO set on the current socket

    def send(self, data):
        """Send with the socket in blocking mode, the timeout enforced by the kernel (SO_SNDTIMEO).

        A socket with a timeout sends with non-blocking writes and a poll() whenever the send buffer is
        full: on a fast link that is several system calls and a GIL hand-over per buffer's worth, about a
        third of the kernel time of an upload here.  A blocking write waits inside the kernel instead, for
        at most the same timeout without progress; a write that times out raises the same
        ``socket.timeout`` as before.  Plain TCP on Linux only; TLS sockets send as they always did.
        """
        sock = self.sock
        timeout = sock.gettimeout() if _BLOCKING_SENDS and type(sock) is socket.socket else None
        if not timeout:
            return super().send(data)
        if timeout != self._send_timeout:
            seconds = int(timeout)
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", seconds, int((timeout - seconds) * 1e6))
            )
            self._send_timeout = timeout
        sock.settimeout(None)
        try:
            return super().send(data)
        except BlockingIOError as exc:  # SO_SNDTIMEO expired with nothing sent
            raise socket.timeout("timed out") from exc
        finally:
            sock.settimeout(timeout)

    def connect(self):
        self._send_timeout = None
        super().connect()


class HTTPSConnection(urllib3.connection.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        kwargs["blocksize"] = SEND_BLOCK
        super().__init__(*args, **kwargs)


class HTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = HTTPConnection


class HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = HTTPSConnection


_POOL_CLASSES = {"http": HTTPConnectionPool, "https": HTTPSConnectionPool}


def _use_large_blocks(manager):
    """Make ``manager``'s new pools use connections with the large send block (not SOCKS ones)."""
    if type(manager) in (urllib3.PoolManager, urllib3.ProxyManager):
        manager.pool_classes_by_scheme = _POOL_CLASSES
    return manager


class _StreamingAdapter(requests.adapters.HTTPAdapter):
    """An HTTPAdapter whose connections send request bodies in larger blocks."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        _use_large_blocks(self.poolmanager)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        return _use_large_blocks(super().proxy_manager_for(proxy, **proxy_kwargs))


_SESSIONS: Dict[Tuple[int, int, int], requests.Session] = {}
_SESSIONS_LOCK = threading.Lock()


def shared_session(*, pool_connections, pool_maxsize):
    """A pooled ``requests.Session`` shared by clients with the same pool sizes in this process.

    Rebuilt after ``fork()`` (a child must never reuse its parent's sockets).
    """
    key = (os.getpid(), pool_connections, pool_maxsize)
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            for stale in [k for k in _SESSIONS if k[0] != key[0]]:
                del _SESSIONS[stale]
            session = requests.Session()
            adapter = _StreamingAdapter(pool_connections=pool_connections, pool_maxsize=pool_maxsize)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _SESSIONS[key] = session
        return session


# Workers that running transfers have reserved, per shared-session key.
_RESERVED: Dict[Tuple[int, int, int], int] = {}


class _RetryCount:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def add(self):
        with self.lock:
            self.value += 1


class Transport:
    """Sends ``Request`` values for one client configuration."""

    def __init__(
        self,
        *,
        conf,
        session=None,
        retry=3,
        clock=None,
        sleep=None,
        backoff_base=1.0,
        backoff_cap=20.0,
        pool_maxsize=None,
        retry_count=None,
    ):
        if isinstance(retry, bool) or not isinstance(retry, int) or retry < 0:
            raise CosClientError("retry must be an int >= 0 (the retries after the first attempt), got %r" % (retry,))
        self._conf = conf
        self._session = session
        self.retry = retry
        self._clock = clock
        self._sleep = sleep
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._pool_maxsize = pool_maxsize
        self._retry_count = retry_count or _RetryCount()

    @property
    def session(self):
        if self._session is not None:
            return self._session
        return shared_session(
            pool_connections=self._conf._pool_connections, pool_maxsize=self._pool_maxsize or self._conf._pool_maxsize
        )

    @property
    def retries_done(self):
        return self._retry_count.value

    @contextlib.contextmanager
    def concurrent(self, workers):
        """A transport for ``workers`` more threads: its connection pool holds everyone's connections.

        Transfers running at the same time in this process add up, so nested pools (the reference's
        batch example: 5 files x 5 parts) never overflow a pool and drop connections.
        """
        if self._session is not None:
            yield self
            return
        key = (os.getpid(), self._conf._pool_connections, self._conf._pool_maxsize)
        with _SESSIONS_LOCK:
            _RESERVED[key] = _RESERVED.get(key, 0) + workers
            needed = self._conf._pool_maxsize + _RESERVED[key]
        size = 1 << (needed - 1).bit_length()
        try:
            yield Transport(
                conf=self._conf,
                retry=self.retry,
                clock=self._clock,
                sleep=self._sleep,
                backoff_base=self.backoff_base,
                backoff_cap=self.backoff_cap,
                pool_maxsize=size,
                retry_count=self._retry_count,
            )
        finally:
            with _SESSIONS_LOCK:
                _RESERVED[key] -= workers

    def backoff(self, attempt):
        """Full-jitter exponential backoff before retry number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return random.uniform(0, ceiling)

    def send(self, request):
        """Send with retries; return the ``requests.Response`` of a successful (< 400) answer."""
        secrets = self._secrets(request)
        failure: Any = None  # the last attempt's network error, error response or CRC mismatch
        attempts = 0
        for attempt in range(self.retry + 1):
            if attempt:
                if request.body is not None and not request.body.rewindable:
                    break
                self._retry_count.add()
                delay = self.backoff(attempt)
                logger.info(
                    "retry %d/%d of %s %s in %.2fs after: %s",
                    attempt,
                    self.retry,
                    request.method,
                    secrets.scrub(request.url),
                    delay,
                    _describe(failure, secrets),
                )
                (self._sleep or time.sleep)(delay)
            attempts += 1
            # A body's own read errors are CosClientError (or the engine's LocalReadError), which
            # requests and urllib3 let through as they are: only real network errors are retried.
            try:
                prepared = self.prepare(request, attempt=attempt, secrets=secrets)
                response = self._send_prepared(request, prepared, secrets=secrets)
                if response.status_code >= 400:
                    _ = response.content  # read the error body now; the connection goes back to the pool
            except requests.exceptions.SSLError as exc:  # a certificate problem does not heal by retrying
                raise self._client_error(exc, secrets=secrets) from exc
            except _RETRYABLE_ERRORS as exc:
                failure = exc
                continue
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) + _LIBRARY_ERRORS as exc:
                # e.g. requests' "Could not find a suitable TLS CA certificate bundle", InvalidHeader
                raise self._client_error(exc, secrets=secrets) from exc
            if response.status_code < 400:
                mismatch = self._crc_mismatch(request, response)
                if mismatch is None:
                    return response
                failure = CosClientError(mismatch)
                continue
            failure = response
            if response.status_code < 500 or response.status_code in NOT_TRANSIENT_5XX:
                break
        if isinstance(failure, requests.Response):
            raise service_error(request.method, failure, secrets=secrets)
        if isinstance(failure, CosClientError):
            raise failure
        raise self._network_error(request, failure, attempts=attempts, secrets=secrets) from failure

    def _secrets(self, request):
        """The secret values this request will carry (Authorization is added once signed)."""
        conf = self._conf
        secrets = _redact.Secrets()
        secret_key = None
        if not conf._anonymous:
            try:
                secret_key = conf._current_keys()[1]
            except CosClientError:
                pass
        secrets.add(conf._current_token())
        return _redact.add_request(
            secrets,
            headers=request.headers,
            secret_key=secret_key,
            proxies=conf._proxies if isinstance(conf._proxies, dict) else None,
        )

    def _client_error(self, exc, *, secrets):
        """A ``CosClientError`` from a library exception, its text (and chain) masked."""
        secrets.scrub_exception(exc)
        return CosClientError(secrets.scrub(str(exc)))

    def _network_error(self, request, failure, *, attempts, secrets):
        """The ``CosClientError`` for a request that no attempt could deliver."""
        secrets.scrub_exception(failure)
        conf = self._conf
        parts = urlsplit(request.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = "%s://%s:%s%s" % (parts.scheme, parts.hostname, port, parts.path)
        if parts.query:
            target += "?" + parts.query
        if request.host:
            target += " (Host: %s)" % request.host
        proxies = _proxies_for(request.url, conf._proxies)
        proxy = proxies.get(parts.scheme) or proxies.get("all")
        if proxy:
            target += " through proxy %s" % _redact.scrub_names(proxy)
        reason, advice = _explain(failure, host=parts.hostname, timeout=conf._timeout or request.timeout)
        if attempts == 1 and self.retry and request.body is not None and not request.body.rewindable:
            tries = "1 attempt (the body cannot be replayed, so it was not retried)"
        else:
            tries = "%d attempt%s" % (attempts, "" if attempts == 1 else "s")
        checks = advice
        env_url = os.environ.get("QCLOUD_COS_ENDPOINT_URL")
        if env_url:
            checks += "; QCLOUD_COS_ENDPOINT_URL=%s is set and sends this client there" % env_url
        if proxy:
            checks += "; check the proxy (CosConfig Proxies or the *_proxy environment variables)"
        elif not proxies:
            checks += "; no proxy is in use"
        message = "%s %s failed after %s: %s. %s." % (
            request.method,
            target,
            tries,
            reason,
            checks[0].upper() + checks[1:],
        )
        return CosClientError(secrets.scrub(message))

    def _crc_mismatch(self, request, response):
        if not request.check_crc or request.body is None:
            return None
        remote = response.headers.get("x-cos-hash-crc64ecma")
        local = request.body.sent_crc64()
        if not remote or local is None or str(local) == remote.strip():
            return None
        return "crc64 mismatch on %s %s: sent %s, COS computed %s" % (request.method, request.url, local, remote)

    def _headers(self, request, *, attempt):
        conf = self._conf
        headers = {"User-Agent": conf._ua or DEFAULT_UA}
        for name, value in request.headers.items():
            if value is not None:
                headers[name] = header_value(value)
        token = conf._current_token()
        if token:
            headers["x-cos-security-token"] = header_value(token)
        if request.host:
            headers["Host"] = header_value(request.host)
        if not conf._keep_alive:
            headers["Connection"] = "close"
        if attempt:
            headers["x-cos-sdk-retry"] = "true"
        return headers

    def prepare(self, request, *, attempt=0, secrets=None):
        """Build and sign the PreparedRequest for one attempt (adding its secrets to ``secrets``)."""
        data = request.body.payload() if request.body is not None else None
        prepared = prepare_request(
            self.session,
            method=request.method,
            url=request.url,
            params=request.params,
            headers=self._headers(request, attempt=attempt),
            data=data,
        )
        prepared.headers["Authorization"] = self.authorization(
            method=request.method, key=request.key, url=prepared.url, params=request.params, headers=prepared.headers
        )
        if secrets is not None:
            secret_key = None
            if not self._conf._anonymous:
                secret_key = self._conf._current_keys()[1]
            _redact.add_request(secrets, headers=prepared.headers, secret_key=secret_key)
        return prepared

    def authorization(self, *, method, key, url, params, headers, expire=SIGN_EXPIRE, sign_host=None):
        conf = self._conf
        if conf._anonymous:
            return ""
        secret_id, secret_key = conf._current_keys()
        now = self._clock() if self._clock else time.time()
        start, end = _signing.time_window(now=now, expire=expire)
        return _signing.authorization(
            secret_id=secret_id,
            secret_key=secret_key,
            method=method,
            path=_signing.sign_path(key),
            params=list(params.items()) if conf._sign_params else [],
            headers=_signing.signed_headers(
                headers=headers, url=url, sign_host=conf._sign_host if sign_host is None else sign_host
            ),
            start=start,
            end=end,
        )

    def _send_prepared(self, request, prepared, *, secrets):
        conf = self._conf
        session = self.session
        https = prepared.url.startswith("https://")
        settings = environment_settings(
            session,
            prepared.url,
            proxies=conf._proxies or {},
            stream=request.stream,
            verify=conf._verify_ssl if https and conf._verify_ssl is not None else None,
            cert=conf._ssl_cert if https else None,
        )
        _redact.add_request(secrets, proxies=settings.get("proxies"))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "send request: %s %s headers=%s",
                prepared.method,
                secrets.scrub(prepared.url),
                secrets.scrub(str(_redact.headers(dict(prepared.headers)))),
            )
        response = session.send(
            prepared, timeout=conf._timeout or request.timeout, allow_redirects=conf._allow_redirects, **settings
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "recv response: %s %s status=%s headers=%s",
                prepared.method,
                secrets.scrub(prepared.url),
                response.status_code,
                secrets.scrub(str(_redact.headers(dict(response.headers)))),
            )
        return response


def prepare_request(session, *, method, url, params, headers, data):
    """What ``session.prepare_request(requests.Request(...))`` gives for one of our requests.

    When the session has no cookies, auth or params of its own (ours never has, unless a server set a
    cookie), the merges requests would do change nothing but cost a fifth of a small request's client
    time (two cookie-jar copies, three setting merges, a ~/.netrc lookup whose Basic auth our signature
    replaces anyway); the headers are merged as requests merges them (the session's first, in order, ours
    over them), so the request on the wire is the same.  Otherwise requests does it all.
    """
    if session.cookies or session.auth or session.params or not isinstance(session.headers, CaseInsensitiveDict):
        return session.prepare_request(
            requests.Request(method=method, url=url, params=params, headers=headers, data=data)
        )
    merged = CaseInsensitiveDict(session.headers)
    merged.update(headers)
    prepared = requests.PreparedRequest()
    prepared.prepare(method=method.upper(), url=url, headers=merged, data=data, params=params, hooks=session.hooks)
    return prepared


#: What requests reads from the environment to settle proxies and certificates.
_SETTINGS_ENV = (
    "http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
)  # fmt: skip
_settings_cache: Dict[Any, Any] = {}
_SETTINGS_CACHE_MAX = 256


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def environment_settings(session, url, *, proxies, stream, verify, cert):
    """``session.merge_environment_settings`` for ``url``, remembered.

    requests recomputes it for every request by scanning the whole environment (a fifth of a small
    request's client time); the answer depends only on the URL's scheme and host, the arguments, the
    session's own settings and the proxy and CA-bundle variables, which are all in the key, so a
    changed variable still takes effect on the next request.
    """
    parts = urlsplit(url)
    key = (
        parts.scheme, parts.netloc, _hashable(proxies), stream, verify, _hashable(cert), session.trust_env,
        _hashable(session.proxies), _hashable(session.verify), _hashable(session.cert),
        tuple(os.environ.get(name) for name in _SETTINGS_ENV),
    )  # fmt: skip
    try:
        cached = _settings_cache.get(key)
    except TypeError:  # something unhashable in the settings: no cache
        return session.merge_environment_settings(url, proxies, stream, verify, cert)
    if cached is None:
        cached = session.merge_environment_settings(url, proxies, stream, verify, cert)
        if len(_settings_cache) >= _SETTINGS_CACHE_MAX:
            _settings_cache.clear()
        _settings_cache[key] = cached
    return {name: dict(value) if isinstance(value, dict) else value for name, value in cached.items()}


def _proxies_for(url, proxies):
    """The proxies that apply to ``url``: the configured ones, else the environment's."""
    if isinstance(proxies, dict) and proxies:
        return {k: v for k, v in proxies.items() if isinstance(v, str)}
    try:
        env = requests.utils.get_environ_proxies(url)
    except Exception:  # a malformed environment must not hide the real error
        env = {}
    return {k: v for k, v in env.items() if isinstance(v, str)}


def _chain(exc, limit=16):
    """``exc`` and the exceptions it wraps (args, urllib3 ``reason``, cause and context)."""
    seen: Set[int] = set()
    todo: List[Any] = [exc]
    out: List[BaseException] = []
    while todo and len(out) < limit:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        out.append(item)
        todo.extend(a for a in item.args if isinstance(a, BaseException))
        todo.extend((getattr(item, "reason", None), item.__cause__, item.__context__))
    return out


_CHECK_SERVER = (
    "check that the server is running and that QCLOUD_COS_ENDPOINT_URL, or CosConfig IP / Port / Scheme, point at it"
)
_CHECK_NAME = (
    "check Region / Endpoint / Domain (the host name is built from them) and the DNS of "
    "this machine; to use a local server, set QCLOUD_COS_ENDPOINT_URL=http://127.0.0.1:PORT "
    "or pass CosConfig(IP=..., Port=..., Scheme=...)"
)


def _explain(failure, *, host, timeout):
    """(reason in one short line, what to check) for a network failure."""
    chain = _chain(failure)
    types = tuple(type(e) for e in chain)

    def has(*classes):
        return any(issubclass(t, classes) for t in types)

    if isinstance(failure, CosClientError):
        return str(failure), "check the data sent"
    if has(requests.exceptions.ProxyError, urllib3.exceptions.ProxyError):
        if has(ConnectionRefusedError):
            why = "connection refused"
        elif has(socket.gaierror) or any(type(e).__name__ == "NameResolutionError" for e in chain):
            why = "DNS lookup failed"
        elif has(socket.timeout, urllib3.exceptions.TimeoutError):
            why = "timed out"
        else:
            why = "it failed"
        return "could not use the proxy (%s)" % why, "check that the proxy is running and allows this connection"
    if has(socket.gaierror) or any(type(e).__name__ == "NameResolutionError" for e in chain):
        return "DNS lookup of %s failed" % host, _CHECK_NAME
    if has(ConnectionRefusedError):
        return "connection refused", _CHECK_SERVER
    if has(requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError):
        return (
            "connect timed out (Timeout=%s s)" % (timeout,),
            "check the host and port, the network or firewall, or raise CosConfig(Timeout=...)",
        )
    if has(requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, socket.timeout):
        return (
            "timed out waiting for the answer (Timeout=%s s)" % (timeout,),
            "the server may be overloaded or the network slow; raise CosConfig(Timeout=...) or retry later",
        )
    if has(ConnectionResetError):
        return "connection reset by the server", "check Scheme (http or https) and that the server is a COS endpoint"
    if has(BrokenPipeError, ConnectionAbortedError):
        return "the server closed the connection while the request was sent", _CHECK_SERVER
    if has(http.client.RemoteDisconnected):
        return (
            "the server closed the connection without answering",
            "check Scheme (http or https) and that the server is a COS endpoint",
        )
    if has(ChunkedEncodingError, http.client.IncompleteRead, urllib3.exceptions.ProtocolError):
        return "the connection broke while the answer was read", "retry later; check the network"
    for e in chain:
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network or host unreachable", "check the network, the host and any proxy"
    text = str(failure).strip().splitlines()
    line = text[0] if text else type(failure).__name__
    return (line if len(line) <= 200 else line[:197] + "..."), _CHECK_SERVER


def _describe(failure, secrets):
    if isinstance(failure, requests.Response):
        return "HTTP %s" % failure.status_code
    return secrets.scrub(repr(failure))


def service_error(method, response, *, secrets=None):
    """Turn an HTTP error answer into ``CosServiceError`` the way the official SDK does.

    Every text taken from the answer is masked with ``secrets`` (the values the request sent):
    a server that echoes the signed headers (SignatureDoesNotMatch) must not put them in the
    exception or the logs.
    """
    secrets = secrets if secrets is not None else _redact.Secrets()
    status = response.status_code
    headers = response.headers
    if method == "HEAD" and status == 404:
        info = {
            "code": "NoSuchResource",
            "message": "The Resource You Head Not Exist",
            "resource": response.request.url if response.request is not None else response.url,
        }
        if "x-cos-request-id" in headers:
            info["requestid"] = headers["x-cos-request-id"]
        if "x-cos-trace-id" in headers:
            info["traceid"] = headers["x-cos-trace-id"]
        info = secrets.scrub_value(info)
        logger.debug("HEAD 404: %s", info)
        return CosServiceError(method, info, status)
    if "x-cos-error-code" in headers:
        info = {"code": headers["x-cos-error-code"]}
        if "x-cos-request-id" in headers:
            info["requestid"] = headers["x-cos-request-id"]
        info["message"] = response.text
        info = secrets.scrub_value(info)
        logger.debug("service error %s: %s", status, info)
        return CosServiceError(method, info, status)
    text = response.text
    message = secrets.scrub(text) if text else secrets.scrub_value(headers)
    logger.debug("service error %s: %s", status, message)
    return CosServiceError(method, message, status)
