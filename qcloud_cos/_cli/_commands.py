"""The subcommands.  Each is a thin layer over one or two ``CosS3Client`` methods; transfers, retries,
resume and integrity checks are the SDK's (``upload_file``, ``upload_folder``, ``download_file``,
``copy``, ``delete_prefix``), never re-done here."""

import os
import posixpath
import sys
import traceback

from ..cos_exception import CosClientError, CosServiceError
from ._output import error_fields, error_text, human_size
from ._progress import Aggregate, make_display
from ._settings import UsageError

SCHEME = "cos://"

# What one failed object is, as opposed to the whole command failing (those propagate to main).
ITEM_ERRORS = (CosServiceError, CosClientError, OSError)


class CosPath:
    def __init__(self, bucket, key):
        self.bucket = bucket
        self.key = key

    def url(self, key=None):
        return "%s%s/%s" % (SCHEME, self.bucket, self.key if key is None else key)


def parse_target(text):
    """``cos://bucket/key`` → CosPath; anything else (a local path) → None."""
    if not text.startswith(SCHEME):
        if text.lower().startswith(SCHEME):
            raise UsageError("%r: write the scheme in lower case, cos://" % text)
        return None
    bucket, _, key = text[len(SCHEME) :].partition("/")
    if not bucket:
        raise UsageError("%r names no bucket (cos://BUCKET-APPID/KEY)" % text)
    return CosPath(bucket, key)


def cos_target(text, what="an object"):
    target = parse_target(text)
    if target is None:
        raise UsageError("%r is not a cos:// URL (expected %s: cos://BUCKET-APPID/KEY)" % (text, what))
    return target


def object_target(text):
    target = cos_target(text)
    if not target.key:
        raise UsageError("%r names a bucket, not an object (cos://BUCKET-APPID/KEY)" % text)
    return target


def as_prefix(key):
    """The prefix of a recursive operation: ``dir`` means ``dir/`` (never ``dir2/...``)."""
    return key if not key or key.endswith("/") else key + "/"


def relative_parts(key, prefix):
    """The local path components of ``key`` below ``prefix``, or None when the key cannot be a local path."""
    rel = key[len(prefix) :]
    parts = rel.split("/")
    bad = ("", ".", "..")
    if any(p in bad for p in parts) or any(os.sep in p or (os.altsep and os.altsep in p) for p in parts) or "\0" in rel:
        return None
    return parts


class Context:
    def __init__(self, *, args, out, settings, client_factory, progress, stderr=None, stdin=None):
        self.args = args
        self.out = out
        self.settings = settings
        self._client_factory = client_factory
        self._client = None
        self.progress = progress
        self.stderr = stderr or sys.stderr
        self.stdin = stdin or sys.stdin

    @property
    def client(self):
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def display(self, label):
        return make_display(self.progress, label, self.stderr)

    def confirm(self, action):
        """True to go ahead with ``action``: ``-y``, or "y" typed at the terminal.

        Refuses (UsageError) when stdin is not a terminal.
        """
        if self.args.yes:
            return True
        try:
            interactive = self.stdin.isatty()
        except (AttributeError, ValueError):
            interactive = False
        if not interactive:
            raise UsageError("refusing to %s without -y: stdin is not a terminal" % action)
        self.stderr.write("%s? [y/N] " % (action[:1].upper() + action[1:]))
        self.stderr.flush()
        answer = self.stdin.readline()
        return answer.strip().lower() in ("y", "yes")

    def fail(self, what, exc, record):
        """Report one failed item: ``error: what: reason`` (and a JSON record); returns exit status 1."""
        if getattr(self.args, "debug", False):
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=self.stderr)
        record = dict(record, status="error", error=error_fields(exc))
        self.out.error("%s: %s" % (what, error_text(exc)), record)
        return 1


class _Watch:
    """A progress callback that remembers the last (consumed, total) and feeds a display."""

    def __init__(self, display):
        self.display = display
        self.consumed = 0
        self.total = None

    def __call__(self, consumed, total):
        self.consumed, self.total = consumed, total
        if self.display is not None:
            self.display(consumed, total)

    def close(self):
        if self.display is not None:
            self.display.close()


