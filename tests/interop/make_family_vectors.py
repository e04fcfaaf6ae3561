"""Record ``vectors/official-family-1.9.44.json`` from the official SDK (black box, via ``family_cases``).

Run it with a Python that has ``cos-python-sdk-v5==1.9.44`` installed and NOT our package::

    /path/to/official-venv/bin/python tests/interop/make_family_vectors.py [out.json]
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


import family_cases  # noqa: E402
from make_vectors import write_vectors  # noqa: E402

OUT = os.path.join(HERE, "vectors", "official-family-1.9.44.json")


def main(argv):
    write_vectors(collect=family_cases.collect, default_out=OUT, argv=argv)


if __name__ == "__main__":
    main(sys.argv)
