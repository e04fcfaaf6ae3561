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
    install_requires=[
        'requests>=2.20',
        'xmltodict>=0.12',
        'anycrc>=2.0',
    ],
    extras_require={
        'test': ['pytest>=7'],
    },
    entry_points={
        'console_scripts': ['cos-emulator=qcloud_cos.emulator.__main__:main'],
    },
    classifiers=[
        'License :: OSI Approved :: MIT License',
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3 :: Only',
    ],
)
