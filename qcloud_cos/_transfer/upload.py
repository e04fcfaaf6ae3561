"""The upload engine behind ``upload_file`` and ``upload_folder``.

One scheduler runs every network task of a transfer (planning, parts, completion, for one file or
a whole folder) on one thread pool of ``MAXThread`` workers: the budget is global, parts of files
already started go before new files, and files are opened only while one of their parts is being
sent.  State changes happen on the calling thread only (the workers just return results).

Per file: a simple PUT when the file is at most max(20 MiB, PartSize); otherwise a multipart upload
that resumes from a local checkpoint (trusted when the file is unchanged, confirmed with List Parts)
or, without one, from an unfinished upload of the key found on the server (see "Adopting an upload
found on the server" below).  Each part is streamed from disk, CRC-64-checked against COS, and the
combined CRC is checked against the completed object.  Errors stop the file's remaining parts at once
and come out with their cause; cancellation (an Event, or Ctrl-C) stops promptly and leaves the upload
resumable.

Adopting an upload found on the server (no checkpoint, or another machine).  List Multipart Uploads
and List Parts show an upload's storage class and nothing else of its Initiate headers (not
Content-Type, metadata, ACL/grants, SSE, Cache-Control, ...).  So an upload found there is adopted
only when all of this holds:

- this call sets no Initiate header but ``StorageClass`` and ``TrafficLimit`` (which only paces
  requests), since no other header of the found upload can be confirmed to equal this call's;
- its storage class is this call's (STANDARD when not given);
- it has at least one part (an empty upload is another writer's that has just begun), and every part
  matches the file: same size as planned, ETag equal to the MD5 of that file range.

Otherwise a new upload is started and the found one is left alone (never aborted: it may be someone
else's).  Residual: a call without headers may still adopt an upload begun with headers (e.g. by the
official SDK with a ContentType); the listing cannot tell.

Concurrent writers and lost answers.  When our upload disappears (NoSuchUpload: another writer of
the same file adopted and completed it, or a Complete whose answer was lost), the object is checked
with one HEAD: if it has this file's size and CRC-64 the upload succeeded.  The same HEAD confirms,
on a rerun, an upload whose checkpoint has every part done but whose upload id is gone.
"""

import base64
import calendar
import collections
import hashlib
import json
import logging
import os
import signal
import stat as stat_module
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple, Union

from .. import _crc64, _http
from .._endpoint import check_key, quote_key
from .._headers import mapped
from ..cos_exception import CosClientError, CosServiceError
from .checkpoint import VERSION, CheckpointStore, NoCheckpoints
from .planner import (
    AUTO_PART,
    AUTO_THREADS,
    MAX_PART,
    MIB,
    MIN_PART,
    SIMPLE_THRESHOLD,
    auto_threads,
    given,
    is_simple,
    part_size_bytes,
    plan_parts,
)
from .progress import Progress, Stopped
from .source import LocalReadError, PartReader

logger = logging.getLogger("qcloud_cos.transfer")

PART_KWARGS = ("TrafficLimit", "SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5")
WHOLE_BODY_KWARGS = ("ContentLength", "ContentMD5")  # describe one request body: not for Initiate
COMPLETE_KWARGS = ("Callback", "CallbackVar")
CHECKPOINT_EVERY = 1.0  # seconds between checkpoint writes while parts complete
RESUME_CANDIDATES = 5  # unfinished uploads of a key examined when there is no checkpoint
SIMPLE = object()  # FileUpload.prepare's answer for "one PUT"
DONE = object()  # FileUpload.prepare's answer for "the object is already there" (result set)
# Initiate headers that do not keep an upload found on the server from being adopted: the storage
# class is shown by the listing (and compared), the traffic limit only paces requests.
CONFIRMABLE_HEADERS = frozenset(("x-cos-storage-class", "x-cos-traffic-limit"))
RECENT_CHANGE = 2.0  # seconds: a file changed this recently may change again within one timestamp tick
# MAXThread's ceiling: each worker is a thread and a pooled connection (urllib3 allocates the pool's
# slots up front, so an absurd value would hang before the first request).
MAX_WORKERS = 1024
HASH_THREADS = max(1, min(4, os.cpu_count() or 1))  # threads hashing file ranges to verify parts


class UploadCancelled(CosClientError):
    """The upload was cancelled (CancelEvent set, or Ctrl-C); it can be resumed by calling again."""


# -- small helpers ----------------------------------------------------------------------------


def _plain_etag(etag):
    return (etag or "").strip().strip('"').lower()


def _hash_range(path, offset, size):
    """(md5 hex, crc64) of a file range, read in 1 MiB blocks."""
    md5 = hashlib.md5()
    crc = _crc64.Crc64()
    with open(path, "rb") as f:
        f.seek(offset)
        left = size
        while left:
            block = f.read(min(MIB, left))
            if not block:
                raise CosClientError("%s is shorter than expected: it changed while uploading" % path)
            md5.update(block)
            crc.update(block)
            left -= len(block)
    return md5.hexdigest(), crc.value


def _file_crc64(path, size):
    return _hash_range(path, 0, size)[1]


def _identity(stat):
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino, "dev": stat.st_dev}


def _changed(before, after):
    """True when ``after`` (an os.stat) is not the file ``before`` was.

    The ctime is compared too: writing a file updates it and no user call can set it back, so a
    rewrite that keeps the size and restores the mtime is caught.  (It is not part of the
    checkpoint's identity: a chmod between two runs must not throw the upload away.)
    """
    return _identity(before) != _identity(after) or before.st_ctime_ns != after.st_ctime_ns


def _combine_crcs(pieces):
    """CRC-64 of consecutive pieces from their ``(crc64, size)``; None when a piece's CRC is unknown."""
    crc = None
    for value, size in pieces:
        if value is None:
            return None
        crc = value if crc is None else _crc64.combine(crc, value, size)
    return crc


