"""``download_file``: one GET for small objects, parallel ranged GETs for large ones.

Every GET is pinned with ``If-Match`` to the ETag seen at HEAD, so an object overwritten
mid-download fails (``DownloadChanged``) instead of producing a mixed file.  Bytes are written with
positional writes into ``<dest>_<uuid hex>`` beside the destination and renamed at the end; the
CRC-64 is computed while streaming, per part, combined and compared with ``x-cos-hash-crc64ecma``
before the rename (no re-read).  A part whose body breaks off is re-requested from its first
missing byte.  The record of done parts (atomic, self-checksummed) lets a crashed or cancelled
download resume; it is rewritten at most every ``_SAVE_EVERY`` seconds, not after every part.
"""
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
import urllib3

from .. import _crc64
from .._headers import mapped
from ..cos_exception import CosClientError, CosServiceError
from .checkpoint import digest, write_atomically
from .progress import Progress, Stopped
from .upload import check_options, local_path

logger = logging.getLogger('qcloud_cos.transfer')

MIB = 1024 * 1024
BLOCK = 256 * 1024
RECORD_VERSION = 1
_SAVE_EVERY = 1.0
_BODY_RETRIES = 5
_NET_ERRORS = (urllib3.exceptions.HTTPError, requests.RequestException, ConnectionError, TimeoutError)


class DownloadCancelled(CosClientError):
    """The download was cancelled (CancelEvent set); calling download_file again resumes it."""


class DownloadChanged(CosClientError):
    """The object changed (ETag no longer matches) while it was being downloaded."""


class _CorruptDownload(CosClientError):
    """The bytes received do not have COS's CRC-64: neither the temp file nor the record is kept."""


class _ShortBody(IOError):
    pass


def default_record_dir():
    return os.path.join(os.path.expanduser('~'), '.cos_download_tmp_file')


def record_path(directory, *, bucket, key, dest):
    """The official record name: ``<bucket>_<md5(key)>.<md5(dest)>``."""
    kd = hashlib.md5(key.encode('utf-8')).hexdigest()
    dd = hashlib.md5(os.fsencode(dest)).hexdigest()
    return os.path.join(directory, '%s_%s.%s' % (bucket, kd, dd))


def load_record(path):
    try:
        with open(path, 'r', encoding='utf-8') as f:
            stored = json.load(f)
        if isinstance(stored, dict) and 'qcloud_cos' not in stored and 'tmp_filename' in stored:
            return _adopt_official(stored)
        record = stored['qcloud_cos']
        if stored.get('sha256') != digest(record) or record.get('version') != RECORD_VERSION:
            logger.warning('ignoring download record %s: checksum or version mismatch', path)
            return None
        return record
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning('ignoring unreadable download record %s: %s', path, exc)
        return None


def _adopt_official(stored):
    """Our record for one left by the official SDK (same path; its parts carry no CRC: ``None``).

    Its format: ``{"bucket", "key", "tmp_filename", "mtime", "etag", "file_size": "<str>",
    "part_size", "parts": [{"part_id": 1-based, "start", "length"}]}``.
    """
    part_size = int(stored['part_size'])
    size = int(stored['file_size'])
    done = {}
    for part in stored['parts']:
        index = int(part['part_id']) - 1
        start = index * part_size
        if index < 0 or int(part['start']) != start or int(part['length']) != min(part_size, size - start):
            logger.warning('ignoring the official SDK download record: part %r does not fit', part)
            return None
        done[str(index)] = None
    tmp = os.path.abspath(stored['tmp_filename'])
    return {'version': RECORD_VERSION, 'etag': stored['etag'], 'size': size, 'mtime': stored['mtime'],
            'part_size': part_size, 'tmp': tmp, 'in_place': False, 'done': done, 'official': True}


def _fill_unknown_crcs(record, *, parts):
    """The CRC-64 of each done part the record holds none for, read back from the temp file."""
    unknown = [(index, start, length) for index, start, length in parts if str(index) in record['done']
               and record['done'][str(index)] is None]
    if not unknown:
        return
    with open(record['tmp'], 'rb') as f:
        for index, start, length in unknown:
            f.seek(start)
            crc, left = 0, length
            while left:
                chunk = f.read(min(BLOCK, left))
                if not chunk:
                    raise CosClientError('%s is shorter than its download record says' % record['tmp'])
                crc = _crc64.crc64(chunk, crc)
                left -= len(chunk)
            record['done'][str(index)] = crc


def save_record(path, record):
    write_atomically(path, json.dumps({'qcloud_cos': record, 'sha256': digest(record)}, sort_keys=True))


