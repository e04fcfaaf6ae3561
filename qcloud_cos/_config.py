"""``CosConfig``: the official constructor, defaults, validation order and error messages.

Importable as ``qcloud_cos.cos_client.CosConfig`` (its official home) and ``qcloud_cos.CosConfig``.

Environment: when ``QCLOUD_COS_ENDPOINT_URL`` is set (e.g. ``http://127.0.0.1:9000``), every
config connects there instead, exactly as if ``IP``, ``Port`` and ``Scheme`` had been given: the
Host header and the signature stay those of the real bucket domain, so an unmodified program
talks to a local emulator.  When it is unset nothing changes.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import re
from typing import Any, Dict, Optional, Tuple, Union
from urllib.parse import urlsplit

import urllib3

from . import _official_names, _surface
from ._endpoint import format_bucket, format_endpoint, quote_key
from .cos_exception import CosClientError

logger = logging.getLogger("qcloud_cos.cos_client")

ENDPOINT_URL_ENV = "QCLOUD_COS_ENDPOINT_URL"


def _to_unicode(value: Any, *, name: str) -> Any:
    """bytes → str (UTF-8), as the official SDK converts them; bytes that are not UTF-8 are refused."""
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise CosClientError("%s must be text (str, or UTF-8 bytes), got bytes that are not UTF-8" % name) from None


_LOCAL_SERVER_HINT = (
    "to point the client at a local server, pass CosConfig(IP='%s', Port=%s, "
    "Scheme='%s', Region='ap-beijing', ...) or set the environment variable "
    "%s=%s"
)
_HOST_PORT_RE = re.compile(r"^(?P<host>[^:\[\]]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d*)$")


def _local_hint(url: Optional[str] = None) -> str:
    parts = urlsplit(url) if url else None
    try:
        host, port = (parts.hostname, parts.port) if parts else (None, None)
    except ValueError:
        host, port = (parts.hostname if parts else None), None  # only .port raises
    host = host or "127.0.0.1"
    scheme = parts.scheme if parts and parts.scheme in ("http", "https") else "http"
    port = port or ((443 if scheme == "https" else 80) if parts else 9000)
    return _LOCAL_SERVER_HINT % (host, port, scheme, ENDPOINT_URL_ENV, "%s://%s:%s" % (scheme, host, port))


def _is_address(host: Optional[str]) -> bool:
    if not host:
        return False
    if host == "localhost" or ":" in host:
        return True
    return bool(re.match(r"^\d+\.\d+\.\d+\.\d+$", host))


def _url_instead_of_host(name: str, url: str) -> str:
    """The message for a URL given where a host name is expected, saying what to pass instead."""
    parts = urlsplit(url)
    scheme = parts.scheme if parts.scheme in ("http", "https") else "https"
    netloc = parts.netloc.rpartition("@")[2]
    message = "%s=%r is a URL, but %s takes a host name without scheme or path" % (name, url, name)
    if name == "Domain":
        return message + ": pass Domain=%r, Scheme=%r" % (netloc, scheme)
    if name == "IP" or _is_address(parts.hostname):
        return message + "; " + _local_hint(url)
    return message + ": pass %s=%r, Scheme=%r" % (name, netloc, scheme)


def _check_host(name: str, value: Any, *, allow_port: bool = True) -> None:
    """``Endpoint``/``Domain``/``IP``-like values are host names (``host`` or ``host:port``), not URLs."""
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise CosClientError("%s must be a host name (str), not %s" % (name, type(value).__name__))
    if "://" in value:
        raise CosClientError(_url_instead_of_host(name, value))
    if any(c in value for c in "/?#@") or any(c.isspace() for c in value):
        raise CosClientError(
            "%s=%r must be a host name%s, without a path, user, query or spaces"
            % (name, value, " (optionally host:port)" if allow_port else "")
        )
    match = _HOST_PORT_RE.match(value)
    if match and not allow_port:
        raise CosClientError(
            "%s=%r must not contain a port: pass %s=%r, Port=%s"
            % (name, value, name, match.group("host"), match.group("port") or "PORT")
        )
    if not match and value.count(":") > 1 and not (value.startswith("[") and value.endswith("]")):
        raise CosClientError(
            "%s=%r: write an IPv6 address in brackets, e.g. %s=%r" % (name, value, name, "[%s]" % value)
        )
    if match and allow_port and not _valid_port(match.group("port")):
        raise CosClientError("%s=%r: the port must be a number from 1 to 65535" % (name, value))


def _valid_port(port: Any) -> bool:
    if isinstance(port, bool):
        return False
    if isinstance(port, str):
        if not port.isdigit() or not port.isascii():
            return False
        port = int(port)
    return isinstance(port, int) and 1 <= port <= 65535


def _check_port(value: Any) -> None:
    if value is not None and not _valid_port(value):
        raise CosClientError("Port must be an int from 1 to 65535 (or None), got %r" % (value,))


MAX_TIMEOUT = 10**8  # seconds (about three years): larger values overflow the socket layer
MAX_POOL_SIZE = 10000  # urllib3 allocates every slot of a pool up front


def _positive_number(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 < value <= MAX_TIMEOUT  # type: ignore[operator]  # typeshed's numbers.Real has no int comparisons
    )


def _check_timeout(value: Any) -> None:
    if value is None or _positive_number(value):
        return
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(v is None or _positive_number(v) for v in value):
        return
    if type(value).__name__ == "Timeout" and type(value).__module__.startswith("urllib3"):
        return
    raise CosClientError(
        "Timeout must be a number of seconds > 0 (at most %d) or a (connect, read) tuple "
        "of them (or None for the default), got %r" % (MAX_TIMEOUT, value)
    )


def _check_proxies(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise CosClientError(
            "Proxies must be a dict such as {'http': 'http://proxy:3128', "
            "'https': 'http://proxy:3128'} (or None), got %s" % type(value).__name__
        )
    for key, url in value.items():
        if not isinstance(key, str) or not (url is None or isinstance(url, str)):
            raise CosClientError(
                "Proxies must map a scheme (str) to a proxy URL (str), got %r: %s" % (key, type(url).__name__)
            )


def _check_pool_size(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POOL_SIZE:
        raise CosClientError("%s must be an int from 1 to %d, got %r" % (name, MAX_POOL_SIZE, value))


def _check_tls(verify: Any, cert: Any) -> None:
    """``VerifySSL``: None, a bool, or the path of a CA bundle (file or directory); ``SSLCert``:
    None, a client certificate path, or a (certificate, key) pair of paths."""
    if verify is not None and not isinstance(verify, bool):
        if not isinstance(verify, str):
            raise CosClientError(
                "VerifySSL must be True, False or the path of a CA bundle, not %s" % type(verify).__name__
            )
        if not os.path.exists(verify):
            raise CosClientError("VerifySSL=%r: no such CA bundle file or directory" % (verify,))
    if cert is None:
        return
    paths = cert if isinstance(cert, (tuple, list)) else (cert,)
    if not 1 <= len(paths) <= 2 or not all(isinstance(p, str) for p in paths):
        raise CosClientError(
            "SSLCert must be the path of a client certificate or a (certificate, key) pair of paths, got %r" % (cert,)
        )
    for path in paths:
        if not os.path.isfile(path):
            raise CosClientError("SSLCert: no such file %r" % (path,))


def _region_hint(exc: CosClientError, region: Any) -> CosClientError:
    """The official region error, plus a hint when the Region looks like a URL."""
    if isinstance(region, str) and "://" in region:
        return CosClientError(
            "%s Region=%r is a URL; Region takes a region name such as "
            "'ap-beijing'; %s" % (exc, region, _local_hint(region))
        )
    return exc


def _redact_userinfo(url: Any) -> Any:
    return re.sub(r"//[^/@]*@", "//***@", url) if isinstance(url, str) else url


def _convert_secret(value: Any, *, name: str) -> str:
    value = _to_unicode(value, name=name)
    if isinstance(value, str) and value != value.strip():
        raise CosClientError("secret_id and secret_key cannot contain spaces at the beginning and end")
    if not isinstance(value, str):
        raise CosClientError("%s must be a string, not %s" % (name, type(value).__name__))
    return value


class CosConfig:
    """Configuration of a COS client (region or endpoint, credentials, transport options)."""

    # Official names not implemented here raise NotImplementedInDropin (an AttributeError) saying so.
    __getattr__ = _surface.missing_attribute("CosConfig", _official_names.COS_CONFIG)

    def __init__(
        self,
        Appid: Optional[str] = None,
        Region: Optional[str] = None,
        SecretId: Optional[str] = None,
        SecretKey: Optional[str] = None,
        Token: Optional[str] = None,
        CredentialInstance: Any = None,
        Scheme: Optional[str] = None,
        Timeout: Union[None, float, Tuple[Optional[float], Optional[float]], urllib3.Timeout] = None,
        Access_id: Optional[str] = None,
        Access_key: Optional[str] = None,
        Secret_id: Optional[str] = None,
        Secret_key: Optional[str] = None,
        Endpoint: Optional[str] = None,
        IP: Optional[str] = None,
        Port: Optional[int] = None,
        Anonymous: Optional[bool] = None,
        UA: Optional[str] = None,
        Proxies: Optional[Dict[str, str]] = None,
        Domain: Optional[str] = None,
        ServiceDomain: Optional[str] = None,
        KeepAlive: bool = True,
        PoolConnections: int = 10,
        PoolMaxSize: int = 10,
        AllowRedirects: bool = False,
        SignHost: bool = True,
        EndpointCi: Optional[str] = None,
        EndpointPic: Optional[str] = None,
        EnableOldDomain: bool = True,
        EnableInternalDomain: bool = True,
        SignParams: bool = True,
        AutoSwitchDomainOnRetry: bool = False,
        VerifySSL: Union[None, bool, str] = None,
        SSLCert: Union[None, str, Tuple[str, str]] = None,
    ) -> None:
        self._appid = _to_unicode(Appid, name="Appid")
        self._token = _to_unicode(Token, name="Token")
        self._timeout = Timeout
        self._region = Region
        self._endpoint: Any = Endpoint  # a str once formatted (unless a Domain names the host)
        self._endpoint_ci = EndpointCi
        self._endpoint_pic = EndpointPic
        self._ip = _to_unicode(IP, name="IP")
        self._port = Port
        self._anonymous = Anonymous
        self._ua = UA
        self._proxies = Proxies
        self._domain = Domain
        self._service_domain = ServiceDomain
        self._keep_alive = KeepAlive
        self._pool_connections = PoolConnections
        self._pool_maxsize = PoolMaxSize
        self._allow_redirects = AllowRedirects
        self._sign_host = SignHost
        self._copy_part_threshold_size = 5 * 1024**3
        self._enable_old_domain = EnableOldDomain
        self._enable_internal_domain = EnableInternalDomain
        self._sign_params = SignParams
        self._auto_switch_domain_on_retry = AutoSwitchDomainOnRetry
        self._verify_ssl = VerifySSL
        self._ssl_cert = SSLCert
        self._secret_id: Optional[str] = None
        self._secret_key: Optional[str] = None

        if self._domain is None:
            try:
                self._endpoint = format_endpoint(Endpoint, Region, "cos.", EnableOldDomain, EnableInternalDomain)
            except CosClientError as exc:
                raise _region_hint(exc, Region) from None
        if Scheme is None:
            Scheme = "https"
        if Scheme != "http" and Scheme != "https":
            raise CosClientError("Scheme can be only set to http/https")
        self._scheme = Scheme
        if Region or EndpointCi:
            try:
                self._endpoint_ci = format_endpoint(EndpointCi, Region, "ci.", True, False)
                self._endpoint_pic = format_endpoint(EndpointPic or EndpointCi, Region, "pic.", True, False)
            except CosClientError as exc:
                raise _region_hint(exc, Region) from None

        if SecretId and SecretKey:
            self._set_keys(SecretId, SecretKey)
        elif Secret_id and Secret_key:
            self._set_keys(Secret_id, Secret_key, names=("Secret_id", "Secret_key"))
        elif Access_id and Access_key:
            self._set_keys(Access_id, Access_key, names=("Access_id", "Access_key"))
        elif (
            CredentialInstance is not None
            and hasattr(CredentialInstance, "secret_id")
            and hasattr(CredentialInstance, "secret_key")
            and hasattr(CredentialInstance, "token")
        ):
            self._credential_inst = CredentialInstance
        elif Anonymous:
            self._credential_inst = None
        else:
            raise CosClientError("SecretId and SecretKey is Required!")
        self._validate()
        self._apply_endpoint_url_env()

    def _validate(self) -> None:
        """Checks beyond the official ones (run after them, so their order and messages stay):
        every transport parameter is refused at construction, naming it, instead of failing
        later inside requests (or, for a URL given as Endpoint, as a DNS error)."""
        for name, value in (
            ("Endpoint", self._endpoint),
            ("Domain", self._domain),
            ("ServiceDomain", self._service_domain),
            ("EndpointCi", self._endpoint_ci),
            ("EndpointPic", self._endpoint_pic),
        ):
            _check_host(name, value)
        _check_host("IP", self._ip, allow_port=False)
        _check_port(self._port)
        _check_timeout(self._timeout)
        _check_proxies(self._proxies)
        _check_pool_size("PoolConnections", self._pool_connections)
        _check_pool_size("PoolMaxSize", self._pool_maxsize)
        _check_tls(self._verify_ssl, self._ssl_cert)

    def _set_keys(self, secret_id: Any, secret_key: Any, *, names: Tuple[str, str] = ("SecretId", "SecretKey")) -> None:
        self._secret_id = _convert_secret(secret_id, name=names[0])
        self._secret_key = _convert_secret(secret_key, name=names[1])

    def _apply_endpoint_url_env(self) -> None:
        url = os.environ.get(ENDPOINT_URL_ENV)
        if not url:
            return
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or port == -1
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise CosClientError(
                "%s must look like http://127.0.0.1:9000 (scheme, host and port only), "
                "got %r" % (ENDPOINT_URL_ENV, _redact_userinfo(url))
            )
        host = parts.hostname
        if ":" in host:
            host = "[%s]" % host
        self._scheme = parts.scheme
        self._ip = host
        self._port = port
        logger.info("%s is set: connecting to %s://%s:%s", ENDPOINT_URL_ENV, parts.scheme, parts.hostname, parts.port)

    # -- credentials, read at every request ------------------------------------------------
    def _current_keys(self) -> Tuple[Any, Any]:
        if self._secret_id:
            return self._secret_id, self._secret_key
        inst = getattr(self, "_credential_inst", None)
        if inst is None:
            raise CosClientError("SecretId and SecretKey is Required!")
        return inst.secret_id, inst.secret_key

    def _current_token(self) -> Optional[str]:
        if self._token:
            return self._token
        if not self._secret_id:
            inst = getattr(self, "_credential_inst", None)
            if inst is not None:
                return getattr(inst, "token", None)
        return None

    # -- official public methods -----------------------------------------------------------
    def set_ip_port(self, IP: str, Port: Optional[int] = None) -> None:
        """Connect to ``IP[:Port]``; the Host header keeps the bucket domain."""
        IP = _to_unicode(IP, name="IP")
        _check_host("IP", IP, allow_port=False)
        _check_port(Port)
        self._ip = IP
        self._port = Port

    def set_credential(self, SecretId: str, SecretKey: str, Token: Optional[str] = None) -> None:
        """Replace the credentials (e.g. after refreshing temporary keys)."""
        self._set_keys(SecretId, SecretKey)
        self._token = _to_unicode(Token, name="Token")

    def set_copy_part_threshold_size(self, size: int) -> None:
        if size > 0:
            self._copy_part_threshold_size = size

    def get_host(self, Bucket: Optional[str] = None, Appid: Optional[str] = None) -> str:
        """The virtual host of a bucket: ``<bucket>.<endpoint>``."""
        if Bucket is not None:
            return "{}.{}".format(format_bucket(Bucket, self._appid), self._endpoint)
        return "{}.{}".format(Appid or self._appid, self._endpoint)

    def _authority(self, bucket: Optional[str], endpoint: Optional[str], domain: Optional[str]) -> str:
        if domain is not None:
            host = domain
        elif bucket is not None:
            host = format_bucket(bucket, self._appid) + "." + (endpoint or self._endpoint)
        else:
            host = endpoint or self._endpoint
        if self._ip is not None:
            host = self._ip if self._port is None else "%s:%s" % (self._ip, self._port)
        return host

    def uri(
        self,
        bucket: Optional[str] = None,
        path: Optional[str] = None,
        endpoint: Optional[str] = None,
        domain: Optional[str] = None,
        useAppid: bool = False,
    ) -> str:
        """The request URL for a bucket (and key)."""
        if domain is None:
            domain = self._domain
        if useAppid and domain is None and bucket is None:
            endpoint = "{}.{}".format(self._appid, endpoint or self._endpoint)
        host = self._authority(bucket, endpoint, domain)
        if path:
            return "{}://{}/{}".format(self._scheme, host, quote_key(path))
        return "{}://{}/".format(self._scheme, host)

    def host_header(self, bucket: Optional[str] = None, endpoint: Optional[str] = None) -> Optional[str]:
        """The explicit Host header sent when connecting to an IP, else None."""
        if self._ip is None:
            return None
        if self._domain is not None:
            return self._domain
        if endpoint is not None and bucket is not None:
            return format_bucket(bucket, self._appid) + "." + endpoint
        return self.get_host(bucket)

    def __repr__(self) -> str:
        where = self._domain or self._endpoint
        if self._ip is not None:
            where = "%s via %s:%s" % (where, self._ip, self._port)
        return "<CosConfig %s://%s>" % (self._scheme, where)