def _still_the_file(path, before, crc):
    """Whether ``path`` is still the file ``before`` (an os.stat) described, whose bytes had CRC ``crc``.

    Its identity (with the ctime, so a rewrite that restores the mtime is caught); and, when the
    file had changed just before ``before`` was taken (timestamps have a resolution of a few ms, so a
    rewrite right then could keep them all), its CRC-64 against ``crc``.
    """
    now = os.stat(path)
    if _changed(before, now):
        return False
    if abs(time.time() - before.st_ctime) >= RECENT_CHANGE:
        return True
    return crc is None or _file_crc64(path, now.st_size) == crc


def _no_such_upload(exc):
    return isinstance(exc, CosServiceError) and exc.get_status_code() == 404 and exc.get_error_code() == "NoSuchUpload"


def _parse_time(text):
    """Seconds since the epoch of an ISO 8601 UTC time (``2020-03-25T10:07:14.000Z``), or None."""
    try:
        text = str(text).strip()
        whole = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
        fraction = text[19:].rstrip("Z")
        return whole + (float(fraction) if fraction.startswith(".") and len(fraction) > 1 else 0.0)
    except (TypeError, ValueError):
        return None


def regular_file(path, name="LocalFilePath"):
    """``os.stat(path)``, refusing anything but a regular file (a FIFO would upload as empty)."""
    st = os.stat(path)
    if stat_module.S_ISDIR(st.st_mode):
        raise CosClientError("%s %r is a directory, not a file (upload_folder uploads directories)" % (name, path))
    if not stat_module.S_ISREG(st.st_mode):
        raise CosClientError(
            "%s %r is not a regular file (a FIFO, socket or device): it cannot be uploaded" % (name, path)
        )
    return st