# -- cp ------------------------------------------------------------------------------------------


def _transfer_kwargs(args, kind):
    kwargs = {}
    if args.part_size:
        kwargs["PartSize"] = args.part_size
    if args.threads:
        kwargs["MAXThread"] = args.threads
    if args.md5:
        if kind != "upload":
            raise UsageError("--md5 applies to uploads only")
        kwargs["EnableMD5"] = True
    if args.storage_class:
        if kind == "download":
            raise UsageError("--storage-class applies to uploads and copies only")
        kwargs["StorageClass"] = args.storage_class
    return kwargs


def cmd_cp(ctx):
    args = ctx.args
    src, dst = parse_target(args.source), parse_target(args.dest)
    if src is None and dst is None:
        raise UsageError("cp needs a cos:// URL on at least one side (SRC or DST)")
    if src is None:
        if os.path.isdir(args.source):
            if not args.recursive:
                raise UsageError("%s is a directory: use cp -r to upload it" % args.source)
            return _upload_folder(ctx, args.source, dst)
        return _upload(ctx, args.source, dst)
    if not src.key or src.key.endswith("/") or args.recursive:
        if not args.recursive:
            raise UsageError("%s is a prefix, not an object: use cp -r" % args.source)
        if dst is None:
            return _download_prefix(ctx, src, args.dest)
        return _copy_prefix(ctx, src, dst)
    if dst is None:
        return _download(ctx, src, args.dest)
    return _copy(ctx, src, dst)


def _upload(ctx, path, dst):
    key = dst.key
    if not key or key.endswith("/"):
        key += os.path.basename(os.path.abspath(path))
    record = {"op": "upload", "bucket": dst.bucket, "key": key, "source": path}
    arrow = "%s -> %s" % (path, dst.url(key))
    what = "upload " + arrow
    if not os.path.isfile(path):
        reason = "no such file" if not os.path.exists(path) else "not a regular file"
        return ctx.fail(what, CosClientError(reason), record)
    kwargs = _transfer_kwargs(ctx.args, "upload")
    watch = _Watch(ctx.display(os.path.basename(path)))
    try:
        ctx.client.upload_file(Bucket=dst.bucket, Key=key, LocalFilePath=path, progress_callback=watch, **kwargs)
    except ITEM_ERRORS as exc:
        return ctx.fail(what, exc, record)
    finally:
        watch.close()
    size = watch.total if watch.total is not None else os.path.getsize(path)
    ctx.out.result(dict(record, bytes=size, status="ok"), "upload: %s (%s)" % (arrow, human_size(size)))
    return 0


def _upload_folder(ctx, path, dst):
    prefix = as_prefix(dst.key)
    kwargs = _transfer_kwargs(ctx.args, "upload")
    record = {"op": "upload", "bucket": dst.bucket, "prefix": prefix, "source": path}
    watch = _Watch(ctx.display(os.path.basename(os.path.abspath(path)) + "/"))
    try:
        result = ctx.client.upload_folder(
            Bucket=dst.bucket,
            LocalPath=path,
            KeyPrefix=prefix,
            SkipExisting=ctx.args.skip_existing,
            progress_callback=watch,
            **kwargs,
        )
    except ITEM_ERRORS as exc:
        return ctx.fail("upload %s -> %s" % (path, dst.url(prefix)), exc, record)
    finally:
        watch.close()

    def local(key):
        return os.path.join(path, *key[len(prefix) :].split("/"))

    for key in result["uploaded"]:
        try:
            size = os.path.getsize(local(key))
        except OSError:
            size = None
        ctx.out.result(
            {"op": "upload", "bucket": dst.bucket, "key": key, "source": local(key), "bytes": size, "status": "ok"},
            "upload: %s -> %s%s" % (local(key), dst.url(key), "" if size is None else " (%s)" % human_size(size)),
        )
    for key in result["skipped"]:
        ctx.out.result(
            {"op": "upload", "bucket": dst.bucket, "key": key, "source": local(key), "status": "skipped"},
            "skip: %s -> %s (already there, same content)" % (local(key), dst.url(key)),
        )
    for failure in result["failed"]:
        ctx.fail(
            "upload %s -> %s" % (failure["LocalFilePath"], dst.url(failure["Key"])),
            failure["Error"],
            {"op": "upload", "bucket": dst.bucket, "key": failure["Key"], "source": failure["LocalFilePath"]},
        )
    counts = {"uploaded": len(result["uploaded"]), "skipped": len(result["skipped"]), "failed": len(result["failed"])}
    status = "ok" if result["success_all"] else "partial"
    ctx.out.result(
        dict(
            record, type="summary", files=sum(counts.values()), bytes=result["uploaded_bytes"], status=status, **counts
        ),
        "uploaded %d file(s) (%s), skipped %d, failed %d"
        % (counts["uploaded"], human_size(result["uploaded_bytes"]), counts["skipped"], counts["failed"]),
    )
    return 0 if result["success_all"] else 1


