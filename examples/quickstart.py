"""Upload a file to COS and read it back, against a local COS emulator.

    python examples/quickstart.py [FILE]

Without FILE a 32 MiB file of random bytes is made.  The emulator runs in this process on a free
port; point the same code at real COS by dropping the emulator and filling in your keys.
"""
import hashlib
import os
import sys
import tempfile
import time

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.emulator import CosEmulator


def main(argv):
    with tempfile.TemporaryDirectory() as tmp, CosEmulator() as emulator:
        path = argv[1] if len(argv) > 1 else os.path.join(tmp, 'sample.bin')
        if len(argv) <= 1:
            with open(path, 'wb') as f:
                for _ in range(32):
                    f.write(os.urandom(1024 * 1024))
        # With real COS: CosConfig(Region='ap-beijing', SecretId='...', SecretKey='...')
        config = CosConfig(**emulator.config_kwargs())
        client = CosS3Client(config)
        bucket, key = 'examplebucket-1250000000', 'quickstart/' + os.path.basename(path)

        started = time.perf_counter()
        response = client.put_object_from_local_file(Bucket=bucket, LocalFilePath=path, Key=key,
                                                      EnableMD5=True)
        elapsed = time.perf_counter() - started
        size = os.path.getsize(path)
        print('uploaded %s (%d bytes) to cos://%s/%s in %.2fs' % (path, size, bucket, key, elapsed))
        print('  ETag %s  crc64 %s' % (response['ETag'], response['x-cos-hash-crc64ecma']))

        downloaded = os.path.join(tmp, 'downloaded.bin')
        client.get_object(Bucket=bucket, Key=key)['Body'].get_stream_to_file(downloaded)
        same = _md5(downloaded) == _md5(path)
        print('downloaded again: %s' % ('identical' if same else 'DIFFERENT'))
        return 0 if same else 1


def _md5(path):
    digest = hashlib.md5()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b''):
            digest.update(chunk)
    return digest.hexdigest()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
