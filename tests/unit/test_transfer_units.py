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


@pytest.mark.parametrize('size, part_mib, simple', [
    (0, 1, True), (20 * MIB, 1, True), (20 * MIB + 1, 1, False), (20 * MIB + 1, 20, False),
    (30 * MIB, 32, True), (32 * MIB, 32, True), (32 * MIB + 1, 32, False),
])
def test_simple_threshold(size, part_mib, simple):
    assert is_simple(size=size, part_size=part_size_bytes(part_mib)) is simple


def test_plan_exact_and_remainder():
    size, parts = plan_parts(size=3 * MIB + 5, part_size=MIB)
    assert size == MIB
    assert [(p.number, p.offset, p.size) for p in parts] == \
        [(1, 0, MIB), (2, MIB, MIB), (3, 2 * MIB, MIB), (4, 3 * MIB, 5)]
    assert [p.size for p in plan_parts(size=4 * MIB, part_size=MIB)[1]] == [MIB] * 4


@pytest.mark.parametrize('size, part_mib, expect_part, expect_count', [
    (10000 * MIB, 1, MIB, 10000),
    (10000 * MIB + 1024, 1, 2 * MIB, 5001),
    (10 * GIB, 1, 2 * MIB, 5120),
    (50 * GIB, 8, 8 * MIB, 6400),
    (100 * GIB, 10, 11 * MIB, 9310),
    (10000 * 5 * GIB, 1, 5 * GIB, 10000),
])
def test_plan_grows_part_size_to_fit_10000_parts(size, part_mib, expect_part, expect_count):
    part_size, parts = plan_parts(size=size, part_size=part_size_bytes(part_mib))
    assert part_size == expect_part
    assert len(parts) == expect_count <= 10000
    assert part_size % MIB == 0
    assert all(MIB <= p.size <= 5 * GIB for p in parts[:-1])
    assert sum(p.size for p in parts) == size
    assert parts[-1].offset + parts[-1].size == size


def test_plan_rejects_too_large_and_bad_part_sizes():
    with pytest.raises(CosClientError, match='larger than COS allows'):
        plan_parts(size=10000 * 5 * GIB + 1, part_size=MIB)
    for bad in (0, -1, 0.5, 5121, 'x', None, True):
        with pytest.raises(CosClientError, match='PartSize'):
            part_size_bytes(bad)


def test_progress_rolls_back_stays_monotonic_and_holds_total_until_finish():
    seen = []
    progress = Progress(total=100, callback=lambda done, total: seen.append((done, total)))
    progress.add(30)
    progress.add(30)
    progress.take_back(30)        # a retried part
    progress.add(10)              # not above 60 yet: nothing new to report
    progress.add(60)              # 100, but the object is not complete yet
    assert progress.count == 100
    assert seen == [(30, 100), (60, 100), (99, 100)]
    progress.finish()
    assert seen[-1] == (100, 100)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_callback_error_stops():
    def boom(done, total):
        raise ValueError('stop here')

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

    progress = Progress(total=10 ** 9, callback=callback)
    threads = [threading.Thread(target=lambda: [progress.add(1) for _ in range(2000)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(overlaps) == 1
    assert progress.count == 16000


def test_part_reader_streams_rewinds_and_counts(tmp_path):
    path = tmp_path / 'f'
    data = os.urandom(5000)
    path.write_bytes(data)
    progress = Progress(total=5000, callback=None)
    reader = PartReader(str(path), offset=1000, size=3000, progress=progress)
    assert reader.seek(0, os.SEEK_END) == 3000 and reader.tell() == 0
    assert reader.read(1000) + reader.read(5000) == data[1000:4000]
    assert reader.read(10) == b''
    assert progress.count == 3000
    reader.seek(0)
    assert progress.count == 0
    assert reader.read() == data[1000:4000]
    reader.close()


def test_part_reader_opens_lazily_and_stops(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'x' * 10)
    stop = threading.Event()
    reader = PartReader(str(path), offset=0, size=10, should_stop=stop.is_set)
    assert reader._file is None
    reader.read(2)
    stop.set()
    with pytest.raises(Stopped):
        reader.read(2)
    reader.close()


def test_part_reader_detects_a_shrunk_file(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'x' * 10)
    reader = PartReader(str(path), offset=0, size=10)
    path.write_bytes(b'x' * 4)
    with pytest.raises(CosClientError, match='changed while uploading'):
        reader.read(10)
    reader.close()


def test_checkpoint_round_trip_and_tamper_detection(tmp_path):
    store = CheckpointStore(str(tmp_path / 'ck'))
    path = store.path_for(endpoint='e', bucket='b', key='k', local_path='/data/f')
    assert store.load(path) is None
    record = {'version': 1, 'upload_id': 'U', 'parts': {'1': {'etag': '"e"', 'crc64': 5, 'size': 1}}}
    store.save(path, record)
    assert store.load(path) == record
    assert os.listdir(store.directory) == [os.path.basename(path)]  # no temp file left behind
    with open(path) as f:
        stored = json.load(f)
    stored['record']['upload_id'] = 'OTHER'
    with open(path, 'w') as f:
        json.dump(stored, f)
    assert store.load(path) is None
    with open(path, 'w') as f:
        f.write('{"record": {"vers')       # torn write
    assert store.load(path) is None
    store.delete(path)
    store.delete(path)
    assert not os.path.exists(path)


def test_checkpoint_directory_is_per_user_and_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv('QCLOUD_COS_CHECKPOINT_DIR', str(tmp_path))
    assert default_directory() == str(tmp_path)
    monkeypatch.delenv('QCLOUD_COS_CHECKPOINT_DIR')
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    assert default_directory() == str(tmp_path / 'cache' / 'qcloud_cos' / 'checkpoints')
