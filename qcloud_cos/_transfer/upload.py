"""The upload engine behind ``upload_file`` and ``upload_folder``.

One scheduler runs every network task of a transfer (planning, parts, completion, for one file or
a whole folder) on one thread pool of ``MAXThread`` workers: the budget is global, parts of files
already started go before new files, and files are opened only while one of their parts is being
sent.  State changes happen on the calling thread only (the workers just return results).

Per file: a simple PUT when the file is at most max(20 MiB, PartSize); otherwise a multipart upload
that resumes from a local checkpoint (trusted when the file is unchanged, confirmed with List Parts)
or, without one, from any unfinished upload of the key whose parts match the file's content.  Each
part is streamed from disk, CRC-64-checked against COS, and the combined CRC is checked against the
completed object.  Errors stop the file's remaining parts at once and come out with their cause;
cancellation (an Event, or Ctrl-C) stops promptly and leaves the upload resumable.
"""
import base64
import collections
import hashlib
import json
import logging
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from .. import _crc64
from .._headers import mapped
from ..cos_exception import CosClientError, CosServiceError
from .checkpoint import VERSION, CheckpointStore, NoCheckpoints
from .planner import MIB, is_simple, part_size_bytes, plan_parts
from .progress import Progress, Stopped
from .source import PartReader

logger = logging.getLogger('qcloud_cos.transfer')

PART_KWARGS = ('TrafficLimit', 'SSECustomerAlgorithm', 'SSECustomerKey', 'SSECustomerKeyMD5')
WHOLE_BODY_KWARGS = ('ContentLength', 'ContentMD5')   # describe one request body: not for Initiate
COMPLETE_KWARGS = ('Callback', 'CallbackVar')
CHECKPOINT_EVERY = 1.0   # seconds between checkpoint writes while parts complete
RESUME_CANDIDATES = 5    # unfinished uploads of a key examined when there is no checkpoint
SIMPLE = object()        # FileUpload.prepare's answer for "one PUT"
HASH_THREADS = max(1, min(4, os.cpu_count() or 1))   # threads hashing file ranges to verify parts


class UploadCancelled(CosClientError):
    """The upload was cancelled (CancelEvent set, or Ctrl-C); it can be resumed by calling again."""


# -- small helpers ----------------------------------------------------------------------------

def _plain_etag(etag):
    return (etag or '').strip().strip('"').lower()


def _hash_range(path, offset, size):
    """(md5 hex, crc64) of a file range, read in 1 MiB blocks."""
    md5 = hashlib.md5()
    crc = _crc64.Crc64()
    with open(path, 'rb') as f:
        f.seek(offset)
        left = size
        while left:
            block = f.read(min(MIB, left))
            if not block:
                raise CosClientError('%s is shorter than expected: it changed while uploading' % path)
            md5.update(block)
            crc.update(block)
            left -= len(block)
    return md5.hexdigest(), crc.value


def _file_crc64(path, size):
    return _hash_range(path, 0, size)[1]


def _identity(stat):
    return {'size': stat.st_size, 'mtime_ns': stat.st_mtime_ns, 'inode': stat.st_ino, 'dev': stat.st_dev}