def _local_dest(dest, key):
    if os.path.isdir(dest):
        return os.path.join(dest, posixpath.basename(key))
    if dest.endswith(("/", os.sep)) or (os.altsep and dest.endswith(os.altsep)):
        os.makedirs(dest, exist_ok=True)
        return os.path.join(dest, posixpath.basename(key))
    return dest


def _download(ctx, src, dest):
    record = {"op": "download", "bucket": src.bucket, "key": src.key}
    try:
        path = _local_dest(dest, src.key)
    except OSError as exc:
        return ctx.fail("download %s -> %s" % (src.url(), dest), exc, dict(record, dest=dest))
    record["dest"] = path
    what = "download %s -> %s" % (src.url(), path)
    kwargs = _transfer_kwargs(ctx.args, "download")
    watch = _Watch(ctx.display(posixpath.basename(src.key)))
    try:
        ctx.client.download_file(Bucket=src.bucket, Key=src.key, DestFilePath=path, progress_callback=watch, **kwargs)
    except ITEM_ERRORS as exc:
        return ctx.fail(what, exc, record)
    finally:
        watch.close()
    size = watch.total if watch.total is not None else os.path.getsize(path)
    ctx.out.result(
        dict(record, bytes=size, status="ok"),
        "%s (%s)" % (what.replace("download ", "download: ", 1), human_size(size)),
    )
    return 0


def _list_prefix(ctx, src, prefix):
    """Every object under ``prefix`` (a directory marker ``dir/`` too), as a list (its total sizes the bar)."""
    return [entry for entry in ctx.client.iter_objects(Bucket=src.bucket, Prefix=prefix) if "Key" in entry]


