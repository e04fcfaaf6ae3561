"""Fault plan: make the next N matching requests fail instead of being served."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import List, Optional

__all__ = ["Fault", "FaultPlan"]


@dataclass
class Fault:
    """One planned failure.

    ``method``/``key``/``op``/``bucket`` narrow the match (``None`` matches
    anything).  With ``reset_connection`` the connection is reset (TCP RST)
    instead of answered: after reading ``after_bytes`` of the request body if
    the request has one, else after sending ``after_bytes`` of the response
    body (when ``after_bytes`` is given and the response has a body), else at once.
    With ``corrupt_crc`` the request is served normally, and the next matching
    *successful* response that carries ``x-cos-hash-crc64ecma`` gets a wrong
    value there (the stored data is untouched); ``status``/``code`` are unused.
    With ``lose_response`` the next matching request that *succeeds* is carried
    out in full, but its response is never sent: the connection is reset
    instead (a response lost on the way back).
    """

    status: int = 503
    code: str = "ServiceUnavailable"
    message: Optional[str] = None
    count: int = 1
    method: Optional[str] = None
    key: Optional[str] = None
    op: Optional[str] = None
    bucket: Optional[str] = None
    reset_connection: bool = False
    after_bytes: Optional[int] = None
    corrupt_crc: bool = False
    lose_response: bool = False

    def matches(self, *, method: str, bucket: Optional[str], key: Optional[str], op: str) -> bool:
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.key is None or self.key == key)
            and (self.op is None or self.op.lower() == op.lower())
            and (self.bucket is None or self.bucket == bucket)
        )


class FaultPlan:
    """Thread-safe list of pending faults; the first matching one is used up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []

    def add(self, fault: Fault) -> Fault:
        if fault.count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(
        self,
        *,
        method: str,
        bucket: Optional[str],
        key: Optional[str],
        op: str,
        corrupt_crc: bool = False,
        lose_response: bool = False,
    ) -> Optional[Fault]:
        """Use up the first matching fault of the kind asked for: ``corrupt_crc``,
        ``lose_response``, or (neither) one that replaces serving the request."""
        with self._lock:
            for fault in self._faults:
                kind = (fault.corrupt_crc, fault.lose_response)
                if kind == (corrupt_crc, lose_response) and fault.matches(
                    method=method, bucket=bucket, key=key, op=op
                ):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> List[Fault]:
        with self._lock:
            return list(self._faults)
