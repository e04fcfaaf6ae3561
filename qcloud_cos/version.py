"""The two version numbers of this package, and what each means.

``__version__ = '5.1.9.44'``
    The official SDK's own ``qcloud_cos.__version__`` string, kept unchanged because this is a drop-in:
    code that checks ``qcloud_cos.__version__`` keeps working, and the ``User-Agent`` header
    (``cos-python-sdk-v5.1.9.44``) is derived from it.  It does NOT number this package's releases.

``__official_sdk_version__ = '1.9.44'``
    The release of the official ``cos-python-sdk-v5`` distribution whose API (names, signatures,
    defaults, messages, wire behaviour) this package mirrors.

``__dropin_version__``
    This package's own release: the version of the ``qcloud-cos-dropin`` distribution
    (``pip show qcloud-cos-dropin``, ``importlib.metadata.version('qcloud-cos-dropin')``).
    ``setup.py`` reads it from this file, the only place it is written.
"""

__version__ = "5.1.9.44"

__official_sdk_version__ = "1.9.44"

__dropin_version__ = "0.1.0"
