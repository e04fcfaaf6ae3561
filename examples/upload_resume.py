"""upload_file with a progress bar, a cancel half-way, and a resume that sends only the rest.

    python examples/upload_resume.py

Runs against an in-process COS emulator; with real COS only the CosConfig line changes.
"""
import os
import sys
import tempfile
import threading

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.emulator import CosEmulator
from qcloud_cos.transfer import UploadCancelled

BUCKET, KEY = 'examplebucket-1250000000', 'backups/archive.bin'


def main():
    with tempfile.TemporaryDirectory() as tmp, CosEmulator() as emulator:
        client = CosS3Client(CosConfig(**emulator.config_kwargs()))
        path = os.path.join(tmp, 'archive.bin')
        with open(path, 'wb') as f:
            for _ in range(64):
                f.write(os.urandom(1024 * 1024))
        checkpoints = os.path.join(tmp, 'checkpoints')
        cancel = threading.Event()

        def progress(done, total):
            sys.stdout.write('\r%5.1f%% of %d MiB' % (100.0 * done / total, total >> 20))
            sys.stdout.flush()
            if done >= total // 2:
                cancel.set()            # any thread may do this: here, half-way through

        try:
            client.upload_file(BUCKET, KEY, path, PartSize=4, MAXThread=4, progress_callback=progress,
                               CancelEvent=cancel, CheckpointDir=checkpoints)
        except UploadCancelled as exc:
            print('\ncancelled: %s' % exc)

        parts_before = sum(1 for r in emulator.requests if r.get('op') == 'UploadPart')
        result = client.upload_file(BUCKET, KEY, path, PartSize=4, MAXThread=4, progress_callback=progress,
                                    CheckpointDir=checkpoints)
        parts_after = sum(1 for r in emulator.requests if r.get('op') == 'UploadPart') - parts_before
        print('\nresumed: sent %d of 16 parts again; ETag %s, crc64 %s'
              % (parts_after, result['ETag'], result['x-cos-hash-crc64ecma']))
        return 0 if parts_after < 16 else 1


if __name__ == '__main__':
    sys.exit(main())