class _UploadGone(Exception):
    """A part was answered NoSuchUpload: our upload was completed or aborted by someone else."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def _headers_digest(kwargs):
    headers = mapped(kwargs)
    text = json.dumps(
        {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)) for k, v in headers.items()},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def list_all_parts(client, *, bucket, key, upload_id):
    """Every part of an upload, following List Parts pages."""
    parts: List[Dict[str, Any]] = []
    marker = 0
    while True:
        page = client.list_parts(bucket, key, upload_id, PartNumberMarker=marker)
        parts.extend(page.get("Part") or [])
        if str(page.get("IsTruncated", "false")).lower() != "true":
            return parts
        marker = int(page["NextPartNumberMarker"])


def list_all_uploads(client, *, bucket, key):
    """Unfinished uploads of exactly ``key``, oldest first, following every page."""
    found: List[Dict[str, Any]] = []
    key_marker, id_marker = "", ""
    while True:
        page = client.list_multipart_uploads(bucket, Prefix=key, KeyMarker=key_marker, UploadIdMarker=id_marker)
        found.extend(u for u in page.get("Upload") or [] if u.get("Key") == key)
        if str(page.get("IsTruncated", "false")).lower() != "true":
            return found
        key_marker, id_marker = page.get("NextKeyMarker") or "", page.get("NextUploadIdMarker") or ""


class _Control:
    """Stop flag of a transfer or of one file, chained to a parent and an optional user Event."""

    def __init__(self, *, parent=None, event=None):
        self._stopped = False  # a plain flag (set once, read by workers): no Event per file
        self._parent = parent
        self._event = event
        self.interrupt = None  # the entry point's _DeferredInterrupt: Ctrl-C stops a task run inline too

    def stop(self):
        self._stopped = True

    def stopped(self):
        return (
            self._stopped
            or (self._event is not None and self._event.is_set())
            or (self.interrupt is not None and self.interrupt.pending)
            or (self._parent is not None and self._parent.stopped())
        )

    def cancelled_by_user(self):
        return (self._event is not None and self._event.is_set()) or (
            self._parent is not None and self._parent.cancelled_by_user()
        )


# -- one file ---------------------------------------------------------------------------------


class FileUpload:
    """The upload of one local file; its methods run as scheduler tasks or callbacks."""

    def __init__(
        self,
        *,
        client,
        bucket,
        key,
        path,
        part_size,
        enable_md5,
        kwargs,
        store,
        progress,
        control,
        skip_existing=False,
        auto_part_size=False,
    ):
        self.client = client
        self.bucket = bucket
        self.key = key
        self.path = path
        self.part_size = part_size
        # PartSize not given: our default (planner.AUTO_PART, multipart above it), and an unfinished
        # upload found on the server is adopted with whatever part size it was begun with
        self.auto_part_size = auto_part_size
        self.enable_md5 = enable_md5
        self.kwargs = kwargs
        self.store = store
        self.progress = progress
        self.control = control
        self.skip_existing = skip_existing
        # upload_folder lists the prefix once: the object's size there (-1: absent), so that only an
        # object of the same size costs a HEAD (its CRC-64 decides); None: not listed, HEAD it
        self.listed_size: Optional[int] = None
        self.stat: Any = None  # an os.stat_result once prepared
        self.upload_id = None
        self.parts = []  # the plan
        self.done = {}  # part number → {'etag', 'crc64', 'size'}
        self.result = None
        self.skipped = False
        self.error = None
        self.gone = None  # the NoSuchUpload a part met, while the object is being checked
        self.checkpoint_path = None
        self.index = 0  # its place in the transfer's order of files
        self._last_save = 0.0
        self._pending = 0
        self._listed = set()  # upload ids of the key seen before our Initiate
        self._orphans = []  # uploads a retried Initiate of ours may have left (see _note_orphans)

    # -- planning (a worker task) ----------------------------------------------------------
    def prepare(self):
        """Stat, decide simple/multipart, resume or initiate.  Returns the parts still to send,
        SIMPLE, DONE (``result`` set) or None (skipped)."""
        if self.control.stopped():  # cancelled before it began: start nothing
            raise Stopped()
        self.stat = regular_file(self.path)
        size = self.stat.st_size
        if self.skip_existing and self._exists_unchanged(size):
            self.skipped = True
            return None
        threshold = AUTO_PART if self.auto_part_size else SIMPLE_THRESHOLD
        if is_simple(size=size, part_size=self.part_size, threshold=threshold):
            return SIMPLE
        self.part_size, self.parts = plan_parts(size=size, part_size=self.part_size)
        self.checkpoint_path = self.store.path_for(
            endpoint=self.client.get_conf().uri(bucket=self.bucket),
            bucket=self.bucket,
            key=self.key,
            local_path=self.path,
        )
        self._resume()
        if self.result is not None:
            self.store.delete(self.checkpoint_path)
            return DONE
        if self.upload_id is None:
            retries = self.client.get_retry_exe_times()
            started = time.monotonic()
            created = self.client.create_multipart_upload(self.bucket, self.key, **self._initiate_kwargs())
            self.upload_id = created["UploadId"]
            logger.info("created upload %s for %s", self.upload_id, self.key)
            self.save_checkpoint()
            if self.client.get_retry_exe_times() != retries:  # maybe sent twice: note what it left
                self._note_orphans(time.monotonic() - started)
        return [p for p in self.parts if p.number not in self.done]

    def _initiate_kwargs(self):
        return {k: v for k, v in self.kwargs.items() if k not in WHOLE_BODY_KWARGS}

    def _exists_unchanged(self, size):
        listed = self.listed_size
        if listed is not None and listed != size:  # absent (-1) or another size in the folder's listing
            return False
        try:
            head = self.client.head_object(self.bucket, self.key)
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                return False
            raise
        remote_crc = head.get("x-cos-hash-crc64ecma")
        if head.get("Content-Length") != str(size) or not remote_crc:
            return False
        return str(_file_crc64(self.path, size)) == remote_crc

    def _record(self):
        return {
            "version": VERSION,
            "bucket": self.bucket,
            "key": self.key,
            "path": os.path.abspath(self.path),
            "file": _identity(self.stat),
            "part_size": self.part_size,
            "headers": _headers_digest(self.kwargs),
            "upload_id": self.upload_id,
            "parts": {str(n): p for n, p in sorted(self.done.items())},
        }

    def _resume(self):
        record = self.store.load(self.checkpoint_path)
        if record is not None:
            same = (
                record["file"] == _identity(self.stat)
                and record["part_size"] == self.part_size
                and record["headers"] == _headers_digest(self.kwargs)
                and record["bucket"] == self.bucket
                and record["key"] == self.key
            )
            if same and self._resume_from_checkpoint(record):
                return
            if not same:
                # Our own upload of an older version of the file (or other settings): abort it.
                logger.info("file or settings changed since upload %s began; aborting it", record["upload_id"])
                self._abort_quietly(record["upload_id"])
            self.store.delete(self.checkpoint_path)
        self._resume_from_server()

    def _resume_from_checkpoint(self, record):
        try:
            remote = list_all_parts(self.client, bucket=self.bucket, key=self.key, upload_id=record["upload_id"])
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                logger.info("checkpointed upload %s no longer exists", record["upload_id"])
                self.result = self._completed_before(record)
                return self.result is not None
            raise
        by_number = {p.number: p for p in self.parts}
        known = record["parts"]
        for item in remote:
            number = int(item["PartNumber"])
            plan = by_number.get(number)
            if plan is None or int(item["Size"]) != plan.size:
                continue
            mine = known.get(str(number))
            if mine is not None and _plain_etag(mine["etag"]) == _plain_etag(item["ETag"]):
                self.done[number] = mine  # trusted: the file has not changed
            else:
                md5, crc = _hash_range(self.path, plan.offset, plan.size)
                if md5 == _plain_etag(item["ETag"]):
                    self.done[number] = {"etag": item["ETag"], "crc64": crc, "size": plan.size}
        self.upload_id = record["upload_id"]
        logger.info(
            "resuming upload %s of %s from its checkpoint: %d of %d parts done",
            self.upload_id,
            self.key,
            len(self.done),
            len(self.parts),
        )
        return True

    def _completed_before(self, record):
        """The result, when the checkpoint has every part done and the object is exactly them.

        A Complete whose answer was lost (retries exhausted, or the process killed right after it)
        leaves such a checkpoint; one HEAD (size and CRC-64) confirms the object instead of sending
        the whole file again.
        """
        parts = record["parts"]
        if sorted(parts) != sorted(str(p.number) for p in self.parts):
            return None
        if any(parts[str(plan.number)].get("size") != plan.size for plan in self.parts):
            return None
        head = self._object_with(
            _combine_crcs((parts[str(plan.number)].get("crc64"), plan.size) for plan in self.parts)
        )
        if head is None:
            return None
        logger.info(
            "upload %s of %s was completed already (its answer was lost): confirmed by size and crc64",
            record["upload_id"],
            self.key,
        )
        return self._result_from_head(head)

    def _unconfirmable_headers(self):
        """This call's Initiate headers that an upload found on the server cannot be shown to share."""
        return sorted(h for h in mapped(self._initiate_kwargs()) if h.lower() not in CONFIRMABLE_HEADERS)

    def _resume_from_server(self):
        candidates = list_all_uploads(self.client, bucket=self.bucket, key=self.key)
        self._listed = {u.get("UploadId") for u in candidates}
        if not candidates:
            return
        blocking = self._unconfirmable_headers()
        if blocking:
            logger.info(
                "not resuming an unfinished upload of %s found on the server: this call sets %s, "
                "which List Multipart Uploads cannot confirm",
                self.key,
                ", ".join(blocking),
            )
            return
        wanted_class = str(self.kwargs.get("StorageClass", "STANDARD")).upper()
        for upload in reversed(candidates[-RESUME_CANDIDATES:]):  # newest first
            if str(upload.get("StorageClass") or "STANDARD").upper() != wanted_class:
                continue
            verified = self._verify_by_content(upload["UploadId"])
            if verified is not None:
                self.upload_id = upload["UploadId"]
                self.done, (self.part_size, self.parts) = verified
                logger.info(
                    "resuming upload %s of %s found on the server: %d of %d parts match the file",
                    self.upload_id,
                    self.key,
                    len(verified),
                    len(self.parts),
                )
                return

    def _verify_by_content(self, upload_id):
        """``(done, (part_size, parts))`` of ``upload_id`` if it has parts and every one matches the
        file, else None.

        An upload without parts is never adopted: it is most likely another writer's that has just
        begun, which would then meet NoSuchUpload.  Without a PartSize from the caller, the upload's
        own part size (its largest part's) is used, so an upload begun with other parts (the official
        SDK's 1 MiB) resumes too.  The file ranges are hashed on a few threads (hashlib releases the GIL),
        stopping at the first mismatch.
        """
        remote = list_all_parts(self.client, bucket=self.bucket, key=self.key, upload_id=upload_id)
        if not remote:
            return None
        layout = self.part_size, self.parts
        begun_with = max(int(item["Size"]) for item in remote)  # every part but the last has it
        if self.auto_part_size and begun_with != self.part_size and MIN_PART <= begun_with <= MAX_PART:
            layout = plan_parts(size=self.stat.st_size, part_size=begun_with)
            if layout[0] != begun_with:  # that part size would not fit in 10,000 parts
                return None
        by_number = {p.number: p for p in layout[1]}
        checks = []
        for item in remote:
            plan = by_number.get(int(item["PartNumber"]))
            if plan is None or int(item["Size"]) != plan.size:
                return None
            checks.append((plan, item["ETag"]))
        done = {}
        with ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="cos-verify") as pool:
            futures = [
                (plan, etag, pool.submit(_hash_range, self.path, plan.offset, plan.size)) for plan, etag in checks
            ]
            for plan, etag, future in futures:
                md5, crc = future.result()
                if md5 != _plain_etag(etag):
                    for _, _, pending in futures:
                        pending.cancel()
                    return None
                done[plan.number] = {"etag": etag, "crc64": crc, "size": plan.size}
        return done, layout

    def _abort_quietly(self, upload_id):
        try:
            self.client.abort_multipart_upload(self.bucket, self.key, upload_id)
        except CosServiceError as exc:
            if exc.get_status_code() != 404:
                logger.warning("could not abort stale upload %s: %s", upload_id, exc)

    # -- uploads a retried Initiate left behind ---------------------------------------------
    def _note_orphans(self, duration):
        """After an Initiate that was retried: note the uploads its lost first attempt may have made.

        Candidates are uploads of the key that were not listed before our Initiate, are not ours,
        and were initiated (server clock) no later than ours and no earlier than ours minus the
        duration of our Initiate call (plus a second for the timestamps' resolution).  They are
        aborted once our upload has finished (``abort_orphans``) if they still have no part.
        Residual race: another writer that initiated an upload of this very key during our
        Initiate call and has sent no part by the time ours finished loses that upload (it meets
        NoSuchUpload; this engine then starts again).  Uploads that cannot be placed in time are
        never touched.
        """
        try:
            uploads = list_all_uploads(self.client, bucket=self.bucket, key=self.key)
        except CosServiceError as exc:
            logger.info("could not list uploads of %s after a retried Initiate: %s", self.key, exc)
            return
        ours = [_parse_time(u.get("Initiated")) for u in uploads if u.get("UploadId") == self.upload_id]
        if not ours or ours[0] is None:
            return
        latest, earliest = ours[0], ours[0] - duration - 1.0
        for upload in uploads:
            initiated = _parse_time(upload.get("Initiated"))
            if (
                upload.get("UploadId") not in self._listed
                and upload.get("UploadId") != self.upload_id
                and initiated is not None
                and earliest <= initiated <= latest
            ):
                self._orphans.append(upload["UploadId"])

    def abort_orphans(self):
        """Abort the noted uploads that still have no part (best effort; see ``_note_orphans``)."""
        orphans, self._orphans = self._orphans, []
        for upload_id in orphans:
            try:
                if list_all_parts(self.client, bucket=self.bucket, key=self.key, upload_id=upload_id):
                    continue
                self.client.abort_multipart_upload(self.bucket, self.key, upload_id)
                logger.info("aborted upload %s of %s: left by a retried Initiate", upload_id, self.key)
            except (CosClientError, CosServiceError) as exc:
                logger.info("could not abort upload %s of %s: %s", upload_id, self.key, exc)

    # -- checks of the object ----------------------------------------------------------------
    def _object_with(self, crc):
        """The object's HEAD when it has this file's size and CRC-64 ``crc``, else None."""
        if crc is None:
            return None
        try:
            head = self.client.head_object(self.bucket, self.key)
        except CosServiceError:
            return None
        remote = str(head.get("x-cos-hash-crc64ecma") or "").strip()
        if head.get("Content-Length") != str(self.stat.st_size) or remote != str(crc):
            return None
        return head

    def _result_from_head(self, head):
        """A result shaped like complete_multipart_upload's: the headers plus Location/Bucket/Key/ETag."""
        result = _http.ResponseHeaders(head.items())
        result.update(
            {
                "Location": "%s/%s" % (self.client.get_conf().get_host(self.bucket), quote_key(self.key)),
                "Bucket": self.bucket,
                "Key": self.key,
                "ETag": head.get("ETag"),
            }
        )
        return result

    def _expected_crc(self):
        """CRC-64 of the file as planned: the part CRCs where known, the file ranges elsewhere."""

        def crc_of(plan):
            part = self.done.get(plan.number)
            if part is not None and part["crc64"] is not None:
                return part["crc64"]
            return _hash_range(self.path, plan.offset, plan.size)[1]

        return _combine_crcs((crc_of(plan), plan.size) for plan in self.parts)

    def confirm_gone(self, error):
        """Our upload is gone (``error``: NoSuchUpload).  Success if the object is exactly this file.

        Another writer of the same file may have adopted our upload and completed it.  The object
        is ours when it has the file's size and CRC-64 and the file has not changed; else ``error``.
        """
        if _changed(self.stat, os.stat(self.path)):
            raise error
        head = self._object_with(self._expected_crc())
        if head is None:
            raise error
        logger.info("upload %s of %s was completed by another writer with the same content", self.upload_id, self.key)
        self.store.delete(self.checkpoint_path)
        return self._result_from_head(head)

    # -- simple path (a worker task) -------------------------------------------------------
    def upload_simple(self):
        size = self.stat.st_size
        kwargs = dict(self.kwargs)
        if self.enable_md5:
            md5 = hashlib.md5()
            with open(self.path, "rb") as f:
                for block in iter(lambda: f.read(MIB), b""):
                    md5.update(block)
            kwargs["ContentMD5"] = base64.b64encode(md5.digest()).decode("ascii")
        with PartReader(
            self.path, offset=0, size=size, progress=self.progress, should_stop=self.control.stopped
        ) as reader:
            try:
                response = self.client.put_object(self.bucket, reader, self.key, **kwargs)
            except LocalReadError as exc:
                raise exc.oserror(self.path) from None
            sent = reader.crc64
        self._check_sent_simple(response, sent)
        return response

    def _check_sent_simple(self, response, sent):
        """Fail when the file changed while it was PUT (the object would be neither version).

        The file's identity (size, mtime, inode, ctime) before and after, and, when the timestamps
        cannot tell (``_still_the_file``), the CRC-64 of what was sent against the file as it is now.
        The object is deleted when it is still the one we
        wrote (same ETag and CRC); one written by someone else since is left alone.
        """
        if _still_the_file(self.path, self.stat, sent):
            return
        removed = self._delete_if_ours(response, sent)
        raise CosClientError(
            "%s changed while it was being uploaded: %s"
            % (
                self.path,
                "the object written from it was deleted"
                if removed
                else "the object is no longer the one written from it and was left alone",
            )
        )

    def _delete_if_ours(self, response, sent):
        # Residual race: a PUT by someone else between this HEAD and the DELETE would be deleted
        # (DELETE Object takes no precondition).
        try:
            head = self.client.head_object(self.bucket, self.key)
            if head.get("ETag") != response.get("ETag") or str(head.get("x-cos-hash-crc64ecma") or "").strip() != str(
                sent
            ):
                return False
            self.client.delete_object(self.bucket, self.key)
            return True
        except (CosClientError, CosServiceError) as exc:
            logger.warning("could not delete %s written from a file that changed meanwhile: %s", self.key, exc)
            return False

    # -- parts (worker tasks) --------------------------------------------------------------
    def upload_part(self, part):
        if self.control.stopped():
            raise Stopped()
        kwargs = {k: self.kwargs[k] for k in PART_KWARGS if k in self.kwargs}
        if self.enable_md5:
            md5, _ = _hash_range(self.path, part.offset, part.size)
            kwargs["ContentMD5"] = base64.b64encode(bytes.fromhex(md5)).decode("ascii")
        with PartReader(
            self.path, offset=part.offset, size=part.size, progress=self.progress, should_stop=self.control.stopped
        ) as reader:
            try:
                response = self.client.upload_part(self.bucket, self.key, reader, part.number, self.upload_id, **kwargs)
            except LocalReadError as exc:
                raise exc.oserror(self.path) from None
            except CosServiceError as exc:
                if _no_such_upload(exc):
                    raise _UploadGone(exc) from None
                raise
        etag = response.get("ETag")
        if not etag:
            raise CosClientError("upload_part %d of %s was answered without an ETag" % (part.number, self.key))
        # upload_part has already checked COS's CRC-64 of the part against the bytes it sent.
        crc = response.get("x-cos-hash-crc64ecma")
        return part.number, {"etag": etag, "crc64": int(crc) if crc else None, "size": part.size}

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
            logger.warning("could not write checkpoint %s: %s", self.checkpoint_path, exc)

    # -- completion (a worker task) --------------------------------------------------------
    def _combined_crc(self, numbers):
        """CRC-64 of the whole object from the part CRCs; None if a server gave no part CRC."""
        return _combine_crcs((self.done[n]["crc64"], self.done[n]["size"]) for n in numbers)

    def complete(self):
        numbers = sorted(self.done)
        if not _still_the_file(self.path, self.stat, self._combined_crc(numbers)):
            self._abort_quietly(self.upload_id)
            self.store.delete(self.checkpoint_path)
            raise CosClientError("%s changed while it was being uploaded; the upload was aborted" % self.path)
        parts = [{"PartNumber": n, "ETag": self.done[n]["etag"]} for n in numbers]
        kwargs = {k: self.kwargs[k] for k in COMPLETE_KWARGS if k in self.kwargs}
        try:
            result = self.client.complete_multipart_upload(
                self.bucket, self.key, self.upload_id, {"Part": parts}, **kwargs
            )
        except CosServiceError as exc:
            if not _no_such_upload(exc):
                raise
            return self.confirm_gone(exc)
        crc = self._combined_crc(numbers)
        remote = result.get("x-cos-hash-crc64ecma")
        self.store.delete(self.checkpoint_path)
        if remote and crc is not None and str(crc) != str(remote).strip():
            raise CosClientError(
                "crc64 of the completed object %s is %s but the parts sent add up to %s" % (self.key, remote, crc)
            )
        return result


