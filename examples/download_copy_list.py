"""The rest of the transfer family: download_file, copy, listing and deleting by prefix.

    python examples/download_copy_list.py [--files 1500]

Uploads a folder of small files and one large file, lists them with iter_objects (every page, keys
decoded), copies the large one with the managed copy (metadata carried, parts pinned to the source
ETag), downloads it with download_file (parallel ranged GETs, CRC-64 checked before the file
appears), then deletes everything with delete_prefix (1000 keys a request).
"""

import argparse
import os
import sys
import tempfile

from _cos_target import HELP, cos_target, progress_bar, sha256_of


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], epilog=HELP, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=1500, help="small files to upload (default 1500)")
    args = parser.parse_args(argv)
    prefix = "family-example/"
    with tempfile.TemporaryDirectory() as tmp, cos_target() as (client, bucket, where):
        print("on %s, bucket %s" % (where, bucket))
        folder = os.path.join(tmp, "folder")
        os.makedirs(os.path.join(folder, "small"))
        for i in range(args.files):
            with open(os.path.join(folder, "small", "note-%05d.txt" % i), "wb") as f:
                f.write(b"note %d\n" % i)
        with open(os.path.join(folder, "big.bin"), "wb") as f:
            for _ in range(24):
                f.write(os.urandom(1024 * 1024))
        result = client.upload_folder(
            bucket, folder, KeyPrefix=prefix, MAXThread=16, progress_callback=progress_bar("upload folder")
        )
        print("uploaded %d files (%d failed)" % (len(result["uploaded"]), len(result["failed"])))

        total = count = 0
        for entry in client.iter_objects(bucket, Prefix=prefix):  # pages of 1000, fetched as needed
            count += 1
            total += int(entry["Size"])
        print("listed %d objects, %.1f MiB" % (count, total / 2**20))

        big, copied = prefix + "big.bin", prefix + "copy-of-big.bin"
        client.copy(
            bucket,
            copied,
            {"Bucket": bucket, "Key": big, "Region": client.get_conf()._region},
            progress_callback=progress_bar("copy"),
        )
        back = os.path.join(tmp, "back.bin")
        client.download_file(bucket, copied, back, PartSize=4, progress_callback=progress_bar("download"))
        same = sha256_of(back) == sha256_of(os.path.join(folder, "big.bin"))
        print("copy downloaded: %s" % ("identical" if same else "DIFFERENT"))

        deleted = client.delete_prefix(bucket, prefix)
        print("deleted %d objects (%d failed)" % (deleted["deleted"], len(deleted["failed"])))
        return 0 if same and deleted["success_all"] and not result["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