def _download_prefix(ctx, src, dest):
    prefix = as_prefix(src.key)
    kwargs = _transfer_kwargs(ctx.args, "download")
    summary = {"op": "download", "bucket": src.bucket, "prefix": prefix, "dest": dest}
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise UsageError("%s exists and is not a directory" % dest)
    objects = _list_prefix(ctx, src, prefix)
    if not objects:
        ctx.out.note("note: no objects under %s" % src.url(prefix))
    files = [o for o in objects if not o["Key"].endswith("/")]
    progress = Aggregate(
        ctx.display(posixpath.basename(prefix.rstrip("/")) + "/" if prefix else src.bucket),
        sum(int(o.get("Size", 0)) for o in files),
    )
    done = failed = done_bytes = 0
    try:
        for entry in objects:
            key, size = entry["Key"], int(entry.get("Size", 0))
            record = {"op": "download", "bucket": src.bucket, "key": key}
            parts = relative_parts(key.rstrip("/") if key.endswith("/") else key, prefix)
            if key.endswith("/"):  # a "directory" object: the directory, when it is a usable path
                if key != prefix and parts is not None:
                    os.makedirs(os.path.join(dest, *parts), exist_ok=True)
                continue
            if parts is None:
                failed += 1
                progress.failed(size)
                ctx.fail(
                    "download %s" % src.url(key),
                    CosClientError(
                        "the key cannot be a local path below %s (empty, . or .. "
                        "component); download it by name instead" % dest
                    ),
                    record,
                )
                continue
            path = os.path.join(dest, *parts)
            record["dest"] = path
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                ctx.client.download_file(
                    Bucket=src.bucket, Key=key, DestFilePath=path, progress_callback=progress.file(), **kwargs
                )
            except ITEM_ERRORS as exc:
                failed += 1
                progress.failed(size)
                ctx.fail("download %s -> %s" % (src.url(key), path), exc, record)
                continue
            progress.done(size)
            done += 1
            done_bytes += size
            ctx.out.result(
                dict(record, bytes=size, status="ok"),
                "download: %s -> %s (%s)" % (src.url(key), path, human_size(size)),
            )
    finally:
        if progress.display is not None:
            progress.display.close()
    if not objects:
        os.makedirs(dest, exist_ok=True)
    ctx.out.result(
        dict(
            summary,
            type="summary",
            files=done + failed,
            downloaded=done,
            failed=failed,
            bytes=done_bytes,
            status="ok" if not failed else "partial",
        ),
        "downloaded %d file(s) (%s), failed %d" % (done, human_size(done_bytes), failed),
    )
    return 1 if failed else 0


def _copy_source(ctx, src, key):
    return {"Bucket": src.bucket, "Key": key, "Region": ctx.settings.region}


def _copy(ctx, src, dst):
    key = dst.key
    if not key or key.endswith("/"):
        key += posixpath.basename(src.key)
    record = {"op": "copy", "bucket": dst.bucket, "key": key, "source_bucket": src.bucket, "source_key": src.key}
    what = "copy %s -> %s" % (src.url(), dst.url(key))
    kwargs = _transfer_kwargs(ctx.args, "copy")
    watch = _Watch(ctx.display(posixpath.basename(src.key)))
    try:
        ctx.client.copy(
            Bucket=dst.bucket, Key=key, CopySource=_copy_source(ctx, src, src.key), progress_callback=watch, **kwargs
        )
    except ITEM_ERRORS as exc:
        return ctx.fail(what, exc, record)
    finally:
        watch.close()
    ctx.out.result(
        dict(record, bytes=watch.total, status="ok"),
        "%s%s" % (what.replace("copy ", "copy: ", 1), "" if watch.total is None else " (%s)" % human_size(watch.total)),
    )
    return 0


def _copy_prefix(ctx, src, dst):
    prefix, dst_prefix = as_prefix(src.key), as_prefix(dst.key)
    kwargs = _transfer_kwargs(ctx.args, "copy")
    objects = _list_prefix(ctx, src, prefix)
    if not objects:
        ctx.out.note("note: no objects under %s" % src.url(prefix))
    progress = Aggregate(
        ctx.display(posixpath.basename(prefix.rstrip("/")) + "/" if prefix else src.bucket),
        sum(int(o.get("Size", 0)) for o in objects),
    )
    done = failed = done_bytes = 0
    try:
        for entry in objects:
            key, size = entry["Key"], int(entry.get("Size", 0))
            new_key = dst_prefix + key[len(prefix) :]
            if not new_key:  # the source prefix's own "directory" object, copied to a bucket's root
                continue
            record = {
                "op": "copy",
                "bucket": dst.bucket,
                "key": new_key,
                "source_bucket": src.bucket,
                "source_key": key,
            }
            try:
                ctx.client.copy(
                    Bucket=dst.bucket,
                    Key=new_key,
                    CopySource=_copy_source(ctx, src, key),
                    progress_callback=progress.file(),
                    **kwargs,
                )
            except ITEM_ERRORS as exc:
                failed += 1
                progress.failed(size)
                ctx.fail("copy %s -> %s" % (src.url(key), dst.url(new_key)), exc, record)
                continue
            progress.done(size)
            done += 1
            done_bytes += size
            ctx.out.result(
                dict(record, bytes=size, status="ok"),
                "copy: %s -> %s (%s)" % (src.url(key), dst.url(new_key), human_size(size)),
            )
    finally:
        if progress.display is not None:
            progress.display.close()
    ctx.out.result(
        {
            "op": "copy",
            "type": "summary",
            "bucket": dst.bucket,
            "prefix": dst_prefix,
            "source_bucket": src.bucket,
            "source_prefix": prefix,
            "files": done + failed,
            "copied": done,
            "failed": failed,
            "bytes": done_bytes,
            "status": "ok" if not failed else "partial",
        },
        "copied %d object(s) (%s), failed %d" % (done, human_size(done_bytes), failed),
    )
    return 1 if failed else 0