# -- the scheduler ----------------------------------------------------------------------------


class _DeferredInterrupt:
    """Ctrl-C during a transfer, turned into a flag that the scheduler loop acts on.

    Python raises KeyboardInterrupt wherever the main thread happens to be.  During a transfer that
    is mostly inside ``concurrent.futures.wait`` (a Condition's wait), ``Thread.start`` (the pool
    starts its workers lazily, on submit, and waits for each to signal it started) or a checkpoint
    write; interrupted in a Condition's lock re-acquisition it leaves the lock released twice
    (``RuntimeError: release unlocked lock``, in the main thread or the worker), and interrupted in
    ``Thread.start`` it leaves a worker the pool does not know about.  While a
    transfer runs on the main thread with Python's default SIGINT handler, that handler is replaced
    by one that only records the signal (a plain attribute: no lock may be taken in a handler); the
    scheduler raises KeyboardInterrupt itself at a safe point, the transfer drains and saves its
    checkpoints, and the KeyboardInterrupt comes out of upload_file.  A second Ctrl-C raises at
    once (the user insists).  Another handler installed by the program is left alone.
    """

    def __init__(self):
        self.pending = False
        self._installed = False

    def _handler(self, signum, frame):
        if self.pending:
            raise KeyboardInterrupt
        self.pending = True

    def __enter__(self):
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            signal.signal(signal.SIGINT, self._handler)
            self._installed = True
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self._installed = False
        if self.pending and exc_type is None:
            raise KeyboardInterrupt
        return False


