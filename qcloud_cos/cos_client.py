"""``CosS3Client`` (and ``CosConfig``) at their official import path.

Each public method has the official signature and return value; each builds one ``Request`` and
hands it to the transport (``_http``), which signs and sends it.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import posixpath
import re
from typing import Any, Dict, Iterator, Optional, Tuple, Union
from urllib.parse import quote, urlencode  # noqa: F401 - quote: the official module's namespace

import requests

from . import _http, _surface, _transfer
from ._body import Body, make_body, open_local_file
from ._client_buckets import BucketMethods, LeadingSlashKeyWarning  # noqa: F401 - public
from ._client_copy import CopyMethods
from ._client_download import DownloadMethods
from ._client_listing import ListingMethods
from ._config import CosConfig
from ._endpoint import copy_source_key, format_bucket, format_endpoint, key_text, object_key, quote_key, signing_key  # noqa: F401

# ``mapped`` is imported for the official module's namespace (cos_client.mapped).
from ._headers import check_value, mapped, redact, request_headers, split_params  # noqa: F401
from ._params import BUCKET, encoding_type, integer, text_param, upload_id
from ._transfer.planner import Default
from ._types import BodyData, IntParam, ObjectKey, PathArg, ProgressFn
from ._xml import decode_result, dict_to_xml, format_dict, format_xml, xml_to_dict  # noqa: F401

# The official module's namespace also holds these (user code imports some of them from here).
from .cos_auth import CosS3Auth  # noqa: F401,E402
from .cos_comm import (  # noqa: F401
    DEFAULT_CHUNK_SIZE,
    SINGLE_UPLOAD_LENGTH,
    CiDetectType,
    ProgressCallback,
    binary_type,
    check_object_content_length,
    client_can_retry,
    format_dict_or_list,
    format_path,
    format_region,
    gen_copy_source_range,
    gen_copy_source_url,
    get_content_md5,
    get_copy_source_info,
    get_date,
    get_file_like_object_length,
    get_md5,
    get_raw_md5,
    maplist,
    path_simplify_check,
    string_types,
    switch_hostname,
    switch_hostname_for_url,
    text_type,
    to_bytes,
    to_str,
    to_unicode,
)
from .cos_exception import CosClientError, CosServiceError
from .cos_threadpool import SimpleThreadPool  # noqa: F401
from .streambody import StreamBody

__all__ = ["CosConfig", "CosS3Client"]

_HTTP_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP method name (RFC 9110 token)

# Official names of this module not implemented here yet: looking one up says so.
__getattr__ = _surface.missing_module_attribute(
    __name__,
    [
        "CosRtmpAuth",
        "EventStream",
        "ResumableDownLoader",
        "Xml2Dict",
        "format_values",
        "parse_bucket_canned_acl",
        "parse_object_canned_acl",
    ],
)

logger = logging.getLogger(__name__)

CosConfig.__module__ = __name__


def _complete_parts(multipart_upload: Any) -> None:
    """Check ``MultipartUpload`` of complete_multipart_upload before anything is sent."""
    if not isinstance(multipart_upload, dict) or "Part" not in multipart_upload:
        raise CosClientError("Invalid Parameter, Part Is Required!")
    parts = multipart_upload["Part"]
    if isinstance(parts, dict):
        parts = [parts]
    if not isinstance(parts, (list, tuple)):
        raise CosClientError(
            "MultipartUpload['Part'] must be a list of {'PartNumber': n, 'ETag': etag} "
            "dicts, not %s" % type(parts).__name__
        )
    for index, part in enumerate(parts):
        where = "MultipartUpload['Part'][%d]" % index
        if not isinstance(part, dict):
            raise CosClientError(
                "%s must be a dict {'PartNumber': n, 'ETag': etag}, not %s" % (where, type(part).__name__)
            )
        if "PartNumber" not in part:
            raise CosClientError("Invalid Parameter, PartNumber Is Required!")
        if "ETag" not in part:
            raise CosClientError("Invalid Parameter, ETag Is Required!")
        integer(part["PartNumber"], where + "['PartNumber']", low=1, high=10000)
        if not isinstance(part["ETag"], (str, bytes)):
            raise CosClientError("%s['ETag'] must be a string, not %s" % (where, type(part["ETag"]).__name__))
        check_value(part["ETag"], where + "['ETag']")


class CosS3Client(DownloadMethods, CopyMethods, BucketMethods, ListingMethods, _surface.OfficialSurface):
    """A COS client: ``CosS3Client(CosConfig(...))``.

    ``retry`` is the number of retries after the first attempt (5xx, connection errors and
    timeouts; exponential backoff with full jitter).  ``session`` replaces the pooled
    ``requests.Session`` (e.g. to mount a custom transport adapter).
    """

    def __init__(self, conf: CosConfig, retry: int = 3, session: Optional[requests.Session] = None) -> None:
        self._conf = conf
        self._retry = retry
        self._session = session
        self._transport = _http.Transport(conf=conf, session=session, retry=retry)

    def get_conf(self) -> CosConfig:
        return self._conf

    def get_retry_exe_times(self) -> int:
        """How many retries this client has made so far."""
        return self._transport.retries_done

    # -- the one way requests are made -----------------------------------------------------
    def _send(
        self,
        *,
        method: str,
        bucket: Optional[str],
        key: Any,
        params: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, Any]] = None,
        body: Optional[Body] = None,
        timeout: float = 30,
        stream: bool = False,
        check_crc: bool = False,
        log: Optional[str] = None,
        log_level: int = logging.INFO,
        endpoint: Optional[str] = None,
    ) -> requests.Response:
        """Build the one ``Request`` of a call and send it.

        ``key`` has no default: an object call passes its key, which is always validated here
        (None, '' and '/' are refused: they would make the request one on the bucket itself, e.g.
        a DELETE Bucket instead of a DELETE Object); a bucket call passes ``key=BUCKET``.
        ``log`` names the call for the official INFO line ``<log>, url=:... ,headers=:...``.
        ``endpoint`` addresses a bucket of another region (a copy source), else the client's.
        """
        self._check_bucket(bucket)
        path = None if key is BUCKET else object_key(key)
        headers = dict(headers or {})
        # The body says how long it is; a caller's ContentLength never overrides that (an
        # upload's declared length was applied to its body already).
        headers.pop("Content-Length", None)
        url = self._conf.uri(bucket=bucket, path=path, endpoint=endpoint)
        if log:
            logger.log(log_level, "%s, url=:%s ,headers=:%s", log, url, redact(headers))
        request = _http.Request(
            method=method,
            url=url,
            key=path,
            host=self._conf.host_header(bucket, endpoint=endpoint),
            params=params,
            headers=headers,
            body=body,
            timeout=timeout,
            stream=stream,
            check_crc=check_crc,
        )
        return self._transport.send(request)

    def _check_bucket(self, bucket: Optional[str]) -> None:
        """Refuse ``Bucket=None`` (unless a Domain names the host): it would address the service endpoint."""
        if bucket is None and self._conf._domain is None:
            raise CosClientError(
                "Bucket is required (BucketName-APPID): None would send this request "
                "to the service endpoint, not to a bucket"
            )

    @contextlib.contextmanager
    def _concurrent(self, workers: int) -> Iterator[CosS3Client]:
        """This client, on a connection pool large enough for ``workers`` more threads."""
        with self._transport.concurrent(workers) as transport:
            if transport is self._transport:
                yield self
                return
            clone = copy.copy(self)
            clone._transport = transport
            yield clone

    @staticmethod
    def _upload_body(
        key: Any, data: Any, kwargs: Dict[str, Any], *, enable_md5: bool, name: str = "Body"
    ) -> Tuple[Dict[str, Any], Body]:
        """Validate, map the kwargs to headers and wrap the body of a request that carries data."""
        object_key(key)
        headers = request_headers(kwargs)
        body = make_body(data, name=name)
        body.use_declared_length(headers.pop("Content-Length", None))
        if enable_md5:
            headers["Content-MD5"] = body.content_md5()
        return headers, body

    @staticmethod
    def _headers_of(response: requests.Response) -> _http.ResponseHeaders:
        return _http.ResponseHeaders((name, _http.utf8_header(value)) for name, value in response.headers.items())

    # -- objects ---------------------------------------------------------------------------
    def put_object(
        self, Bucket: str, Body: BodyData, Key: ObjectKey, EnableMD5: bool = False, **kwargs: Any
    ) -> Dict[str, Any]:
        """Upload an object in one request (simple upload, at most 5 GB).

        :param Bucket(string): bucket name, ``BucketName-APPID``.
        :param Body(bytes|str|file|stream): the content; files are streamed from their position.
        :param Key(string): the object key.
        :param EnableMD5(bool): send Content-MD5 computed by the SDK.
        :param kwargs(dict): ACL, GrantRead, StorageClass, ContentType, Metadata, TrafficLimit, ...
        :return(dict): the response headers (``ETag``, ``x-cos-hash-crc64ecma``, ...).

        .. code-block:: python

            response = client.put_object(Bucket='examplebucket-1250000000', Body=b'bytes',
                                         Key='exampleobject')
            print(response['ETag'])
        """
        headers, body = self._upload_body(Key, Body, kwargs, enable_md5=EnableMD5)
        response = self._send(
            method="PUT", bucket=Bucket, key=Key, headers=headers, body=body, check_crc=True, log="put object"
        )
        return self._headers_of(response)

    def put_object_from_local_file(
        self, Bucket: str, LocalFilePath: str, Key: ObjectKey, EnableMD5: bool = False, **kwargs: Any
    ) -> Dict[str, Any]:
        """Upload a local file in one request; same return value as ``put_object``.

        Only a regular file is accepted (a directory, a socket or a missing path raises the OSError
        naming it; a FIFO or device is refused with CosClientError instead of blocking or uploading
        whatever it yields).
        """
        object_key(Key)
        request_headers(kwargs)
        with open_local_file(LocalFilePath) as fp:
            return self.put_object(Bucket, fp, Key, EnableMD5, **kwargs)

    def get_object(self, Bucket: str, Key: ObjectKey, KeySimplifyCheck: bool = True, **kwargs: Any) -> Dict[str, Any]:
        """Download an object: the response headers plus ``'Body'``, a streamed ``StreamBody``.

        ``Range``, ``If*`` kwargs are headers; ``VersionId`` and ``Response*`` go to the query.
        """
        if KeySimplifyCheck and Key is not None:
            text = key_text(Key, "Key")
            if posixpath.normpath("/" + text.lstrip("/")) == "/":
                raise CosClientError("GetObject Key is invalid")
        object_key(Key)
        headers = request_headers(kwargs)
        params = split_params(headers, names=("versionId",), prefix="response")
        response = self._send(
            method="GET", bucket=Bucket, key=Key, params=params, headers=headers, stream=True, log="get object"
        )
        result = self._headers_of(response)
        result["Body"] = StreamBody(response)
        return result

    def head_object(self, Bucket: str, Key: ObjectKey, **kwargs: Any) -> Dict[str, Any]:
        """The object's metadata as a dict of response headers (404 → CosServiceError)."""
        object_key(Key)
        headers = request_headers(kwargs)
        params = split_params(headers, names=("versionId",))
        response = self._send(method="HEAD", bucket=Bucket, key=Key, params=params, headers=headers)
        return self._headers_of(response)

    def delete_object(self, Bucket: str, Key: ObjectKey, **kwargs: Any) -> Dict[str, Any]:
        """Delete an object (succeeds also when it does not exist); returns the response headers."""
        object_key(Key)
        headers = request_headers(kwargs)
        params = split_params(headers, names=("versionId",))
        response = self._send(
            method="DELETE", bucket=Bucket, key=Key, params=params, headers=headers, log="delete object"
        )
        return self._headers_of(response)

    def object_exists(self, Bucket: str, Key: ObjectKey) -> bool:
        """True if HEAD finds the object, False on 404; other errors are raised."""
        try:
            self.head_object(Bucket, Key)
            return True
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                return False
            raise

    def append_object(
        self, Bucket: str, Key: ObjectKey, Position: IntParam, Data: BodyData, **kwargs: Any
    ) -> Dict[str, Any]:
        """Append ``Data`` to an appendable object at ``Position`` (its current length; 0 creates it).

        :return(dict): the response headers, with ``x-cos-next-append-position``.
        """
        object_key(Key)
        integer(Position, "Position", low=0)
        headers, body = self._upload_body(Key, Data, kwargs, enable_md5=False, name="Data")
        response = self._send(
            method="POST",
            bucket=Bucket,
            key=Key,
            params={"append": "", "position": Position},
            headers=headers,
            body=body,
            log="append object",
        )
        return self._headers_of(response)

    # -- multipart -------------------------------------------------------------------------
    def create_multipart_upload(self, Bucket: str, Key: ObjectKey, **kwargs: Any) -> Dict[str, Any]:
        """Start a multipart upload; the object's headers (ContentType, Metadata, ACL, ...) go here.

        :return(dict): ``{'Bucket': ..., 'Key': ..., 'UploadId': ...}``.
        """
        object_key(Key)
        headers = request_headers(kwargs)  # a ContentLength is dropped: the request body is empty
        response = self._send(
            method="POST",
            bucket=Bucket,
            key=Key,
            params={"uploads": ""},
            headers=headers,
            body=make_body(b""),
            log="create multipart upload",
        )
        return xml_to_dict(response.content)

    def upload_part(
        self,
        Bucket: str,
        Key: ObjectKey,
        Body: BodyData,
        PartNumber: IntParam,
        UploadId: str,
        EnableMD5: bool = False,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Upload one part (bytes, str, a file object from its position, or a stream).

        :return(dict): the response headers (``ETag``, ``x-cos-hash-crc64ecma``, ...).
        """
        object_key(Key)
        integer(PartNumber, "PartNumber", low=1, high=10000)
        upload_id(UploadId)
        headers, body = self._upload_body(Key, Body, kwargs, enable_md5=EnableMD5)
        response = self._send(
            method="PUT",
            bucket=Bucket,
            key=Key,
            params={"partNumber": PartNumber, "uploadId": UploadId},
            headers=headers,
            body=body,
            check_crc=True,
            log="upload part",
            log_level=logging.DEBUG,
        )
        return self._headers_of(response)

    def upload_part_copy(
        self,
        Bucket: str,
        Key: ObjectKey,
        PartNumber: IntParam,
        UploadId: str,
        CopySource: Dict[str, Any],
        CopySourceRange: str = "",
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Copy a range of an existing object as one part.

        :param CopySource(dict): ``{'Bucket': ..., 'Key': ..., 'Region': ...}`` (or ``Endpoint``), with
            optional ``Appid`` and ``VersionId``.
        :param CopySourceRange(string): ``'bytes=first-last'``; empty copies the whole object.
        :return(dict): the response headers updated with ``ETag`` and ``LastModified``.
        """
        object_key(Key)
        integer(PartNumber, "PartNumber", low=1, high=10000)
        upload_id(UploadId)
        check_value(CopySourceRange, "CopySourceRange")
        headers = request_headers(kwargs)
        headers["x-cos-copy-source"] = self._copy_source(CopySource).header
        headers["x-cos-copy-source-range"] = CopySourceRange
        response = self._send(
            method="PUT",
            bucket=Bucket,
            key=Key,
            params={"partNumber": PartNumber, "uploadId": UploadId},
            headers=headers,
            body=make_body(b""),
            log="upload part copy",
            log_level=logging.DEBUG,
        )
        return self._copy_result(response)

    def list_parts(
        self,
        Bucket: str,
        Key: ObjectKey,
        UploadId: str,
        EncodingType: str = "",
        MaxParts: IntParam = 1000,
        PartNumberMarker: IntParam = 0,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """One page of the parts of an upload: ``Part`` is a list; ``Key`` decoded unless EncodingType='url'."""
        object_key(Key)
        upload_id(UploadId)
        encoding_type(EncodingType)
        integer(MaxParts, "MaxParts", low=0, optional=True)
        integer(PartNumberMarker, "PartNumberMarker", low=0, optional=True)
        params = {
            "uploadId": UploadId,
            "part-number-marker": PartNumberMarker,
            "max-parts": MaxParts,
            "encoding-type": "url",
        }
        response = self._send(method="GET", bucket=Bucket, key=Key, params=params, headers=request_headers(kwargs))
        data = xml_to_dict(response.content)
        format_dict(data, ["Part"])
        if not EncodingType:
            decode_result(data, ["Key"], [])
        return data

    def list_multipart_uploads(
        self,
        Bucket: str,
        Prefix: str = "",
        Delimiter: str = "",
        KeyMarker: str = "",
        UploadIdMarker: str = "",
        MaxUploads: IntParam = 1000,
        EncodingType: str = "",
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """One page of the bucket's unfinished uploads (``Upload`` and ``CommonPrefixes`` are lists)."""
        encoding_type(EncodingType)
        params = {
            "uploads": "",
            "prefix": text_param(Prefix, "Prefix"),
            "delimiter": text_param(Delimiter, "Delimiter"),
            "key-marker": text_param(KeyMarker, "KeyMarker"),
            "upload-id-marker": text_param(UploadIdMarker, "UploadIdMarker"),
            "max-uploads": integer(MaxUploads, "MaxUploads", low=0, optional=True),
            "encoding-type": "url",
        }
        response = self._send(method="GET", bucket=Bucket, key=BUCKET, params=params, headers=request_headers(kwargs))
        data = xml_to_dict(response.content)
        format_dict(data, ["Upload", "CommonPrefixes"])
        if not EncodingType:
            decode_result(
                data,
                ["Prefix", "KeyMarker", "NextKeyMarker", "UploadIdMarker", "NextUploadIdMarker"],
                [["Upload", "Key"], ["CommonPrefixes", "Prefix"]],
            )
        return data

    def complete_multipart_upload(
        self,
        Bucket: str,
        Key: ObjectKey,
        UploadId: str,
        MultipartUpload: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Assemble the listed parts into the object.

        :param MultipartUpload(dict): ``{'Part': [{'PartNumber': 1, 'ETag': '"..."'}, ...]}``.
        :return(dict): the response headers updated with ``Location``, ``Bucket``, ``Key``, ``ETag``.
        """
        Key = object_key(Key)
        upload_id(UploadId)
        _complete_parts(MultipartUpload or {})
        body = make_body(dict_to_xml(MultipartUpload or {}))
        headers = request_headers(kwargs)
        try:
            response = self._send(
                method="POST",
                bucket=Bucket,
                key=Key,
                params={"uploadId": UploadId},
                headers=headers,
                body=body,
                timeout=1200,
                log="complete multipart upload",
            )
        except CosServiceError as exc:
            done = self._completed_already(exc, Bucket, Key, MultipartUpload)
            if done is None:
                raise
            return done
        data = xml_to_dict(response.content)
        if "ETag" not in data:
            logger.debug("complete multipart upload answered without ETag: %s", response.text)
            raise CosServiceError("POST", response.text, response.status_code)
        result = self._headers_of(response)
        result.update(data)
        return result

    def _completed_already(
        self, error: CosServiceError, bucket: str, key: str, multipart_upload: Any
    ) -> Optional[Dict[str, Any]]:
        """After NoSuchUpload: the result of this very Complete if an earlier attempt did it.

        When the answer to a Complete is lost and the request is retried, the upload is gone and
        COS says NoSuchUpload.  If the object now has exactly the ETag these parts produce
        (``"<md5 of the part MD5s>-<N>"``), the first attempt succeeded: report that success.
        """
        if error.get_status_code() != 404 or error.get_error_code() != "NoSuchUpload":
            return None
        try:
            digests = [bytes.fromhex(str(p["ETag"]).strip().strip('"')) for p in multipart_upload["Part"]]
        except (KeyError, TypeError, ValueError):
            return None
        if not digests or any(len(d) != 16 for d in digests):
            return None
        expected = '"%s-%d"' % (hashlib.md5(b"".join(digests)).hexdigest(), len(digests))
        try:
            head = self.head_object(bucket, key)
        except CosServiceError:
            return None
        if head.get("ETag") != expected:
            return None
        logger.info("complete multipart upload of %s: the upload was already completed (lost response)", key)
        result = _http.ResponseHeaders(head.items())
        result.update(
            {
                "Location": "%s/%s" % (self._conf.get_host(bucket), quote_key(key)),
                "Bucket": bucket,
                "Key": key,
                "ETag": expected,
            }
        )
        return result

    def abort_multipart_upload(self, Bucket: str, Key: ObjectKey, UploadId: str, **kwargs: Any) -> None:
        """Abort an upload and delete its parts."""
        object_key(Key)
        upload_id(UploadId)  # without it, this would be a DELETE Object
        self._send(
            method="DELETE",
            bucket=Bucket,
            key=Key,
            params={"uploadId": UploadId},
            headers=request_headers(kwargs),
            body=make_body(b""),
            log="abort multipart upload",
        )
        return None

    # -- high-level transfers --------------------------------------------------------------
    def upload_file(
        self,
        Bucket: str,
        Key: ObjectKey,
        LocalFilePath: PathArg,
        PartSize: Union[int, float] = Default(1),
        MAXThread: int = Default(5),
        EnableMD5: bool = False,
        progress_callback: Optional[ProgressFn] = None,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Upload a local file: one PUT or a resumable multipart upload.

        :param PartSize(int): part size in MiB (grown to keep within 10,000 parts); given, the file goes
            in one PUT up to max(20 MiB, PartSize MiB), as the official SDK does.  Not given: 8 MiB parts
            and one PUT only up to 8 MiB (see README, "Defaults that fit the link").
        :param MAXThread(int): parallel requests; not given: up to 16 (never more than the parts).
        :param EnableMD5(bool): send Content-MD5 with each request.
        :param progress_callback(callable): ``progress_callback(consumed_bytes, total_bytes)``, called
            byte by byte as data is sent, one call at a time, never decreasing, ``total`` only once the
            object is complete.  An exception it raises stops the upload and is raised here.
        :param kwargs: object headers as for put_object (ContentType, Metadata, ACL, StorageClass,
            TrafficLimit, ...), plus two extensions: ``CancelEvent`` (a ``threading.Event``; set it from
            any thread to stop the upload promptly with ``qcloud_cos.transfer.UploadCancelled``, leaving
            it resumable) and ``CheckpointDir`` (where resume checkpoints live; ``False`` turns them off).
        :return(dict): the put_object headers, or the complete_multipart_upload result.

        A second call for the same file and key resumes an unfinished upload: from the local
        checkpoint when the file is unchanged (no part is re-read), otherwise from an unfinished upload
        of the key found on the server (also one begun by another SDK), only when this call sets no
        Initiate header besides StorageClass/TrafficLimit, the storage class matches, and the upload
        has parts that all match the file's content.
        """
        return _transfer.upload_file(
            self,
            bucket=Bucket,
            key=Key,
            path=LocalFilePath,
            part_size=PartSize,
            max_thread=MAXThread,
            enable_md5=EnableMD5,
            progress_callback=progress_callback,
            kwargs=kwargs,
        )

    def upload_folder(
        self,
        Bucket: str,
        LocalPath: PathArg,
        KeyPrefix: str = "",
        PartSize: Union[int, float] = Default(1),
        MAXThread: int = Default(10),
        EnableMD5: bool = False,
        SkipExisting: bool = True,
        progress_callback: Optional[ProgressFn] = None,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Upload every file below ``LocalPath`` to ``KeyPrefix + <relative path with '/'>``.

        Files and their parts share one pool of ``MAXThread`` workers.  With ``SkipExisting`` an object
        that already exists with the same size and CRC-64 is not sent again.  One file failing does not
        stop the others.  Takes the same kwargs as ``upload_file``.

        :return(dict): ``{'success_all': bool, 'uploaded': [keys], 'skipped': [keys],
            'failed': [{'Key', 'LocalFilePath', 'Error'}], 'uploaded_bytes': int}``.
        """
        return _transfer.upload_folder(
            self,
            bucket=Bucket,
            local_dir=LocalPath,
            key_prefix=KeyPrefix,
            part_size=PartSize,
            max_thread=MAXThread,
            enable_md5=EnableMD5,
            skip_existing=SkipExisting,
            progress_callback=progress_callback,
            kwargs=kwargs,
        )

    # -- buckets ---------------------------------------------------------------------------
    def create_bucket(
        self, Bucket: str, BucketAZConfig: Optional[str] = None, BucketArchConfig: Optional[str] = None, **kwargs: Any
    ) -> None:
        """Create a bucket (``ACL`` and ``Grant*`` kwargs become headers).

        ``BucketAZConfig='MAZ'`` makes a multi-AZ bucket, ``BucketArchConfig='OFS'`` a bucket with
        the metadata acceleration (OFS) architecture; any other value is refused (the official SDK
        silently ignores it and creates an ordinary bucket).
        """
        headers = request_headers(kwargs)
        inner = ""
        for name, value, allowed in (
            ("BucketAZConfig", BucketAZConfig, "MAZ"),
            ("BucketArchConfig", BucketArchConfig, "OFS"),
        ):
            if value in (None, ""):
                continue
            if value != allowed:
                raise CosClientError("%s must be '%s' (or None), not %r" % (name, allowed, value))
            inner += "<%s>%s</%s>" % (name, value, name)
        body = None
        if inner:
            body = make_body(
                '<?xml version="1.0" encoding="utf-8"?>\n'
                "<CreateBucketConfiguration>%s</CreateBucketConfiguration>" % inner
            )
            headers["Content-MD5"] = body.content_md5()
            headers["Content-Type"] = "application/xml"
        self._send(method="PUT", bucket=Bucket, key=BUCKET, headers=headers, body=body, log="create bucket")
        return None

    def head_bucket(self, Bucket: str, **kwargs: Any) -> Dict[str, Any]:
        """The bucket's response headers (404 → CosServiceError)."""
        response = self._send(method="HEAD", bucket=Bucket, key=BUCKET, headers=request_headers(kwargs))
        return self._headers_of(response)

    def delete_bucket(self, Bucket: str, **kwargs: Any) -> None:
        """Delete an (empty) bucket."""
        self._send(
            method="DELETE",
            bucket=Bucket,
            key=BUCKET,
            headers=request_headers(kwargs),
            body=make_body(b""),
            log="delete bucket",
        )
        return None

    def bucket_exists(self, Bucket: str) -> bool:
        """True if HEAD finds the bucket, False on 404; other errors are raised."""
        try:
            self.head_bucket(Bucket)
            return True
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                return False
            raise

    def list_objects(
        self,
        Bucket: str,
        Prefix: str = "",
        Delimiter: str = "",
        Marker: str = "",
        MaxKeys: IntParam = 1000,
        EncodingType: str = "",
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """One page of the bucket's objects: ``Contents`` and ``CommonPrefixes`` are lists.

        Keys come back decoded unless ``EncodingType='url'`` is passed.
        """
        encoding_type(EncodingType)
        params = {
            "prefix": text_param(Prefix, "Prefix"),
            "delimiter": text_param(Delimiter, "Delimiter"),
            "marker": text_param(Marker, "Marker"),
            "max-keys": integer(MaxKeys, "MaxKeys", low=0, optional=True),
            "encoding-type": "url",
        }
        response = self._send(method="GET", bucket=Bucket, key=BUCKET, params=params, headers=request_headers(kwargs))
        data = xml_to_dict(response.content)
        format_dict(data, ["Contents", "CommonPrefixes"])
        if not EncodingType:
            decode_result(data, ["Prefix", "Marker", "NextMarker"], [["Contents", "Key"], ["CommonPrefixes", "Prefix"]])
        return data

    # -- signatures and URLs ---------------------------------------------------------------
    def get_auth(
        self,
        Method: str,
        Bucket: str,
        Key: ObjectKey,
        Expired: Union[int, float] = 300,
        Headers: Optional[Dict[str, Any]] = None,
        Params: Optional[Dict[str, Any]] = None,
        SignHost: Optional[bool] = None,
        UseCiEndPoint: bool = False,
    ) -> str:
        """An Authorization value for a request you send yourself (valid ``Expired`` seconds).

        ``Key='/'`` signs a request on the bucket itself.
        """
        self._check_bucket(Bucket)
        key = signing_key(Key)
        if not isinstance(Method, str) or not _HTTP_TOKEN.fullmatch(Method):
            raise CosClientError("Method must be an HTTP method name such as GET or PUT, not %r" % (Method,))
        if isinstance(Expired, float) and Expired.is_integer():
            Expired = int(Expired)  # 300.0 is 300 seconds (the official SDK would sign "...;1700000300.0")
        integer(Expired, "Expired", low=1)
        for name, value in (("Headers", Headers), ("Params", Params)):
            if value is not None and not isinstance(value, dict):
                raise CosClientError("%s must be a dict, not %s" % (name, type(value).__name__))
        url = self._conf.uri(bucket=Bucket, path=key)
        params = {k: v for k, v in (Params or {}).items() if v is not None}
        return self._transport.authorization(
            method=Method,
            key=key,
            url=url,
            params=params,
            headers=dict(Headers or {}),
            expire=int(Expired),
            sign_host=SignHost,
        )

    def get_presigned_url(
        self,
        Bucket: str,
        Key: ObjectKey,
        Method: str,
        Expired: Union[int, float] = 300,
        Params: Optional[Dict[str, Any]] = None,
        Headers: Optional[Dict[str, Any]] = None,
        UseCiEndPoint: bool = False,
        SignHost: Optional[bool] = None,
    ) -> str:
        """A URL carrying its own signature.  With temporary keys the token is included."""
        self._check_bucket(Bucket)
        key = signing_key(Key)
        if Params is not None and not isinstance(Params, dict):
            raise CosClientError("Params must be a dict, not %s" % type(Params).__name__)
        params = dict(Params or {})
        token = self._conf._current_token()
        if token and "x-cos-security-token" not in params:
            params["x-cos-security-token"] = token
        sign = self.get_auth(Method, Bucket, key, Expired, Headers, params, SignHost)
        url = self._conf.uri(bucket=Bucket, path=key)
        fields = dict(pair.split("=", 1) for pair in sign.split("&"))
        url += "?" + urlencode(fields)
        if params:
            url += "&" + urlencode(params)
        return url

    def get_presigned_download_url(
        self,
        Bucket: str,
        Key: ObjectKey,
        Expired: Union[int, float] = 300,
        Params: Optional[Dict[str, Any]] = None,
        Headers: Optional[Dict[str, Any]] = None,
        UseCiEndPoint: bool = False,
        SignHost: Optional[bool] = None,
    ) -> str:
        """A presigned GET URL."""
        return self.get_presigned_url(Bucket, Key, "GET", Expired, Params, Headers, UseCiEndPoint, SignHost)

    def get_object_url(self, Bucket: str, Key: ObjectKey) -> str:
        """The plain (unsigned) URL of an object (``Key='/'``: of the bucket)."""
        self._check_bucket(Bucket)
        return self._conf.uri(bucket=Bucket, path=signing_key(Key))
