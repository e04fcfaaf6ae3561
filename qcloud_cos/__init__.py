"""qcloud_cos: a drop-in re-implementation of Tencent Cloud COS's Python SDK (cos-python-sdk-v5).

    from qcloud_cos import CosConfig, CosS3Client
    client = CosS3Client(CosConfig(Region='ap-beijing', SecretId='...', SecretKey='...'))
    client.put_object(Bucket='examplebucket-1250000000', Body=b'hello', Key='hello.txt')

A local COS emulator for tests and development: ``python -m qcloud_cos.emulator``.
"""

import logging
import os

from . import _coinstall
from ._coinstall import CoInstallWarning

# First, so that the warning comes even when the mix of two packages makes the imports below fail.
_coinstall.check(os.path.dirname(os.path.abspath(__file__)))

from . import _surface
from ._surface import NotImplementedInDropin
from .cos_auth import CosS3Auth
from .cos_client import CosConfig, CosS3Client
from .cos_comm import get_date
from .cos_exception import CosClientError, CosServiceError
from .version import __dropin_version__, __official_sdk_version__, __version__

__all__ = [
    "CosConfig",
    "CosS3Client",
    "CosServiceError",
    "CosClientError",
    "CosS3Auth",
    "get_date",
    "NotImplementedInDropin",
    "CoInstallWarning",
    "__version__",
    "__dropin_version__",
    "__official_sdk_version__",
]

# The official package's other clients, not implemented here yet: looking one up says so.
__getattr__ = _surface.missing_module_attribute(
    __name__, ["AIRecognitionClient", "CosVectorsClient", "MetaInsightClient"]
)


logging.getLogger(__name__).addHandler(logging.NullHandler())
