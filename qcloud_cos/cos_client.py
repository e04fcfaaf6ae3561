"""``CosS3Client`` (and ``CosConfig``) at their official import path.

Each public method has the official signature and return value; each builds one ``Request`` and
hands it to the transport (``_http``), which signs and sends it.
"""
import contextlib
import copy
import hashlib
import logging
import posixpath
from urllib.parse import quote, urlencode

from . import _http, _surface, _transfer
from ._body import make_body
from ._config import CosConfig
from ._endpoint import check_key, format_bucket, format_endpoint, quote_key
from ._headers import mapped, redact, split_params
from ._xml import decode_result, dict_to_xml, format_dict, xml_to_dict
from .cos_exception import CosClientError, CosServiceError
from .streambody import StreamBody

__all__ = ['CosConfig', 'CosS3Client']

logger = logging.getLogger(__name__)

CosConfig.__module__ = __name__


class CosS3Client(_surface.OfficialSurface):
    """A COS client: ``CosS3Client(CosConfig(...))``.

    ``retry`` is the number of retries after the first attempt (5xx, connection errors and
    timeouts; exponential backoff with full jitter).  ``session`` replaces the pooled
    ``requests.Session`` (e.g. to mount a custom transport adapter).
    """

    def __init__(self, conf, retry=3, session=None):
        self._conf = conf
        self._retry = retry
        self._session = session
        self._transport = _http.Transport(conf=conf, session=session, retry=retry)

    def get_conf(self):
        return self._conf

    def get_retry_exe_times(self):
        """How many retries this client has made so far."""
        return self._transport.retries_done

    # -- the one way requests are made -----------------------------------------------------
    def _send(self, *, method, bucket, key=None, params=None, headers=None, body=None, timeout=30,
              stream=False, check_crc=False):
        if key is not None:
            check_key(key)
        url = self._conf.uri(bucket=bucket, path=key)
        request = _http.Request(
            method=method, url=url, key=key, host=self._conf.host_header(bucket), params=params,
            headers=headers, body=body, timeout=timeout, stream=stream, check_crc=check_crc)
        return self._transport.send(request)

    @contextlib.contextmanager
    def _concurrent(self, workers):
        """This client, on a connection pool large enough for ``workers`` more threads."""
        with self._transport.concurrent(workers) as transport:
            if transport is self._transport:
                yield self
                return
            clone = copy.copy(self)
            clone._transport = transport
            yield clone

    @staticmethod
    def _upload_body(key, data, kwargs, *, enable_md5):
        """Validate, map the kwargs to headers and wrap the body of a request that carries data."""
        check_key(key)
        headers = mapped(kwargs)
        body = make_body(data)
        body.use_declared_length(headers.pop('Content-Length', None))
        if enable_md5:
            headers['Content-MD5'] = body.content_md5()
        return headers, body

    @staticmethod
    def _headers_of(response):
        return _http.ResponseHeaders((name, _http.utf8_header(value))
                                     for name, value in response.headers.items())

    # -- objects ---------------------------------------------------------------------------
    def put_object(self, Bucket, Body, Key, EnableMD5=False, **kwargs):
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
        logger.info('put object, url=:%s ,headers=:%s', self._conf.uri(bucket=Bucket, path=Key),
                    redact(headers))
        response = self._send(method='PUT', bucket=Bucket, key=Key, headers=headers, body=body,
                              check_crc=True)
        return self._headers_of(response)

    def put_object_from_local_file(self, Bucket, LocalFilePath, Key, EnableMD5=False, **kwargs):
        """Upload a local file in one request; same return value as ``put_object``."""
        with open(LocalFilePath, 'rb') as fp:
            return self.put_object(Bucket, fp, Key, EnableMD5, **kwargs)

    def get_object(self, Bucket, Key, KeySimplifyCheck=True, **kwargs):
        """Download an object: the response headers plus ``'Body'``, a streamed ``StreamBody``.

        ``Range``, ``If*`` kwargs are headers; ``VersionId`` and ``Response*`` go to the query.
        """
        check_key(Key)
        if KeySimplifyCheck and posixpath.normpath('/' + Key.lstrip('/')) == '/':
            raise CosClientError('GetObject Key is invalid')
        headers = mapped(kwargs)
        params = split_params(headers, names=('versionId',), prefix='response')
        logger.info('get object, url=:%s ,headers=:%s', self._conf.uri(bucket=Bucket, path=Key),
                    redact(headers))
        response = self._send(method='GET', bucket=Bucket, key=Key, params=params, headers=headers,
                              stream=True)
        result = self._headers_of(response)
        result['Body'] = StreamBody(response)
        return result

    def head_object(self, Bucket, Key, **kwargs):
        """The object's metadata as a dict of response headers (404 → CosServiceError)."""
        headers = mapped(kwargs)
        params = split_params(headers, names=('versionId',))
        response = self._send(method='HEAD', bucket=Bucket, key=Key, params=params, headers=headers)
        return self._headers_of(response)

    def delete_object(self, Bucket, Key, **kwargs):
        """Delete an object (succeeds also when it does not exist); returns the response headers."""
        headers = mapped(kwargs)
        params = split_params(headers, names=('versionId',))
        logger.info('delete object, url=:%s', self._conf.uri(bucket=Bucket, path=Key))
        response = self._send(method='DELETE', bucket=Bucket, key=Key, params=params, headers=headers)
        return self._headers_of(response)

    def object_exists(self, Bucket, Key):
        """True if HEAD finds the object, False on 404; other errors are raised."""
        try:
            self.head_object(Bucket, Key)
            return True
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                return False
            raise

    def append_object(self, Bucket, Key, Position, Data, **kwargs):
        """Append ``Data`` to an appendable object at ``Position`` (its current length; 0 creates it).

        :return(dict): the response headers, with ``x-cos-next-append-position``.
        """
        headers, body = self._upload_body(Key, Data, kwargs, enable_md5=False)
        logger.info('append object, url=:%s ,headers=:%s', self._conf.uri(bucket=Bucket, path=Key),
                    redact(headers))
        response = self._send(method='POST', bucket=Bucket, key=Key,
                              params={'append': '', 'position': Position}, headers=headers, body=body)
        return self._headers_of(response)

    # -- multipart -------------------------------------------------------------------------
    def create_multipart_upload(self, Bucket, Key, **kwargs):
        """Start a multipart upload; the object's headers (ContentType, Metadata, ACL, ...) go here.

        :return(dict): ``{'Bucket': ..., 'Key': ..., 'UploadId': ...}``.
        """
        headers = mapped(kwargs)
        headers.pop('Content-Length', None)  # the request body is empty whatever was passed
        logger.info('create multipart upload, url=:%s ,headers=:%s', self._conf.uri(bucket=Bucket, path=Key),
                    redact(headers))
        response = self._send(method='POST', bucket=Bucket, key=Key, params={'uploads': ''},
                              headers=headers, body=make_body(b''))
        return xml_to_dict(response.content)

    def upload_part(self, Bucket, Key, Body, PartNumber, UploadId, EnableMD5=False, **kwargs):
        """Upload one part (bytes, str, a file object from its position, or a stream).

        :return(dict): the response headers (``ETag``, ``x-cos-hash-crc64ecma``, ...).
        """
        headers, body = self._upload_body(Key, Body, kwargs, enable_md5=EnableMD5)
        logger.debug('upload part, url=:%s ,headers=:%s', self._conf.uri(bucket=Bucket, path=Key),
                     redact(headers))
        response = self._send(method='PUT', bucket=Bucket, key=Key,
                              params={'partNumber': PartNumber, 'uploadId': UploadId}, headers=headers,
                              body=body, check_crc=True)
        return self._headers_of(response)

    def upload_part_copy(self, Bucket, Key, PartNumber, UploadId, CopySource, CopySourceRange='', **kwargs):
        """Copy a range of an existing object as one part.

        :param CopySource(dict): ``{'Bucket': ..., 'Key': ..., 'Region': ...}`` (or ``Endpoint``), with
            optional ``Appid`` and ``VersionId``.
        :param CopySourceRange(string): ``'bytes=first-last'``; empty copies the whole object.
        :return(dict): the response headers updated with ``ETag`` and ``LastModified``.
        """
        headers = mapped(kwargs)
        headers['x-cos-copy-source'] = self._copy_source(CopySource)
        headers['x-cos-copy-source-range'] = CopySourceRange
        logger.debug('upload part copy, url=:%s ,headers=:%s', self._conf.uri(bucket=Bucket, path=Key),
                     redact(headers))
        response = self._send(method='PUT', bucket=Bucket, key=Key,
                              params={'partNumber': PartNumber, 'uploadId': UploadId}, headers=headers,
                              body=make_body(b''))
        result = self._headers_of(response)
        result.update(xml_to_dict(response.content))
        return result

    def _copy_source(self, source):
        """``x-cos-copy-source``: ``<bucket>.<endpoint>/<quoted key>[?versionId=...]``."""
        if not isinstance(source, dict):
            raise CosClientError('CopySource must be a dict with Bucket, Key and Region or Endpoint')
        if 'Bucket' not in source:
            raise CosClientError('CopySource Need Parameter Bucket')
        conf = self._conf
        endpoint = format_endpoint(source.get('Endpoint'), source.get('Region'), 'cos.',
                                   conf._enable_old_domain, conf._enable_internal_domain)
        if 'Key' not in source:
            raise CosClientError('CopySource Need Parameter Key')
        key = source['Key']
        if key.startswith('/'):
            key = key[1:]
        url = '%s.%s/%s' % (format_bucket(source['Bucket'], source.get('Appid')), endpoint,
                            quote(key.encode('utf-8'), safe='/-_.~'))
        if source.get('VersionId'):
            url += '?versionId=' + source['VersionId']
        return url

    def list_parts(self, Bucket, Key, UploadId, EncodingType='', MaxParts=1000, PartNumberMarker=0, **kwargs):
        """One page of the parts of an upload: ``Part`` is a list; ``Key`` decoded unless EncodingType='url'."""
        if EncodingType and EncodingType != 'url':
            raise CosClientError('EncodingType must be url')
        params = {'uploadId': UploadId, 'part-number-marker': PartNumberMarker, 'max-parts': MaxParts,
                  'encoding-type': 'url'}
        response = self._send(method='GET', bucket=Bucket, key=Key, params=params, headers=mapped(kwargs))
        data = xml_to_dict(response.content)
        format_dict(data, ['Part'])
        if not EncodingType:
            decode_result(data, ['Key'], [])
        return data

    def list_multipart_uploads(self, Bucket, Prefix='', Delimiter='', KeyMarker='', UploadIdMarker='',
                               MaxUploads=1000, EncodingType='', **kwargs):
        """One page of the bucket's unfinished uploads (``Upload`` and ``CommonPrefixes`` are lists)."""
        if EncodingType and EncodingType != 'url':
            raise CosClientError('EncodingType must be url')
        params = {'uploads': '', 'prefix': Prefix, 'delimiter': Delimiter, 'key-marker': KeyMarker,
                  'upload-id-marker': UploadIdMarker, 'max-uploads': MaxUploads, 'encoding-type': 'url'}
        response = self._send(method='GET', bucket=Bucket, params=params, headers=mapped(kwargs))
        data = xml_to_dict(response.content)
        format_dict(data, ['Upload', 'CommonPrefixes'])
        if not EncodingType:
            decode_result(data, ['Prefix', 'KeyMarker', 'NextKeyMarker', 'UploadIdMarker', 'NextUploadIdMarker'],
                          [['Upload', 'Key'], ['CommonPrefixes', 'Prefix']])
        return data

    def complete_multipart_upload(self, Bucket, Key, UploadId, MultipartUpload=None, **kwargs):
        """Assemble the listed parts into the object.

        :param MultipartUpload(dict): ``{'Part': [{'PartNumber': 1, 'ETag': '"..."'}, ...]}``.
        :return(dict): the response headers updated with ``Location``, ``Bucket``, ``Key``, ``ETag``.
        """
        body = make_body(dict_to_xml(MultipartUpload or {}))
        headers = mapped(kwargs)
        logger.info('complete multipart upload, url=:%s ,headers=:%s', self._conf.uri(bucket=Bucket, path=Key),
                    redact(headers))
        try:
            response = self._send(method='POST', bucket=Bucket, key=Key, params={'uploadId': UploadId},
                                  headers=headers, body=body, timeout=1200)
        except CosServiceError as exc:
            done = self._completed_already(exc, Bucket, Key, MultipartUpload)
            if done is None:
                raise
            return done
        data = xml_to_dict(response.content)
        if 'ETag' not in data:
            logger.debug('complete multipart upload answered without ETag: %s', response.text)
            raise CosServiceError('POST', response.text, response.status_code)
        result = self._headers_of(response)
        result.update(data)
        return result

    def _completed_already(self, error, bucket, key, multipart_upload):
        """After NoSuchUpload: the result of this very Complete if an earlier attempt did it.

        When the answer to a Complete is lost and the request is retried, the upload is gone and
        COS says NoSuchUpload.  If the object now has exactly the ETag these parts produce
        (``"<md5 of the part MD5s>-<N>"``), the first attempt succeeded: report that success.
        """
        if error.get_status_code() != 404 or error.get_error_code() != 'NoSuchUpload':
            return None
        try:
            digests = [bytes.fromhex(str(p['ETag']).strip().strip('"')) for p in multipart_upload['Part']]
        except (KeyError, TypeError, ValueError):
            return None
        if not digests or any(len(d) != 16 for d in digests):
            return None
        expected = '"%s-%d"' % (hashlib.md5(b''.join(digests)).hexdigest(), len(digests))
        try:
            head = self.head_object(bucket, key)
        except CosServiceError:
            return None
        if head.get('ETag') != expected:
            return None
        logger.info('complete multipart upload of %s: the upload was already completed (lost response)', key)
        result = _http.ResponseHeaders(head.items())
        result.update({'Location': '%s/%s' % (self._conf.get_host(bucket), quote_key(key)), 'Bucket': bucket,
                       'Key': key, 'ETag': expected})
        return result

    def abort_multipart_upload(self, Bucket, Key, UploadId, **kwargs):
        """Abort an upload and delete its parts."""
        logger.info('abort multipart upload, url=:%s', self._conf.uri(bucket=Bucket, path=Key))
        self._send(method='DELETE', bucket=Bucket, key=Key, params={'uploadId': UploadId},
                   headers=mapped(kwargs), body=make_body(b''))
        return None

    # -- high-level transfers --------------------------------------------------------------
    def upload_file(self, Bucket, Key, LocalFilePath, PartSize=1, MAXThread=5, EnableMD5=False,
                    progress_callback=None, **kwargs):
        """Upload a local file: one PUT up to max(20 MiB, PartSize MiB), else a resumable multipart upload.

        :param PartSize(int): part size in MiB (grown to keep within 10,000 parts).
        :param MAXThread(int): parallel requests.
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
        checkpoint when the file is unchanged (no part is re-read), otherwise from any unfinished
        upload of the key (also one begun by another SDK) whose parts all match the file's content.
        """
        return _transfer.upload_file(self, bucket=Bucket, key=Key, path=LocalFilePath, part_size=PartSize,
                                     max_thread=MAXThread, enable_md5=EnableMD5,
                                     progress_callback=progress_callback, kwargs=kwargs)

    def upload_folder(self, Bucket, LocalPath, KeyPrefix='', PartSize=1, MAXThread=10, EnableMD5=False,
                      SkipExisting=True, progress_callback=None, **kwargs):
        """Upload every file below ``LocalPath`` to ``KeyPrefix + <relative path with '/'>``.

        Files and their parts share one pool of ``MAXThread`` workers.  With ``SkipExisting`` an object
        that already exists with the same size and CRC-64 is not sent again.  One file failing does not
        stop the others.  Takes the same kwargs as ``upload_file``.

        :return(dict): ``{'success_all': bool, 'uploaded': [keys], 'skipped': [keys],
            'failed': [{'Key', 'LocalFilePath', 'Error'}], 'uploaded_bytes': int}``.
        """
        return _transfer.upload_folder(self, bucket=Bucket, local_dir=LocalPath, key_prefix=KeyPrefix,
                                       part_size=PartSize, max_thread=MAXThread, enable_md5=EnableMD5,
                                       skip_existing=SkipExisting, progress_callback=progress_callback,
                                       kwargs=kwargs)

    # -- buckets ---------------------------------------------------------------------------
    def create_bucket(self, Bucket, BucketAZConfig=None, BucketArchConfig=None, **kwargs):
        """Create a bucket (``ACL`` and ``Grant*`` kwargs become headers)."""
        headers = mapped(kwargs)
        body = None
        if BucketAZConfig is not None or BucketArchConfig is not None:
            inner = ''
            if BucketAZConfig is not None:
                inner += '<BucketAZConfig>%s</BucketAZConfig>' % BucketAZConfig
            if BucketArchConfig is not None:
                inner += '<BucketArchConfig>%s</BucketArchConfig>' % BucketArchConfig
            body = make_body('<CreateBucketConfiguration>%s</CreateBucketConfiguration>' % inner)
        logger.info('create bucket, url=:%s ,headers=:%s', self._conf.uri(bucket=Bucket), redact(headers))
        self._send(method='PUT', bucket=Bucket, headers=headers, body=body)
        return None

    def head_bucket(self, Bucket, **kwargs):
        """The bucket's response headers (404 → CosServiceError)."""
        response = self._send(method='HEAD', bucket=Bucket, headers=mapped(kwargs))
        return self._headers_of(response)

    def delete_bucket(self, Bucket, **kwargs):
        """Delete an (empty) bucket."""
        logger.info('delete bucket, url=:%s', self._conf.uri(bucket=Bucket))
        self._send(method='DELETE', bucket=Bucket, headers=mapped(kwargs), body=make_body(b''))
        return None

    def bucket_exists(self, Bucket):
        """True if HEAD finds the bucket, False on 404; other errors are raised."""
        try:
            self.head_bucket(Bucket)
            return True
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                return False
            raise

    def list_objects(self, Bucket, Prefix='', Delimiter='', Marker='', MaxKeys=1000, EncodingType='',
                     **kwargs):
        """One page of the bucket's objects: ``Contents`` and ``CommonPrefixes`` are lists.

        Keys come back decoded unless ``EncodingType='url'`` is passed.
        """
        if EncodingType and EncodingType != 'url':
            raise CosClientError('EncodingType must be url')
        params = {'prefix': Prefix, 'delimiter': Delimiter, 'marker': Marker,
                  'max-keys': MaxKeys, 'encoding-type': 'url'}
        response = self._send(method='GET', bucket=Bucket, params=params, headers=mapped(kwargs))
        data = xml_to_dict(response.content)
        format_dict(data, ['Contents', 'CommonPrefixes'])
        if not EncodingType:
            decode_result(data, ['Prefix', 'Marker', 'NextMarker'],
                          [['Contents', 'Key'], ['CommonPrefixes', 'Prefix']])
        return data

    # -- signatures and URLs ---------------------------------------------------------------
    def get_auth(self, Method, Bucket, Key, Expired=300, Headers=None, Params=None, SignHost=None,
                 UseCiEndPoint=False):
        """An Authorization value for a request you send yourself (valid ``Expired`` seconds)."""
        url = self._conf.uri(bucket=Bucket, path=Key)
        params = {k: v for k, v in (Params or {}).items() if v is not None}
        return self._transport.authorization(method=Method, key=Key, url=url, params=params,
                                             headers=dict(Headers or {}), expire=Expired,
                                             sign_host=SignHost)

    def get_presigned_url(self, Bucket, Key, Method, Expired=300, Params=None, Headers=None,
                          UseCiEndPoint=False, SignHost=None):
        """A URL carrying its own signature.  With temporary keys the token is included."""
        params = dict(Params or {})
        token = self._conf._current_token()
        if token and 'x-cos-security-token' not in params:
            params['x-cos-security-token'] = token
        url = self._conf.uri(bucket=Bucket, path=Key)
        sign = self.get_auth(Method, Bucket, Key, Expired, Headers, params, SignHost)
        fields = dict(pair.split('=', 1) for pair in sign.split('&'))
        url += '?' + urlencode(fields)
        if params:
            url += '&' + urlencode(params)
        return url

    def get_presigned_download_url(self, Bucket, Key, Expired=300, Params=None, Headers=None,
                                   UseCiEndPoint=False, SignHost=None):
        """A presigned GET URL."""
        return self.get_presigned_url(Bucket, Key, 'GET', Expired, Params, Headers, UseCiEndPoint,
                                      SignHost)

    def get_object_url(self, Bucket, Key):
        """The plain (unsigned) URL of an object."""
        return self._conf.uri(bucket=Bucket, path=Key)