# -- ls ------------------------------------------------------------------------------------------


def _when(value):
    """``2026-12-03T11:42:00.000Z`` → ``2026-12-03 11:42:00``."""
    text = str(value or "")
    if "T" in text:
        date, _, time_part = text.partition("T")
        text = "%s %s" % (date, time_part[:8])
    return text


def cmd_ls(ctx):
    args = ctx.args
    if args.target is None:
        return _ls_buckets(ctx)
    target = cos_target(args.target, "a bucket or prefix")
    size_text = human_size if args.human else str
    count = total = 0
    for entry in ctx.client.iter_objects(
        Bucket=target.bucket, Prefix=target.key, Delimiter="" if args.recursive else "/"
    ):
        if "Key" not in entry:
            ctx.out.result(
                {"op": "ls", "type": "prefix", "bucket": target.bucket, "prefix": entry["Prefix"]},
                "%19s  %12s  %s" % ("", "PRE", entry["Prefix"]),
                product=True,
            )
            continue
        size = int(entry.get("Size", 0))
        count += 1
        total += size
        line = "%19s  %12s  %s" % (_when(entry.get("LastModified")), size_text(size), entry["Key"])
        ctx.out.result(
            {
                "op": "ls",
                "type": "object",
                "bucket": target.bucket,
                "key": entry["Key"],
                "bytes": size,
                "last_modified": entry.get("LastModified"),
                "etag": entry.get("ETag"),
                "storage_class": entry.get("StorageClass"),
            },
            line,
            product=True,
        )
    line = "Total: %d object%s, %s" % (
        count,
        "" if count == 1 else "s",
        human_size(total) if args.human else "%d bytes" % total,
    )
    ctx.out.result(
        {
            "op": "ls",
            "type": "total",
            "bucket": target.bucket,
            "prefix": target.key,
            "objects": count,
            "bytes": total,
            "status": "ok",
        },
        line,
        product=True,
    )
    return 0


def _ls_buckets(ctx):
    marker = ""
    while True:
        page = ctx.client.list_buckets(Marker=marker)
        buckets = (page.get("Buckets") or {}).get("Bucket") or []
        for bucket in buckets:
            line = "%19s  %-20s  %s" % (_when(bucket.get("CreationDate")), bucket.get("Location", ""), bucket["Name"])
            ctx.out.result(
                {
                    "op": "ls",
                    "type": "bucket",
                    "bucket": bucket["Name"],
                    "region": bucket.get("Location"),
                    "created": bucket.get("CreationDate"),
                },
                line,
                product=True,
            )
        if str(page.get("IsTruncated", "false")).lower() != "true" or not page.get("NextMarker"):
            return 0
        marker = page["NextMarker"]


# -- rm ------------------------------------------------------------------------------------------


