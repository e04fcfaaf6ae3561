"""``python -m qcloud_cos``: the ``qcloud-cos`` command line (``python -m qcloud_cos --help``)."""

import sys

from qcloud_cos._cli import main

if __name__ == "__main__":
    sys.exit(main())
