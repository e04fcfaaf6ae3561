"""The code under test: a small module that keeps photos in COS and builds its own client.

It reads its configuration from the environment (COS_SECRET_ID, COS_SECRET_KEY, COS_REGION,
COS_BUCKET), as an application would; QCLOUD_COS_ENDPOINT_URL, when set, sends every request to
that endpoint instead of COS (the ``cos_env`` fixture sets all five for a test).
"""

import os

from qcloud_cos import CosConfig, CosS3Client


def _client():
    return CosS3Client(
        CosConfig(
            Region=os.environ["COS_REGION"],
            SecretId=os.environ["COS_SECRET_ID"],
            SecretKey=os.environ["COS_SECRET_KEY"],
        )
    )


def save(path, album):
    """Upload ``path`` as ``<album>/<file name>``; returns the key."""
    key = "%s/%s" % (album, os.path.basename(path))
    _client().upload_file(os.environ["COS_BUCKET"], key, path, PartSize=1, MAXThread=4)
    return key


def album(name):
    """The keys and sizes of an album."""
    return {o["Key"]: int(o["Size"]) for o in _client().iter_objects(os.environ["COS_BUCKET"], Prefix=name + "/")}


def fetch(key, dest):
    _client().download_file(os.environ["COS_BUCKET"], key, dest, PartSize=1)


def delete_album(name):
    return _client().delete_prefix(os.environ["COS_BUCKET"], name + "/")["deleted"]