def cmd_rm(ctx):
    args = ctx.args
    target = cos_target(args.target)
    if not args.recursive:
        if args.versions or args.all_objects:
            raise UsageError("--versions and --all go with rm -r")
        if not target.key:
            raise UsageError("%s names a bucket, not an object (rm -r to delete a prefix)" % args.target)
        record = {"op": "delete", "bucket": target.bucket, "key": target.key}
        try:
            ctx.client.delete_object(Bucket=target.bucket, Key=target.key)
        except ITEM_ERRORS as exc:
            return ctx.fail("delete %s" % target.url(), exc, record)
        ctx.out.result(dict(record, status="ok"), "delete: %s" % target.url())
        return 0
    prefix = as_prefix(target.key)
    if not prefix and not args.all_objects:
        raise UsageError("rm -r %s would delete every object of the bucket; add --all to mean that" % args.target)
    what = (
        ("EVERY object of bucket %s" % target.bucket) if not prefix else ("every object under %s" % target.url(prefix))
    )
    if args.versions:
        what += ", with all their versions"
    if not ctx.confirm("delete %s" % what):
        ctx.out.error("not confirmed: nothing deleted")
        return 1
    record = {"op": "delete", "bucket": target.bucket, "prefix": prefix}
    try:
        result = ctx.client.delete_prefix(
            Bucket=target.bucket, Prefix=prefix, Versions=args.versions, AllObjects=not prefix
        )
    except ITEM_ERRORS as exc:
        return ctx.fail("delete %s" % target.url(prefix), exc, record)
    for failure in result["failed"]:
        key = failure.get("Key")
        ctx.out.error(
            "delete %s: %s: %s" % (target.url(key), failure.get("Code"), failure.get("Message")),
            {
                "op": "delete",
                "bucket": target.bucket,
                "key": key,
                "version_id": failure.get("VersionId"),
                "status": "error",
                "error": {"code": failure.get("Code"), "message": failure.get("Message")},
            },
        )
    ctx.out.result(
        dict(
            record,
            type="summary",
            deleted=result["deleted"],
            failed=len(result["failed"]),
            status="ok" if result["success_all"] else "partial",
        ),
        "deleted %d object%s under %s%s"
        % (
            result["deleted"],
            "" if result["deleted"] == 1 else "s",
            target.url(prefix),
            ", %d failed" % len(result["failed"]) if result["failed"] else "",
        ),
    )
    return 0 if result["success_all"] else 1


# -- stat, presign ---------------------------------------------------------------------------------

_HIDDEN_HEADERS = frozenset(("server", "date", "connection", "keep-alive", "accept-ranges"))


def cmd_stat(ctx):
    target = object_target(ctx.args.target)
    kwargs = {"VersionId": ctx.args.version_id} if ctx.args.version_id else {}
    record = {"op": "stat", "bucket": target.bucket, "key": target.key}
    try:
        head = ctx.client.head_object(Bucket=target.bucket, Key=target.key, **kwargs)
    except ITEM_ERRORS as exc:
        return ctx.fail("stat %s" % target.url(), exc, record)
    headers = {k: v for k, v in head.items() if k.lower() not in _HIDDEN_HEADERS}
    size = int(head.get("Content-Length") or 0)
    meta = {k[len("x-cos-meta-") :]: v for k, v in headers.items() if k.lower().startswith("x-cos-meta-")}
    fields = [
        ("Key", target.url()),
        ("Size", "%d (%s)" % (size, human_size(size))),
        ("Last-Modified", head.get("Last-Modified")),
        ("ETag", head.get("ETag")),
        ("Content-Type", head.get("Content-Type")),
        ("Storage-Class", head.get("x-cos-storage-class") or "STANDARD"),
        ("CRC64", head.get("x-cos-hash-crc64ecma")),
    ]
    shown = {"content-length", "last-modified", "etag", "content-type", "x-cos-storage-class", "x-cos-hash-crc64ecma"}
    fields += [(k, v) for k, v in headers.items() if k.lower() not in shown]
    width = max(len(name) for name, _ in fields)
    text = "\n".join("%-*s  %s" % (width + 1, name + ":", "" if value is None else value) for name, value in fields)
    ctx.out.result(
        dict(
            record,
            bytes=size,
            etag=head.get("ETag"),
            last_modified=head.get("Last-Modified"),
            content_type=head.get("Content-Type"),
            storage_class=head.get("x-cos-storage-class") or "STANDARD",
            crc64=head.get("x-cos-hash-crc64ecma"),
            version_id=head.get("x-cos-version-id"),
            metadata=meta,
            headers=headers,
            status="ok",
        ),
        text,
        product=True,
    )
    return 0


