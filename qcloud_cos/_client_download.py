"""``CosS3Client`` methods of the download family (``download_file``), mixed into the client."""


class DownloadMethods:
    """Methods of ``CosS3Client`` that download; they use the client's ``_send``."""