class _Scheduler:
    """Runs tasks on ``workers`` threads; callbacks (which may add tasks) run on the caller's thread.

    Part tasks go before file tasks, so started files finish before new ones begin.
    """

    def __init__(self, workers, *, interrupt=None):
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cos-upload")
        self._limit = workers
        self._parts: Deque[Tuple[Callable[[], Any], Callable[[Future[Any]], None]]] = collections.deque()
        self._files: Deque[Tuple[Callable[[], Any], Callable[[Future[Any]], None]]] = collections.deque()
        self._inflight = {}
        self._interrupt = interrupt

    def add_part(self, fn, on_done):
        self._parts.append((fn, on_done))

    def add_file(self, fn, on_done):
        self._files.append((fn, on_done))

    def _check_interrupt(self):
        if self._interrupt is not None and self._interrupt.pending:
            raise KeyboardInterrupt

    def run(self):
        while self._parts or self._files or self._inflight:
            self._check_interrupt()
            self._fill()
            done, _ = wait(list(self._inflight), timeout=0.2, return_when=FIRST_COMPLETED)
            self._check_interrupt()
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
            if not self._inflight and not self._parts and not self._files:
                on_done(_run_inline(fn))  # the only task: no thread to start or hand over to
                continue
            self._inflight[self._executor.submit(fn)] = on_done


