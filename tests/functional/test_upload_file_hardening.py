"""upload_file hardening (issue 7): adoption rules, concurrent writers, rewritten files, lost answers,
orphan uploads, Ctrl-C at random moments, and argument validation before any request."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError
from qcloud_cos._crc64 import crc64

MIB = 1024 * 1024
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def ckdir(tmp_path):
    return str(tmp_path / "checkpoints")


def _write(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, MIB)
            f.write(os.urandom(n))
            left -= n
    return str(path)


@pytest.fixture
def make_file(tmp_path):
    return lambda size, name="src.bin": _write(tmp_path / name, size)


def _ops(emulator, bucket, op):
    return [r for r in emulator.requests if r.get("op") == op and r.get("bucket") == bucket]


def _read(client, bucket, key):
    return client.get_object(bucket, key)["Body"].get_raw_stream().read()


def _uploads(client, bucket, key):
    return [
        u["UploadId"] for u in client.list_multipart_uploads(bucket, Prefix=key).get("Upload", []) if u["Key"] == key
    ]


def _send_parts(client, bucket, key, upload_id, path, count):
    with open(path, "rb") as f:
        for number in range(1, count + 1):
            client.upload_part(bucket, key, f.read(MIB), number, upload_id)


def _file_crc(path):
    with open(path, "rb") as f:
        return str(crc64(f.read()))


# -- 1. adoption only when the Initiate headers can be confirmed --------------------------------


def test_server_upload_begun_with_other_headers_is_not_adopted(client, bucket, cos_emulator, make_file):
    path = make_file(22 * MIB)
    alice = client.create_multipart_upload(
        bucket, "k.json", ContentType="text/plain", Metadata={"x-cos-meta-owner": "alice"}
    )["UploadId"]
    _send_parts(client, bucket, "k.json", alice, path, 5)
    client.upload_file(
        bucket,
        "k.json",
        path,
        CheckpointDir=False,
        ContentType="application/json",
        Metadata={"x-cos-meta-owner": "bob"},
    )
    head = client.head_object(bucket, "k.json")
    assert head["Content-Type"] == "application/json"
    assert head["x-cos-meta-owner"] == "bob"
    assert _read(client, bucket, "k.json") == open(path, "rb").read()
    assert _uploads(client, bucket, "k.json") == [alice]  # someone else's: left alone


@pytest.mark.parametrize(
    "headers",
    [
        {"ContentType": "text/plain"},  # the same headers: still not confirmable
        {"ACL": "public-read"},
        {"Metadata": {"x-cos-meta-owner": "alice"}},
        {"ServerSideEncryption": "AES256"},
    ],
)
def test_any_unconfirmable_initiate_header_prevents_adoption(client, bucket, cos_emulator, make_file, headers):
    path = make_file(22 * MIB)
    other = client.create_multipart_upload(bucket, "h.bin", **headers)["UploadId"]
    _send_parts(client, bucket, "h.bin", other, path, 3)
    client.upload_file(bucket, "h.bin", path, PartSize=1, CheckpointDir=False, **headers)
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == 2
    assert len(_ops(cos_emulator, bucket, "UploadPart")) == 3 + 22
    assert _uploads(client, bucket, "h.bin") == [other]


def test_upload_with_only_storage_class_and_traffic_limit_is_still_adopted(client, bucket, cos_emulator, make_file):
    path = make_file(22 * MIB)
    other = client.create_multipart_upload(bucket, "s.bin", StorageClass="STANDARD_IA")["UploadId"]
    _send_parts(client, bucket, "s.bin", other, path, 4)
    client.upload_file(bucket, "s.bin", path, CheckpointDir=False, StorageClass="STANDARD_IA", TrafficLimit="838860800")
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == 1
    assert len(_ops(cos_emulator, bucket, "UploadPart")) == 22
    assert client.head_object(bucket, "s.bin")["x-cos-storage-class"] == "STANDARD_IA"


# -- 2. never adopt an upload without parts ------------------------------------------------------


def test_upload_without_parts_is_never_adopted(client, bucket, cos_emulator, make_file):
    path = make_file(22 * MIB)
    fresh = client.create_multipart_upload(bucket, "fresh.bin")["UploadId"]
    client.upload_file(bucket, "fresh.bin", path, CheckpointDir=False)
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == 2
    assert _uploads(client, bucket, "fresh.bin") == [fresh]  # the other writer can go on
    client.upload_part(bucket, "fresh.bin", b"x" * 10, 1, fresh)


# -- 3. our upload completed by another writer of the same content -------------------------------


def test_writer_whose_upload_another_writer_completed_succeeds(client, bucket, cos_emulator, make_file):
    path = make_file(30 * MIB)
    other = CosS3Client(CosConfig(**cos_emulator.config_kwargs()))
    fired = []

    def progress(done, total):
        # the first writer is half way: a second writer adopts its upload and completes it
        if done >= 12 * MIB and not fired:
            fired.append(other.upload_file(bucket, "both.bin", path, PartSize=1, CheckpointDir=False))

    result = client.upload_file(
        bucket, "both.bin", path, PartSize=1, MAXThread=2, progress_callback=progress, CheckpointDir=False
    )
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == 1  # the second adopted it
    assert {"Location", "Bucket", "Key", "ETag", "x-cos-hash-crc64ecma"} <= set(result)
    assert result["ETag"] == fired[0]["ETag"]
    assert result["x-cos-hash-crc64ecma"] == _file_crc(path)
    assert result["Key"] == "both.bin" and result["Bucket"] == bucket
    assert _read(client, bucket, "both.bin") == open(path, "rb").read()


def test_upload_gone_and_object_of_other_content_is_still_an_error(client, bucket, cos_emulator, make_file):
    path = make_file(30 * MIB)
    fired = []

    def progress(done, total):
        if done >= 12 * MIB and not fired:
            fired.append(1)
            (upload_id,) = _uploads(client, bucket, "gone.bin")
            client.abort_multipart_upload(bucket, "gone.bin", upload_id)
            client.put_object(bucket, b"something else", "gone.bin")

    with pytest.raises(CosServiceError) as info:
        client.upload_file(bucket, "gone.bin", path, MAXThread=2, progress_callback=progress, CheckpointDir=False)
    assert info.value.get_error_code() == "NoSuchUpload"
    assert _read(client, bucket, "gone.bin") == b"something else"


# -- 4. a file rewritten during the upload ------------------------------------------------------


def _rewrite_same_size_keep_mtime(path):
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.write(os.urandom(MIB))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("keep_mtime", [True, False])
def test_simple_put_of_a_file_rewritten_meanwhile_fails_and_leaves_no_object(
    client, bucket, cos_emulator, make_file, ckdir, keep_mtime
):
    path = make_file(6 * MIB)
    fired = []

    def progress(done, total):
        if done >= 3 * MIB and not fired:
            fired.append(1)
            if keep_mtime:
                _rewrite_same_size_keep_mtime(path)
            else:
                with open(path, "r+b") as f:
                    f.write(os.urandom(MIB))

    with pytest.raises(CosClientError, match="changed while it was being uploaded"):
        client.upload_file(bucket, "rw.bin", path, progress_callback=progress, CheckpointDir=ckdir)
    assert len(_ops(cos_emulator, bucket, "PutObject")) == 1
    with pytest.raises(CosServiceError) as info:
        client.head_object(bucket, "rw.bin")
    assert info.value.get_status_code() == 404


def test_multipart_rewrite_with_same_size_and_preserved_mtime_is_caught(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(24 * MIB)
    fired = []

    def progress(done, total):
        if done >= 12 * MIB and not fired:
            fired.append(1)
            _rewrite_same_size_keep_mtime(path)

    with pytest.raises(CosClientError, match="changed while it was being uploaded"):
        client.upload_file(bucket, "mprw.bin", path, MAXThread=2, progress_callback=progress, CheckpointDir=ckdir)
    assert not _ops(cos_emulator, bucket, "CompleteMultipartUpload")
    with pytest.raises(CosServiceError):
        client.head_object(bucket, "mprw.bin")


# -- 5. a rerun after a lost Complete answer confirms with one HEAD ------------------------------


def test_rerun_after_a_lost_complete_answer_sends_nothing_again(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    no_retry = CosS3Client(CosConfig(**cos_emulator.config_kwargs()), retry=0)
    cos_emulator.inject_fault(lose_response=True, op="CompleteMultipartUpload", bucket=bucket)
    with pytest.raises(CosClientError):
        no_retry.upload_file(bucket, "lostc.bin", path, PartSize=1, CheckpointDir=ckdir)
    assert len(os.listdir(ckdir)) == 1  # every part done, answer unknown
    parts, puts = len(_ops(cos_emulator, bucket, "UploadPart")), len(_ops(cos_emulator, bucket, "PutObject"))

    result = client.upload_file(bucket, "lostc.bin", path, PartSize=1, CheckpointDir=ckdir)
    assert len(_ops(cos_emulator, bucket, "UploadPart")) == parts  # nothing sent again
    assert len(_ops(cos_emulator, bucket, "PutObject")) == puts
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == 1
    assert len(_ops(cos_emulator, bucket, "CompleteMultipartUpload")) == 1
    assert {"Location", "Bucket", "Key", "ETag", "x-cos-hash-crc64ecma"} <= set(result)
    assert result["ETag"].endswith('-22"')
    assert result["x-cos-hash-crc64ecma"] == _file_crc(path)
    assert os.listdir(ckdir) == []
    assert _read(client, bucket, "lostc.bin") == open(path, "rb").read()


def test_rerun_after_a_lost_complete_uploads_again_when_the_object_is_not_ours(
    client, bucket, cos_emulator, make_file, ckdir
):
    path = make_file(22 * MIB)
    no_retry = CosS3Client(CosConfig(**cos_emulator.config_kwargs()), retry=0)
    cos_emulator.inject_fault(lose_response=True, op="CompleteMultipartUpload", bucket=bucket)
    with pytest.raises(CosClientError):
        no_retry.upload_file(bucket, "lostd.bin", path, CheckpointDir=ckdir)
    client.put_object(bucket, b"overwritten since", "lostd.bin")
    client.upload_file(bucket, "lostd.bin", path, CheckpointDir=ckdir)
    assert _read(client, bucket, "lostd.bin") == open(path, "rb").read()
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == 2


# -- 6. a lost Initiate answer leaves no orphan ----------------------------------------------------


def test_lost_initiate_answer_leaves_no_orphan_upload(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    earlier = client.create_multipart_upload(bucket, "orph.bin")["UploadId"]  # another writer's, empty
    cos_emulator.inject_fault(lose_response=True, op="InitiateMultipartUpload", bucket=bucket)
    client.upload_file(bucket, "orph.bin", path, CheckpointDir=ckdir)
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == 3  # one lost and retried
    assert _uploads(client, bucket, "orph.bin") == [earlier]
    assert _read(client, bucket, "orph.bin") == open(path, "rb").read()


def test_lost_initiate_answer_then_failure_leaves_no_orphan(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    cos_emulator.inject_fault(lose_response=True, op="InitiateMultipartUpload", bucket=bucket)
    cos_emulator.inject_fault(status=403, code="AccessDenied", op="UploadPart", bucket=bucket)
    with pytest.raises(CosServiceError):
        client.upload_file(bucket, "orph2.bin", path, MAXThread=1, CheckpointDir=ckdir)
    assert len(_uploads(client, bucket, "orph2.bin")) == 1  # ours, resumable
    client.upload_file(bucket, "orph2.bin", path, CheckpointDir=ckdir)
    assert _uploads(client, bucket, "orph2.bin") == []


# -- 7. Ctrl-C at random moments -----------------------------------------------------------------

INTERRUPTED = textwrap.dedent("""
    import sys, time
    from qcloud_cos import CosConfig, CosS3Client
    port, bucket, path, ckdir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    client = CosS3Client(CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                                   IP='127.0.0.1', Port=port, Scheme='http'))
    def progress(done, total):
        time.sleep(0.05)  # one call per 1 MiB send block: 64 calls, one at a time, >= 3 s in all
    print('READY', flush=True)
    try:
        client.upload_file(bucket, 'sigint.bin', path, MAXThread=4, progress_callback=progress,
                           CheckpointDir=ckdir)
    except KeyboardInterrupt as exc:
        tb = exc.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        print('RAISED IN', tb.tb_frame.f_code.co_filename, flush=True)
        raise
    print('FINISHED', flush=True)
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_at_random_moments_is_always_keyboard_interrupt_and_resumable(client, bucket, cos_emulator, tmp_path):
    path = _write(tmp_path / "big.bin", 64 * MIB)
    ckdir = str(tmp_path / "ck")
    rnd = random.Random(7)
    env = dict(os.environ, PYTHONPATH=ROOT)
    for attempt in range(10):
        proc = subprocess.Popen(
            [sys.executable, "-c", INTERRUPTED, str(cos_emulator.port), bucket, path, ckdir],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout.readline().strip() == "READY"
        threading.Event().wait(rnd.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert "FINISHED" not in out, "run %d finished before the signal" % attempt
        # Never raised inside the locks of threading / concurrent.futures / urllib3 (where it can
        # leave a lock released twice: "RuntimeError: release unlocked lock"), only by our code.
        (where,) = [line for line in out.splitlines() if line.startswith("RAISED IN ")]
        assert os.sep + "qcloud_cos" + os.sep in where, "run %d: KeyboardInterrupt raised in %s" % (attempt, where)
        assert proc.returncode != 0
        lines = [line for line in err.strip().splitlines() if line.strip()]
        assert lines and lines[-1] == "KeyboardInterrupt", "run %d:\n%s" % (attempt, err)
        assert "RuntimeError" not in err and "Error:" not in err.replace("KeyboardInterrupt", ""), err
    parts_before = len(_ops(cos_emulator, bucket, "UploadPart"))
    initiates = len(_ops(cos_emulator, bucket, "InitiateMultipartUpload"))
    assert initiates <= 1  # every interrupted run resumed the same upload
    client.upload_file(bucket, "sigint.bin", path, MAXThread=4, CheckpointDir=ckdir)
    sent_last = len(_ops(cos_emulator, bucket, "UploadPart")) - parts_before
    assert sent_last > 0  # the interrupted runs did not finish it
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == max(initiates, 1)
    assert parts_before + sent_last <= 64 + 10 * 4  # at most the in-flight parts of each run again
    assert _read(client, bucket, "sigint.bin") == open(path, "rb").read()
    assert _uploads(client, bucket, "sigint.bin") == []


# -- 8. arguments are checked before any request -------------------------------------------------


class _NoIsSet:
    pass


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"PartSize": float("nan")}, "PartSize"),
        ({"PartSize": float("inf")}, "PartSize"),
        ({"PartSize": -1}, "PartSize"),
        ({"PartSize": "8"}, "PartSize"),
        ({"PartSize": None}, "PartSize"),
        ({"MAXThread": 0}, "MAXThread"),
        ({"MAXThread": "5"}, "MAXThread"),
        ({"MAXThread": float("nan")}, "MAXThread"),
        ({"MAXThread": 1025}, "MAXThread"),
        ({"MAXThread": 10**30}, "MAXThread"),  # 10**30 hung building the pool
        ({"progress_callback": 123}, "progress_callback"),
        ({"CancelEvent": "yes"}, "CancelEvent"),
        ({"CancelEvent": _NoIsSet()}, "CancelEvent"),
        ({"CheckpointDir": 123}, "CheckpointDir"),
        ({"CheckpointDir": True}, "CheckpointDir"),
        ({"Colour": "red"}, "Colour"),
        ({"Key": None}, "Key"),
        ({"Key": ""}, "Key"),
        ({"Key": "/"}, "Key"),
        ({"Key": 5}, "Key"),
        ({"LocalFilePath": None}, "LocalFilePath"),
        ({"LocalFilePath": 12}, "LocalFilePath"),
    ],
)
@pytest.mark.parametrize("size", [10, 22 * MIB])
def test_bad_arguments_are_refused_before_any_request(
    client, bucket, cos_emulator, make_file, ckdir, kwargs, match, size
):
    path = make_file(size)
    call = {"Bucket": bucket, "Key": "bad.bin", "LocalFilePath": path, "CheckpointDir": ckdir}
    call.update(kwargs)
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match=match):
        client.upload_file(**call)
    assert len(cos_emulator.requests) == seen


