"""Public names of the upload engine (extensions beyond the official SDK).

``UploadCancelled`` is raised by ``upload_file``/``upload_folder`` when their ``CancelEvent`` is set;
``CopyCancelled`` by ``copy``, ``DownloadCancelled``/``DownloadChanged`` by ``download_file``;
``CheckpointStore`` and ``default_checkpoint_directory`` locate resume checkpoints.
"""

from ._transfer.checkpoint import CheckpointStore
from ._transfer.checkpoint import default_directory as default_checkpoint_directory
from ._transfer.copy import CopyCancelled
from ._transfer.download import DownloadCancelled, DownloadChanged
from ._transfer.planner import plan_parts
from ._transfer.upload import UploadCancelled

__all__ = [
    "CheckpointStore",
    "CopyCancelled",
    "DownloadCancelled",
    "DownloadChanged",
    "UploadCancelled",
    "default_checkpoint_directory",
    "plan_parts",
]