def _remove(path):
    try:
        os.remove(path)
    except (FileNotFoundError, TypeError):
        pass


def part_size_for(size, part_size_mib, max_parts):
    part = part_size_mib * MIB
    while (size + part - 1) // part > max_parts:
        part *= 2
    return part


def _check_args(*, dest, part_size, max_thread, max_parts, enable_crc, progress_callback, cancel_event):
    for name, value, low, high in (('PartSize', part_size, 1, 5 * 1024), ('MaxPartCount', max_parts, 1, 10000)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise CosClientError('%s must be an integer from %d to %d, got %r' % (name, low, high, value))
    if not isinstance(enable_crc, bool):
        raise CosClientError('EnableCRC must be True or False, got %r' % (enable_crc,))
    check_options(workers=max_thread, progress_callback=progress_callback, cancel_event=cancel_event,
                  checkpoint_dir=None)
    dest = local_path(dest, 'DestFilePath')
    if os.path.isdir(dest):
        raise CosClientError('DestFilePath %r is a directory' % (dest,))
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent):
        raise CosClientError('DestFilePath %r: directory %r does not exist' % (dest, parent))
    if not os.access(parent, os.W_OK | os.X_OK) or (os.path.exists(dest) and not os.access(dest, os.W_OK)):
        raise CosClientError('DestFilePath %r is not writable' % (dest,))
    return dest


class _Download:
    def __init__(self, client, *, bucket, key, dest, headers, params, etag, size, crc, progress,
                 cancel_event):
        self.client = client
        self.bucket = bucket
        self.key = key
        self.dest = dest
        self.headers = headers
        self.params = params
        self.etag = etag
        self.size = size
        self.crc = crc
        self.progress = progress
        self.cancel_event = cancel_event
        self.stop = threading.Event()
        self.fetched = 0  # body bytes received from COS (for tests and benchmarks)

    def fetch(self, fd, *, start, length, ranged):
        """Stream bytes [start, start+length) into ``fd``; the CRC of those bytes."""
        crc = 0
        done = 0
        attempts = 0
        while done < length or (length == 0 and attempts == 0):
            attempts += 1
            headers = dict(self.headers)
            headers['If-Match'] = self.etag
            if ranged or done:
                headers['Range'] = 'bytes=%d-%d' % (start + done, start + length - 1)
            try:
                response = self.client._send(method='GET', bucket=self.bucket, key=self.key,
                                             params=self.params, headers=headers, stream=True,
                                             log='get object')
            except CosServiceError as exc:
                if exc.get_status_code() == 412:
                    raise DownloadChanged('%s changed while downloading (ETag is no longer %s); '
                                          'nothing was written to %s' % (self.key, self.etag, self.dest)) from exc
                raise
            try:
                for chunk in response.raw.stream(BLOCK, decode_content=False):
                    if self.stop.is_set() or (self.cancel_event is not None and self.cancel_event.is_set()):
                        raise Stopped()
                    if done + len(chunk) > length:
                        raise _ShortBody('more bytes than asked for')
                    os.pwrite(fd, chunk, start + done)
                    crc = _crc64.crc64(chunk, crc)
                    done += len(chunk)
                    self.fetched += len(chunk)
                    self.progress.add(len(chunk))
                if done < length:
                    raise _ShortBody('body ended at %d of %d bytes' % (done, length))
            except (_NET_ERRORS + (_ShortBody,)) as exc:
                if attempts > _BODY_RETRIES:
                    raise CosClientError('download of %s bytes %d-%d failed after %d attempts: %s'
                                         % (self.key, start, start + length - 1, attempts, exc)) from exc
                logger.info('part at %d broke off at %d/%d bytes (%s); resuming from there',
                            start, done, length, exc)
            finally:
                response.close()
        return crc