def test_a_directory_is_refused_naming_the_path(client, bucket, cos_emulator, tmp_path):
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match="LocalFilePath.*%s.*directory" % tmp_path.name):
        client.upload_file(bucket, "dir", str(tmp_path))
    assert len(cos_emulator.requests) == seen


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_naming_the_path(client, bucket, cos_emulator, tmp_path):
    fifo = str(tmp_path / "pipe")
    os.mkfifo(fifo)
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match="LocalFilePath.*pipe.*not a regular file"):
        client.upload_file(bucket, "fifo", fifo)
    assert len(cos_emulator.requests) == seen


def test_a_missing_file_is_an_oserror_naming_the_path(client, bucket, cos_emulator, tmp_path):
    seen = len(cos_emulator.requests)
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        client.upload_file(bucket, "x", str(tmp_path / "nothing-here"))
    assert len(cos_emulator.requests) == seen


def test_a_path_like_local_file_path_is_accepted(client, bucket, make_file, ckdir):
    import pathlib

    path = make_file(10)
    client.upload_file(bucket, "pl.bin", pathlib.Path(path), CheckpointDir=ckdir)
    assert _read(client, bucket, "pl.bin") == open(path, "rb").read()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"LocalPath": None}, "LocalPath"),
        ({"KeyPrefix": None}, "KeyPrefix"),
        ({"KeyPrefix": 3}, "KeyPrefix"),
        ({"PartSize": float("nan")}, "PartSize"),
        ({"MAXThread": 0}, "MAXThread"),
        ({"MAXThread": 10**30}, "MAXThread"),
        ({"progress_callback": "x"}, "progress_callback"),
        ({"CancelEvent": "yes"}, "CancelEvent"),
        ({"CheckpointDir": 1}, "CheckpointDir"),
        ({"Colour": 1}, "Colour"),
    ],
)
def test_upload_folder_bad_arguments_before_any_request(client, bucket, cos_emulator, tmp_path, kwargs, match):
    root = tmp_path / "tree"
    root.mkdir()
    _write(root / "a.bin", 100)
    call = {"Bucket": bucket, "LocalPath": str(root), "KeyPrefix": "p/"}
    call.update(kwargs)
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match=match):
        client.upload_folder(**call)
    assert len(cos_emulator.requests) == seen


