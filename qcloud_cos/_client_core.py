"""What the ``CosS3Client`` mixins (``_client_buckets``, ``_client_copy``, ...) use of the client itself.

For the type checker only: the mixins derive from ``ClientCore`` when type checking and from
``object`` at run time (this module is never imported then), so the client's classes are unchanged.
``CosS3Client`` implements every member.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ContextManager, Dict, Optional, Protocol

if TYPE_CHECKING:
    import requests

    from . import _http
    from ._body import Body
    from ._config import CosConfig
    from .cos_client import CosS3Client


class ClientCore(Protocol):
    _conf: CosConfig
    _transport: _http.Transport

    def _send(
        self,
        *,
        method: str,
        bucket: Optional[str],
        key: Any,
        params: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, Any]] = None,
        body: Optional[Body] = None,
        timeout: float = 30,
        stream: bool = False,
        check_crc: bool = False,
        log: Optional[str] = None,
        log_level: int = logging.INFO,
        endpoint: Optional[str] = None,
    ) -> requests.Response: ...

    def _check_bucket(self, bucket: Optional[str]) -> None: ...

    def _concurrent(self, workers: int) -> ContextManager[CosS3Client]: ...

    @staticmethod
    def _headers_of(response: requests.Response) -> _http.ResponseHeaders: ...
