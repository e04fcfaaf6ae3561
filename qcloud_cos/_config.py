"""``CosConfig``: the official constructor, defaults, validation order and error messages.

Importable as ``qcloud_cos.cos_client.CosConfig`` (its official home) and ``qcloud_cos.CosConfig``.

Environment: when ``QCLOUD_COS_ENDPOINT_URL`` is set (e.g. ``http://127.0.0.1:9000``), every
config connects there instead, exactly as if ``IP``, ``Port`` and ``Scheme`` had been given: the
Host header and the signature stay those of the real bucket domain, so an unmodified program
talks to a local emulator.  When it is unset nothing changes.
"""
import logging
import os
from urllib.parse import urlsplit

from ._endpoint import format_bucket, format_endpoint, quote_key
from .cos_exception import CosClientError

logger = logging.getLogger('qcloud_cos.cos_client')

ENDPOINT_URL_ENV = 'QCLOUD_COS_ENDPOINT_URL'


def _to_unicode(value):
    return value.decode('utf-8') if isinstance(value, bytes) else value


def _convert_secret(value):
    value = _to_unicode(value)
    if isinstance(value, str) and value != value.strip():
        raise CosClientError('secret_id and secret_key cannot contain spaces at the beginning and end')
    return value


class CosConfig:
    """Configuration of a COS client (region or endpoint, credentials, transport options)."""

    def __init__(self, Appid=None, Region=None, SecretId=None, SecretKey=None, Token=None,
                 CredentialInstance=None, Scheme=None, Timeout=None, Access_id=None,
                 Access_key=None, Secret_id=None, Secret_key=None, Endpoint=None, IP=None,
                 Port=None, Anonymous=None, UA=None, Proxies=None, Domain=None, ServiceDomain=None,
                 KeepAlive=True, PoolConnections=10, PoolMaxSize=10, AllowRedirects=False,
                 SignHost=True, EndpointCi=None, EndpointPic=None, EnableOldDomain=True,
                 EnableInternalDomain=True, SignParams=True, AutoSwitchDomainOnRetry=False,
                 VerifySSL=None, SSLCert=None):
        self._appid = _to_unicode(Appid)
        self._token = _to_unicode(Token)
        self._timeout = Timeout
        self._region = Region
        self._endpoint = Endpoint
        self._endpoint_ci = EndpointCi
        self._endpoint_pic = EndpointPic
        self._ip = _to_unicode(IP)
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
        self._copy_part_threshold_size = 5 * 1024 ** 3
        self._enable_old_domain = EnableOldDomain
        self._enable_internal_domain = EnableInternalDomain
        self._sign_params = SignParams
        self._auto_switch_domain_on_retry = AutoSwitchDomainOnRetry
        self._verify_ssl = VerifySSL
        self._ssl_cert = SSLCert
        self._secret_id = None
        self._secret_key = None

        if self._domain is None:
            self._endpoint = format_endpoint(Endpoint, Region, 'cos.', EnableOldDomain,
                                             EnableInternalDomain)
        if Scheme is None:
            Scheme = 'https'
        if Scheme != 'http' and Scheme != 'https':
            raise CosClientError('Scheme can be only set to http/https')
        self._scheme = Scheme
        if Region or EndpointCi:
            self._endpoint_ci = format_endpoint(EndpointCi, Region, 'ci.', True, False)
            self._endpoint_pic = format_endpoint(EndpointPic or EndpointCi, Region, 'pic.', True, False)

        if SecretId and SecretKey:
            self._set_keys(SecretId, SecretKey)
        elif Secret_id and Secret_key:
            self._set_keys(Secret_id, Secret_key)
        elif Access_id and Access_key:
            self._set_keys(Access_id, Access_key)
        elif (CredentialInstance is not None and hasattr(CredentialInstance, 'secret_id')
              and hasattr(CredentialInstance, 'secret_key') and hasattr(CredentialInstance, 'token')):
            self._credential_inst = CredentialInstance
        elif Anonymous:
            self._credential_inst = None
        else:
            raise CosClientError('SecretId and SecretKey is Required!')
        self._apply_endpoint_url_env()

    def _set_keys(self, secret_id, secret_key):
        self._secret_id = _convert_secret(secret_id)
        self._secret_key = _convert_secret(secret_key)

    def _apply_endpoint_url_env(self):
        url = os.environ.get(ENDPOINT_URL_ENV)
        if not url:
            return
        parts = urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise CosClientError('%s must look like http://127.0.0.1:9000, got %r' % (ENDPOINT_URL_ENV, url))
        self._scheme = parts.scheme
        self._ip = parts.hostname
        self._port = parts.port
        logger.info('%s is set: connecting to %s://%s:%s', ENDPOINT_URL_ENV, parts.scheme,
                    parts.hostname, parts.port)

    # -- credentials, read at every request ------------------------------------------------
    def _current_keys(self):
        if self._secret_id:
            return self._secret_id, self._secret_key
        inst = getattr(self, '_credential_inst', None)
        if inst is None:
            raise CosClientError('SecretId and SecretKey is Required!')
        return inst.secret_id, inst.secret_key

    def _current_token(self):
        if self._token:
            return self._token
        if not self._secret_id:
            inst = getattr(self, '_credential_inst', None)
            if inst is not None:
                return getattr(inst, 'token', None)
        return None

    # -- official public methods -----------------------------------------------------------
    def set_ip_port(self, IP, Port=None):
        """Connect to ``IP[:Port]``; the Host header keeps the bucket domain."""
        self._ip = _to_unicode(IP)
        self._port = Port

    def set_credential(self, SecretId, SecretKey, Token=None):
        """Replace the credentials (e.g. after refreshing temporary keys)."""
        self._set_keys(SecretId, SecretKey)
        self._token = _to_unicode(Token)

    def set_copy_part_threshold_size(self, size):
        if size > 0:
            self._copy_part_threshold_size = size

    def get_host(self, Bucket=None, Appid=None):
        """The virtual host of a bucket: ``<bucket>.<endpoint>``."""
        if Bucket is not None:
            return format_bucket(Bucket, self._appid) + '.' + self._endpoint
        return '{}.{}'.format(Appid or self._appid, self._endpoint)

    def _authority(self, bucket, endpoint, domain):
        if domain is not None:
            host = domain
        elif bucket is not None:
            host = format_bucket(bucket, self._appid) + '.' + (endpoint or self._endpoint)
        else:
            host = endpoint or self._endpoint
        if self._ip is not None:
            host = self._ip if self._port is None else '%s:%s' % (self._ip, self._port)
        return host

    def uri(self, bucket=None, path=None, endpoint=None, domain=None, useAppid=False):
        """The request URL for a bucket (and key)."""
        if domain is None:
            domain = self._domain
        if useAppid and domain is None and bucket is None:
            endpoint = '{}.{}'.format(self._appid, endpoint or self._endpoint)
        host = self._authority(bucket, endpoint, domain)
        if path:
            return '{}://{}/{}'.format(self._scheme, host, quote_key(path))
        return '{}://{}/'.format(self._scheme, host)

    def host_header(self, bucket=None):
        """The explicit Host header sent when connecting to an IP, else None."""
        if self._ip is None:
            return None
        if self._domain is not None:
            return self._domain
        return self.get_host(bucket)

    def __repr__(self):
        where = self._domain or self._endpoint
        if self._ip is not None:
            where = '%s via %s:%s' % (where, self._ip, self._port)
        return '<CosConfig %s://%s>' % (self._scheme, where)
