"""Listing and deleting by prefix: every object (or version) of a prefix, paged for the caller.

Extensions beyond the official SDK, like ``upload_folder``: the official client offers one page
at a time (``list_objects``, ``list_objects_versions``) and ``delete_objects`` of at most 1000 keys.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Set, cast

from ._params import integer, text_param
from ._transfer.upload import check_options
from ._types import IntParam
from .cos_exception import CosClientError, CosServiceError

if TYPE_CHECKING:
    from ._client_core import ClientCore
    from .cos_client import CosS3Client
else:
    ClientCore = object  # the type checker sees the client's own members (see _client_core)

__all__ = ["ListingMethods"]

DELETE_BATCH = 1000  # keys per DELETE Multiple Objects request: COS's limit


def _text(value: Any, name: str) -> str:
    """A marker as text ('' when absent)."""
    value = text_param(value, name)
    return "" if value is None else str(value)


def _next_marker(page: Dict[str, Any], last: Optional[str], *, name: str) -> str:
    """The marker of the page after ``page``; refuses a server that does not move forward."""
    marker = page.get(name) or last
    if not marker:
        raise CosClientError("the listing is truncated but names no %s to continue from" % name)
    return marker


def _in_key_order(entries: List[Dict[str, Any]], prefixes: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Entries (``Key``) and common prefixes (``Prefix``) of one page in key order (a stable sort:
    the versions of one key keep their order)."""
    merged = [(entry["Key"], entry) for entry in entries] + [(entry["Prefix"], entry) for entry in prefixes]
    merged.sort(key=lambda pair: pair[0])  # str order is code point order, the same as UTF-8 bytes
    return [entry for _, entry in merged]


