import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, 'qcloud_cos', 'version.py'), encoding='utf-8') as f:
    VERSION = re.search(r"__dropin_version__ = '([^']+)'", f.read()).group(1)
with open(os.path.join(HERE, 'README.md'), encoding='utf-8') as f:
    LONG_DESCRIPTION = f.read()

setup(
    name='qcloud-cos-dropin',
    version=VERSION,
    description='Drop-in re-implementation of the Tencent Cloud COS Python SDK (import qcloud_cos), '
                'with a local COS emulator',
    long_description=LONG_DESCRIPTION,
    long_description_content_type='text/markdown',
    license='MIT',
    packages=find_packages(include=['qcloud_cos', 'qcloud_cos.*']),
    python_requires='>=3.8',
    # Floors are the oldest versions the test suite passes with (.ci/constraints-oldest.txt, run by
    # .ci/run): requests < 2.27 sends a second Host header with chunked bodies; urllib3 < 1.23 and
    # (on Python >= 3.12) < 1.26.5 do not import; xmltodict < 0.11 lacks disable_entities;
    # anycrc < 1.3.1 fails on empty input.
    install_requires=[
        'requests>=2.27',
        'urllib3>=1.23; python_version < "3.12"',
        'urllib3>=1.26.5; python_version >= "3.12"',
        'xmltodict>=0.11',
        'anycrc>=1.3.1',
    ],
    extras_require={
        'test': ['pytest>=7'],
        'cli': ['tqdm>=4'],
    },
    entry_points={
        'console_scripts': ['cos-emulator=qcloud_cos.emulator.__main__:main',
                            'qcloud-cos=qcloud_cos._cli:main'],
    },
    classifiers=[
        'License :: OSI Approved :: MIT License',
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3 :: Only',
    ],
)
