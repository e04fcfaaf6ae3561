"""upload_file against the emulator: thresholds, round trips, resume, integrity, progress, cancel, retries."""

import hashlib
import os
import threading

import pytest

from qcloud_cos import CosClientError, CosServiceError
from qcloud_cos._crc64 import crc64
from qcloud_cos.transfer import CheckpointStore, UploadCancelled

MIB = 1024 * 1024


@pytest.fixture
def ckdir(tmp_path):
    return str(tmp_path / "checkpoints")


@pytest.fixture
def make_file(tmp_path):
    def make(size, name="src.bin"):
        path = tmp_path / name
        with open(path, "wb") as f:
            left = size
            while left:
                chunk = os.urandom(min(left, MIB))
                f.write(chunk)
                left -= len(chunk)
        return str(path)

    return make


def _requests(emulator, bucket, op):
    return [r for r in emulator.requests if r.get("op") == op and r.get("bucket") == bucket]


def _read(client, bucket, key):
    return client.get_object(bucket, key)["Body"].get_raw_stream().read()


def _same(client, bucket, key, path):
    with open(path, "rb") as f:
        return _read(client, bucket, key) == f.read()


# -- thresholds and plans ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "size, part_size, parts",
    [
        (0, 1, 0),
        (20 * MIB, 1, 0),
        (20 * MIB + 1, 1, 21),
        (21 * MIB, 2, 11),
        (30 * MIB, 32, 0),
        (33 * MIB, 32, 2),
    ],
)
def test_threshold_edges(client, bucket, cos_emulator, make_file, ckdir, size, part_size, parts):
    path = make_file(size)
    result = client.upload_file(bucket, "obj", path, PartSize=part_size, CheckpointDir=ckdir)
    puts = _requests(cos_emulator, bucket, "PutObject")
    uploaded_parts = _requests(cos_emulator, bucket, "UploadPart")
    if parts == 0:
        assert len(puts) == 1 and not uploaded_parts
        assert result["ETag"] == '"%s"' % hashlib.md5(open(path, "rb").read()).hexdigest()
    else:
        assert not puts and len(uploaded_parts) == parts
        assert result["ETag"].endswith('-%d"' % parts)
        assert {"Location", "Bucket", "Key", "ETag"} <= set(result)
    assert result["x-cos-hash-crc64ecma"] == str(crc64(open(path, "rb").read()))
    assert client.head_object(bucket, "obj")["Content-Length"] == str(size)


@pytest.mark.parametrize("threads", [1, 4, 16])
def test_multithreaded_round_trip_is_byte_identical(client, bucket, make_file, ckdir, threads):
    path = make_file(24 * MIB + 123)
    client.upload_file(bucket, "mt.bin", path, PartSize=1, MAXThread=threads, CheckpointDir=ckdir)
    assert _same(client, bucket, "mt.bin", path)
    assert os.listdir(ckdir) == []  # the checkpoint is gone once the object is complete


def test_kwargs_reach_the_right_requests(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    client.upload_file(
        bucket,
        "kw.bin",
        path,
        CheckpointDir=ckdir,
        ContentType="application/x-kw",
        Metadata={"x-cos-meta-origin": "upload_file"},
        StorageClass="STANDARD_IA",
        ACL="private",
        CacheControl="no-cache",
        TrafficLimit="838860800",
        EnableMD5=True,
    )
    head = client.head_object(bucket, "kw.bin")
    assert head["Content-Type"] == "application/x-kw"
    assert head["x-cos-meta-origin"] == "upload_file"
    assert head["x-cos-storage-class"] == "STANDARD_IA"
    assert head["Cache-Control"] == "no-cache"
    initiate = _requests(cos_emulator, bucket, "InitiateMultipartUpload")[-1]["headers"]
    assert initiate["Content-Type"] == "application/x-kw"
    for part in _requests(cos_emulator, bucket, "UploadPart"):
        assert part["headers"]["x-cos-traffic-limit"] == "838860800"
        assert "Content-MD5" in part["headers"]
        assert "Content-Type" not in part["headers"] and "x-cos-meta-origin" not in part["headers"]


def test_unknown_kwarg_rejected_before_any_request(client, bucket, cos_emulator, make_file):
    path = make_file(10)
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match="No Parameter Named Colour"):
        client.upload_file(bucket, "x", path, Colour="red")
    assert len(cos_emulator.requests) == seen