def _newest_first(versions: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Versions and delete markers of one page: key ascending, then latest, then newest first.

    The XML groups ``Version`` and ``DeleteMarker`` elements apart, so their interleaving is
    rebuilt from ``IsLatest`` and ``LastModified`` (ISO 8601, so string order is time order).
    """
    versions.sort(key=lambda entry: entry.get("LastModified") or "", reverse=True)
    versions.sort(key=lambda entry: (entry["Key"], entry.get("IsLatest") != "true"))
    return versions


class ListingMethods(ClientCore):
    """Methods of ``CosS3Client`` that walk or delete a whole prefix."""

    def _check_walk(self, bucket: str, *, prefix: Any, delimiter: Any, page_size: Any) -> None:
        """The arguments every iterator takes, checked at the call (not at the first ``next``)."""
        self._check_bucket(bucket)
        text_param(prefix, "Prefix")
        text_param(delimiter, "Delimiter")
        integer(page_size, "PageSize", low=1, high=1000)

    def iter_objects(
        self,
        Bucket: str,
        Prefix: str = "",
        Delimiter: str = "",
        Marker: str = "",
        PageSize: IntParam = 1000,
        **kwargs: Any,
    ) -> Iterator[Dict[str, Any]]:
        """Every object below ``Prefix``, in key order, one ``list_objects`` page at a time.

        Yields the ``Contents`` dicts of ``list_objects`` (``Key`` decoded, ``Size``, ``ETag``,
        ``LastModified``, ``StorageClass``, ...).  With a ``Delimiter``, the common prefixes are
        yielded too, in their place in key order, as ``{'Prefix': 'dir/'}``.  Arguments are checked
        at the call; pages are fetched lazily (stopping early sends no further request).  kwargs
        (headers) go to every request.
        """
        self._check_walk(Bucket, prefix=Prefix, delimiter=Delimiter, page_size=PageSize)
        return _walk_objects(
            cast("CosS3Client", self),
            bucket=Bucket,
            prefix=Prefix,
            delimiter=Delimiter,
            marker=_text(Marker, "Marker"),
            page_size=PageSize,
            kwargs=kwargs,
        )

    def iter_object_versions(
        self,
        Bucket: str,
        Prefix: str = "",
        Delimiter: str = "",
        KeyMarker: str = "",
        VersionIdMarker: str = "",
        PageSize: IntParam = 1000,
        **kwargs: Any,
    ) -> Iterator[Dict[str, Any]]:
        """Every version and delete marker below ``Prefix``: key ascending, newest first within a key.

        Yields the ``Version`` and ``DeleteMarker`` dicts of ``list_objects_versions``, each with an
        added ``'IsDeleteMarker': True/False``; with a ``Delimiter`` also ``{'Prefix': 'dir/'}``.
        """
        self._check_walk(Bucket, prefix=Prefix, delimiter=Delimiter, page_size=PageSize)
        return _walk_versions(
            cast("CosS3Client", self),
            bucket=Bucket,
            prefix=Prefix,
            delimiter=Delimiter,
            key_marker=_text(KeyMarker, "KeyMarker"),
            version_marker=_text(VersionIdMarker, "VersionIdMarker"),
            page_size=PageSize,
            kwargs=kwargs,
        )

    def delete_prefix(
        self,
        Bucket: str,
        Prefix: str,
        Versions: bool = False,
        MAXThread: int = 5,
        AllObjects: bool = False,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Delete every object below ``Prefix``: 1000 keys a request, ``MAXThread`` requests at a time.

        ``Versions=True`` deletes every version and delete marker too (on a versioned bucket a plain
        delete only adds delete markers).  ``Prefix=''`` means the whole bucket and is refused unless
        ``AllObjects=True``.  Listing and deleting overlap; one failed key or request does not stop
        the others.

        :return(dict): ``{'success_all': bool, 'deleted': <count>, 'failed': [{'Key', 'VersionId',
            'Code', 'Message'}]}``: per-key errors as COS reported them, and every key of a request
            that failed as a whole.
        """
        if not isinstance(Prefix, str):
            raise CosClientError("Prefix must be a string, not %s" % type(Prefix).__name__)
        if not Prefix and AllObjects is not True:
            raise CosClientError("Prefix='' would delete every object in the bucket; pass AllObjects=True to mean that")
        check_options(workers=MAXThread, progress_callback=None, cancel_event=None, checkpoint_dir=None)
        workers = MAXThread
        if Versions:
            entries: Iterator[Dict[str, Any]] = (
                {"Key": e["Key"], "VersionId": e["VersionId"]}
                for e in self.iter_object_versions(Bucket, Prefix=Prefix, **kwargs)
            )
        else:
            entries = ({"Key": e["Key"]} for e in self.iter_objects(Bucket, Prefix=Prefix, **kwargs))
        deleter = _BatchDeleter(bucket=Bucket, workers=workers, kwargs=kwargs)
        with self._concurrent(workers) as client:
            deleter.run(client, entries)
        return {"success_all": not deleter.failed, "deleted": deleter.deleted, "failed": deleter.failed}


def _walk_objects(
    client: CosS3Client,
    *,
    bucket: str,
    prefix: str,
    delimiter: str,
    marker: str,
    page_size: IntParam,
    kwargs: Dict[str, Any],
) -> Iterator[Dict[str, Any]]:
    while True:
        page = client.list_objects(
            bucket, Prefix=prefix, Delimiter=delimiter, Marker=marker, MaxKeys=page_size, **kwargs
        )
        entries = _in_key_order(page.get("Contents", []), page.get("CommonPrefixes", []))
        yield from entries
        if page.get("IsTruncated") != "true":
            return
        last = entries[-1].get("Key", entries[-1].get("Prefix")) if entries else None
        following = _next_marker(page, last, name="NextMarker")
        if following <= marker:
            raise CosClientError("the listing did not move past %r; stopping to avoid a loop" % marker)
        marker = following


def _walk_versions(
    client: CosS3Client,
    *,
    bucket: str,
    prefix: str,
    delimiter: str,
    key_marker: str,
    version_marker: str,
    page_size: IntParam,
    kwargs: Dict[str, Any],
) -> Iterator[Dict[str, Any]]:
    while True:
        page = client.list_objects_versions(
            bucket,
            Prefix=prefix,
            Delimiter=delimiter,
            KeyMarker=key_marker,
            VersionIdMarker=version_marker,
            MaxKeys=page_size,
            **kwargs,
        )
        versions = [dict(entry, IsDeleteMarker=False) for entry in page.get("Version", [])]
        versions += [dict(entry, IsDeleteMarker=True) for entry in page.get("DeleteMarker", [])]
        yield from _in_key_order(_newest_first(versions), page.get("CommonPrefixes", []))
        if page.get("IsTruncated") != "true":
            return
        following = (page.get("NextKeyMarker") or "", page.get("NextVersionIdMarker") or "")
        if not following[0] or following == (key_marker, version_marker):
            raise CosClientError("the version listing is truncated but does not move past %r" % (key_marker,))
        key_marker, version_marker = following


class _BatchDeleter:
    """Batches of at most 1000 keys sent by a pool, with at most ``2 x workers`` batches in memory."""

    def __init__(self, *, bucket: str, workers: int, kwargs: Dict[str, Any]) -> None:
        self.bucket = bucket
        self.workers = workers
        self.kwargs = kwargs
        self.deleted = 0
        self.failed: List[Dict[str, Any]] = []
        self._lock = threading.Lock()

    def run(self, client: CosS3Client, entries: Iterable[Dict[str, Any]]) -> None:
        pending: Set[Future[None]] = set()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="cos-delete") as pool:
            try:
                for batch in _batches(entries, DELETE_BATCH):
                    while len(pending) >= 2 * self.workers:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        self._raise_unexpected(done)
                    pending.add(pool.submit(self._delete, client, batch))
            finally:
                done, _ = wait(pending)
            self._raise_unexpected(done)

    @staticmethod
    def _raise_unexpected(done: Iterable[Future[None]]) -> None:
        for future in done:
            future.result()  # _delete records COS and client errors; anything else is a bug: raise it

    def _delete(self, client: CosS3Client, batch: List[Dict[str, Any]]) -> None:
        try:
            result = client.delete_objects(self.bucket, Delete={"Object": batch, "Quiet": "true"}, **self.kwargs)
        except (CosServiceError, CosClientError) as exc:
            code = exc.get_error_code() if isinstance(exc, CosServiceError) else "ClientError"
            message = exc.get_error_msg() if isinstance(exc, CosServiceError) else str(exc)
            errors = [dict(entry, Code=code, Message=message) for entry in batch]
            with self._lock:
                self.failed.extend(_error_entry(e) for e in errors)
            return
        errors = result.get("Error", [])
        with self._lock:
            self.deleted += len(batch) - len(errors)
            self.failed.extend(_error_entry(e) for e in errors)


def _error_entry(entry: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "Key": entry.get("Key"),
        "VersionId": entry.get("VersionId"),
        "Code": entry.get("Code"),
        "Message": entry.get("Message"),
    }


def _batches(entries: Iterable[Dict[str, Any]], size: int) -> Iterator[List[Dict[str, Any]]]:
    batch: List[Dict[str, Any]] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