def cmd_presign(ctx):
    args = ctx.args
    target = object_target(args.target)
    record = {
        "op": "presign",
        "bucket": target.bucket,
        "key": target.key,
        "method": args.method,
        "expires": args.expires,
    }
    try:
        url = ctx.client.get_presigned_url(
            Bucket=target.bucket, Key=target.key, Method=args.method, Expired=args.expires
        )
    except ITEM_ERRORS as exc:
        return ctx.fail("presign %s" % target.url(), exc, record)
    ctx.out.result(dict(record, url=url, status="ok"), url, product=True)
    return 0


# -- uploads (unfinished multipart uploads) --------------------------------------------------------


def _unfinished(ctx, target):
    key_marker = upload_marker = ""
    while True:
        page = ctx.client.list_multipart_uploads(
            Bucket=target.bucket, Prefix=target.key, KeyMarker=key_marker, UploadIdMarker=upload_marker
        )
        yield from page.get("Upload") or []
        if str(page.get("IsTruncated", "false")).lower() != "true":
            return
        key_marker, upload_marker = page.get("NextKeyMarker") or "", page.get("NextUploadIdMarker") or ""
        if not key_marker and not upload_marker:
            return


def cmd_uploads(ctx):
    args = ctx.args
    target = cos_target(args.target, "a bucket or prefix")
    uploads = list(_unfinished(ctx, target))
    for upload in uploads:
        line = "%19s  %s  %s" % (_when(upload.get("Initiated")), upload.get("UploadId"), upload.get("Key"))
        ctx.out.result(
            {
                "op": "uploads",
                "bucket": target.bucket,
                "key": upload.get("Key"),
                "upload_id": upload.get("UploadId"),
                "initiated": upload.get("Initiated"),
                "storage_class": upload.get("StorageClass"),
            },
            line,
            product=True,
        )
    if not args.abort:
        line = "Total: %d unfinished upload%s" % (len(uploads), "" if len(uploads) == 1 else "s")
        ctx.out.result(
            {
                "op": "uploads",
                "type": "total",
                "bucket": target.bucket,
                "prefix": target.key,
                "uploads": len(uploads),
                "status": "ok",
            },
            line,
            product=True,
        )
        return 0
    if not uploads:
        ctx.out.result(
            {
                "op": "abort",
                "type": "summary",
                "bucket": target.bucket,
                "prefix": target.key,
                "aborted": 0,
                "failed": 0,
                "status": "ok",
            },
            "no unfinished uploads",
        )
        return 0
    if not ctx.confirm(
        "abort %d unfinished upload%s under %s (their parts are deleted)"
        % (len(uploads), "" if len(uploads) == 1 else "s", target.url())
    ):
        ctx.out.error("not confirmed: nothing aborted")
        return 1
    aborted = failed = 0
    for upload in uploads:
        record = {"op": "abort", "bucket": target.bucket, "key": upload["Key"], "upload_id": upload["UploadId"]}
        try:
            ctx.client.abort_multipart_upload(Bucket=target.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        except ITEM_ERRORS as exc:
            failed += 1
            ctx.fail("abort %s (upload %s)" % (target.url(upload["Key"]), upload["UploadId"]), exc, record)
            continue
        aborted += 1
        ctx.out.result(
            dict(record, status="ok"), "abort: %s (upload %s)" % (target.url(upload["Key"]), upload["UploadId"])
        )
    ctx.out.result(
        {
            "op": "abort",
            "type": "summary",
            "bucket": target.bucket,
            "prefix": target.key,
            "aborted": aborted,
            "failed": failed,
            "status": "ok" if not failed else "partial",
        },
        "aborted %d upload(s), failed %d" % (aborted, failed),
    )
    return 1 if failed else 0


COMMANDS = {"cp": cmd_cp, "ls": cmd_ls, "rm": cmd_rm, "stat": cmd_stat, "presign": cmd_presign, "uploads": cmd_uploads}
