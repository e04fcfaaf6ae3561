"""``qcloud_cos.progress``: cumulative progress callbacks turned into bar increments."""

import os
import sys
import threading
import types

import pytest

from qcloud_cos.progress import ProgressBarCallback, tqdm_callback


class Bar:
    """What a tqdm bar offers to ProgressBarCallback: update(n), total, refresh(), close()."""

    def __init__(self):
        self.n = 0
        self.total = None
        self.updates = []
        self.closed = False
        self.refreshes = 0

    def update(self, n):
        self.updates.append(n)
        self.n += n

    def refresh(self):
        self.refreshes += 1

    def close(self):
        self.closed = True


def test_cumulative_calls_become_increments_and_the_total_is_set_once_known():
    bar = Bar()
    cb = ProgressBarCallback(bar)
    cb(0, None)
    cb(100, None)
    cb(250, 1000)
    cb(250, 1000)
    cb(1000, 1000)
    assert bar.updates == [100, 150, 750]
    assert (bar.n, bar.total, bar.refreshes) == (1000, 1000, 1)


def test_bytes_taken_back_are_a_negative_update():
    bar = Bar()
    cb = ProgressBarCallback(bar)
    cb(600, 1000)
    cb(400, 1000)  # a retried request's bytes taken back
    cb(1000, 1000)
    assert bar.updates == [600, -200, 600] and bar.n == 1000


def test_calls_from_many_threads_add_up_exactly():
    bar = Bar()
    cb = ProgressBarCallback(bar)
    lock = threading.Lock()
    done = [0]

    def work():
        for _ in range(500):
            with lock:
                done[0] += 1
                value = done[0]
            cb(value, 4000)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bar.n == sum(bar.updates) <= 4000
    cb(4000, 4000)
    assert bar.n == 4000


def test_context_manager_closes_the_bar_and_a_non_bar_is_refused():
    bar = Bar()
    with ProgressBarCallback(bar) as cb:
        cb(1, 1)
    assert bar.closed
    with pytest.raises(TypeError, match="update"):
        ProgressBarCallback(object())


def test_tqdm_callback_without_tqdm_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match="pip install tqdm"):
        tqdm_callback()


def test_tqdm_callback_makes_a_byte_bar(monkeypatch):
    made = {}

    def fake_tqdm(**kwargs):
        made.update(kwargs)
        made["bar"] = Bar()
        return made["bar"]

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=fake_tqdm))
    cb = tqdm_callback(desc="x")
    assert (made["unit"], made["unit_scale"], made["unit_divisor"], made["desc"]) == ("B", True, 1024, "x")
    cb(5, 10)
    assert made["bar"].n == 5


def test_upload_file_drives_the_bar_to_the_file_size(client, bucket, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    bar = Bar()
    client.upload_file(
        Bucket=bucket,
        Key="progress/adapter.bin",
        LocalFilePath=str(path),
        PartSize=1,
        MAXThread=3,
        progress_callback=ProgressBarCallback(bar),
        CheckpointDir=False,
    )
    assert bar.n == bar.total == path.stat().st_size
    assert all(step != 0 for step in bar.updates)
