"""``copy``: one PUT Object - Copy, or a multipart copy (Upload Part - Copy) for large sources.

Routing is the official one: HEAD the source; the same endpoint and storage class, or a source
under the copy threshold (5 GiB), is one ``copy_object``.  The multipart path does better than the
official SDK:

- the source's metadata (Content-Type, ``x-cos-meta-*``, Cache-Control, ...) goes into Initiate
  unless ``CopyStatus='Replaced'`` (the caller's kwargs win over it);
- every part carries ``x-cos-copy-source-If-Match`` with the ETag seen at HEAD, so a source
  overwritten mid-copy fails instead of producing a mix;
- the copy-source conditions and SSE-C keys go on the parts (where COS reads them), not on Initiate;
- any failure aborts the upload (no orphaned, billed parts), except a cancel or Ctrl-C, which keeps
  the upload and a checkpoint so that the next call resumes, checked against List Parts;
- progress is reported per copied part.
"""

import hashlib
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from .._client_copy import check_copy_status
from .._endpoint import object_key
from .._headers import MAPLIST, mapped
from ..cos_exception import CosClientError, CosServiceError
from .checkpoint import CheckpointStore, NoCheckpoints
from .planner import part_size_bytes, plan_parts
from .progress import Progress, Stopped
from .upload import check_options

logger = logging.getLogger("qcloud_cos.transfer")

