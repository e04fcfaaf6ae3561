"""``CosS3Client`` methods of the copy family (``copy_object``, ``copy``), mixed into the client."""
import logging

from ._body import make_body
from ._headers import request_headers
from ._params import integer
from ._xml import xml_to_dict
from .cos_exception import CosClientError, CosServiceError

logger = logging.getLogger(__name__)

_DIRECTIVES = ('Copy', 'Replaced')
# Source headers carried into a multipart copy's Initiate (CopyStatus='Copy').
_CARRIED = ('content-type', 'cache-control', 'content-disposition', 'content-encoding', 'content-language',
            'expires')


def _error_in_200(response, method):
    """COS may answer 200 with an <Error> body (copy, complete): raise it as the error it is."""
    text = response.content or b''
    if b'<Error>' in text[:512]:
        raise CosServiceError(method, response.text, response.status_code)


class CopyMethods:
    """Methods of ``CosS3Client`` that copy objects; they use the client's ``_send``."""

    def copy_object(self, Bucket, Key, CopySource, CopyStatus='Copy', **kwargs):
        """PUT Object - Copy (one request, at most 5 GB); CopyStatus 'Copy' or 'Replaced'.

        :return(dict): the response headers updated with the CopyObjectResult fields.
        """
        if CopyStatus not in _DIRECTIVES:
            raise CosClientError("CopyStatus must be 'Copy' or 'Replaced', not %r" % (CopyStatus,))
        headers = request_headers(kwargs)
        headers['x-cos-copy-source'] = self._copy_source(CopySource)
        headers['x-cos-metadata-directive'] = CopyStatus
        response = self._send(method='PUT', bucket=Bucket, key=Key, headers=headers, body=make_body(b''),
                              log='copy object')
        _error_in_200(response, 'PUT')
        result = self._headers_of(response)
        result.update(xml_to_dict(response.content))
        return result

    def copy(self, Bucket, Key, CopySource, CopyStatus='Copy', PartSize=10, MAXThread=5, **kwargs):
        """Managed copy: one PUT Object - Copy when small, else a multipart copy with Upload Part - Copy.

        Every part is pinned to the source ETag seen at HEAD; source metadata is carried into the
        Initiate unless CopyStatus='Replaced'; the upload is aborted on failure.
        """
        if CopyStatus not in _DIRECTIVES:
            raise CosClientError("CopyStatus must be 'Copy' or 'Replaced', not %r" % (CopyStatus,))
        integer(PartSize, 'PartSize', low=1, high=5120)
        integer(MAXThread, 'MAXThread', low=1, high=256)
        progress = kwargs.pop('progress_callback', None)
        source_url = self._copy_source(CopySource)
        head_kwargs = {}
        if CopySource.get('VersionId'):
            head_kwargs['VersionId'] = CopySource['VersionId']
        head = self._source_client(CopySource).head_object(CopySource['Bucket'], CopySource['Key'],
                                                           **head_kwargs)
        size = int(head.get('Content-Length', 0))
        etag = head.get('ETag')
        part = PartSize * 1024 * 1024
        same_place = source_url.split('/', 1)[0].endswith(self._conf.get_host(Bucket).split('.', 1)[1]) \
            if '.' in self._conf.get_host(Bucket) else True
        if size <= max(part, 5 * 1024 * 1024 * 1024 if same_place else part) and same_place:
            result = self.copy_object(Bucket, Key, CopySource, CopyStatus, **kwargs)
            if progress:
                progress(size, size)
            return result
        return self._multipart_copy(bucket=Bucket, key=Key, source=CopySource, head=head, etag=etag, size=size,
                                    part=part, threads=MAXThread, status=CopyStatus, kwargs=kwargs,
                                    progress=progress)

    def _source_client(self, source):
        return self

    def _multipart_copy(self, *, bucket, key, source, head, etag, size, part, threads, status, kwargs,
                        progress):
        from concurrent.futures import ThreadPoolExecutor
        init = dict(kwargs)
        if status == 'Copy':
            for name, value in head.items():
                low = name.lower()
                if low in _CARRIED or low.startswith('x-cos-meta-'):
                    init.setdefault(name, value)
        for name in [n for n in init if n.startswith('CopySource')]:
            init.pop(name)
        upload = self.create_multipart_upload(bucket, key, **init)['UploadId']
        count = max(1, -(-size // part))
        done = [0]
        try:
            def one(number):
                first = (number - 1) * part
                last = min(size, first + part) - 1
                extra = {'CopySourceIfMatch': etag} if etag else {}
                result = self.upload_part_copy(bucket, key, number, upload, source,
                                               CopySourceRange='bytes=%d-%d' % (first, last), **extra)
                if 'ETag' not in result:
                    raise CosServiceError('PUT', 'part copy without ETag', 200)
                done[0] += last - first + 1
                if progress:
                    progress(done[0], size)
                return {'PartNumber': number, 'ETag': result['ETag']}
            with self._concurrent(threads) as client:
                del client
                with ThreadPoolExecutor(threads) as pool:
                    parts = list(pool.map(one, range(1, count + 1)))
            return self.complete_multipart_upload(bucket, key, upload, {'Part': parts})
        except BaseException:
            try:
                self.abort_multipart_upload(bucket, key, upload)
            except Exception:
                logger.warning('copy of %s: could not abort upload %s', key, upload)
            raise
