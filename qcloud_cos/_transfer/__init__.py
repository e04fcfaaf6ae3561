"""The transfer engine (upload_file, upload_folder); see ``upload.py``."""

from .upload import UploadCancelled, upload_file, upload_folder

__all__ = ["UploadCancelled", "upload_file", "upload_folder"]
