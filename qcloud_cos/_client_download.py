"""``CosS3Client`` methods of the download family (``download_file``), mixed into the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from ._transfer.planner import Default
from ._types import ObjectKey, PathArg, ProgressFn

if TYPE_CHECKING:
    from ._client_core import ClientCore
else:
    ClientCore = object  # the type checker sees the client's own members (see _client_core)


class DownloadMethods(ClientCore):
    """Methods of ``CosS3Client`` that download; they use the client's ``_send``."""

    def download_file(
        self,
        Bucket: str,
        Key: ObjectKey,
        DestFilePath: PathArg,
        PartSize: int = Default(20),
        MAXThread: int = Default(5),
        EnableCRC: bool = False,
        progress_callback: Optional[ProgressFn] = None,
        DumpRecordDir: Optional[PathArg] = None,
        KeySimplifyCheck: bool = True,
        DisableTempDestFilePath: bool = False,
        MaxPartCount: int = 10000,
        **Kwargs: Any,
    ) -> None:
        """Download an object to ``DestFilePath``: one GET up to ``PartSize`` MiB, else parallel ranged GETs.

        ``PartSize``/``MAXThread`` not given: 8 MiB ranges (one GET up to 8 MiB) and up to 16 at a time,
        or the part size an unfinished download of the same object was begun with (README, "Defaults
        that fit the link"); given, they are honoured as the official SDK does.

        Every GET carries ``If-Match`` with the ETag seen at HEAD (an overwritten object raises
        ``DownloadChanged``, nothing is written to the destination); the CRC-64 is checked before the
        rename whenever COS sends one; unfinished large downloads resume from the record in
        ``DumpRecordDir`` (default ``~/.cos_download_tmp_file``).  Extension kwarg: ``CancelEvent``
        (a ``threading.Event``) → ``DownloadCancelled``, resumable.  Kwargs: SSE-C headers,
        ``VersionId``, ``TrafficLimit``, ... as ``get_object``.
        """
        from ._transfer.download import download_file

        download_file(
            self,
            bucket=Bucket,
            key=Key,
            dest=DestFilePath,
            part_size=PartSize,
            max_thread=MAXThread,
            enable_crc=EnableCRC,
            progress_callback=progress_callback,
            dump_record_dir=DumpRecordDir,
            key_simplify_check=KeySimplifyCheck,
            disable_temp=DisableTempDestFilePath,
            max_parts=MaxPartCount,
            kwargs=Kwargs,
        )