def test_upload_folder_of_a_file_is_refused(client, bucket, cos_emulator, make_file):
    path = make_file(10)
    with pytest.raises(CosClientError, match="LocalPath"):
        client.upload_folder(bucket, path)


def test_upload_folder_of_a_missing_directory_is_refused(client, bucket, cos_emulator, tmp_path):
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match="LocalPath.*missing"):
        client.upload_folder(bucket, str(tmp_path / "missing"))
    assert len(cos_emulator.requests) == seen


def test_a_read_error_inside_a_part_surfaces_as_itself_without_retries(client, bucket, cos_emulator, make_file, ckdir):
    """The file is replaced by a directory mid-upload: the next part's open fails locally."""
    path = make_file(24 * MIB)
    fired = []

    def progress(done, total):
        if done >= 4 * MIB and not fired:
            fired.append(1)
            os.rename(path, path + ".moved")
            os.mkdir(path)

    retries = client.get_retry_exe_times()
    # A part opened between the rename and the mkdir meets FileNotFoundError instead: the same local
    # error naming the path (the swap cannot be atomic; asserting only IsADirectoryError was racy).
    with pytest.raises((IsADirectoryError, FileNotFoundError)) as info:
        client.upload_file(bucket, "rd.bin", path, MAXThread=2, progress_callback=progress, CheckpointDir=ckdir)
    assert path in str(info.value)
    assert client.get_retry_exe_times() == retries


def test_an_already_set_cancel_event_sends_nothing(client, bucket, cos_emulator, make_file, ckdir):
    from qcloud_cos.transfer import UploadCancelled

    path = make_file(22 * MIB)
    event = threading.Event()
    event.set()
    seen = len(cos_emulator.requests)
    with pytest.raises(UploadCancelled):
        client.upload_file(bucket, "early.bin", path, CancelEvent=event, CheckpointDir=ckdir)
    assert len(cos_emulator.requests) == seen
