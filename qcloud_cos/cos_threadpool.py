"""``SimpleThreadPool`` at its official path, with the official result shape.

Differences from the official pool (bugs fixed, contract kept): it can be reused after
``wait_completion()`` (the official one hangs), and a failed task's message is ``str(e)`` for
any exception instead of the literal ``'meet some exception'``; the exception objects themselves
are kept in ``exceptions``.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Callable, Dict, List, Tuple

logger = logging.getLogger(__name__)

__all__ = ["SimpleThreadPool", "WorkerThread"]

_STOP = object()


class WorkerThread(threading.Thread):
    def __init__(self, task_queue: queue.Queue, pool: SimpleThreadPool) -> None:  # Queue[...]: Python >= 3.9
        super().__init__(daemon=True)
        self._queue = task_queue
        self._pool = pool
        self._succ_task_num = 0
        self._fail_task_num = 0
        self._ret: List[Any] = []

    def run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                func, args, kwargs = item
                try:
                    self._ret.append(func(*args, **kwargs))
                    self._succ_task_num += 1
                except Exception as exc:  # a task's failure is reported, not raised (official contract)
                    logger.error("task %s failed: %s", getattr(func, "__name__", func), exc)
                    self._fail_task_num += 1
                    self._ret.append(_message_of(exc))
                    self._pool._record_exception(exc)
            finally:
                self._queue.task_done()

    def get_result(self) -> Tuple[int, int, List[Any]]:
        return self._succ_task_num, self._fail_task_num, self._ret


def _message_of(exc: BaseException) -> Any:
    message = getattr(exc, "_message", None)
    return message if message else str(exc) or type(exc).__name__


class SimpleThreadPool:
    """Run ``add_task(func, *args, **kwargs)`` calls on ``num_threads`` threads.

    ``wait_completion()`` waits for every queued task; ``get_result()`` then returns
    ``{'success_all': bool, 'detail': [(succ_cnt, fail_cnt, [results...]) per worker]}``.
    """

    def __init__(self, num_threads: int = 5, num_queue: int = 0) -> None:
        self._num_threads = num_threads
        self._queue: queue.Queue[Any] = queue.Queue(num_queue)
        self._workers: List[WorkerThread] = []
        self._finished_workers: List[WorkerThread] = []
        self._lock = threading.Lock()
        self._active = False
        self._finished = False
        self.exceptions: List[BaseException] = []

    def _record_exception(self, exc: BaseException) -> None:
        with self._lock:
            self.exceptions.append(exc)

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        with self._lock:
            if not self._active:
                self._finished = False
                self._workers = [WorkerThread(self._queue, self) for _ in range(self._num_threads)]
                for worker in self._workers:
                    worker.start()
                self._active = True
        self._queue.put((func, args, kwargs))

    def wait_completion(self) -> None:
        """Block until every queued task has run; the pool can be used again afterwards."""
        with self._lock:
            workers, self._workers = self._workers, []
            self._active = False
        self._queue.join()
        for _ in workers:
            self._queue.put(_STOP)
        for worker in workers:
            worker.join()
        self._finished_workers.extend(workers)
        self._finished = True

    def get_result(self) -> Dict[str, Any]:
        assert self._finished, "call wait_completion() before get_result()"
        detail = [worker.get_result() for worker in self._finished_workers]
        success_all = all(fail == 0 for _, fail, _ in detail)
        return {"success_all": success_all, "detail": detail}
