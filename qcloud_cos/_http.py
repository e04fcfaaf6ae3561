"""The one request path: a ``Request`` is built once, then each attempt is prepared from it,
signed, and sent exactly as signed.

Retries: 5xx answers, connection errors and timeouts are retried with exponential backoff and
full jitter, re-signed each time, the body rewound; 4xx answers are never retried and a body that
cannot be replayed is never sent twice.  Errors come out as ``CosServiceError`` (built from COS's
answer) or ``CosClientError``.  Secrets never reach the logs.
"""
import contextlib
import logging
import os
import random
import threading
import time

import requests
from requests.exceptions import ChunkedEncodingError

from . import _signing
from ._headers import redact
from .cos_exception import CosClientError, CosServiceError
from .version import __version__

logger = logging.getLogger('qcloud_cos.cos_client')

DEFAULT_UA = 'cos-python-sdk-v' + __version__
SIGN_EXPIRE = 10000

_RETRYABLE_ERRORS = (requests.ConnectionError, requests.Timeout, ChunkedEncodingError)


class Request:
    """Everything that defines one COS request; built once, sent (and re-sent) as is.

    ``key`` is the object key the signature covers (None for bucket-level calls); ``host`` is an
    explicit Host header (when the connection goes to an IP) or None.
    """

    __slots__ = ('method', 'url', 'key', 'host', 'params', 'headers', 'body', 'timeout', 'stream',
                 'check_crc')

    def __init__(self, *, method, url, key=None, host=None, params=None, headers=None, body=None,
                 timeout=30, stream=False, check_crc=False):
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
        return value.encode('latin-1').decode('utf-8')
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def header_value(value):
    """Header values go out as bytes (UTF-8); numbers are converted instead of rejected."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        value = str(value).lower()
    return str(value).encode('utf-8')


# Bodies are written to the socket in blocks of this size (urllib3's default is 16 KiB).
SEND_BLOCK = 1024 * 1024


class _StreamingAdapter(requests.adapters.HTTPAdapter):
    """An HTTPAdapter whose connections send request bodies in larger blocks."""

    def init_poolmanager(self, *args, **kwargs):
        kwargs.setdefault('blocksize', SEND_BLOCK)
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs.setdefault('blocksize', SEND_BLOCK)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


_SESSIONS = {}
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
            session.mount('http://', adapter)
            session.mount('https://', adapter)
            _SESSIONS[key] = session
        return session


# Workers that running transfers have reserved, per shared-session key.
_RESERVED = {}


class _RetryCount:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def add(self):
        with self.lock:
            self.value += 1


class Transport:
    """Sends ``Request`` values for one client configuration."""

    def __init__(self, *, conf, session=None, retry=3, clock=None, sleep=None, backoff_base=1.0,
                 backoff_cap=20.0, pool_maxsize=None, retry_count=None):
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
        return shared_session(pool_connections=self._conf._pool_connections,
                              pool_maxsize=self._pool_maxsize or self._conf._pool_maxsize)

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
            yield Transport(conf=self._conf, retry=self.retry, clock=self._clock, sleep=self._sleep,
                            backoff_base=self.backoff_base, backoff_cap=self.backoff_cap,
                            pool_maxsize=size, retry_count=self._retry_count)
        finally:
            with _SESSIONS_LOCK:
                _RESERVED[key] -= workers

    def backoff(self, attempt):
        """Full-jitter exponential backoff before retry number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return random.uniform(0, ceiling)

    def send(self, request):
        """Send with retries; return the ``requests.Response`` of a successful (< 400) answer."""
        failure = None
        for attempt in range(self.retry + 1):
            if attempt:
                if request.body is not None and not request.body.rewindable:
                    break
                self._retry_count.add()
                delay = self.backoff(attempt)
                logger.info('retry %d/%d of %s %s in %.2fs after: %s', attempt, self.retry,
                            request.method, request.url, delay, _describe(failure))
                (self._sleep or time.sleep)(delay)
            try:
                response = self._send_once(request, attempt=attempt)
            except requests.exceptions.SSLError as exc:  # a certificate problem does not heal by retrying
                raise CosClientError(str(exc)) from exc
            except _RETRYABLE_ERRORS as exc:
                failure = exc
                continue
            except requests.RequestException as exc:
                raise CosClientError(str(exc)) from exc
            if response.status_code < 400:
                mismatch = self._crc_mismatch(request, response)
                if mismatch is None:
                    return response
                failure = CosClientError(mismatch)
                continue
            failure = response
            if response.status_code < 500:
                break
            _ = response.content  # read the error body now; the connection goes back to the pool
        if isinstance(failure, requests.Response):
            raise service_error(request.method, failure)
        if isinstance(failure, CosClientError):
            raise failure
        raise CosClientError(str(failure)) from failure

    def _crc_mismatch(self, request, response):
        if not request.check_crc or request.body is None:
            return None
        remote = response.headers.get('x-cos-hash-crc64ecma')
        local = request.body.sent_crc64()
        if not remote or local is None or str(local) == remote.strip():
            return None
        return ('crc64 mismatch on %s %s: sent %s, COS computed %s'
                % (request.method, request.url, local, remote))

    def _headers(self, request, *, attempt):
        conf = self._conf
        headers = {'User-Agent': conf._ua or DEFAULT_UA}
        for name, value in request.headers.items():
            if value is not None:
                headers[name] = header_value(value)
        token = conf._current_token()
        if token:
            headers['x-cos-security-token'] = header_value(token)
        if request.host:
            headers['Host'] = header_value(request.host)
        if not conf._keep_alive:
            headers['Connection'] = 'close'
        if attempt:
            headers['x-cos-sdk-retry'] = 'true'
        return headers

    def prepare(self, request, *, attempt=0):
        """Build and sign the PreparedRequest for one attempt."""
        session = self.session
        data = request.body.payload() if request.body is not None else None
        prepared = session.prepare_request(requests.Request(
            method=request.method, url=request.url, params=request.params,
            headers=self._headers(request, attempt=attempt), data=data))
        prepared.headers['Authorization'] = self.authorization(
            method=request.method, key=request.key, url=prepared.url, params=request.params,
            headers=prepared.headers)
        return prepared

    def authorization(self, *, method, key, url, params, headers, expire=SIGN_EXPIRE, sign_host=None):
        conf = self._conf
        if conf._anonymous:
            return ''
        secret_id, secret_key = conf._current_keys()
        now = self._clock() if self._clock else time.time()
        start, end = _signing.time_window(now=now, expire=expire)
        return _signing.authorization(
            secret_id=secret_id, secret_key=secret_key, method=method, path=_signing.sign_path(key),
            params=list(params.items()) if conf._sign_params else [],
            headers=_signing.signed_headers(
                headers=headers, url=url, sign_host=conf._sign_host if sign_host is None else sign_host),
            start=start, end=end)

    def _send_once(self, request, *, attempt):
        conf = self._conf
        session = self.session
        prepared = self.prepare(request, attempt=attempt)
        https = prepared.url.startswith('https://')
        settings = session.merge_environment_settings(
            prepared.url, conf._proxies or {}, request.stream,
            conf._verify_ssl if https and conf._verify_ssl is not None else None,
            conf._ssl_cert if https else None)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug('send request: %s %s headers=%s', prepared.method, prepared.url,
                         redact(dict(prepared.headers)))
        response = session.send(prepared, timeout=conf._timeout or request.timeout,
                                allow_redirects=conf._allow_redirects, **settings)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug('recv response: %s %s status=%s headers=%s', prepared.method, prepared.url,
                         response.status_code, dict(response.headers))
        return response


def _describe(failure):
    if isinstance(failure, requests.Response):
        return 'HTTP %s' % failure.status_code
    return repr(failure)


def service_error(method, response):
    """Turn an HTTP error answer into ``CosServiceError`` the way the official SDK does."""
    status = response.status_code
    headers = response.headers
    if method == 'HEAD' and status == 404:
        info = {'code': 'NoSuchResource', 'message': 'The Resource You Head Not Exist',
                'resource': response.request.url if response.request is not None else response.url}
        if 'x-cos-request-id' in headers:
            info['requestid'] = headers['x-cos-request-id']
        if 'x-cos-trace-id' in headers:
            info['traceid'] = headers['x-cos-trace-id']
        logger.debug('HEAD 404: %s', info)
        return CosServiceError(method, info, status)
    if 'x-cos-error-code' in headers:
        info = {'code': headers['x-cos-error-code']}
        if 'x-cos-request-id' in headers:
            info['requestid'] = headers['x-cos-request-id']
        info['message'] = response.text
        return CosServiceError(method, info, status)
    text = response.text
    logger.debug('service error %s: %s', status, text)
    return CosServiceError(method, text if text else headers, status)
