"""Helpers at their official import path (``qcloud_cos.cos_comm``).

Most of the implementation lives in private modules; this module keeps the official names.
"""
import base64
import hashlib
import re
import threading

from ._body import READ_BLOCK as DEFAULT_CHUNK_SIZE, SINGLE_UPLOAD_LENGTH, make_body
from ._endpoint import format_bucket, format_endpoint, format_region
from ._headers import MAPLIST as maplist, mapped
from ._xml import decode_result, dict_to_xml, format_dict, xml_to_dict
from .cos_exception import CosClientError, CosServiceError

__all__ = [
    'CosClientError', 'CosServiceError', 'DEFAULT_CHUNK_SIZE', 'SINGLE_UPLOAD_LENGTH',
    'ProgressCallback', 'decode_result', 'dict_to_xml', 'format_bucket', 'format_dict',
    'format_endpoint', 'format_region', 'get_content_md5', 'get_date', 'get_md5', 'get_raw_md5',
    'mapped', 'maplist', 'switch_hostname', 'switch_hostname_for_url', 'to_bytes', 'to_str',
    'to_unicode', 'xml_to_dict', 'check_object_content_length',
]


def to_bytes(s):
    """str → UTF-8 bytes; anything else unchanged."""
    return s.encode('utf-8') if isinstance(s, str) else s


def to_unicode(s):
    """bytes → str (UTF-8); anything else unchanged."""
    return s.decode('utf-8') if isinstance(s, bytes) else s


def to_str(s):
    return to_unicode(s)


def get_md5(data):
    """base64 MD5 of ``data`` as bytes (the Content-MD5 value)."""
    return base64.b64encode(hashlib.md5(to_bytes(data)).digest())


def get_raw_md5(data):
    """Quoted hex MD5 of ``data``: the ETag COS gives a simple upload of it."""
    return '"%s"' % hashlib.md5(to_bytes(data)).hexdigest()


def get_content_md5(body):
    """Content-MD5 of a body (bytes, str or a seekable binary stream read from its position)."""
    return make_body(body).content_md5()


def check_object_content_length(data):
    """Raise CosClientError if a single-request body is over 5 GiB."""
    make_body(data)


def get_date(yy, mm, dd):
    """``get_date(2020, 1, 2)`` → ``'2020-01-02T00:00:00+08:00'`` (lifecycle dates, Beijing time)."""
    return '%04d-%02d-%02dT00:00:00+08:00' % (int(yy), int(mm), int(dd))


_OLD_HOST = re.compile(r'^([a-z0-9-]+-[0-9]+\.cos\.[a-z]+-[a-z]+(-[a-z]+)?(-1)?)\.myqcloud\.com$')


def switch_hostname(host):
    """``<bucket>.cos.<region>.myqcloud.com`` → ``….tencentcos.cn``; other hosts unchanged."""
    if not host:
        raise CosClientError('Host is required not empty!')
    match = _OLD_HOST.match(host)
    return match.group(1) + '.tencentcos.cn' if match else host


def switch_hostname_for_url(url):
    """The same switch applied to the host of a URL."""
    if not url:
        raise CosClientError('Url is required not empty!')
    match = re.match(r'^(https?://)([^/?#]+)(.*)$', url)
    if not match:
        return url
    return match.group(1) + switch_hostname(match.group(2)) + match.group(3)


class ProgressCallback:
    """Thread-safe running total handed to ``progress_callback(consumed_bytes, total_bytes)``."""

    def __init__(self, file_size, progress_callback):
        self.total = file_size
        self.completed = 0
        self.progress_callback = progress_callback
        self._lock = threading.Lock()

    def report(self, size):
        with self._lock:
            self.completed += size
            if self.progress_callback:
                self.progress_callback(self.completed, self.total)
