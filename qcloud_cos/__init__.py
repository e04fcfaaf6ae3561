"""qcloud_cos: a drop-in re-implementation of Tencent Cloud COS's Python SDK (cos-python-sdk-v5).

    from qcloud_cos import CosConfig, CosS3Client
    client = CosS3Client(CosConfig(Region='ap-beijing', SecretId='...', SecretKey='...'))
    client.put_object(Bucket='examplebucket-1250000000', Body=b'hello', Key='hello.txt')

A local COS emulator for tests and development: ``python -m qcloud_cos.emulator``.
"""
import logging

from .cos_auth import CosS3Auth
from .cos_client import CosConfig, CosS3Client
from .cos_comm import get_date
from .cos_exception import CosClientError, CosServiceError
from .version import __version__

__all__ = ['CosConfig', 'CosS3Client', 'CosServiceError', 'CosClientError', 'CosS3Auth', 'get_date',
           '__version__']

logging.getLogger(__name__).addHandler(logging.NullHandler())
