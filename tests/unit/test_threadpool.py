"""SimpleThreadPool: the official result shape, reuse, failures kept."""

import threading

import pytest

from qcloud_cos import CosClientError, CosServiceError
from qcloud_cos.cos_threadpool import SimpleThreadPool

ERROR_XML = (
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>NoSuchKey</Code><Message>m</Message>'
    "<Resource>r</Resource><RequestId>q</RequestId></Error>"
)


def _raise(exc):
    raise exc


def test_result_shape_matches_the_official_example():
    pool = SimpleThreadPool(1)
    for i in range(3):
        pool.add_task(lambda i=i: "ok%d" % i)
    pool.add_task(_raise, ValueError("plain"))
    pool.add_task(_raise, CosClientError("client boom"))
    pool.add_task(_raise, CosServiceError("GET", ERROR_XML, 404))
    pool.add_task(lambda: None)
    pool.wait_completion()
    result = pool.get_result()
    assert result == {
        "success_all": False,
        "detail": [(4, 3, ["ok0", "ok1", "ok2", "plain", "client boom", ERROR_XML, None])],
    }
    assert [type(e) for e in pool.exceptions] == [ValueError, CosClientError, CosServiceError]


def test_all_succeed_and_kwargs_are_passed():
    pool = SimpleThreadPool(4)
    for i in range(20):
        pool.add_task(lambda a, b=0: a + b, i, b=1)
    pool.wait_completion()
    result = pool.get_result()
    assert result["success_all"] is True
    assert sum(s for s, _, _ in result["detail"]) == 20
    assert sorted(v for _, _, values in result["detail"] for v in values) == list(range(1, 21))


def test_empty_pool():
    pool = SimpleThreadPool()
    pool.wait_completion()
    assert pool.get_result() == {"success_all": True, "detail": []}


def test_get_result_before_wait_is_an_assertion():
    with pytest.raises(AssertionError):
        SimpleThreadPool().get_result()


def test_reuse_after_wait_completion_does_not_hang():
    pool = SimpleThreadPool(2)
    pool.add_task(lambda: 1)
    pool.wait_completion()
    pool.add_task(lambda: 2)
    done = threading.Event()

    def second_wait():
        pool.wait_completion()
        done.set()

    threading.Thread(target=second_wait, daemon=True).start()
    assert done.wait(10), "wait_completion() hung on a reused pool"
    values = sorted(v for _, _, vs in pool.get_result()["detail"] for v in vs)
    assert values == [1, 2]


def test_runs_in_parallel_on_num_threads():
    pool = SimpleThreadPool(3)
    barrier = threading.Barrier(3, timeout=10)
    for _ in range(3):
        pool.add_task(barrier.wait)
    pool.wait_completion()
    assert pool.get_result()["success_all"] is True


def test_bounded_queue_blocks_add_task():
    pool = SimpleThreadPool(1, num_queue=1)
    gate = threading.Event()
    pool.add_task(gate.wait, 10)
    pool.add_task(lambda: "queued")
    blocked = threading.Event()

    def third():
        pool.add_task(lambda: "third")
        blocked.set()

    threading.Thread(target=third, daemon=True).start()
    assert not blocked.wait(0.3)
    gate.set()
    assert blocked.wait(10)
    pool.wait_completion()
