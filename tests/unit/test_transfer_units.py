"""Pure parts of the upload engine: planning, progress accounting, checkpoints, part readers."""

import json
import os
import threading

import pytest

from qcloud_cos import CosClientError
from qcloud_cos._transfer.checkpoint import CheckpointStore, default_directory
from qcloud_cos._transfer.planner import MIB, is_simple, part_size_bytes, plan_parts
from qcloud_cos._transfer.progress import Progress, Stopped
from qcloud_cos._transfer.source import PartReader

GIB = 1024 * MIB


@pytest.mark.parametrize(
    "size, part_mib, simple",
    [
        (0, 1, True),
        (20 * MIB, 1, True),
        (20 * MIB + 1, 1, False),
        (20 * MIB + 1, 20, False),
        (30 * MIB, 32, True),
        (32 * MIB, 32, True),
        (32 * MIB + 1, 32, False),
    ],
)
def test_simple_threshold(size, part_mib, simple):
    assert is_simple(size=size, part_size=part_size_bytes(part_mib)) is simple


def test_plan_exact_and_remainder():
    size, parts = plan_parts(size=3 * MIB + 5, part_size=MIB)
    assert size == MIB
    assert [(p.number, p.offset, p.size) for p in parts] == [
        (1, 0, MIB),
        (2, MIB, MIB),
        (3, 2 * MIB, MIB),
        (4, 3 * MIB, 5),
    ]
    assert [p.size for p in plan_parts(size=4 * MIB, part_size=MIB)[1]] == [MIB] * 4


@pytest.mark.parametrize(
    "size, part_mib, expect_part, expect_count",
    [
        (10000 * MIB, 1, MIB, 10000),
        (10000 * MIB + 1024, 1, 2 * MIB, 5001),
        (10 * GIB, 1, 2 * MIB, 5120),
        (50 * GIB, 8, 8 * MIB, 6400),
        (100 * GIB, 10, 11 * MIB, 9310),
        (10000 * 5 * GIB, 1, 5 * GIB, 10000),
    ],
)
def test_plan_grows_part_size_to_fit_10000_parts(size, part_mib, expect_part, expect_count):
    part_size, parts = plan_parts(size=size, part_size=part_size_bytes(part_mib))
    assert part_size == expect_part
    assert len(parts) == expect_count <= 10000
    assert part_size % MIB == 0
    assert all(MIB <= p.size <= 5 * GIB for p in parts[:-1])
    assert sum(p.size for p in parts) == size
    assert parts[-1].offset + parts[-1].size == size


def test_plan_rejects_too_large_and_bad_part_sizes():
    with pytest.raises(CosClientError, match="larger than COS allows"):
        plan_parts(size=10000 * 5 * GIB + 1, part_size=MIB)
    for bad in (0, -1, 0.5, 5121, "x", None, True):
        with pytest.raises(CosClientError, match="PartSize"):
            part_size_bytes(bad)


def test_progress_rolls_back_stays_monotonic_and_holds_total_until_finish():
    seen = []
    progress = Progress(total=100, callback=lambda done, total: seen.append((done, total)))
    progress.add(30)
    progress.add(30)
    progress.take_back(30)  # a retried part
    progress.add(10)  # not above 60 yet: nothing new to report
    progress.add(60)  # 100, but the object is not complete yet
    assert progress.count == 100
    assert seen == [(30, 100), (60, 100), (99, 100)]
    progress.finish()
    assert seen[-1] == (100, 100)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_callback_error_stops():
    def boom(done, total):
        raise ValueError("stop here")

    progress = Progress(total=10, callback=boom)
    with pytest.raises(Stopped):
        progress.add(1)
    assert isinstance(progress.error, ValueError)


