"""``CosS3Client`` methods on many objects and on bucket settings (batch delete, versions, ACLs, ...)."""


class BucketMethods:
    """Methods of ``CosS3Client`` for listing, batch deletes and bucket/object settings."""
