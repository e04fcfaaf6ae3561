"""``download_file``: one GET for small objects, parallel ranged GETs for large ones.

Every GET is pinned with ``If-Match`` to the ETag seen at HEAD, so an object overwritten
mid-download fails (``DownloadChanged``) instead of producing a mixed file.  Bytes are written with
positional writes into ``<dest>_<uuid hex>`` beside the destination and renamed at the end; the
CRC-64 is computed while streaming, per part, combined and compared with ``x-cos-hash-crc64ecma``
before the rename (no re-read).  A part whose body breaks off is re-requested from its first
missing byte.  The record (written atomically and self-checksummed before the first byte arrives,
then one checked line appended per part done) lets a crashed, killed or cancelled download resume
losing no finished part, at O(1) cost per part.
"""

import hashlib
import json
import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict

import requests
import urllib3

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; two downloads to one destination are not detected
    fcntl = None  # type: ignore[assignment]  # the module or None: every use checks it

from .. import _crc64
from .._headers import mapped, request_headers, split_params
from ..cos_exception import CosClientError, CosServiceError
from .checkpoint import digest, write_atomically
from .planner import AUTO_PART, AUTO_THREADS, given
from .progress import Progress, Stopped
from .upload import check_options, local_path

logger = logging.getLogger("qcloud_cos.transfer")

MIB = 1024 * 1024
BLOCK = 256 * 1024
RECORD_VERSION = 1
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
    return os.path.join(os.path.expanduser("~"), ".cos_download_tmp_file")


def record_path_for(directory, *, bucket, key, dest):
    """The official record name: ``<bucket>_<md5(key)>.<md5(dest)>``."""
    kd = hashlib.md5(key.encode("utf-8")).hexdigest()
    dd = hashlib.md5(os.fsencode(dest)).hexdigest()
    return os.path.join(directory, "%s_%s.%s" % (bucket, kd, dd))


def load_record(path):
    """The record at ``path`` (ours, or one the official SDK left), or None.

    Ours is a journal: a first line ``{"qcloud_cos": record, "sha256": ...}`` written atomically, then
    one line per part done, ``{"part": index, "crc": crc64, "check": ...}``, appended as each part
    completes (a line cut short by a crash fails its check and ends the journal).
    """
    try:
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
        header, _, journal = text.partition("\n")
        stored = json.loads(header)
        if isinstance(stored, dict) and "qcloud_cos" not in stored and "tmp_filename" in stored:
            return _adopt_official(json.loads(text))
        record = stored["qcloud_cos"]
        if stored.get("sha256") != digest(record) or record.get("version") != RECORD_VERSION:
            logger.warning("ignoring download record %s: checksum or version mismatch", path)
            return None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("ignoring unreadable download record %s: %s", path, exc)
        return None
    for line in journal.splitlines():
        try:
            entry = json.loads(line)
            index, crc = int(entry["part"]), int(entry["crc"])
        except (ValueError, KeyError, TypeError):
            break
        if entry.get("check") != _line_check(index, crc):
            break
        record["done"][str(index)] = crc
    return record


def _line_check(index, crc):
    return hashlib.sha256(("%d:%d" % (index, crc)).encode("ascii")).hexdigest()[:16]


def journal_line(index, crc):
    return json.dumps({"part": index, "crc": crc, "check": _line_check(index, crc)}) + "\n"


def _adopt_official(stored):
    """Our record for one left by the official SDK (same path; its parts carry no CRC: ``None``).

    Its format: ``{"bucket", "key", "tmp_filename", "mtime", "etag", "file_size": "<str>",
    "part_size", "parts": [{"part_id": 1-based, "start", "length"}]}``.
    """
    part_size = int(stored["part_size"])
    size = int(stored["file_size"])
    done: Dict[str, Any] = {}
    for part in stored["parts"]:
        index = int(part["part_id"]) - 1
        start = index * part_size
        if index < 0 or int(part["start"]) != start or int(part["length"]) != min(part_size, size - start):
            logger.warning("ignoring the official SDK download record: part %r does not fit", part)
            return None
        done[str(index)] = None
    tmp = os.path.abspath(stored["tmp_filename"])
    return {
        "version": RECORD_VERSION,
        "etag": stored["etag"],
        "size": size,
        "mtime": stored["mtime"],
        "part_size": part_size,
        "tmp": tmp,
        "in_place": False,
        "done": done,
        "official": True,
    }