def _run_inline(fn):
    """``fn()`` on this thread, as a finished Future (a worker's Future carries any BaseException too)."""
    future: Future[Any] = Future()
    try:
        future.set_result(fn())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - Stopped and LocalReadError are BaseExceptions
        future.set_exception(exc)
    return future


class Transfer:
    """A set of file uploads sharing one scheduler, progress and stop control."""

    def __init__(self, *, client, workers, progress_callback, cancel_event, checkpoint_dir, fail_fast):
        check_options(
            workers=workers,
            progress_callback=progress_callback,
            cancel_event=cancel_event,
            checkpoint_dir=checkpoint_dir,
        )
        self.client = client
        self.workers = workers
        self.control = _Control(event=cancel_event)
        self.progress_callback = progress_callback
        self.progress: Any = None  # a Progress while running
        self.fail_fast = fail_fast
        self.store: Union[NoCheckpoints, CheckpointStore]
        if checkpoint_dir is False:
            self.store = NoCheckpoints()
        else:
            self.store = CheckpointStore(checkpoint_dir or None)
        self.files = []  # the uploads added or started and not finished
        self.keep_results = True  # upload_file returns its file's result; upload_folder needs none
        # upload_folder: the uploads still to start (an iterator), at most ``_window`` files at a time,
        # and what the finished ones left: (walk index, key, size or error, path)
        self._source: Any = None
        self._window = 0
        self.uploaded: List[Tuple[int, str, int]] = []
        self.skipped: List[Tuple[int, str]] = []
        self.failed: List[Tuple[int, str, str, BaseException]] = []
        self._started = 0
        self._stopping = False  # Ctrl-C or a callback error: start nothing more
        self._scheduler: Any = None  # a _Scheduler while running
        self._run_client: Any = None  # the client the running uploads send with
        self._clock = time.monotonic

    def new_upload(self, **kwargs):
        """A FileUpload of this transfer, not yet added."""
        return FileUpload(
            client=self.client, store=self.store, progress=None, control=_Control(parent=self.control), **kwargs
        )

    def add(self, **kwargs):
        upload = self.new_upload(**kwargs)
        self.files.append(upload)
        return upload

    def stream(self, uploads, *, window):
        """Start the uploads of ``uploads`` (an iterable of ``new_upload`` values) as the run goes, never
        more than ``window`` files unfinished at once, so memory does not grow with the number of files."""
        self._source = iter(uploads)
        self._window = window

    def run(self, *, total, interrupt=None):
        """Run every file; ``interrupt``: the entry point's ``_DeferredInterrupt`` (Ctrl-C)."""
        self.progress = Progress(total=total, callback=self.progress_callback)
        self._scheduler = _Scheduler(self.workers, interrupt=interrupt)
        self.control.interrupt = interrupt
        with self.client._concurrent(self.workers) as client:
            self._run_client = client
            for upload in self.files:
                self._start(upload)
            self._feed()
            self._run()
        if self.progress.error is not None:
            raise self.progress.error

    def _start(self, upload):
        upload.index = self._started
        self._started += 1
        upload.progress = self.progress
        upload.client = self._run_client
        self._scheduler.add_file(upload.prepare, lambda f, u=upload: self._prepared(u, f))

    def _feed(self):
        while self._source is not None and not self._stopping and len(self.files) < self._window:
            upload = next(self._source, None)
            if upload is None:
                self._source = None
                return
            self.files.append(upload)
            self._start(upload)

    def _finished(self, upload):
        """``upload`` is done (uploaded, skipped or failed): note how, forget it, start the next file."""
        if upload.error is not None:
            self.failed.append((upload.index, upload.key, upload.path, upload.error))
        elif upload.skipped:
            self.skipped.append((upload.index, upload.key))
        else:
            self.uploaded.append((upload.index, upload.key, upload.stat.st_size))
        try:
            self.files.remove(upload)
        except ValueError:
            pass
        self._feed()

    def _run(self):
        try:
            self._scheduler.run()
            if not self.failed and self.progress.error is None:
                self.progress.finish()
        except BaseException as exc:  # Ctrl-C, or the progress callback failing on this thread
            self._stopping = True
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
        if isinstance(exc, _UploadGone):
            exc = exc.error
        if isinstance(exc, Stopped):
            if self.progress.error is not None:
                exc = self.progress.error
            elif upload.control.cancelled_by_user():
                exc = UploadCancelled(
                    "upload of %s to %s was cancelled; call again to resume" % (upload.path, upload.key)
                )
            else:
                exc = UploadCancelled("upload of %s stopped after another upload failed" % upload.path)
        upload.error = exc
        upload.control.stop()
        upload.save_checkpoint()
        if self.fail_fast or self.progress.error is not None:
            self.control.stop()
        if not isinstance(exc, UploadCancelled):  # not when stopping: be prompt
            upload.abort_orphans()
        logger.info("upload of %s failed: %r", upload.path, exc)
        self._finished(upload)

    def _prepared(self, upload, future):
        exc = future.exception()
        if exc is not None:
            return self._fail(upload, exc)
        todo = future.result()
        if todo is None or todo is DONE:  # skipped (already there), or completed by an earlier run
            self.progress.add(upload.stat.st_size)  # whose answer was lost
            return self._finished(upload)
        if todo is SIMPLE:
            return self._scheduler.add_part(upload.upload_simple, lambda f: self._completed(upload, f))
        reused = sum(info["size"] for info in upload.done.values())
        if reused:
            self.progress.add(reused)  # resumed bytes are reported first
        upload._pending = len(todo)
        if not todo:
            return self._scheduler.add_part(upload.complete, lambda f: self._completed(upload, f))
        for part in todo:
            self._scheduler.add_part(
                lambda p=part: upload.upload_part(p), lambda f, p=part: self._part_done(upload, p, f)
            )
        return None

    def _part_done(self, upload, part, future):
        upload._pending -= 1
        exc = future.exception()
        if isinstance(exc, _UploadGone) and upload.error is None and not self.control.stopped():
            if upload.gone is None:  # stop the other parts; then look at the object
                upload.gone = exc.error
                upload.control.stop()
        elif isinstance(exc, Stopped) and upload.gone is not None and not self.control.stopped():
            pass  # stopped because the upload is gone
        elif exc is not None:
            self._fail(upload, exc)
        elif upload.error is None:  # (also while gone: its CRC spares hashing that range)
            number, info = future.result()
            upload.part_done(number, info, now=self._clock())
        if upload._pending == 0 and upload.error is None:
            if upload.gone is not None:
                return self._scheduler.add_part(
                    lambda: upload.confirm_gone(upload.gone), lambda f: self._completed(upload, f)
                )
            upload.save_checkpoint()
            self._scheduler.add_part(upload.complete, lambda f: self._completed(upload, f))
        return None

    def _completed(self, upload, future):
        """A simple upload, a Complete or the check of an upload that is gone finished."""
        exc = future.exception()
        if exc is not None:
            return self._fail(upload, exc)
        upload.result = future.result() if self.keep_results else None  # a folder's: thousands of dicts
        upload.abort_orphans()
        return self._finished(upload)