def _headers_digest(kwargs):
    headers = mapped(kwargs)
    text = json.dumps({k: (v.decode('utf-8', 'replace') if isinstance(v, bytes) else str(v))
                       for k, v in headers.items()}, sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def list_all_parts(client, *, bucket, key, upload_id):
    """Every part of an upload, following List Parts pages."""
    parts, marker = [], 0
    while True:
        page = client.list_parts(bucket, key, upload_id, PartNumberMarker=marker)
        parts.extend(page.get('Part') or [])
        if str(page.get('IsTruncated', 'false')).lower() != 'true':
            return parts
        marker = int(page['NextPartNumberMarker'])


def list_all_uploads(client, *, bucket, key):
    """Unfinished uploads of exactly ``key``, oldest first, following every page."""
    found, key_marker, id_marker = [], '', ''
    while True:
        page = client.list_multipart_uploads(bucket, Prefix=key, KeyMarker=key_marker,
                                             UploadIdMarker=id_marker)
        found.extend(u for u in page.get('Upload') or [] if u.get('Key') == key)
        if str(page.get('IsTruncated', 'false')).lower() != 'true':
            return found
        key_marker, id_marker = page.get('NextKeyMarker') or '', page.get('NextUploadIdMarker') or ''


class _Control:
    """Stop flag of a transfer or of one file, chained to a parent and an optional user Event."""

    def __init__(self, *, parent=None, event=None):
        self._stopped = threading.Event()
        self._parent = parent
        self._event = event

    def stop(self):
        self._stopped.set()

    def stopped(self):
        return (self._stopped.is_set() or (self._event is not None and self._event.is_set())
                or (self._parent is not None and self._parent.stopped()))

    def cancelled_by_user(self):
        return (self._event is not None and self._event.is_set()) or \
            (self._parent is not None and self._parent.cancelled_by_user())


# -- one file ---------------------------------------------------------------------------------

class FileUpload:
    """The upload of one local file; its methods run as scheduler tasks or callbacks."""

    def __init__(self, *, client, bucket, key, path, part_size, enable_md5, kwargs, store, progress,
                 control, skip_existing=False):
        self.client = client
        self.bucket = bucket
        self.key = key
        self.path = path
        self.part_size = part_size
        self.enable_md5 = enable_md5
        self.kwargs = kwargs
        self.store = store
        self.progress = progress
        self.control = control
        self.skip_existing = skip_existing
        self.stat = None
        self.upload_id = None
        self.parts = []          # the plan
        self.done = {}           # part number → {'etag', 'crc64', 'size'}
        self.result = None
        self.skipped = False
        self.error = None
        self.checkpoint_path = None
        self._last_save = 0.0
        self._pending = 0

    # -- planning (a worker task) ----------------------------------------------------------
    def prepare(self):
        """Stat, decide simple/multipart, resume or initiate.  Returns the parts still to send."""
        self.stat = os.stat(self.path)
        size = self.stat.st_size
        if self.skip_existing and self._exists_unchanged(size):
            self.skipped = True
            return None
        if is_simple(size=size, part_size=self.part_size):
            return SIMPLE
        self.part_size, self.parts = plan_parts(size=size, part_size=self.part_size)
        self.checkpoint_path = self.store.path_for(endpoint=self.client.get_conf().uri(bucket=self.bucket),
                                                   bucket=self.bucket, key=self.key, local_path=self.path)
        self._resume()
        if self.upload_id is None:
            initiate = {k: v for k, v in self.kwargs.items() if k not in WHOLE_BODY_KWARGS}
            created = self.client.create_multipart_upload(self.bucket, self.key, **initiate)
            self.upload_id = created['UploadId']
            logger.info('created upload %s for %s', self.upload_id, self.key)
            self.save_checkpoint()
        return [p for p in self.parts if p.number not in self.done]

    def _exists_unchanged(self, size):
        try:
            head = self.client.head_object(self.bucket, self.key)
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                return False
            raise
        remote_crc = head.get('x-cos-hash-crc64ecma')
        if head.get('Content-Length') != str(size) or not remote_crc:
            return False
        return str(_file_crc64(self.path, size)) == remote_crc

    def _record(self):
        return {'version': VERSION, 'bucket': self.bucket, 'key': self.key,
                'path': os.path.abspath(self.path), 'file': _identity(self.stat), 'part_size': self.part_size,
                'headers': _headers_digest(self.kwargs), 'upload_id': self.upload_id,
                'parts': {str(n): p for n, p in sorted(self.done.items())}}

    def _resume(self):
        record = self.store.load(self.checkpoint_path)
        if record is not None:
            same = (record['file'] == _identity(self.stat) and record['part_size'] == self.part_size
                    and record['headers'] == _headers_digest(self.kwargs)
                    and record['bucket'] == self.bucket and record['key'] == self.key)
            if same and self._resume_from_checkpoint(record):
                return
            if not same:
                # Our own upload of an older version of the file (or other settings): abort it.
                logger.info('file or settings changed since upload %s began; aborting it', record['upload_id'])
                self._abort_quietly(record['upload_id'])
            self.store.delete(self.checkpoint_path)
        self._resume_from_server()

    def _resume_from_checkpoint(self, record):
        try:
            remote = list_all_parts(self.client, bucket=self.bucket, key=self.key, upload_id=record['upload_id'])
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                logger.info('checkpointed upload %s no longer exists', record['upload_id'])
                return False
            raise
        by_number = {p.number: p for p in self.parts}
        known = record['parts']
        for item in remote:
            number = int(item['PartNumber'])
            plan = by_number.get(number)
            if plan is None or int(item['Size']) != plan.size:
                continue
            mine = known.get(str(number))
            if mine is not None and _plain_etag(mine['etag']) == _plain_etag(item['ETag']):
                self.done[number] = mine            # trusted: the file has not changed
            else:
                md5, crc = _hash_range(self.path, plan.offset, plan.size)
                if md5 == _plain_etag(item['ETag']):
                    self.done[number] = {'etag': item['ETag'], 'crc64': crc, 'size': plan.size}
        self.upload_id = record['upload_id']
        logger.info('resuming upload %s of %s from its checkpoint: %d of %d parts done',
                    self.upload_id, self.key, len(self.done), len(self.parts))
        return True

    def _resume_from_server(self):
        wanted_class = str(self.kwargs.get('StorageClass', 'STANDARD')).upper()
        candidates = list_all_uploads(self.client, bucket=self.bucket, key=self.key)
        for upload in reversed(candidates[-RESUME_CANDIDATES:]):    # newest first
            if str(upload.get('StorageClass') or 'STANDARD').upper() != wanted_class:
                continue
            verified = self._verify_by_content(upload['UploadId'])
            if verified is not None:
                self.upload_id = upload['UploadId']
                self.done = verified
                logger.info('resuming upload %s of %s found on the server: %d of %d parts match the file',
                            self.upload_id, self.key, len(verified), len(self.parts))
                return

    def _verify_by_content(self, upload_id):
        """The parts of ``upload_id`` if every one matches the file, else None.

        The file ranges are hashed on a few threads (hashlib releases the GIL), stopping at the
        first mismatch.
        """
        remote = list_all_parts(self.client, bucket=self.bucket, key=self.key, upload_id=upload_id)
        by_number = {p.number: p for p in self.parts}
        checks = []
        for item in remote:
            plan = by_number.get(int(item['PartNumber']))
            if plan is None or int(item['Size']) != plan.size:
                return None
            checks.append((plan, item['ETag']))
        done = {}
        with ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix='cos-verify') as pool:
            futures = [(plan, etag, pool.submit(_hash_range, self.path, plan.offset, plan.size))
                       for plan, etag in checks]
            for plan, etag, future in futures:
                md5, crc = future.result()
                if md5 != _plain_etag(etag):
                    for _, _, pending in futures:
                        pending.cancel()
                    return None
                done[plan.number] = {'etag': etag, 'crc64': crc, 'size': plan.size}
        return done

    def _abort_quietly(self, upload_id):
        try:
            self.client.abort_multipart_upload(self.bucket, self.key, upload_id)
        except CosServiceError as exc:
            if exc.get_status_code() != 404:
                logger.warning('could not abort stale upload %s: %s', upload_id, exc)

    # -- simple path (a worker task) -------------------------------------------------------
    def upload_simple(self):
        size = self.stat.st_size
        kwargs = dict(self.kwargs)
        if self.enable_md5:
            md5 = hashlib.md5()
            with open(self.path, 'rb') as f:
                for block in iter(lambda: f.read(MIB), b''):
                    md5.update(block)
            kwargs['ContentMD5'] = base64.b64encode(md5.digest()).decode('ascii')
        with PartReader(self.path, offset=0, size=size, progress=self.progress,
                        should_stop=self.control.stopped) as reader:
            return self.client.put_object(self.bucket, reader, self.key, **kwargs)

    # -- parts (worker tasks) --------------------------------------------------------------
    def upload_part(self, part):
        if self.control.stopped():
            raise Stopped()
        kwargs = {k: self.kwargs[k] for k in PART_KWARGS if k in self.kwargs}
        if self.enable_md5:
            md5, _ = _hash_range(self.path, part.offset, part.size)
            kwargs['ContentMD5'] = base64.b64encode(bytes.fromhex(md5)).decode('ascii')
        with PartReader(self.path, offset=part.offset, size=part.size, progress=self.progress,
                        should_stop=self.control.stopped) as reader:
            response = self.client.upload_part(self.bucket, self.key, reader, part.number, self.upload_id,
                                               **kwargs)
        etag = response.get('ETag')
        if not etag:
            raise CosClientError('upload_part %d of %s was answered without an ETag' % (part.number, self.key))
        # upload_part has already checked COS's CRC-64 of the part against the bytes it sent.
        crc = response.get('x-cos-hash-crc64ecma')
        return part.number, {'etag': etag, 'crc64': int(crc) if crc else None, 'size': part.size}

    def part_done(self, number, info, *, now):
        self.done[number] = info
        if now - self._last_save >= CHECKPOINT_EVERY:
            self.save_checkpoint(now=now)

    def save_checkpoint(self, *, now=0.0):
        if self.upload_id is None or self.checkpoint_path is None:
            return
        self._last_save = now
        try:
            self.store.save(self.checkpoint_path, self._record())
        except OSError as exc:  # a checkpoint is an optimisation; never fail the upload for it
            logger.warning('could not write checkpoint %s: %s', self.checkpoint_path, exc)

    # -- completion (a worker task) --------------------------------------------------------
    def _combined_crc(self, numbers):
        """CRC-64 of the whole object from the part CRCs; None if a server gave no part CRC."""
        crc = None
        for n in numbers:
            part = self.done[n]
            if part['crc64'] is None:
                return None
            crc = part['crc64'] if crc is None else _crc64.combine(crc, part['crc64'], part['size'])
        return crc

    def complete(self):
        now = os.stat(self.path)
        if _identity(now) != _identity(self.stat):
            self._abort_quietly(self.upload_id)
            self.store.delete(self.checkpoint_path)
            raise CosClientError('%s changed while it was being uploaded; the upload was aborted' % self.path)
        numbers = sorted(self.done)
        parts = [{'PartNumber': n, 'ETag': self.done[n]['etag']} for n in numbers]
        kwargs = {k: self.kwargs[k] for k in COMPLETE_KWARGS if k in self.kwargs}
        result = self.client.complete_multipart_upload(self.bucket, self.key, self.upload_id,
                                                       {'Part': parts}, **kwargs)
        crc = self._combined_crc(numbers)
        remote = result.get('x-cos-hash-crc64ecma')
        self.store.delete(self.checkpoint_path)
        if remote and crc is not None and str(crc) != str(remote).strip():
            raise CosClientError('crc64 of the completed object %s is %s but the parts sent add up to %s'
                                 % (self.key, remote, crc))
        return result


