"""Opt-in comparison with the official SDK, installed in a private virtualenv (needs the package index).

    QCLOUD_COS_INTEROP=1 python -m pytest tests/interop

1. The official SDK regenerates the golden vectors; they must equal the committed ones.
2. The official SDK, unmodified, uploads to our emulator and reads back (the emulator speaks COS).
"""
import hashlib
import json
import os
import subprocess
import textwrap
import venv

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
OFFICIAL = 'cos-python-sdk-v5==1.9.44'

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(os.environ.get('QCLOUD_COS_INTEROP') != '1', reason='set QCLOUD_COS_INTEROP=1'),
]


@pytest.fixture(scope='module')
def official_python(tmp_path_factory):
    env_dir = tmp_path_factory.mktemp('official-sdk')
    venv.create(str(env_dir), with_pip=True)
    python = os.path.join(str(env_dir), 'bin', 'python')
    subprocess.run([python, '-m', 'pip', 'install', '-q', OFFICIAL], check=True)
    return python


def test_vectors_are_current(official_python, tmp_path):
    out = tmp_path / 'vectors.json'
    subprocess.run([official_python, os.path.join(HERE, 'make_vectors.py'), str(out)], check=True,
                   cwd=str(tmp_path))
    with open(os.path.join(HERE, 'vectors', 'official-1.9.44.json'), encoding='utf-8') as f:
        committed = json.load(f)
    assert json.loads(out.read_text(encoding='utf-8')) == committed


def test_official_sdk_against_our_emulator(official_python, cos_emulator, cos_emulator_bucket, tmp_path):
    script = textwrap.dedent('''
        import sys
        from qcloud_cos import CosConfig, CosS3Client, CosServiceError
        port, bucket = int(sys.argv[1]), sys.argv[2]
        conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                         IP='127.0.0.1', Port=port, Scheme='http')
        c = CosS3Client(conf)
        r = c.put_object(Bucket=bucket, Body=b'from the official sdk', Key='dir/a b+c.txt',
                         Metadata={'x-cos-meta-k': 'v'}, ContentType='text/plain', EnableMD5=True)
        print(r['ETag'])
        print(c.get_object(Bucket=bucket, Key='dir/a b+c.txt')['Body'].get_raw_stream().read().decode())
        print(c.list_objects(Bucket=bucket)['Contents'][0]['Key'])
        try:
            c.head_object(Bucket=bucket, Key='missing')
        except CosServiceError as e:
            print(e.get_status_code())
    ''')
    path = tmp_path / 'official.py'
    path.write_text(script)
    proc = subprocess.run([official_python, str(path), str(cos_emulator.port), cos_emulator_bucket],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().split('\n')[:4] == [
        '"%s"' % hashlib.md5(b'from the official sdk').hexdigest(),
        'from the official sdk', 'dir/a b+c.txt', '404']
    head = cos_emulator.requests[-1]
    assert head['headers']['User-Agent'].startswith('cos-python-sdk-v5')


def test_upload_begun_by_the_official_sdk_is_resumed_by_ours(official_python, cos_emulator, cos_emulator_bucket,
                                                              tmp_path):
    """The official upload_file fails on one part and leaves its upload; ours adopts it and sends the rest."""
    from qcloud_cos import CosConfig, CosS3Client

    bucket = cos_emulator_bucket
    path = tmp_path / 'big.bin'
    path.write_bytes(os.urandom(25 * 1024 * 1024))
    script = textwrap.dedent('''
        import sys
        from qcloud_cos import CosConfig, CosS3Client, CosClientError
        conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                         IP='127.0.0.1', Port=int(sys.argv[1]), Scheme='http')
        try:
            CosS3Client(conf, retry=0).upload_file(sys.argv[2], 'shared.bin', sys.argv[3], MAXThread=2)
            print('completed')
        except CosClientError as e:
            print('failed:', e)
    ''')
    cos_emulator.inject_fault(status=403, code='AccessDenied', op='UploadPart', bucket=bucket, count=1)
    proc = subprocess.run([official_python, '-c', script, str(cos_emulator.port), bucket, str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path), timeout=300)
    assert proc.stdout.decode().startswith('failed:'), proc.stdout + proc.stderr
    ops = lambda op: [r for r in cos_emulator.requests if r.get('op') == op and r.get('bucket') == bucket]
    official_parts = len(ops('UploadPart'))

    client = CosS3Client(CosConfig(**cos_emulator.config_kwargs()))
    client.upload_file(bucket, 'shared.bin', str(path), CheckpointDir=str(tmp_path / 'ck'))
    assert len(ops('InitiateMultipartUpload')) == 1          # the official SDK's upload was adopted
    assert len(ops('UploadPart')) - official_parts == 1      # only the part that failed was sent
    body = client.get_object(bucket, 'shared.bin')['Body'].get_raw_stream().read()
    assert body == path.read_bytes()
