"""Upload a large file with a progress bar, interrupt it, resume it, and download it back.

    python examples/quickstart.py [--size-mib 48] [--file PATH] [--keep]

What it shows: upload_file goes multipart (1 MiB parts, 5 threads); the upload is cancelled half-way
(as Ctrl-C would stop it) and the same call resumes it, sending only the parts not yet sent; then
download_file fetches it back with parallel ranged GETs and the bytes are compared.

By default it runs against a COS emulator in this process: nothing to set up.  To run it against
real COS, set COS_SECRET_ID, COS_SECRET_KEY, COS_REGION and COS_BUCKET (the object is deleted at the
end unless --keep).
"""

import argparse
import os
import sys
import tempfile
import threading

from _cos_target import HELP, cos_target, progress_bar, sha256_of

from qcloud_cos.transfer import UploadCancelled


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], epilog=HELP, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=48, help="size of the random file made (default 48)")
    parser.add_argument("--file", help="upload this file instead of a random one")
    parser.add_argument("--keep", action="store_true", help="leave the object in the bucket")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, cos_target() as (client, bucket, where):
        path = args.file or _random_file(os.path.join(tmp, "sample.bin"), args.size_mib)
        key = "quickstart/" + os.path.basename(path)
        size = os.path.getsize(path)
        checkpoints = os.path.join(tmp, "checkpoints")
        print("uploading %s (%.1f MiB) to cos://%s/%s on %s" % (path, size / 2**20, bucket, key, where))

        # 1. Start the upload and cancel it half-way (a CancelEvent, set here from the progress callback).
        #    One request at a time, so that the first 8 MiB parts are complete when it stops.
        cancel = threading.Event()
        bar = progress_bar("upload")

        def half_way(consumed, total):
            bar(consumed, total)
            if consumed >= total // 2:
                cancel.set()

        try:
            client.upload_file(
                bucket,
                key,
                path,
                MAXThread=1,
                CancelEvent=cancel,
                CheckpointDir=checkpoints,
                progress_callback=half_way,
            )
            print("the file was too small to interrupt (one request)")
        except UploadCancelled:
            print("\ninterrupted half-way; calling upload_file again resumes it")

        # 2. The same call again: only the parts not yet uploaded are sent.
        resumed = []
        bar = progress_bar("resume")
        response = client.upload_file(
            bucket, key, path, CheckpointDir=checkpoints, progress_callback=lambda c, t: (resumed.append(c), bar(c, t))
        )
        # resumed bytes are reported first: a first report larger than one block is what was kept
        kept = resumed[0] if resumed and resumed[0] > 256 * 1024 else 0
        print(
            "resumed: %.1f MiB of %.1f MiB were already uploaded and not sent again; ETag %s"
            % (kept / 2**20, size / 2**20, response["ETag"])
        )
        if size >= 24 * 2**20 and not kept:  # (a smaller file may stop inside its first part)
            print("nothing was resumed")
            return 1

        # 3. Download it back (parallel ranged GETs, CRC-64 checked before the file appears) and compare.
        back = os.path.join(tmp, "downloaded.bin")
        client.download_file(bucket, key, back, PartSize=4, MAXThread=5, progress_callback=progress_bar("download"))
        same = sha256_of(back) == sha256_of(path)
        print("downloaded again: %s" % ("identical" if same else "DIFFERENT"))
        if not args.keep:
            client.delete_object(bucket, key)
        return 0 if same else 1


def _random_file(path, size_mib):
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(1024 * 1024))
    return path


if __name__ == "__main__":
    sys.exit(main())