def _fill_unknown_crcs(record, *, parts):
    """The CRC-64 of each done part the record holds none for, read back from the temp file."""
    unknown = [
        (index, start, length)
        for index, start, length in parts
        if str(index) in record["done"] and record["done"][str(index)] is None
    ]
    if not unknown:
        return
    with open(record["tmp"], "rb") as f:
        for index, start, length in unknown:
            f.seek(start)
            crc, left = 0, length
            while left:
                chunk = f.read(min(BLOCK, left))
                if not chunk:
                    raise CosClientError("%s is shorter than its download record says" % record["tmp"])
                crc = _crc64.crc64(chunk, crc)
                left -= len(chunk)
            record["done"][str(index)] = crc


def save_record(path, record):
    """Start the journal at ``path`` afresh with ``record`` (parts done so far included)."""
    write_atomically(path, json.dumps({"qcloud_cos": record, "sha256": digest(record)}, sort_keys=True) + "\n")


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
    for name, value, low, high in (("PartSize", part_size, 1, 5 * 1024), ("MaxPartCount", max_parts, 1, 10000)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise CosClientError("%s must be an integer from %d to %d, got %r" % (name, low, high, value))
    if not isinstance(enable_crc, bool):
        raise CosClientError("EnableCRC must be True or False, got %r" % (enable_crc,))
    check_options(
        workers=max_thread, progress_callback=progress_callback, cancel_event=cancel_event, checkpoint_dir=None
    )
    dest = local_path(dest, "DestFilePath")
    if os.path.isdir(dest):
        raise CosClientError("DestFilePath %r is a directory" % (dest,))
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent):
        raise CosClientError("DestFilePath %r: directory %r does not exist" % (dest, parent))
    if not os.access(parent, os.W_OK | os.X_OK) or (os.path.exists(dest) and not os.access(dest, os.W_OK)):
        raise CosClientError("DestFilePath %r is not writable" % (dest,))
    return dest


class _Download:
    def __init__(self, client, *, bucket, key, dest, headers, params, etag, size, crc, progress, cancel_event):
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
            headers["If-Match"] = self.etag
            if ranged or done:
                headers["Range"] = "bytes=%d-%d" % (start + done, start + length - 1)
            try:
                response = self.client._send(
                    method="GET",
                    bucket=self.bucket,
                    key=self.key,
                    params=self.params,
                    headers=headers,
                    stream=True,
                    log="get object",
                )
            except CosServiceError as exc:
                if exc.get_status_code() == 412:
                    raise DownloadChanged(
                        "%s changed while downloading (ETag is no longer %s); "
                        "nothing was written to %s" % (self.key, self.etag, self.dest)
                    ) from exc
                raise
            try:
                for chunk in response.raw.stream(BLOCK, decode_content=False):
                    if self.stop.is_set() or (self.cancel_event is not None and self.cancel_event.is_set()):
                        raise Stopped()
                    if done + len(chunk) > length:
                        raise _ShortBody("more bytes than asked for")
                    os.pwrite(fd, chunk, start + done)
                    crc = _crc64.crc64(chunk, crc)
                    done += len(chunk)
                    self.fetched += len(chunk)
                    self.progress.add(len(chunk))
                if done < length:
                    raise _ShortBody("body ended at %d of %d bytes" % (done, length))
            except _NET_ERRORS + (_ShortBody,) as exc:
                if attempts > _BODY_RETRIES:
                    raise CosClientError(
                        "download of %s bytes %d-%d failed after %d attempts: %s"
                        % (self.key, start, start + length - 1, attempts, exc)
                    ) from exc
                logger.info("part at %d broke off at %d/%d bytes (%s); resuming from there", start, done, length, exc)
            finally:
                response.close()
        return crc