def test_progress_is_serialised():
    active, overlaps = [0], []
    lock = threading.Lock()

    def callback(done, total):
        with lock:
            active[0] += 1
            overlaps.append(active[0])
        with lock:
            active[0] -= 1

    progress = Progress(total=10**9, callback=callback)
    threads = [threading.Thread(target=lambda: [progress.add(1) for _ in range(2000)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(overlaps) == 1
    assert progress.count == 16000


def test_part_reader_streams_rewinds_and_counts(tmp_path):
    path = tmp_path / "f"
    data = os.urandom(5000)
    path.write_bytes(data)
    progress = Progress(total=5000, callback=None)
    reader = PartReader(str(path), offset=1000, size=3000, progress=progress)
    assert reader.seek(0, os.SEEK_END) == 3000 and reader.tell() == 0
    assert bytes(reader.read(1000)) + bytes(reader.read(5000)) == data[1000:4000]  # views of a reused buffer
    assert reader.read(10) == b""
    assert progress.count == 3000
    reader.seek(0)
    assert progress.count == 0
    assert reader.read() == data[1000:4000]
    reader.close()


def test_part_reader_opens_lazily_and_stops(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    stop = threading.Event()
    reader = PartReader(str(path), offset=0, size=10, should_stop=stop.is_set)
    assert reader._file is None
    reader.read(2)
    stop.set()
    with pytest.raises(Stopped):
        reader.read(2)
    reader.close()


def test_part_reader_detects_a_shrunk_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    reader = PartReader(str(path), offset=0, size=10)
    path.write_bytes(b"x" * 4)
    with pytest.raises(CosClientError, match="changed while uploading"):
        reader.read(10)
    reader.close()


def test_checkpoint_round_trip_and_tamper_detection(tmp_path):
    store = CheckpointStore(str(tmp_path / "ck"))
    path = store.path_for(endpoint="e", bucket="b", key="k", local_path="/data/f")
    assert store.load(path) is None
    record = {"version": 1, "upload_id": "U", "parts": {"1": {"etag": '"e"', "crc64": 5, "size": 1}}}
    store.save(path, record)
    assert store.load(path) == record
    assert os.listdir(store.directory) == [os.path.basename(path)]  # no temp file left behind
    with open(path) as f:
        stored = json.load(f)
    stored["record"]["upload_id"] = "OTHER"
    with open(path, "w") as f:
        json.dump(stored, f)
    assert store.load(path) is None
    with open(path, "w") as f:
        f.write('{"record": {"vers')  # torn write
    assert store.load(path) is None
    store.delete(path)
    store.delete(path)
    assert not os.path.exists(path)


def test_checkpoint_directory_is_per_user_and_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("QCLOUD_COS_CHECKPOINT_DIR", str(tmp_path))
    assert default_directory() == str(tmp_path)
    monkeypatch.delenv("QCLOUD_COS_CHECKPOINT_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_directory() == str(tmp_path / "cache" / "qcloud_cos" / "checkpoints")


# -- hardening (issue 7) -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), -1, "8", None, True])
def test_part_size_rejects_non_finite_and_non_numbers(bad):
    with pytest.raises(CosClientError, match="PartSize"):
        part_size_bytes(bad)


def test_part_reader_turns_a_local_read_error_into_local_read_error_naming_the_path(tmp_path):
    from qcloud_cos._transfer.source import LocalReadError

    path = str(tmp_path / "gone")
    os.mkdir(path)
    reader = PartReader(path, offset=0, size=10)
    with pytest.raises(LocalReadError) as info:  # a BaseException: no HTTP layer retries it
        reader.read(5)
    assert not isinstance(info.value, Exception)
    error = info.value.oserror(path)
    assert isinstance(error, IsADirectoryError) and error.filename == path
    unnamed = LocalReadError(OSError(5, "Input/output error")).oserror(path)
    assert unnamed.errno == 5 and unnamed.filename == path


def test_part_reader_crc_is_of_the_bytes_since_the_last_rewind(tmp_path):
    from qcloud_cos._crc64 import crc64

    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    reader = PartReader(str(path), offset=2, size=6)
    reader.read(4)
    reader.seek(0)
    assert reader.crc64 == 0
    assert reader.read() == b"234567"
    assert reader.crc64 == crc64(b"234567")


def test_changed_sees_a_rewrite_that_restores_the_mtime(tmp_path):
    from qcloud_cos._transfer.upload import _changed

    path = tmp_path / "f"
    path.write_bytes(b"a" * 10)
    before = os.stat(path)
    assert not _changed(before, os.stat(path))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back; ctime moved on
    after = os.stat(path)
    assert after.st_mtime_ns == before.st_mtime_ns
    if after.st_ctime_ns != before.st_ctime_ns:  # a filesystem with coarse ctimes may not show it
        assert _changed(before, after)


def test_parse_time_of_list_multipart_uploads():
    from qcloud_cos._transfer.upload import _parse_time

    assert _parse_time("1970-01-01T00:00:10.250Z") == 10.25
    assert _parse_time("1970-01-01T00:01:00Z") == 60
    assert _parse_time("yesterday") is None and _parse_time(None) is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"workers": 0}, "MAXThread"),
        ({"workers": "5"}, "MAXThread"),
        ({"workers": float("nan")}, "MAXThread"),
        ({"progress_callback": 123}, "progress_callback"),
        ({"cancel_event": "yes"}, "CancelEvent"),
        ({"checkpoint_dir": 123}, "CheckpointDir"),
        ({"checkpoint_dir": True}, "CheckpointDir"),
    ],
)
def test_transfer_options_are_validated(kwargs, match):
    from qcloud_cos._transfer.upload import check_options

    call = {"workers": 2, "progress_callback": None, "cancel_event": None, "checkpoint_dir": None}
    call.update(kwargs)
    with pytest.raises(CosClientError, match=match):
        check_options(**call)
    for good in (
        {"checkpoint_dir": False},
        {"checkpoint_dir": "/tmp/x"},
        {"cancel_event": threading.Event()},
        {"progress_callback": print},
    ):
        check_options(
            **dict({"workers": 2, "progress_callback": None, "cancel_event": None, "checkpoint_dir": None}, **good)
        )


def test_deferred_interrupt_records_ctrl_c_and_raises_it_on_exit():
    import signal

    from qcloud_cos._transfer.upload import _DeferredInterrupt

    assert threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with _DeferredInterrupt() as interrupt:
                handler = signal.getsignal(signal.SIGINT)
                assert handler is not signal.default_int_handler
                handler(signal.SIGINT, None)  # the first Ctrl-C only records
                assert interrupt.pending
                with pytest.raises(KeyboardInterrupt):  # a second one raises at once
                    handler(signal.SIGINT, None)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with _DeferredInterrupt() as interrupt:  # nothing pressed: nothing raised
            pass
        custom = lambda *a: None  # noqa: E731
        signal.signal(signal.SIGINT, custom)
        with _DeferredInterrupt():
            assert signal.getsignal(signal.SIGINT) is custom  # the program's own handler is kept
    finally:
        signal.signal(signal.SIGINT, previous)


class _FakeClient:
    """Records head/delete calls (unit test of the delete-if-ours decision only)."""

    def __init__(self, head):
        self.head, self.deleted = head, []

    def head_object(self, bucket, key):
        return self.head

    def delete_object(self, bucket, key):
        self.deleted.append(key)


@pytest.mark.parametrize(
    "head, deleted",
    [
        ({"ETag": '"a"', "x-cos-hash-crc64ecma": "7"}, True),  # still the object we wrote
        ({"ETag": '"b"', "x-cos-hash-crc64ecma": "7"}, False),  # someone else wrote since
        ({"ETag": '"a"', "x-cos-hash-crc64ecma": "8"}, False),
    ],
)
def test_a_wrong_simple_upload_is_deleted_only_while_it_is_ours(head, deleted):
    from qcloud_cos._transfer.upload import FileUpload

    client = _FakeClient(head)
    upload = FileUpload(
        client=client,
        bucket="b",
        key="k",
        path="p",
        part_size=MIB,
        enable_md5=False,
        kwargs={},
        store=None,
        progress=None,
        control=None,
    )
    assert upload._delete_if_ours({"ETag": '"a"'}, 7) is deleted
    assert client.deleted == (["k"] if deleted else [])


def test_defaults_that_mark_not_given():
    from qcloud_cos._transfer.planner import AUTO_THREADS, Default, auto_threads, given

    assert Default(5) == 5 and repr(Default(5)) == "5" and not given(Default(5))
    assert given(5) and given(1.5)
    assert auto_threads(size=1, part_size=8 * MIB) == 1
    assert auto_threads(size=24 * MIB, part_size=8 * MIB) == 3
    assert auto_threads(size=10**12, part_size=8 * MIB) == AUTO_THREADS
