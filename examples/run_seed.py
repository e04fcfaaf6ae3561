"""Run the upload reference's examples (examples/seed/*.py, the document's code byte for byte) as written.

    python examples/run_seed.py                 every example
    python examples/run_seed.py upload_part.py  some of them
    python examples/run_seed.py --list          what each one needs and is expected to do

The examples name Tencent's placeholder credentials (SecretId / SecretKey), buckets
(examplebucket-1250000000, sourcebucket-1250000000 in ap-guangzhou), local files (test.txt,
local.txt, test.bin) and an UploadId ('exampleUploadId') that cannot exist beforehand.  This
runner makes each of them exist in a COS emulator in this process (a fresh state for every
example), runs the example in a subprocess in a fresh folder with QCLOUD_COS_ENDPOINT_URL pointing
at that emulator, and checks the outcome.  The one example that cannot succeed as written
(complete_multipart_upload.py: its ETags are the placeholder 'string') is expected to get COS's
InvalidPart, and the runner says what to pass instead.  Exit status 0 when every outcome is the
expected one.

To run an example against real COS instead, copy it and fill in your SecretId, SecretKey,
region, bucket and (for the multipart ones) the UploadId create_multipart_upload returned.
"""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "seed")
ROOT = os.path.dirname(HERE)
BUCKET = "examplebucket-1250000000"
KEY = "exampleobject"
PLACEHOLDER_UPLOAD = "exampleUploadId"


def _files(cwd, _emulator):
    with open(os.path.join(cwd, "test.txt"), "wb") as f:
        f.write(b"<p>test.txt, as the document assumes</p>")
    with open(os.path.join(cwd, "local.txt"), "wb") as f:
        f.write(b"local.txt, as the document assumes\n")
    with open(os.path.join(cwd, "test.bin"), "wb") as f:
        f.write(os.urandom(64 * 1024))


def _upload(_cwd, emulator):
    emulator.create_upload(BUCKET, KEY, upload_id=PLACEHOLDER_UPLOAD)


def _upload_and_source(cwd, emulator):
    _upload(cwd, emulator)
    emulator.create_bucket("sourcebucket-1250000000", region="ap-guangzhou")
    _client(emulator).put_object(Bucket="sourcebucket-1250000000", Key=KEY, Body=b"s" * (1024 * 1024))


def _upload_with_two_parts(cwd, emulator):
    _upload(cwd, emulator)
    client = _client(emulator)
    for number in (1, 2):
        client.upload_part(BUCKET, KEY, b"p" * (1024 * 1024), number, PLACEHOLDER_UPLOAD)


def _batch_bucket(_cwd, emulator):
    # the document's batch example names 'examplebucket-125000000' (one 0 short) and walks /root/logs
    emulator.create_bucket("examplebucket-125000000")


def _client(emulator):
    from qcloud_cos import CosConfig, CosS3Client

    return CosS3Client(CosConfig(**emulator.config_kwargs()))


#: script -> (what the runner prepares, what it needs in words, expected error code or None)
SCENARIOS = {
    "put_object_simple.py": (_files, "test.txt, local.txt and test.bin in the current folder", None),
    "put_object_create_dir.py": (None, "nothing", None),
    "put_object_to_dir.py": (_files, "test.txt in the current folder", None),
    "append_object.py": (None, "nothing (exampleobject must not exist yet, or be appendable)", None),
    "create_multipart_upload.py": (None, "nothing", None),
    "list_multipart_uploads.py": (None, "nothing", None),
    "upload_part.py": (_upload, "an upload of exampleobject with the UploadId 'exampleUploadId'", None),
    "list_parts.py": (_upload, "an upload of exampleobject with the UploadId 'exampleUploadId'", None),
    "abort_multipart_upload.py": (_upload, "an upload of exampleobject with the UploadId 'exampleUploadId'", None),
    "upload_part_copy.py": (
        _upload_and_source,
        "an upload 'exampleUploadId' and the object exampleobject in sourcebucket-1250000000 (ap-guangzhou)",
        None,
    ),
    "complete_multipart_upload.py": (
        _upload_with_two_parts,
        "an upload 'exampleUploadId' with parts 1 and 2; its ETags 'string' are "
        "placeholders, so COS answers InvalidPart: pass the ETag each upload_part call returned",
        "InvalidPart",
    ),
    "upload_file.py": (_files, "local.txt in the current folder", None),
    "upload_folder_batch.py": (
        _batch_bucket,
        "files below /root/logs (the document's folder; none: nothing "
        "to upload) and the bucket examplebucket-125000000 it names",
        None,
    ),
}


def run_one(name, emulator):
    """``(as_expected, detail)`` for one example, run in a fresh folder on a reset emulator."""
    prepare, _needs, expected = SCENARIOS[name]
    emulator.reset()
    with tempfile.TemporaryDirectory() as cwd:
        if prepare is not None:
            prepare(cwd, emulator)
        env = dict(
            os.environ,
            QCLOUD_COS_ENDPOINT_URL=emulator.endpoint,
            PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
        )
        proc = subprocess.run(
            [sys.executable, os.path.join(SEED, name)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    if expected is None:
        return proc.returncode == 0, (proc.stderr.strip().splitlines() or [""])[-1]
    failed_as_expected = proc.returncode != 0 and ("'code': '%s'" % expected) in proc.stderr
    return failed_as_expected, "COS error %s, as expected" % expected if failed_as_expected else proc.stderr[-500:]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog=__doc__.split("\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scripts", nargs="*", metavar="SCRIPT", help="examples to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the examples, what each needs, and stop")
    args = parser.parse_args(argv)
    names = [os.path.basename(s) for s in args.scripts] or sorted(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error("unknown example(s) %s; known: %s" % (", ".join(unknown), ", ".join(sorted(SCENARIOS))))
    if args.list:
        for name in names:
            print("%-30s needs %s" % (name, SCENARIOS[name][1]))
        return 0
    sys.path.insert(0, ROOT)
    from qcloud_cos.emulator import CosEmulator

    failures = 0
    with CosEmulator() as emulator:
        for name in names:
            ok, detail = run_one(name, emulator)
            failures += not ok
            show_detail = not ok or SCENARIOS[name][2] is not None
            print("%-30s %s%s" % (name, "ok" if ok else "FAILED", "  " + detail if show_detail else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
