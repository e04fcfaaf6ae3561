"""Regenerate ``vectors/official-1.9.44.json`` from the official SDK (black box).

Run it with a Python that has ``cos-python-sdk-v5==1.9.44`` installed and NOT our package::

    python -m venv /tmp/official && /tmp/official/bin/pip install cos-python-sdk-v5==1.9.44
    /tmp/official/bin/python tests/interop/make_vectors.py

The script only calls the official SDK's public API through ``cases.collect``.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases  # noqa: E402

import qcloud_cos  # noqa: E402  (the official SDK in this interpreter)

OUT = os.path.join(HERE, "vectors", "official-1.9.44.json")


def write_vectors(*, collect, default_out, argv):
    """Run ``collect(qcloud_cos)`` with the official SDK and write the JSON to argv[1] or ``default_out``."""
    out = argv[1] if len(argv) > 1 else default_out
    if hasattr(qcloud_cos, "__dropin_version__") or "site-packages" not in os.path.abspath(qcloud_cos.__file__):
        sys.exit("refusing: qcloud_cos here is not an installed official SDK (%s)" % qcloud_cos.__file__)
    data = collect(qcloud_cos)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %d cases to %s" % (len(data), out))


def main(argv):
    write_vectors(collect=cases.collect, default_out=OUT, argv=argv)


if __name__ == "__main__":
    main(sys.argv)
