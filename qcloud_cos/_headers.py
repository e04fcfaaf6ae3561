"""The official keyword-argument → HTTP header (or query parameter) mapping."""
from .cos_exception import CosClientError

# kwarg name → header name (or query parameter name for VersionId and Response*).
MAPLIST = {
    'ContentLength': 'Content-Length',
    'ContentMD5': 'Content-MD5',
    'ContentType': 'Content-Type',
    'CacheControl': 'Cache-Control',
    'ContentDisposition': 'Content-Disposition',
    'ContentEncoding': 'Content-Encoding',
    'ContentLanguage': 'Content-Language',
    'Expires': 'Expires',
    'ResponseContentType': 'response-content-type',
    'ResponseContentLanguage': 'response-content-language',
    'ResponseExpires': 'response-expires',
    'ResponseCacheControl': 'response-cache-control',
    'ResponseContentDisposition': 'response-content-disposition',
    'ResponseContentEncoding': 'response-content-encoding',
    'Metadata': 'Metadata',
    'ACL': 'x-cos-acl',
    'Tagging': 'x-cos-tagging',
    'GrantFullControl': 'x-cos-grant-full-control',
    'GrantWrite': 'x-cos-grant-write',
    'GrantRead': 'x-cos-grant-read',
    'StorageClass': 'x-cos-storage-class',
    'Range': 'Range',
    'IfMatch': 'If-Match',
    'IfNoneMatch': 'If-None-Match',
    'IfModifiedSince': 'If-Modified-Since',
    'IfUnmodifiedSince': 'If-Unmodified-Since',
    'CopySourceIfMatch': 'x-cos-copy-source-If-Match',
    'CopySourceIfNoneMatch': 'x-cos-copy-source-If-None-Match',
    'CopySourceIfModifiedSince': 'x-cos-copy-source-If-Modified-Since',
    'CopySourceIfUnmodifiedSince': 'x-cos-copy-source-If-Unmodified-Since',
    'VersionId': 'versionId',
    'ServerSideEncryption': 'x-cos-server-side-encryption',
    'SSEKMSKeyId': 'x-cos-server-side-encryption-cos-kms-key-id',
    'SSEKMSContext': 'x-cos-server-side-encryption-context',
    'SSECustomerAlgorithm': 'x-cos-server-side-encryption-customer-algorithm',
    'SSECustomerKey': 'x-cos-server-side-encryption-customer-key',
    'SSECustomerKeyMD5': 'x-cos-server-side-encryption-customer-key-MD5',
    'CopySourceSSECustomerAlgorithm': 'x-cos-copy-source-server-side-encryption-customer-algorithm',
    'CopySourceSSECustomerKey': 'x-cos-copy-source-server-side-encryption-customer-key',
    'CopySourceSSECustomerKeyMD5': 'x-cos-copy-source-server-side-encryption-customer-key-MD5',
    'Referer': 'Referer',
    'PicOperations': 'Pic-Operations',
    'TrafficLimit': 'x-cos-traffic-limit',
    'Accept': 'Accept',
    'AcceptEncoding': 'Accept-Encoding',
    'Callback': 'x-cos-callback',
    'CallbackVar': 'x-cos-callback-var',
}

# Headers whose values are secrets: never logged.
SECRET_HEADERS = frozenset((
    'authorization', 'x-cos-security-token', 'x-ci-security-token',
    'x-cos-server-side-encryption-customer-key',
    'x-cos-copy-source-server-side-encryption-customer-key',
))


def mapped(headers):
    """Map official kwargs to headers; ``Metadata`` entries are copied verbatim.

    Raises CosClientError naming the first unknown kwarg, before any I/O.
    """
    result = {}
    for name, value in headers.items():
        if name not in MAPLIST:
            raise CosClientError('No Parameter Named ' + name + ' Please Check It')
        if name == 'Metadata':
            if not isinstance(value, dict):
                raise CosClientError('Metadata must be a dict of x-cos-meta-* headers')
            result.update(value)
        else:
            result[MAPLIST[name]] = value
    return result


def split_params(headers, *, names=(), prefix=None):
    """Move mapped entries that are really query parameters out of ``headers`` into a dict."""
    params = {}
    for name in list(headers):
        if name in names or (prefix and name.startswith(prefix)):
            params[name] = headers.pop(name)
    return params


def redact(headers):
    """A copy of ``headers`` safe to log: secret values replaced."""
    return {k: ('***' if str(k).lower() in SECRET_HEADERS else v) for k, v in headers.items()}