def download_file(client, *, bucket, key, dest, part_size, max_thread, enable_crc, progress_callback,
                  dump_record_dir, key_simplify_check, disable_temp, max_parts, kwargs):
    kwargs = dict(kwargs)
    cancel_event = kwargs.pop('CancelEvent', None)
    dest = _check_args(dest=dest, part_size=part_size, max_thread=max_thread, max_parts=max_parts,
                       enable_crc=enable_crc, progress_callback=progress_callback, cancel_event=cancel_event)
    if key_simplify_check:
        import posixpath
        if posixpath.normpath('/' + str(key).lstrip('/')) == '/':
            raise CosClientError('GetObject Key is invalid')
    if dump_record_dir is not None and not isinstance(dump_record_dir, (str, os.PathLike)):
        raise CosClientError('DumpRecordDir must be a directory path or None, got %r' % (dump_record_dir,))
    version_id = kwargs.pop('VersionId', None)
    params = {'versionId': version_id} if version_id else None
    head_kwargs = {k: v for k, v in kwargs.items() if k.startswith('SSECustomer')}
    headers = mapped(kwargs)
    head_headers = mapped(head_kwargs)
    head = client._send(method='HEAD', bucket=bucket, key=key, params=params, headers=head_headers,
                        log='head object')
    size = int(head.headers['Content-Length'])
    etag = head.headers.get('ETag', '')
    mtime = head.headers.get('Last-Modified', '')
    remote_crc = head.headers.get('x-cos-hash-crc64ecma')
    progress = Progress(total=size, callback=progress_callback)
    job = _Download(client, bucket=bucket, key=key, dest=dest, headers=headers, params=params, etag=etag,
                    size=size, crc=remote_crc, progress=progress, cancel_event=cancel_event)
    ranged = size > part_size * MIB
    piece = part_size_for(size, part_size, max_parts) if ranged else max(size, 1)
    parts = [(i, off, min(piece, size - off)) for i, off in enumerate(range(0, size, piece))] or [(0, 0, 0)]
    rec_path = None
    record = None
    if ranged:
        rec_path = record_path(os.fspath(dump_record_dir or default_record_dir()), bucket=bucket, key=key,
                               dest=os.path.abspath(dest))
        record = load_record(rec_path)
        if record is not None and (record.get('etag') != etag or record.get('size') != size
                                   or record.get('mtime') != mtime or record.get('part_size') != piece
                                   or not os.path.isfile(record.get('tmp') or '')
                                   or bool(record.get('in_place')) != disable_temp):
            if record.get('tmp') and not disable_temp:
                _remove(record['tmp'])
            record = None
    if record is not None and record.get('official'):
        _fill_unknown_crcs(record, parts=parts)
    if record is None:
        target = dest if disable_temp else '%s_%s' % (dest, uuid.uuid4().hex)
        record = {'version': RECORD_VERSION, 'etag': etag, 'size': size, 'mtime': mtime, 'part_size': piece,
                  'tmp': os.path.abspath(target), 'in_place': disable_temp, 'done': {}}
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    else:
        target = record['tmp']
        fd = os.open(target, os.O_WRONLY)
    done = record['done']  # part index (str) -> crc
    resumed = sum(length for i, _, length in parts if str(i) in done)
    if resumed:
        progress.add(resumed)
    lock = threading.Lock()
    last_save = [time.monotonic()]
    ok = False
    try:
        if size:
            os.ftruncate(fd, size)

        def run(part):
            index, start, length = part
            crc = job.fetch(fd, start=start, length=length, ranged=ranged)
            with lock:
                done[str(index)] = crc
                if rec_path and time.monotonic() - last_save[0] >= _SAVE_EVERY:
                    save_record(rec_path, record)
                    last_save[0] = time.monotonic()

        todo = [p for p in parts if str(p[0]) not in done]
        with client._concurrent(max_thread) as worker_client:
            job.client = worker_client
            if len(todo) <= 1 or max_thread == 1:
                for part in todo:
                    run(part)
            else:
                with ThreadPoolExecutor(max_thread) as pool:
                    futures = [pool.submit(run, p) for p in todo]
                    try:
                        for future in futures:
                            future.result()
                    except BaseException:
                        job.stop.set()
                        raise
        combined = 0
        for index, _, length in parts:
            combined = _crc64.combine(combined, done[str(index)], length)
        if remote_crc and str(combined) != remote_crc.strip():
            raise _CorruptDownload('crc64 mismatch on download of %s: got %s, COS says %s; %s left untouched'
                                   % (key, combined, remote_crc, dest))
        os.fsync(fd)
        os.close(fd)
        fd = None
        if not disable_temp:
            os.replace(target, dest)
        progress.finish()
        ok = True
    except (DownloadChanged, _CorruptDownload):
        ok = None  # changed or corrupt: neither the record nor the temp file is worth keeping (a resume
        # from them would meet the same mismatch)
        if rec_path:
            _remove(rec_path)
        if not disable_temp:
            _remove(target)
        raise
    except Stopped:
        if progress.error is not None:
            raise progress.error from None
        raise DownloadCancelled('download of %s cancelled; call download_file again to resume' % key) from None
    finally:
        if fd is not None:
            os.close(fd)
        if ok:
            if rec_path:
                _remove(rec_path)
        elif ok is False and rec_path and done:
            save_record(rec_path, record)
        elif ok is False and not disable_temp and not done:
            _remove(target)
    if progress.error is not None:
        raise progress.error
    return job
