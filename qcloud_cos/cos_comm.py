"""Helpers at their official import path (``qcloud_cos.cos_comm``).

Most of the implementation lives in private modules; this module keeps the official names.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, Union
from urllib.parse import quote

from . import _surface
from ._body import READ_BLOCK as DEFAULT_CHUNK_SIZE
from ._body import SINGLE_UPLOAD_LENGTH, make_body
from ._endpoint import format_bucket, format_endpoint, format_region
from ._headers import MAPLIST as maplist
from ._headers import mapped
from ._xml import decode_result, dict_to_xml, format_dict, format_xml, xml_to_dict
from .cos_exception import CosClientError, CosServiceError

__all__ = [
    "CosClientError",
    "CosServiceError",
    "DEFAULT_CHUNK_SIZE",
    "SINGLE_UPLOAD_LENGTH",
    "ProgressCallback",
    "decode_result",
    "dict_to_xml",
    "format_bucket",
    "format_dict",
    "format_endpoint",
    "format_region",
    "format_xml",
    "get_content_md5",
    "get_date",
    "get_md5",
    "get_raw_md5",
    "mapped",
    "maplist",
    "switch_hostname",
    "switch_hostname_for_url",
    "to_bytes",
    "to_str",
    "to_unicode",
    "xml_to_dict",
    "check_object_content_length",
    "CiDetectType",
    "binary_type",
    "client_can_retry",
    "format_dict_or_list",
    "format_path",
    "gen_copy_source_range",
    "gen_copy_source_url",
    "get_copy_source_info",
    "get_file_like_object_length",
    "path_simplify_check",
    "string_types",
    "text_type",
]

_T = TypeVar("_T")

# The official module's Python 2/3 aliases.
string_types = (str,)
text_type = str
binary_type = bytes


def to_bytes(s: Any) -> Any:
    """str → UTF-8 bytes; anything else unchanged."""
    return s.encode("utf-8") if isinstance(s, str) else s


def to_unicode(s: Any) -> Any:
    """bytes → str (UTF-8); anything else unchanged."""
    return s.decode("utf-8") if isinstance(s, bytes) else s


def to_str(s: Any) -> Any:
    return to_unicode(s)


def get_md5(data: Union[str, bytes]) -> bytes:
    """base64 MD5 of ``data`` as bytes (the Content-MD5 value)."""
    return base64.b64encode(hashlib.md5(to_bytes(data)).digest())


def get_raw_md5(data: Union[str, bytes]) -> str:
    """Quoted hex MD5 of ``data``: the ETag COS gives a simple upload of it."""
    return '"%s"' % hashlib.md5(to_bytes(data)).hexdigest()


def get_content_md5(body: Any) -> str:
    """Content-MD5 of a body (bytes, str or a seekable binary stream read from its position)."""
    return make_body(body).content_md5()


def check_object_content_length(data: Any) -> None:
    """Raise CosClientError if a single-request body is over 5 GiB."""
    make_body(data)


def get_date(yy: Union[int, str], mm: Union[int, str], dd: Union[int, str]) -> str:
    """``get_date(2020, 1, 2)`` → ``'2020-01-02T00:00:00+08:00'`` (lifecycle dates, Beijing time)."""
    return "%04d-%02d-%02dT00:00:00+08:00" % (int(yy), int(mm), int(dd))


_OLD_HOST = re.compile(r"^([a-z0-9-]+-[0-9]+\.cos\.[a-z]+-[a-z]+(-[a-z]+)?(-1)?)\.myqcloud\.com$")


def switch_hostname(host: str) -> str:
    """``<bucket>.cos.<region>.myqcloud.com`` → ``….tencentcos.cn``; other hosts unchanged."""
    if not host:
        raise CosClientError("Host is required not empty!")
    match = _OLD_HOST.match(host)
    return match.group(1) + ".tencentcos.cn" if match else host


def switch_hostname_for_url(url: str) -> str:
    """The same switch applied to the host of a URL."""
    if not url:
        raise CosClientError("Url is required not empty!")
    match = re.match(r"^(https?://)([^/?#]+)(.*)$", url)
    if not match:
        return url
    return match.group(1) + switch_hostname(match.group(2)) + match.group(3)


class ProgressCallback:
    """Thread-safe running total handed to ``progress_callback(consumed_bytes, total_bytes)``."""

    def __init__(self, file_size: int, progress_callback: Optional[Callable[[int, int], Any]]) -> None:
        self.total = file_size
        self.completed = 0
        self.progress_callback = progress_callback
        self._lock = threading.Lock()

    def report(self, size: int) -> None:
        with self._lock:
            self.completed += size
            if self.progress_callback:
                self.progress_callback(self.completed, self.total)


def format_path(path: str) -> str:
    """An object key as it appears in a URL path: one leading ``/`` dropped, the rest percent-encoded
    (UTF-8; ``/``, letters, digits and ``-_.~`` kept).  ``'/a b'`` → ``'a%20b'``."""
    if not isinstance(path, str):
        raise CosClientError("key is not string")
    if not path:
        raise CosClientError("Key is required not empty")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise CosClientError("your unicode strings can not encoded in utf8, utf8 support only!") from None
    if path.startswith("/"):
        path = path[1:]
    return quote(path, safe="/-_.~")


def path_simplify_check(path: Union[str, bytes]) -> None:
    """Raise ``CosClientError('GetObject Key is invalid')`` when ``path`` resolves to the bucket root
    once ``.``/``..``/empty segments are resolved (``''``, ``'/'``, ``'a/..'``, ``'./'``); else None."""
    segments: List[str] = []
    for segment in to_unicode(path).split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    if not segments:
        raise CosClientError("GetObject Key is invalid")


def _listify(data: Any, key_lst: Any) -> None:
    if isinstance(data, dict) and isinstance(key_lst, list):
        format_dict(data, key_lst)


def format_dict_or_list(data: _T, key_lst: List[str]) -> _T:
    """``format_dict`` applied to a dict, or to each dict of a list (in place; returns ``data``).

    Each listed top-level key whose value is a dict or a str becomes a one-item list and ``None``
    becomes ``[]`` (xmltodict gives a lone XML element as a dict, not a list).  ``key_lst`` must be a list.
    """
    if isinstance(data, list):
        for item in data:
            _listify(item, key_lst)
    else:
        _listify(data, key_lst)
    return data


def client_can_retry(file_position: Optional[int], **kwargs: Any) -> bool:
    """Whether a request with these ``requests`` keyword arguments can be sent again.

    True without a ``data`` body or with a str/bytes one; a file-like body (``seek``, ``tell`` and
    ``read``) can be retried only from a known ``file_position``, to which it is rewound here.
    """
    if "data" not in kwargs:
        return True
    data = kwargs["data"]
    if isinstance(data, (str, bytes)):
        return True
    if file_position is None or not all(hasattr(data, name) for name in ("seek", "tell", "read")):
        return False
    try:
        data.seek(file_position)
    except Exception:  # noqa: BLE001 - any failure to rewind means "cannot retry"
        return False
    return True


def gen_copy_source_range(begin_range: int, end_range: int) -> str:
    """``x-cos-copy-source-range`` value: ``gen_copy_source_range(0, 9)`` → ``'bytes=0-9'``."""
    return "bytes=%s-%s" % (begin_range, end_range)


def get_file_like_object_length(data: Any) -> int:
    """Bytes (characters, for a text stream) from the current position of a file-like object to its
    end; the position is left unchanged."""
    fileno = data.fileno
    try:
        size = os.fstat(fileno()).st_size
    except (OSError, io.UnsupportedOperation, ValueError):
        position = data.tell()
        data.seek(0, io.SEEK_END)
        size = data.tell()
        data.seek(position)
        return size - position
    return size - data.tell()


class CiDetectType:
    """Content-moderation categories of the CI auditing APIs, as bit flags."""

    PORN = 1
    TERRORIST = 2
    POLITICS = 4
    ADS = 8
    ILLEGAL = 16
    ABUSE = 32
    TEENAGER = 64

    @staticmethod
    def get_detect_type_str(DetectType: int) -> str:
        """The comma-separated category names of a flag set: ``3`` → ``'Porn,Terrorism'``."""
        names = [
            (CiDetectType.PORN, "Porn"),
            (CiDetectType.TERRORIST, "Terrorism"),
            (CiDetectType.POLITICS, "Politics"),
            (CiDetectType.ADS, "Ads"),
            (CiDetectType.ILLEGAL, "Illegal"),
            (CiDetectType.ABUSE, "Abuse"),
            (CiDetectType.TEENAGER, "Teenager"),
        ]
        return ",".join(name for flag, name in names if DetectType & flag)


def get_copy_source_info(
    CopySource: Dict[str, Any], EnableOldDomain: bool, EnableInternalDomain: bool
) -> Tuple[str, str, str, str]:
    """``(bucket, key, endpoint, version id)`` of a copy source dict (``Bucket``, ``Key``, ``Region`` or
    ``Endpoint``, optional ``Appid`` and ``VersionId``); the key loses one leading ``/``."""
    if "Bucket" not in CopySource:
        raise CosClientError("CopySource Need Parameter Bucket")
    bucket = format_bucket(CopySource["Bucket"], CopySource.get("Appid"))
    endpoint = format_endpoint(
        CopySource.get("Endpoint"), CopySource.get("Region"), "cos.", EnableOldDomain, EnableInternalDomain
    )
    if "Key" not in CopySource:
        raise CosClientError("CopySource Need Parameter Key")
    path = CopySource["Key"]
    if path and path[0] == "/":
        path = path[1:]
    return bucket, path, endpoint, CopySource.get("VersionId", "")


def gen_copy_source_url(CopySource: Dict[str, Any], EnableOldDomain: bool, EnableInternalDomain: bool) -> str:
    """The ``x-cos-copy-source`` value: ``<bucket>.<endpoint>/<quoted key>[?versionId=<id>]``."""
    bucket, path, endpoint, version_id = get_copy_source_info(CopySource, EnableOldDomain, EnableInternalDomain)
    url = "%s.%s/%s" % (bucket, endpoint, format_path(path))
    if version_id != "":
        url += "?versionId=" + version_id
    return url


# Official module-level names not implemented here yet: looking one up says so (an AttributeError).
__getattr__ = _surface.missing_module_attribute(
    __name__, ["Xml2Dict", "format_values", "parse_bucket_canned_acl", "parse_object_canned_acl"]
)
