"""Record ``vectors/official-comm-1.9.44.json`` from the official SDK (black box, via ``comm_cases``).

Run it with a Python that has ``cos-python-sdk-v5==1.9.44`` installed and NOT our package::

    /path/to/official-venv/bin/python tests/interop/make_comm_vectors.py [out.json]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import qcloud_cos  # noqa: E402  (the official SDK in this interpreter)

import comm_cases  # noqa: E402

OUT = os.path.join(HERE, 'vectors', 'official-comm-1.9.44.json')


def main(argv):
    if hasattr(qcloud_cos, '__dropin_version__'):
        sys.exit('refusing: qcloud_cos here is qcloud-cos-dropin, not the official SDK (%s)' % qcloud_cos.__file__)
    out = argv[1] if len(argv) > 1 else OUT
    data = comm_cases.collect(qcloud_cos)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w', encoding='utf-8') as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write('\n')
    print('wrote %d cases to %s' % (len(data), out))


if __name__ == '__main__':
    main(sys.argv)
