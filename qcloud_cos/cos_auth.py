"""``CosS3Auth``: the COS signature as a requests auth object (official module path).

``requests.put(url, data=..., auth=CosS3Auth(conf, key, params))`` signs exactly the headers of
the prepared request, with the official default validity of 10000 s.  The signing itself is
``qcloud_cos._signing`` (pure); this adapter only reads the clock and the credentials.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Mapping, Optional

from requests import PreparedRequest
from requests.auth import AuthBase

from . import _signing, _surface
from ._config import CosConfig
from ._signing import filter_headers as _filter_pairs
from .cos_comm import to_bytes, to_str, to_unicode  # noqa: F401 - importable from here, as officially

__all__ = ["CosS3Auth", "filter_headers"]


def filter_headers(data: Mapping[str, Any]) -> Dict[str, Any]:
    """The subset of a header dict that COS signatures cover."""
    return dict(_filter_pairs(data))


class CosS3Auth(AuthBase):
    def __init__(
        self,
        conf: CosConfig,
        key: Optional[str] = None,
        params: Optional[Dict[str, Any]] = None,
        expire: int = 10000,
        sign_host: Optional[bool] = None,
    ) -> None:
        self._conf = conf
        self._key = key
        self._params = params or {}
        self._expire = expire
        self._sign_host = sign_host

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        conf = self._conf
        token = conf._current_token()
        if token and "x-cos-security-token" not in r.headers:
            r.headers["x-cos-security-token"] = token
        if conf._anonymous:
            r.headers["Authorization"] = ""
            return r
        secret_id, secret_key = conf._current_keys()
        sign_host = conf._sign_host if self._sign_host is None else self._sign_host
        start, end = _signing.time_window(now=time.time(), expire=self._expire)
        params = {k: v for k, v in self._params.items() if v is not None} if conf._sign_params else {}
        r.headers["Authorization"] = _signing.authorization(
            secret_id=secret_id,
            secret_key=secret_key,
            method=r.method,
            path=_signing.sign_path(self._key),
            params=list(params.items()),
            headers=_signing.signed_headers(headers=r.headers, url=r.url, sign_host=sign_host),
            start=start,
            end=end,
        )
        return r


# The official module's RTMP signer is not implemented here yet: looking it up says so.
__getattr__ = _surface.missing_module_attribute(__name__, ["CosRtmpAuth"])