def test_bad_arguments(client, bucket, make_file):
    path = make_file(10)
    with pytest.raises(CosClientError, match="PartSize"):
        client.upload_file(bucket, "x", path, PartSize=0)
    with pytest.raises(CosClientError, match="MAXThread"):
        client.upload_file(bucket, "x", path, MAXThread=0)
    with pytest.raises(OSError):
        client.upload_file(bucket, "x", path + ".missing")


# -- progress ---------------------------------------------------------------------------------


class Recorder:
    def __init__(self, client=None, bucket=None, key=None):
        self.calls, self.active, self.max_active = [], 0, 0
        self._lock = threading.Lock()
        self.threads = set()
        self.complete_when_total = None
        self._check = (client, bucket, key)

    def __call__(self, done, total):
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        self.calls.append((done, total))
        self.threads.add(threading.current_thread().name)
        if done == total and self._check[0] is not None:
            self.complete_when_total = self._check[0].object_exists(self._check[1], self._check[2])
        with self._lock:
            self.active -= 1


def _assert_trustworthy(recorder, total):
    values = [d for d, _ in recorder.calls]
    assert values == sorted(values) and len(set(values)) == len(values)  # strictly increasing
    assert all(t == total for _, t in recorder.calls)
    assert values[-1] == total and values.count(total) == 1
    assert recorder.max_active == 1


def test_progress_multipart_is_byte_level_monotonic_and_total_only_at_the_end(client, bucket, make_file, ckdir):
    path = make_file(24 * MIB + 5)
    recorder = Recorder(client, bucket, "p.bin")
    client.upload_file(bucket, "p.bin", path, PartSize=4, MAXThread=3, progress_callback=recorder, CheckpointDir=ckdir)
    _assert_trustworthy(recorder, 24 * MIB + 5)
    assert len(recorder.calls) > 7  # more than one call per part: byte level
    assert recorder.complete_when_total is True


def test_progress_simple_upload(client, bucket, make_file, ckdir):
    path = make_file(10 * MIB)
    recorder = Recorder(client, bucket, "s.bin")
    client.upload_file(bucket, "s.bin", path, progress_callback=recorder, CheckpointDir=ckdir)
    _assert_trustworthy(recorder, 10 * MIB)
    assert len(recorder.calls) >= 5
    assert recorder.complete_when_total is True


def test_progress_empty_file(client, bucket, make_file, ckdir):
    recorder = Recorder()
    client.upload_file(bucket, "empty", make_file(0), progress_callback=recorder, CheckpointDir=ckdir)
    assert recorder.calls == [(0, 0)]


