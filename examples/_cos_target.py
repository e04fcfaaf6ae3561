"""Where the examples run: an in-process COS emulator by default, real COS when the environment says so.

COS_SECRET_ID, COS_SECRET_KEY, COS_REGION, COS_BUCKET   all four set: real COS (that bucket)
QCLOUD_COS_ENDPOINT_URL=http://127.0.0.1:9000            an emulator you started
                                                         (python -m qcloud_cos.emulator --port 9000)
neither                                                  an emulator in this process, gone at exit
"""

import contextlib
import hashlib
import os

from qcloud_cos import CosConfig, CosS3Client

REAL_COS = ("COS_SECRET_ID", "COS_SECRET_KEY", "COS_REGION", "COS_BUCKET")
EMULATOR_BUCKET = "examplebucket-1250000000"

HELP = __doc__.split("\n", 2)[2]


@contextlib.contextmanager
def cos_target():
    """``(client, bucket, where)`` for the example to use."""
    given = [name for name in REAL_COS if os.environ.get(name)]
    if given and len(given) < len(REAL_COS):
        missing = ", ".join(name for name in REAL_COS if name not in given)
        raise SystemExit("set all of %s to use real COS (missing: %s)" % (", ".join(REAL_COS), missing))
    if given:
        config = CosConfig(
            Region=os.environ["COS_REGION"],
            SecretId=os.environ["COS_SECRET_ID"],
            SecretKey=os.environ["COS_SECRET_KEY"],
            Token=os.environ.get("COS_TOKEN"),
        )
        yield CosS3Client(config), os.environ["COS_BUCKET"], "COS (%s)" % os.environ["COS_REGION"]
        return
    if os.environ.get("QCLOUD_COS_ENDPOINT_URL"):
        # the documentation's placeholder credentials, which the emulator accepts by default
        config = CosConfig(Region="ap-beijing", SecretId="SecretId", SecretKey="SecretKey")
        yield CosS3Client(config), EMULATOR_BUCKET, "the emulator at %s" % os.environ["QCLOUD_COS_ENDPOINT_URL"]
        return
    from qcloud_cos.emulator import CosEmulator

    with CosEmulator() as emulator:
        yield (
            CosS3Client(CosConfig(**emulator.config_kwargs())),
            EMULATOR_BUCKET,
            "a COS emulator in this process (%s)" % emulator.endpoint,
        )


def progress_bar(description):
    """A ``progress_callback``: a tqdm bar when tqdm is installed, else a line redrawn in place."""
    try:
        from qcloud_cos.progress import tqdm_callback

        return tqdm_callback(desc=description)
    except ImportError:
        pass
    import sys
    import time

    state = {"shown": -1.0, "at": 0.0}

    def show(consumed, total):
        # at most 4 redraws a second, the last one always; called one at a time by the SDK
        percent = 100.0 * consumed / total if total else 100.0
        now = time.monotonic()
        if percent == state["shown"] or (percent < 100.0 and now - state["at"] < 0.25):
            return
        state["shown"], state["at"] = percent, now
        sys.stderr.write("\r%s %5.1f%% of %.1f MiB" % (description, percent, total / 2**20))
        if percent >= 100.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def sha256_of(path):
    """The SHA-256 of a file, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
