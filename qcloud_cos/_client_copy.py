"""``CosS3Client`` methods of the copy family (``copy_object``, ``copy``), mixed into the client."""


class CopyMethods:
    """Methods of ``CosS3Client`` that copy objects; they use the client's ``_send``."""