def test_progress_rolls_back_a_retried_part(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    cos_emulator.inject_fault(reset_connection=True, after_bytes=512 * 1024, op="UploadPart", count=2)
    recorder = Recorder()
    client.upload_file(
        bucket, "retry.bin", path, PartSize=2, MAXThread=2, progress_callback=recorder, CheckpointDir=ckdir
    )
    _assert_trustworthy(recorder, 22 * MIB)
    assert client.get_retry_exe_times() >= 2
    assert _same(client, bucket, "retry.bin", path)


def test_callback_exception_stops_the_upload(client, bucket, make_file, ckdir):
    path = make_file(24 * MIB)

    def explode(done, total):
        if done > total // 3:
            raise RuntimeError("user says stop")

    with pytest.raises(RuntimeError, match="user says stop"):
        client.upload_file(bucket, "boom.bin", path, MAXThread=2, progress_callback=explode, CheckpointDir=ckdir)
    assert not client.object_exists(bucket, "boom.bin")
    assert len(client.list_multipart_uploads(bucket, Prefix="boom.bin")["Upload"]) == 1  # resumable


# -- cancel and resume ------------------------------------------------------------------------


def _cancel_at(fraction):
    event = threading.Event()

    def progress(done, total):
        if done >= total * fraction:
            event.set()

    return event, progress


def test_cancel_then_resume_without_rereading(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(40 * MIB + 7)
    event, progress = _cancel_at(0.5)
    with pytest.raises(UploadCancelled):
        client.upload_file(
            bucket,
            "resume.bin",
            path,
            PartSize=1,
            MAXThread=4,
            progress_callback=progress,
            CancelEvent=event,
            CheckpointDir=ckdir,
        )
    sent_first = len(_requests(cos_emulator, bucket, "UploadPart"))
    assert 20 <= sent_first < 41 - 2  # stopped promptly: not every part went out
    assert len(os.listdir(ckdir)) == 1

    recorder = Recorder()
    result = client.upload_file(
        bucket, "resume.bin", path, PartSize=1, MAXThread=4, progress_callback=recorder, CheckpointDir=ckdir
    )
    sent_second = len(_requests(cos_emulator, bucket, "UploadPart")) - sent_first
    assert len(_requests(cos_emulator, bucket, "InitiateMultipartUpload")) == 1  # the same upload
    assert sent_first + sent_second <= 41 + 4  # at most the in-flight parts again
    assert sent_second < 41 - 15
    assert recorder.calls[0][0] >= 15 * MIB  # resumed bytes are reported first
    _assert_trustworthy(recorder, 40 * MIB + 7)
    assert result["ETag"].endswith('-41"')
    assert _same(client, bucket, "resume.bin", path)
    assert os.listdir(ckdir) == []


def test_resume_of_an_upload_begun_with_raw_calls(client, bucket, cos_emulator, make_file, ckdir):
    """No checkpoint: the parts on the server are verified by content and reused (official SDK style)."""
    path = make_file(25 * MIB)
    upload_id = client.create_multipart_upload(bucket, "raw.bin")["UploadId"]
    with open(path, "rb") as f:
        for number in range(1, 11):
            client.upload_part(bucket, "raw.bin", f.read(MIB), number, upload_id)
    before = len(_requests(cos_emulator, bucket, "UploadPart"))
    client.upload_file(bucket, "raw.bin", path, CheckpointDir=ckdir)
    assert len(_requests(cos_emulator, bucket, "UploadPart")) - before == 15
    assert len(_requests(cos_emulator, bucket, "InitiateMultipartUpload")) == 1
    assert _same(client, bucket, "raw.bin", path)


def test_foreign_upload_with_other_content_is_not_adopted(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    foreign = client.create_multipart_upload(bucket, "foreign.bin")["UploadId"]
    client.upload_part(bucket, "foreign.bin", os.urandom(MIB), 1, foreign)
    client.upload_file(bucket, "foreign.bin", path, CheckpointDir=ckdir)
    assert len(_requests(cos_emulator, bucket, "InitiateMultipartUpload")) == 2
    assert _same(client, bucket, "foreign.bin", path)
    left = client.list_multipart_uploads(bucket, Prefix="foreign.bin")["Upload"]
    assert [u["UploadId"] for u in left] == [foreign]  # not ours: left alone


def test_changed_file_is_detected_and_our_stale_upload_aborted(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(30 * MIB)
    event, progress = _cancel_at(0.4)
    with pytest.raises(UploadCancelled):
        client.upload_file(
            bucket, "changed.bin", path, MAXThread=2, progress_callback=progress, CancelEvent=event, CheckpointDir=ckdir
        )
    stale = client.list_multipart_uploads(bucket, Prefix="changed.bin")["Upload"][0]["UploadId"]
    with open(path, "r+b") as f:  # same size, new content, new mtime
        f.write(os.urandom(MIB))
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    client.upload_file(bucket, "changed.bin", path, CheckpointDir=ckdir)
    assert _same(client, bucket, "changed.bin", path)
    assert client.list_multipart_uploads(bucket, Prefix="changed.bin").get("Upload", []) == []
    with pytest.raises(CosServiceError):
        client.list_parts(bucket, "changed.bin", stale)


def test_corrupt_checkpoint_falls_back_to_content_verification(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(24 * MIB)
    event, progress = _cancel_at(0.5)
    with pytest.raises(UploadCancelled):
        client.upload_file(
            bucket,
            "ck.bin",
            path,
            PartSize=1,
            MAXThread=2,
            progress_callback=progress,
            CancelEvent=event,
            CheckpointDir=ckdir,
        )
    (name,) = os.listdir(ckdir)
    with open(os.path.join(ckdir, name), "r+") as f:
        f.write("garbage")
    client.upload_file(bucket, "ck.bin", path, PartSize=1, CheckpointDir=ckdir)
    assert len(_requests(cos_emulator, bucket, "InitiateMultipartUpload")) == 1  # still resumed
    assert _same(client, bucket, "ck.bin", path)


def test_checkpoints_can_be_turned_off(client, bucket, make_file, tmp_path, monkeypatch):
    monkeypatch.setenv("QCLOUD_COS_CHECKPOINT_DIR", str(tmp_path / "never"))
    client.upload_file(bucket, "nock.bin", make_file(21 * MIB), CheckpointDir=False)
    assert not os.path.exists(tmp_path / "never")
    assert CheckpointStore(str(tmp_path / "never")).directory.endswith("never")


# -- errors and integrity ---------------------------------------------------------------------


def test_5xx_on_parts_is_retried(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    cos_emulator.inject_fault(status=503, op="UploadPart", count=3)
    client.upload_file(bucket, "r503.bin", path, CheckpointDir=ckdir)
    assert _same(client, bucket, "r503.bin", path)


def test_non_retryable_error_stops_promptly_with_its_cause(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(60 * MIB)
    cos_emulator.inject_fault(status=403, code="AccessDenied", op="UploadPart", count=1)
    with pytest.raises(CosServiceError) as info:
        client.upload_file(bucket, "deny.bin", path, MAXThread=4, CheckpointDir=ckdir)
    assert info.value.get_error_code() == "AccessDenied"
    assert len(_requests(cos_emulator, bucket, "UploadPart")) <= 4 + 4  # queued parts were not sent
    assert not _requests(cos_emulator, bucket, "CompleteMultipartUpload")


def test_part_crc_mismatch_is_retried(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    cos_emulator.inject_fault(op="UploadPart", count=1, corrupt_crc=True)
    client.upload_file(bucket, "crc.bin", path, PartSize=1, CheckpointDir=ckdir)
    assert len(_requests(cos_emulator, bucket, "UploadPart")) == 23
    assert _same(client, bucket, "crc.bin", path)


def test_object_crc_mismatch_is_raised(client, bucket, cos_emulator, make_file, ckdir):
    path = make_file(22 * MIB)
    cos_emulator.inject_fault(op="CompleteMultipartUpload", count=1, corrupt_crc=True)
    with pytest.raises(CosClientError, match="crc64"):
        client.upload_file(bucket, "crcall.bin", path, CheckpointDir=ckdir)


def test_many_parts_do_not_open_many_files(client, bucket, make_file, ckdir):
    """Parts are opened lazily: 40 parts on 4 threads never hold more than a few descriptors."""
    path = make_file(40 * MIB)
    fds_before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    peak = [0]

    def watch(done, total):
        if fds_before is not None:
            peak[0] = max(peak[0], len(os.listdir("/proc/self/fd")) - fds_before)

    client.upload_file(bucket, "fds.bin", path, MAXThread=4, progress_callback=watch, CheckpointDir=ckdir)
    if fds_before is not None:
        assert peak[0] <= 4 + 8  # ≤ one file per worker, plus sockets


def test_lost_responses_are_survived(client, bucket, cos_emulator, make_file, ckdir):
    """A part's and the Complete's answers are lost after the work was done: the upload still succeeds."""
    path = make_file(22 * MIB)
    cos_emulator.inject_fault(lose_response=True, op="UploadPart", count=2)
    cos_emulator.inject_fault(lose_response=True, op="CompleteMultipartUpload")
    result = client.upload_file(bucket, "lost.bin", path, PartSize=1, CheckpointDir=ckdir)
    assert result["ETag"].endswith('-22"')
    assert result["x-cos-hash-crc64ecma"] == str(crc64(open(path, "rb").read()))
    assert _same(client, bucket, "lost.bin", path)
    assert len(_requests(cos_emulator, bucket, "UploadPart")) == 22 + 2  # two parts sent twice