# -- entry points -----------------------------------------------------------------------------


def _is_path(value):
    return not isinstance(value, bool) and isinstance(value, (str, bytes, os.PathLike))


def local_path(value, name):
    """A local path argument as a str; CosClientError naming ``name`` when it is not a path."""
    if not _is_path(value):
        raise CosClientError("%s must be a path (str, bytes or os.PathLike), got %r" % (name, value))
    path = os.fsdecode(os.fspath(value))
    if not path:
        raise CosClientError("%s must not be empty" % name)
    return path


def check_options(*, workers, progress_callback, cancel_event, checkpoint_dir):
    """Validate the arguments every transfer takes (before any request is sent)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise CosClientError("MAXThread must be an integer from 1 to %d, got %r" % (MAX_WORKERS, workers))
    if progress_callback is not None and not callable(progress_callback):
        raise CosClientError(
            "progress_callback must be callable(consumed_bytes, total_bytes) or None, got %r" % (progress_callback,)
        )
    if cancel_event is not None and not callable(getattr(cancel_event, "is_set", None)):
        raise CosClientError(
            "CancelEvent must be a threading.Event (anything with is_set()) or None, got %r" % (cancel_event,)
        )
    if checkpoint_dir is not None and checkpoint_dir is not False and not _is_path(checkpoint_dir):
        raise CosClientError(
            "CheckpointDir must be a directory path, None (the default directory) or False "
            "(no checkpoints), got %r" % (checkpoint_dir,)
        )


def _split_extensions(kwargs, *, max_thread, progress_callback):
    kwargs = dict(kwargs)
    cancel_event = kwargs.pop("CancelEvent", None)
    checkpoint_dir = kwargs.pop("CheckpointDir", None)
    check_options(
        workers=max_thread,
        progress_callback=progress_callback,
        cancel_event=cancel_event,
        checkpoint_dir=checkpoint_dir,
    )
    if _is_path(checkpoint_dir):
        checkpoint_dir = os.fsdecode(os.fspath(checkpoint_dir))
    mapped(kwargs)  # unknown kwargs are rejected before any I/O, as put_object does
    return kwargs, cancel_event, checkpoint_dir


def upload_file(client, *, bucket, key, path, part_size, max_thread, enable_md5, progress_callback, kwargs):
    with _DeferredInterrupt() as interrupt:
        return _upload_file(
            client,
            bucket=bucket,
            key=key,
            path=path,
            part_size=part_size,
            max_thread=max_thread,
            enable_md5=enable_md5,
            progress_callback=progress_callback,
            kwargs=kwargs,
            interrupt=interrupt,
        )


def _upload_file(client, *, bucket, key, path, part_size, max_thread, enable_md5, progress_callback, kwargs, interrupt):
    check_key(key)
    path = local_path(path, "LocalFilePath")
    kwargs, cancel_event, checkpoint_dir = _split_extensions(
        kwargs, max_thread=max_thread, progress_callback=progress_callback
    )
    auto_part = not given(part_size)
    part_size = AUTO_PART if auto_part else part_size_bytes(part_size)
    size = regular_file(path).st_size
    if not given(max_thread):
        max_thread = 1 if auto_part and size <= AUTO_PART else auto_threads(size=size, part_size=part_size)
    transfer = Transfer(
        client=client,
        workers=max_thread,
        progress_callback=progress_callback,
        cancel_event=cancel_event,
        checkpoint_dir=checkpoint_dir,
        fail_fast=True,
    )
    upload = transfer.add(
        bucket=bucket,
        key=key,
        path=path,
        part_size=part_size,
        enable_md5=enable_md5,
        kwargs=kwargs,
        auto_part_size=auto_part,
    )
    transfer.run(total=size, interrupt=interrupt)
    if upload.error is not None:
        raise upload.error
    return upload.result


LISTING_LIMIT = 100_000  # objects: beyond that, one HEAD per file costs less than the listing


def _listed_sizes(client, *, bucket, prefix):
    """Key -> size of every object below ``prefix`` (one listing instead of a HEAD per new file);
    None when it cannot be listed, or holds more than ``LISTING_LIMIT`` objects (then every file is
    HEADed, as before)."""
    sizes: Dict[str, int] = {}
    try:
        for entry in client.iter_objects(bucket, Prefix=prefix):
            if len(sizes) >= LISTING_LIMIT:
                return None
            sizes[entry["Key"]] = int(entry["Size"])
    except CosServiceError as exc:  # e.g. a key that may PUT but not list (403): fall back to HEADs
        logger.info("could not list %s/%s (%s); checking each file with HEAD", bucket, prefix, exc)
        return None
    return sizes


#: upload_folder keeps at most this many files per worker started and unfinished (queued or sending).
FOLDER_WINDOW_PER_WORKER = 4


def _relative(path, local_dir):
    return os.path.relpath(path, local_dir).replace(os.sep, "/")


def _walk(local_dir):
    """(path, size) of every regular file below ``local_dir`` (symlinks followed), in sorted order."""
    for root, dirs, files in os.walk(local_dir):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                info = os.stat(path)
            except OSError:  # gone, or a dangling link: not a file to upload
                continue
            if stat_module.S_ISREG(info.st_mode):
                yield path, info.st_size


def upload_folder(
    client,
    *,
    bucket,
    local_dir,
    key_prefix,
    part_size,
    max_thread,
    enable_md5,
    skip_existing,
    progress_callback,
    kwargs,
):
    with _DeferredInterrupt() as interrupt:
        return _upload_folder(
            client,
            bucket=bucket,
            local_dir=local_dir,
            key_prefix=key_prefix,
            part_size=part_size,
            max_thread=max_thread,
            enable_md5=enable_md5,
            skip_existing=skip_existing,
            progress_callback=progress_callback,
            kwargs=kwargs,
            interrupt=interrupt,
        )


def _upload_folder(
    client,
    *,
    bucket,
    local_dir,
    key_prefix,
    part_size,
    max_thread,
    enable_md5,
    skip_existing,
    progress_callback,
    kwargs,
    interrupt,
):
    local_dir = local_path(local_dir, "LocalPath")
    if not os.path.isdir(local_dir):
        raise CosClientError("LocalPath is not a directory: %r" % (local_dir,))
    if not isinstance(key_prefix, str):
        raise CosClientError("KeyPrefix must be a string, got %r" % (key_prefix,))
    kwargs, cancel_event, checkpoint_dir = _split_extensions(
        kwargs, max_thread=max_thread, progress_callback=progress_callback
    )
    auto_part = not given(part_size)
    part_size = AUTO_PART if auto_part else part_size_bytes(part_size)
    transfer = Transfer(
        client=client,
        workers=max_thread if given(max_thread) else AUTO_THREADS,
        progress_callback=progress_callback,
        cancel_event=cancel_event,
        checkpoint_dir=checkpoint_dir,
        fail_fast=False,
    )
    transfer.keep_results = False
    listed = _listed_sizes(client, bucket=bucket, prefix=key_prefix) if skip_existing else None
    # A first walk checks every key (a bad one refuses the whole call before anything is sent) and
    # sums the sizes for progress; the second starts the uploads as the transfer goes, so that only
    # a window of files is held however many the tree has.
    total = 0
    for path, size in _walk(local_dir):
        check_key(key_prefix + _relative(path, local_dir))
        total += size

    def uploads():
        for path, _ in _walk(local_dir):
            key = key_prefix + _relative(path, local_dir)
            upload = transfer.new_upload(
                bucket=bucket,
                key=key,
                path=path,
                part_size=part_size,
                enable_md5=enable_md5,
                kwargs=kwargs,
                skip_existing=skip_existing,
                auto_part_size=auto_part,
            )
            if listed is not None:
                upload.listed_size = listed.get(key, -1)
            yield upload

    transfer.stream(uploads(), window=FOLDER_WINDOW_PER_WORKER * transfer.workers)
    transfer.run(total=total, interrupt=interrupt)
    failed = sorted(transfer.failed, key=lambda f: f[0])
    return {
        "success_all": not failed,
        "uploaded": [key for _, key, _ in sorted(transfer.uploaded)],
        "skipped": [key for _, key in sorted(transfer.skipped)],
        "failed": [{"Key": key, "LocalFilePath": path, "Error": error} for _, key, path, error in failed],
        "uploaded_bytes": sum(size for _, _, size in transfer.uploaded),
    }