RECORD_VERSION = 1
_SAVE_EVERY = 1.0
# Source metadata carried into a multipart copy (response header → request header).
CARRIED = ("Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
# Headers of the caller's kwargs that belong on each Upload Part - Copy, not on Initiate.
PART_HEADER_PREFIXES = ("x-cos-copy-source-",)
PART_HEADERS = ("x-cos-traffic-limit",)


class CopyCancelled(CosClientError):
    """The copy was cancelled (CancelEvent set); calling copy again with the same arguments resumes it."""


def _carried_metadata(head):
    carried = {}
    for name, value in head.items():
        lower = name.lower()
        if lower.startswith("x-cos-meta-"):
            carried[lower] = value
        elif any(lower == c.lower() for c in CARRIED):
            carried[next(c for c in CARRIED if c.lower() == lower)] = value
    return carried


def _split_headers(headers):
    """(Initiate headers, per-part headers) of the caller's mapped kwargs."""
    initiate, part = {}, {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith(PART_HEADER_PREFIXES):
            part[name] = value
        elif lower in PART_HEADERS:
            part[name] = value
            initiate[name] = value
        else:
            initiate[name] = value
    return initiate, part


def _source_head(client, source, headers):
    """HEAD the source at its own endpoint (SSE-C copy-source keys become the HEAD's SSE-C headers)."""
    sse = {}
    prefix = "x-cos-copy-source-server-side-encryption-customer-"
    for name, value in headers.items():
        if name.lower().startswith(prefix):
            sse["x-cos-server-side-encryption-customer-" + name[len(prefix) :]] = value
    params = {"versionId": source.version_id} if source.version_id else None
    response = client._send(
        method="HEAD",
        bucket=source.bucket,
        key=source.key,
        params=params,
        headers=sse,
        endpoint=source.endpoint,
        log="head object",
    )
    return client._headers_of(response)


def copy(client, *, bucket, key, source, copy_status, part_size, max_thread, kwargs):
    kwargs = dict(kwargs)
    progress_callback = kwargs.pop("progress_callback", None)
    cancel_event = kwargs.pop("CancelEvent", None)
    checkpoint_dir = kwargs.pop("CheckpointDir", None)
    check_options(
        workers=max_thread,
        progress_callback=progress_callback,
        cancel_event=cancel_event,
        checkpoint_dir=checkpoint_dir,
    )
    object_key(key)
    parsed = client._copy_source(source)
    check_copy_status(copy_status)
    part_bytes = part_size_bytes(part_size)
    headers = mapped(kwargs)
    head = _source_head(client, parsed, headers)
    size = int(head["Content-Length"])
    conf = client.get_conf()
    source_class = (head.get("x-cos-storage-class") or "STANDARD").upper()
    dest_class = str(kwargs.get("StorageClass") or "STANDARD").upper()
    progress = Progress(total=size, callback=progress_callback)
    if (parsed.endpoint == conf._endpoint and source_class == dest_class) or size < conf._copy_part_threshold_size:
        result = client.copy_object(bucket, key, source, copy_status, **kwargs)
        progress.finish()
        if progress.error is not None:
            raise progress.error
        return result
    job = _MultipartCopy(
        client,
        bucket=bucket,
        key=key,
        source=source,
        parsed=parsed,
        head=head,
        size=size,
        copy_status=copy_status,
        part_bytes=part_bytes,
        headers=headers,
        workers=max_thread,
        progress=progress,
        cancel_event=cancel_event,
        store=NoCheckpoints() if checkpoint_dir is False else CheckpointStore(checkpoint_dir),
    )
    return job.run()


class _MultipartCopy:
    def __init__(
        self,
        client,
        *,
        bucket,
        key,
        source,
        parsed,
        head,
        size,
        copy_status,
        part_bytes,
        headers,
        workers,
        progress,
        cancel_event,
        store,
    ):
        self.client = client
        self.bucket, self.key, self.source, self.parsed = bucket, key, source, parsed
        self.size = size
        self.etag = head.get("ETag", "")
        self.workers = workers
        self.progress = progress
        self.cancel_event = cancel_event
        self.store = store
        initiate, self.part_headers = _split_headers(headers)
        if copy_status == "Copy":
            carried = _carried_metadata(head)
            carried.update(initiate)
            initiate = carried
        self.initiate = initiate
        if not any(name.lower() == "x-cos-copy-source-if-match" for name in self.part_headers) and self.etag:
            self.part_headers["x-cos-copy-source-If-Match"] = self.etag
        self.part_size, self.parts = plan_parts(size=size, part_size=part_bytes)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.record: Any = None  # the checkpoint record once started
        self.record_path = None
        self._last_save = 0.0

    # -- checkpoint ----------------------------------------------------------------------------
    def _path(self):
        if self.store.directory is None:
            return None
        ident = "\n".join(("copy", self.client.get_conf()._endpoint, self.bucket, self.key, self.parsed.header))
        return os.path.join(self.store.directory, "copy-%s.json" % hashlib.sha256(ident.encode("utf-8")).hexdigest())

    def _fresh_record(self, upload_id):
        return {
            "version": RECORD_VERSION,
            "kind": "copy",
            "upload_id": upload_id,
            "source": self.parsed.header,
            "etag": self.etag,
            "size": self.size,
            "part_size": self.part_size,
            "initiate": sorted(self.initiate.items()),
            "done": {},
        }

    def _resumable(self, record):
        """The record to resume from, with ``done`` rebuilt from List Parts; None to start afresh.

        A record for another source version or plan is dropped and its upload aborted (never an
        orphan).  Every part was copied pinned to the recorded source ETag (``x-cos-copy-source-If-Match``),
        so each part COS lists with its planned size holds this source's bytes, also the parts done
        after the record was last written (a process killed between two saves loses nothing).
        """
        if record is None or record.get("kind") != "copy":
            return None
        if (
            record.get("source"),
            record.get("etag"),
            record.get("size"),
            record.get("part_size"),
            record.get("initiate"),
        ) != (
            self.parsed.header,
            self.etag,
            self.size,
            self.part_size,
            [list(item) for item in sorted(self.initiate.items())],
        ):
            logger.info("the copy checkpoint of %s is for another source version or plan; starting afresh", self.key)
            self._abort(record.get("upload_id"))
            return None
        try:
            listed = self._listed_parts(record["upload_id"])
        except CosServiceError as exc:
            if exc.get_status_code() == 404:
                return None
            raise
        planned = {p.number: p.size for p in self.parts}
        pinned = bool(self.etag)
        record["done"] = {
            str(number): etag
            for number, (etag, size) in listed.items()
            if planned.get(number) == size and (pinned or record.get("done", {}).get(str(number)) == etag)
        }
        return record

    def _listed_parts(self, upload_id):
        parts, marker = {}, 0
        while True:
            page = self.client.list_parts(self.bucket, self.key, upload_id, PartNumberMarker=marker)
            for part in page.get("Part", []):
                parts[int(part["PartNumber"])] = (part["ETag"], int(part["Size"]))
            if page.get("IsTruncated") != "true":
                return parts
            marker = page.get("NextPartNumberMarker")

    def _save(self, *, force=False):
        if self.record_path is None:
            return
        now = time.monotonic()
        if force or now - self._last_save >= _SAVE_EVERY:
            try:
                self.store.save(self.record_path, self.record)
            except OSError as exc:  # a checkpoint is an optimisation; never fail the copy for it
                logger.warning("could not write the copy checkpoint %s: %s", self.record_path, exc)
            self._last_save = now

    # -- the copy ------------------------------------------------------------------------------
    def run(self):
        self.record_path = self._path()
        record = self._resumable(self.store.load(self.record_path)) if self.record_path else None
        if record is None:
            created = self.client.create_multipart_upload(self.bucket, self.key, **_as_kwargs(self.initiate))
            record = self._fresh_record(created["UploadId"])
            self.record = record
            self._save(force=True)  # the upload id is on disk before any part is copied
        else:
            logger.info(
                "resuming the copy of %s to %s (upload %s, %d of %d parts done)",
                self.parsed.header,
                self.key,
                record["upload_id"],
                len(record["done"]),
                len(self.parts),
            )
        self.record = record
        upload_id = record["upload_id"]
        done = record["done"]
        resumed = sum(p.size for p in self.parts if str(p.number) in done)
        if resumed:
            self.progress.add(resumed)
        try:
            self._copy_parts(upload_id, [p for p in self.parts if str(p.number) not in done])
            parts = [{"PartNumber": p.number, "ETag": done[str(p.number)]} for p in self.parts]
            result = self.client.complete_multipart_upload(self.bucket, self.key, upload_id, {"Part": parts})
        except (Stopped, KeyboardInterrupt) as exc:
            self._save(force=True)
            if self.progress.error is not None:
                self._abort(upload_id)
                raise self.progress.error from None
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise CopyCancelled(
                "copy of %s to %s cancelled; call copy again with the same arguments to resume"
                % (self.parsed.header, self.key)
            ) from None
        except BaseException:
            self._abort(upload_id)
            raise
        if self.record_path:
            self.store.delete(self.record_path)
        self.progress.finish()
        if self.progress.error is not None:
            raise self.progress.error
        return result

    def _abort(self, upload_id):
        if self.record_path:
            self.store.delete(self.record_path)
        if not upload_id:
            return
        try:
            self.client.abort_multipart_upload(self.bucket, self.key, upload_id)
        except Exception as exc:  # noqa: BLE001 - the original failure is what the caller needs
            logger.warning(
                "abort of upload %s of %s failed: %s (it may need abort_multipart_upload)", upload_id, self.key, exc
            )

    def _copy_part(self, client, upload_id, part):
        if self.stop.is_set() or (self.cancel_event is not None and self.cancel_event.is_set()):
            raise Stopped()
        result = client.upload_part_copy(
            self.bucket,
            self.key,
            part.number,
            upload_id,
            self.source,
            "bytes=%d-%d" % (part.offset, part.offset + part.size - 1),
            **_as_kwargs(self.part_headers),
        )
        etag = result.get("ETag")
        if not etag:
            raise CosClientError("Upload Part - Copy of part %d answered without an ETag" % part.number)
        with self.lock:
            self.record["done"][str(part.number)] = etag
            self._save()
        self.progress.add(part.size)

    def _copy_parts(self, upload_id, todo):
        with self.client._concurrent(self.workers) as client:
            if len(todo) <= 1 or self.workers == 1:
                for part in todo:
                    self._copy_part(client, upload_id, part)
                return
            with ThreadPoolExecutor(self.workers) as pool:
                futures = [pool.submit(self._copy_part, client, upload_id, p) for p in todo]
                try:
                    for future in as_completed(futures):
                        future.result()  # the first failure stops the others
                except BaseException:
                    self.stop.set()
                    for future in futures:
                        future.cancel()
                    raise


def _as_kwargs(headers):
    """Mapped headers back as the kwargs that map to them (``x-cos-meta-*`` as ``Metadata``), so that the
    copy's requests go through the client's public methods."""
    reverse = {v.lower(): k for k, v in MAPLIST.items() if k != "Metadata"}
    kwargs, metadata = {}, {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("x-cos-meta-"):
            metadata[name] = value
        elif lower in reverse:
            kwargs[reverse[lower]] = value
        else:
            raise CosClientError("cannot pass header %r to the copy requests" % name)
    if metadata:
        kwargs["Metadata"] = metadata
    return kwargs
