"""``CosS3Client`` methods of the copy family (``copy_object``, ``copy``), mixed into the client."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, Optional
from urllib.parse import quote

import requests

from ._body import make_body
from ._endpoint import copy_source_key, format_bucket, format_endpoint, object_key
from ._headers import check_value, request_headers
from ._types import ObjectKey
from ._xml import xml_to_dict
from .cos_exception import CosClientError, CosServiceError

if TYPE_CHECKING:
    from ._client_core import ClientCore
else:
    ClientCore = object  # the type checker sees the client's own members (see _client_core)

_ERROR_BODY = re.compile(rb"\s*(<\?xml[^>]*\?>)?\s*<Error[\s>]")
COPY_STATUSES = ("Copy", "Replaced")


class CopySource:
    """A parsed ``CopySource`` dict: where the source object is and its ``x-cos-copy-source`` value."""

    __slots__ = ("bucket", "endpoint", "key", "version_id", "header")

    def __init__(self, *, bucket: str, endpoint: str, key: str, version_id: Optional[str], header: str) -> None:
        self.bucket, self.endpoint, self.key, self.version_id, self.header = bucket, endpoint, key, version_id, header


def check_copy_status(value: str) -> str:
    if value not in COPY_STATUSES:
        raise CosClientError("CopyStatus must be Copy or Replaced")
    return value


class CopyMethods(ClientCore):
    """Methods of ``CosS3Client`` that copy objects; they use the client's ``_send``."""

    def _copy_source(self, source: Dict[str, Any]) -> CopySource:
        """Parse ``CopySource`` (``Bucket``, ``Key``, ``Region`` or ``Endpoint``, optional ``Appid``/``VersionId``)."""
        if not isinstance(source, dict):
            raise CosClientError(
                "CopySource must be a dict {'Bucket': ..., 'Key': ..., 'Region': ...}, not %s" % type(source).__name__
            )
        if "Bucket" not in source:
            raise CosClientError("CopySource Need Parameter Bucket")
        conf = self._conf
        endpoint = format_endpoint(
            source.get("Endpoint"), source.get("Region"), "cos.", conf._enable_old_domain, conf._enable_internal_domain
        )
        if "Key" not in source:
            raise CosClientError("CopySource Need Parameter Key")
        key = copy_source_key(source["Key"])
        bucket = format_bucket(source["Bucket"], source.get("Appid"))
        header = "%s.%s/%s" % (bucket, endpoint, quote(key.encode("utf-8"), safe="/-_.~"))
        version = source.get("VersionId")
        if version:
            if not isinstance(version, str):
                raise CosClientError("CopySource VersionId must be a string, not %s" % type(version).__name__)
            check_value(version, "CopySource VersionId")
            header += "?versionId=" + version
        check_value(header, "CopySource")  # e.g. an Endpoint with CR/LF
        return CopySource(bucket=bucket, endpoint=endpoint, key=key, version_id=version or None, header=header)

    def _copy_result(self, response: requests.Response) -> Dict[str, Any]:
        """Headers updated with the XML result; an ``<Error>`` COS put inside a 200 is raised as such."""
        content = response.content
        if _ERROR_BODY.match(content[:512]):
            raise CosServiceError(
                response.request.method if response.request is not None else "PUT", response.text, response.status_code
            )
        result = self._headers_of(response)
        if content.strip():
            result.update(xml_to_dict(content))
        return result

    def copy_object(
        self, Bucket: str, Key: ObjectKey, CopySource: Dict[str, Any], CopyStatus: str = "Copy", **kwargs: Any
    ) -> Dict[str, Any]:
        """Copy an object (up to 5 GB) in one request (PUT Object - Copy), server side.

        :param CopySource(dict): ``{'Bucket': 'src-1250000000', 'Key': 'a.txt', 'Region': 'ap-guangzhou'}``
            (``Endpoint`` instead of ``Region``; optional ``Appid``, ``VersionId``).
        :param CopyStatus(string): ``'Copy'`` keeps the source's metadata, ``'Replaced'`` sets it from the
            kwargs (ContentType, Metadata, CacheControl, ...).
        :param kwargs: ACL, Grant*, StorageClass, CopySourceIf* conditions, SSE, TrafficLimit, ...
        :return(dict): the response headers with ``ETag``, ``LastModified`` (and ``CRC64``, ``VersionId``).

        COS may answer a 200 whose body is an ``<Error>``; that is raised as ``CosServiceError``.
        """
        object_key(Key)
        headers = request_headers(kwargs)
        headers["x-cos-copy-source"] = self._copy_source(CopySource).header
        headers["x-cos-metadata-directive"] = check_copy_status(CopyStatus)
        response = self._send(
            method="PUT", bucket=Bucket, key=Key, headers=headers, body=make_body(b""), timeout=1200, log="copy object"
        )
        return self._copy_result(response)

    def copy(
        self,
        Bucket: str,
        Key: ObjectKey,
        CopySource: Dict[str, Any],
        CopyStatus: str = "Copy",
        PartSize: int = 10,
        MAXThread: int = 5,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Copy an object of any size: one PUT Object - Copy, or a multipart copy for large sources.

        The source is HEADed first.  Same region and storage class, or a source under 5 GiB: one
        ``copy_object``.  Otherwise a multipart copy with ``PartSize`` MiB parts on ``MAXThread``
        threads, where (beyond the official SDK) the source's metadata (Content-Type, ``x-cos-meta-*``,
        Cache-Control, ...) is carried unless ``CopyStatus='Replaced'``, every part is pinned to the
        source's ETag (``x-cos-copy-source-If-Match``), any failure aborts the upload, and an
        interrupted copy resumes on the next call.  Extension kwargs: ``progress_callback(copied, total)``,
        ``CancelEvent`` (→ ``qcloud_cos.transfer.CopyCancelled``, resumable) and ``CheckpointDir``.
        """
        from ._transfer.copy import copy

        return copy(
            self,
            bucket=Bucket,
            key=Key,
            source=CopySource,
            copy_status=CopyStatus,
            part_size=PartSize,
            max_thread=MAXThread,
            kwargs=kwargs,
        )
