"""Where a request goes: region/endpoint formatting, bucket validation, key quoting.

Pure string functions with the official SDK's rules and error messages.
"""
import re
from urllib.parse import quote

from .cos_exception import CosClientError

_REGION_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9.\-]*[A-Za-z0-9]$')
_BUCKET_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]$')
_LEGACY_REGIONS = frozenset(('cn-north', 'cn-south', 'cn-east', 'cn-south-2', 'cn-southwest', 'sg'))
_V4_ALIASES = {
    'cossh': 'ap-shanghai', 'cosgz': 'ap-guangzhou', 'cosbj': 'ap-beijing',
    'costj': 'ap-beijing-1', 'coscd': 'ap-chengdu', 'cossgp': 'ap-singapore',
    'coshk': 'ap-hongkong', 'cosca': 'na-toronto', 'cosger': 'eu-frankfurt',
}


def format_region(region, module, EnableOldDomain, EnableInternalDomain):
    """``ap-guangzhou`` → ``cos.ap-guangzhou`` (or ``cos-internal.``); validates the region."""
    if not isinstance(region, str):
        raise CosClientError('region is not string type')
    if not region:
        raise CosClientError('region is required not empty!')
    if not _REGION_RE.match(region):
        raise CosClientError('region format is illegal, only digit, letter and - is allowed!')
    if region.find(module) != -1:
        return region
    if region in _LEGACY_REGIONS:
        return region
    region = _V4_ALIASES.get(region, region)
    if module == 'cos.' and not EnableOldDomain and EnableInternalDomain:
        return 'cos-internal.' + region
    return module + region


def format_endpoint(endpoint, region, module, EnableOldDomain, EnableInternalDomain):
    """The endpoint host suffix: ``Endpoint`` verbatim, else the formatted region plus the domain."""
    if not endpoint and not region:
        raise CosClientError('Region or Endpoint is required not empty!')
    if endpoint:
        return endpoint
    suffix = '.myqcloud.com' if EnableOldDomain else '.tencentcos.cn'
    return format_region(region, module, EnableOldDomain, EnableInternalDomain) + suffix


def format_bucket(bucket, appid):
    """Validate ``BucketName-APPID`` and append ``-<appid>`` when one is configured."""
    if not isinstance(bucket, str):
        raise CosClientError('bucket is not string')
    if not bucket:
        raise CosClientError('bucket is required not empty')
    if not (_BUCKET_RE.match(bucket) or (len(bucket) == 1 and bucket.isalnum() and bucket.isascii())):
        raise CosClientError('bucket format is illegal, only digit, letter and - is allowed!')
    if not appid:
        return bucket
    if not isinstance(appid, str):
        raise CosClientError('appid is not string')
    suffix = '-' + appid
    return bucket if bucket.endswith(suffix) else bucket + suffix


def check_key(key):
    """Reject keys that would turn an object request into a bucket request."""
    if key is None or (isinstance(key, str) and not key):
        raise CosClientError('Key is required not empty')
    if not isinstance(key, str):
        raise CosClientError('Key must be a string, not %s' % type(key).__name__)
    if key == '/':
        raise CosClientError("Key '/' is invalid: it names the bucket, not an object")


def quote_key(key):
    """The URL path of a key (without the leading ``/``), as the official SDK writes it."""
    if key.startswith('/'):
        key = key[1:]
    path = quote(key.encode('utf-8'), safe='/-_.~').replace('./', '.%2F')
    # A final "." or ".." segment would be removed by URL normalisation (RFC 3986 dot segments)
    # and the request would hit another resource: send it percent-encoded.
    head, _, last = path.rpartition('/')
    if last in ('.', '..'):
        path = (head + '/' if head or path.startswith('/') else '') + last.replace('.', '%2E')
    return path