def _lock(fd):
    """Take the temp file's advisory lock (False: another process holds it); always True without fcntl."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _check_key_and_record_dir(key, *, simplify, record_dir):
    if simplify:
        import posixpath

        if posixpath.normpath("/" + str(key).lstrip("/")) == "/":
            raise CosClientError("GetObject Key is invalid")
    if record_dir is not None and not isinstance(record_dir, (str, os.PathLike)):
        raise CosClientError("DumpRecordDir must be a directory path or None, got %r" % (record_dir,))


def _plan(size, *, part_size, max_parts):
    """``(ranged, piece, parts)``: parts are ``(index, start, length)``; an empty object is one empty part."""
    ranged = size > part_size * MIB
    piece = part_size_for(size, part_size, max_parts) if ranged else max(size, 1)
    return ranged, piece, _pieces(size, piece)


def _pieces(size, piece):
    return [(i, off, min(piece, size - off)) for i, off in enumerate(range(0, size, piece))] or [(0, 0, 0)]


def _resumed_piece(record, *, size, etag, piece, max_parts):
    """Without a PartSize from the caller: the part size of a matching unfinished download (ours or
    the official SDK's record), so that it resumes whatever part size it was begun with."""
    if record is None or record.get("size") != size or record.get("etag") != etag:
        return piece
    recorded = record.get("part_size")
    if isinstance(recorded, int) and recorded >= MIB and -(-size // recorded) <= max_parts:
        return recorded
    return piece


class _Target:
    """Where the bytes go (``<dest>_<uuid>`` or ``dest`` itself), and the record of the parts done."""

    def __init__(self, *, dest, disable_temp, record_path, record, fd):
        self.dest = dest
        self.disable_temp = disable_temp
        self.record_path = record_path  # None on the one-GET path: nothing to resume
        self.record = record
        self.path = record["tmp"]
        self.fd = fd
        self.done = record["done"]  # part index (str) -> CRC-64 of its bytes
        self._lock = threading.Lock()
        self._journal = None
        if record_path:
            self._start_journal()

    def _start_journal(self):
        """Write the record (the temp file is named on disk before any byte arrives), then append to it."""
        try:
            save_record(self.record_path, self.record)
            self._journal = open(self.record_path, "a", encoding="utf-8")
        except OSError as exc:  # resuming is an optimisation; never fail the download for it
            logger.warning(
                "could not write the download record %s (%s); this download cannot resume", self.record_path, exc
            )
            self.record_path = None

    @classmethod
    def open(cls, *, dest, disable_temp, record_path, record, etag, size, mtime, piece, parts):
        """``record``: what ``record_path`` held (``load_record``), None for none."""
        if record is not None and (
            record.get("etag") != etag
            or record.get("size") != size
            or record.get("mtime") != mtime
            or record.get("part_size") != piece
            or not os.path.isfile(record.get("tmp") or "")
            or bool(record.get("in_place")) != disable_temp
        ):
            if record.get("tmp") and not disable_temp:
                _remove(record["tmp"])
            record = None
        if record is not None:
            fd = os.open(record["tmp"], os.O_WRONLY)
            if _lock(fd):
                if record.get("official"):
                    _fill_unknown_crcs(record, parts=parts)
                return cls(dest=dest, disable_temp=disable_temp, record_path=record_path, record=record, fd=fd)
            os.close(fd)
            logger.warning(
                "another process is downloading %s (%s); this call downloads on its own, without a record",
                dest,
                record["tmp"],
            )
            record_path = None
            disable_temp = False  # never write into the file the other process is writing
        path = dest if disable_temp else "%s_%s" % (dest, uuid.uuid4().hex)
        record = {
            "version": RECORD_VERSION,
            "etag": etag,
            "size": size,
            "mtime": mtime,
            "part_size": piece,
            "tmp": os.path.abspath(path),
            "in_place": disable_temp,
            "done": {},
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        _lock(fd)
        return cls(dest=dest, disable_temp=disable_temp, record_path=record_path, record=record, fd=fd)

    def part_done(self, index, crc):
        """Note a finished part: one short line appended to the record (O(1) per part)."""
        with self._lock:
            self.done[str(index)] = crc
            if self._journal is not None:
                self._journal.write(journal_line(index, crc))
                self._journal.flush()

    def combined_crc(self, parts):
        combined = 0
        for index, _, length in parts:
            combined = _crc64.combine(combined, self.done[str(index)], length)
        return combined

    def _close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def commit(self):
        """fsync, rename over the destination (still holding the lock, where POSIX allows), forget the record."""
        os.fsync(self.fd)
        if os.name == "nt":
            self._close()  # Windows cannot rename an open file
        if not self.disable_temp:
            os.replace(self.path, self.dest)
        if self.record_path:
            _remove(self.record_path)
        self._close()

    def discard(self):
        """Neither the bytes nor the record are worth keeping (the object changed, or they are corrupt)."""
        self._close()
        if self.record_path:
            _remove(self.record_path)
        if not self.disable_temp:
            _remove(self.path)

    def suspend(self):
        """Keep what a later call can resume from (the journal is current); drop what it cannot."""
        self._close()
        if self.record_path and self.done:
            return
        if self.record_path:
            _remove(self.record_path)
        if not self.disable_temp:
            _remove(self.path)


def _fetch_parts(job, target, *, todo, ranged, max_thread):
    def run(part):
        index, start, length = part
        target.part_done(index, job.fetch(target.fd, start=start, length=length, ranged=ranged))

    with job.client._concurrent(max_thread) as worker_client:
        job.client = worker_client
        if len(todo) <= 1 or max_thread == 1:
            for part in todo:
                run(part)
            return
        with ThreadPoolExecutor(max_thread) as pool:
            futures = [pool.submit(run, part) for part in todo]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                job.stop.set()  # the other parts stop at their next block
                raise


def download_file(
    client,
    *,
    bucket,
    key,
    dest,
    part_size,
    max_thread,
    enable_crc,
    progress_callback,
    dump_record_dir,
    key_simplify_check,
    disable_temp,
    max_parts,
    kwargs,
):
    kwargs = dict(kwargs)
    cancel_event = kwargs.pop("CancelEvent", None)
    dest = _check_args(
        dest=dest,
        part_size=part_size,
        max_thread=max_thread,
        max_parts=max_parts,
        enable_crc=enable_crc,
        progress_callback=progress_callback,
        cancel_event=cancel_event,
    )
    _check_key_and_record_dir(key, simplify=key_simplify_check, record_dir=dump_record_dir)
    headers = request_headers(kwargs)
    # as get_object: VersionId and Response* go to the query (of every GET; the HEAD takes VersionId)
    params = split_params(headers, names=("versionId",), prefix="response") or None
    head_params = {"versionId": params["versionId"]} if params and "versionId" in params else None
    head_headers = mapped({k: v for k, v in kwargs.items() if k.startswith("SSECustomer")})
    head = client._send(
        method="HEAD", bucket=bucket, key=key, params=head_params, headers=head_headers, log="head object"
    )
    size = int(head.headers["Content-Length"])
    etag = head.headers.get("ETag", "")
    remote_crc = head.headers.get("x-cos-hash-crc64ecma")
    progress = Progress(total=size, callback=progress_callback)
    job = _Download(
        client,
        bucket=bucket,
        key=key,
        dest=dest,
        headers=headers,
        params=params,
        etag=etag,
        size=size,
        crc=remote_crc,
        progress=progress,
        cancel_event=cancel_event,
    )
    auto_part = not given(part_size)
    ranged, piece, parts = _plan(size, part_size=AUTO_PART // MIB if auto_part else part_size, max_parts=max_parts)
    record_path = record = None
    if ranged:
        record_path = record_path_for(
            os.fspath(dump_record_dir or default_record_dir()), bucket=bucket, key=key, dest=os.path.abspath(dest)
        )
        record = load_record(record_path)
        if auto_part:
            resumed_piece = _resumed_piece(record, size=size, etag=etag, piece=piece, max_parts=max_parts)
            if resumed_piece != piece:
                piece, parts = resumed_piece, _pieces(size, resumed_piece)
    if not given(max_thread):
        max_thread = min(AUTO_THREADS, len(parts)) if ranged else 1
    target = _Target.open(
        dest=dest,
        disable_temp=disable_temp,
        record_path=record_path,
        record=record,
        etag=etag,
        size=size,
        mtime=head.headers.get("Last-Modified", ""),
        piece=piece,
        parts=parts,
    )
    resumed = sum(length for index, _, length in parts if str(index) in target.done)
    if resumed:
        progress.add(resumed)
    try:
        if size:
            os.ftruncate(target.fd, size)
        _fetch_parts(
            job, target, todo=[p for p in parts if str(p[0]) not in target.done], ranged=ranged, max_thread=max_thread
        )
        combined = target.combined_crc(parts)
        if remote_crc and str(combined) != remote_crc.strip():
            raise _CorruptDownload(
                "crc64 mismatch on download of %s: got %s, COS says %s; %s left untouched"
                % (key, combined, remote_crc, dest)
            )
    except (DownloadChanged, _CorruptDownload):
        target.discard()
        raise
    except Stopped:
        target.suspend()
        if progress.error is not None:
            raise progress.error from None
        raise DownloadCancelled("download of %s cancelled; call download_file again to resume" % key) from None
    except BaseException:
        target.suspend()
        raise
    target.commit()
    progress.finish()
    if progress.error is not None:
        raise progress.error
    return job