# -- the scheduler ----------------------------------------------------------------------------

class _Scheduler:
    """Runs tasks on ``workers`` threads; callbacks (which may add tasks) run on the caller's thread.

    Part tasks go before file tasks, so started files finish before new ones begin.
    """

    def __init__(self, workers):
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='cos-upload')
        self._limit = workers
        self._parts = collections.deque()
        self._files = collections.deque()
        self._inflight = {}

    def add_part(self, fn, on_done):
        self._parts.append((fn, on_done))

    def add_file(self, fn, on_done):
        self._files.append((fn, on_done))

    def run(self):
        while self._parts or self._files or self._inflight:
            self._fill()
            done, _ = wait(list(self._inflight), timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                on_done = self._inflight.pop(future)
                on_done(future)

    def shutdown(self):
        self._executor.shutdown(wait=True)

    def drain(self):
        """Wait for the tasks already running; forget the queued ones."""
        self._parts.clear()
        self._files.clear()
        for future in list(self._inflight):
            on_done = self._inflight.pop(future)
            try:
                future.exception()
            except BaseException:  # noqa: BLE001 - waiting only
                pass
            on_done(future)

    def _fill(self):
        while len(self._inflight) < self._limit and (self._parts or self._files):
            fn, on_done = (self._parts or self._files).popleft()
            self._inflight[self._executor.submit(fn)] = on_done


class Transfer:
    """A set of file uploads sharing one scheduler, progress and stop control."""

    def __init__(self, *, client, workers, progress_callback, cancel_event, checkpoint_dir, fail_fast):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise CosClientError('MAXThread must be a positive integer, got %r' % (workers,))
        self.client = client
        self.workers = workers
        self.control = _Control(event=cancel_event)
        self.progress_callback = progress_callback
        self.progress = None
        self.fail_fast = fail_fast
        if checkpoint_dir is False:
            self.store = NoCheckpoints()
        else:
            self.store = CheckpointStore(checkpoint_dir or None)
        self.files = []
        self._scheduler = None
        self._clock = time.monotonic

    def add(self, **kwargs):
        upload = FileUpload(client=self.client, store=self.store, progress=None,
                            control=_Control(parent=self.control), **kwargs)
        self.files.append(upload)
        return upload

    def run(self, *, total):
        self.progress = Progress(total=total, callback=self.progress_callback)
        for upload in self.files:
            upload.progress = self.progress
        self._scheduler = _Scheduler(self.workers)
        for upload in self.files:
            self._scheduler.add_file(upload.prepare, lambda f, u=upload: self._prepared(u, f))
        with self.client._concurrent(self.workers) as client:
            for upload in self.files:
                upload.client = client
            self._run()
        if self.progress.error is not None:
            raise self.progress.error

    def _run(self):
        try:
            self._scheduler.run()
            if all(u.error is None for u in self.files) and self.progress.error is None:
                self.progress.finish()
        except BaseException as exc:  # Ctrl-C, or the progress callback failing on this thread
            self.control.stop()
            self._scheduler.drain()
            for upload in self.files:
                upload.save_checkpoint()
            if isinstance(exc, Stopped) and self.progress.error is not None:
                raise self.progress.error from None
            raise
        finally:
            self._scheduler.shutdown()

    # -- callbacks on the calling thread -----------------------------------------------------
    def _fail(self, upload, exc):
        if upload.error is not None:
            return
        if isinstance(exc, Stopped):
            if self.progress.error is not None:
                exc = self.progress.error
            elif upload.control.cancelled_by_user():
                exc = UploadCancelled('upload of %s to %s was cancelled; call again to resume'
                                      % (upload.path, upload.key))
            else:
                exc = UploadCancelled('upload of %s stopped after another upload failed' % upload.path)
        upload.error = exc
        upload.control.stop()
        upload.save_checkpoint()
        if self.fail_fast or self.progress.error is not None:
            self.control.stop()
        logger.info('upload of %s failed: %r', upload.path, exc)

    def _prepared(self, upload, future):
        exc = future.exception()
        if exc is not None:
            return self._fail(upload, exc)
        todo = future.result()
        if todo is None:                       # skipped: already there
            self.progress.add(upload.stat.st_size)
            return None
        if todo is SIMPLE:
            return self._scheduler.add_part(upload.upload_simple, lambda f: self._completed(upload, f))
        reused = sum(info['size'] for info in upload.done.values())
        if reused:
            self.progress.add(reused)          # resumed bytes are reported first
        upload._pending = len(todo)
        if not todo:
            return self._scheduler.add_part(upload.complete, lambda f: self._completed(upload, f))
        for part in todo:
            self._scheduler.add_part(lambda p=part: upload.upload_part(p),
                                     lambda f, p=part: self._part_done(upload, p, f))
        return None

    def _part_done(self, upload, part, future):
        upload._pending -= 1
        exc = future.exception()
        if exc is not None:
            self._fail(upload, exc)
        elif upload.error is None:
            number, info = future.result()
            upload.part_done(number, info, now=self._clock())
        if upload._pending == 0 and upload.error is None:
            upload.save_checkpoint()
            self._scheduler.add_part(upload.complete, lambda f: self._completed(upload, f))

    def _completed(self, upload, future):
        """A simple upload or a Complete finished."""
        exc = future.exception()
        if exc is not None:
            return self._fail(upload, exc)
        upload.result = future.result()
        return None


# -- entry points -----------------------------------------------------------------------------

def _split_extensions(kwargs):
    kwargs = dict(kwargs)
    cancel_event = kwargs.pop('CancelEvent', None)
    checkpoint_dir = kwargs.pop('CheckpointDir', None)
    mapped(kwargs)  # unknown kwargs are rejected before any I/O, as put_object does
    return kwargs, cancel_event, checkpoint_dir


def upload_file(client, *, bucket, key, path, part_size, max_thread, enable_md5, progress_callback, kwargs):
    kwargs, cancel_event, checkpoint_dir = _split_extensions(kwargs)
    part_size = part_size_bytes(part_size)
    size = os.stat(path).st_size
    transfer = Transfer(client=client, workers=max_thread, progress_callback=progress_callback,
                        cancel_event=cancel_event, checkpoint_dir=checkpoint_dir, fail_fast=True)
    upload = transfer.add(bucket=bucket, key=key, path=path, part_size=part_size, enable_md5=enable_md5,
                          kwargs=kwargs)
    transfer.run(total=size)
    if upload.error is not None:
        raise upload.error
    return upload.result


def _walk(local_dir):
    for root, dirs, files in os.walk(local_dir):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.isfile(path):
                yield path


def upload_folder(client, *, bucket, local_dir, key_prefix, part_size, max_thread, enable_md5,
                  skip_existing, progress_callback, kwargs):
    if not os.path.isdir(local_dir):
        raise CosClientError('LocalPath is not a directory: %r' % (local_dir,))
    kwargs, cancel_event, checkpoint_dir = _split_extensions(kwargs)
    part_size = part_size_bytes(part_size)
    transfer = Transfer(client=client, workers=max_thread, progress_callback=progress_callback,
                        cancel_event=cancel_event, checkpoint_dir=checkpoint_dir, fail_fast=False)
    total = 0
    for path in _walk(local_dir):
        relative = os.path.relpath(path, local_dir).replace(os.sep, '/')
        transfer.add(bucket=bucket, key=key_prefix + relative, path=path, part_size=part_size,
                     enable_md5=enable_md5, kwargs=kwargs, skip_existing=skip_existing)
        total += os.stat(path).st_size
    transfer.run(total=total)
    uploaded = [u for u in transfer.files if u.error is None and not u.skipped]
    failed = [u for u in transfer.files if u.error is not None]
    return {
        'success_all': not failed,
        'uploaded': [u.key for u in uploaded],
        'skipped': [u.key for u in transfer.files if u.skipped],
        'failed': [{'Key': u.key, 'LocalFilePath': u.path, 'Error': u.error} for u in failed],
        'uploaded_bytes': sum(u.stat.st_size for u in uploaded),
    }
