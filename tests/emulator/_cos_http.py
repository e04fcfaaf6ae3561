"""Test-side helpers: a client-style COS signer and a raw ``http.client`` requester.

Deliberately independent of both the client package and ``qcloud_cos.emulator._auth``:
it mirrors what the official Python SDK does (research/official-sdk.md section 4) so
the emulator's verifier is checked against a separate implementation.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import time
from typing import Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote, urlencode

SIGNED = (
    "cache-control content-disposition content-encoding content-type content-md5 content-length "
    "expect expires host if-match if-modified-since if-none-match if-unmodified-since origin range "
    "transfer-encoding"
).split()


def _enc(value: Union[str, bytes]) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return quote(value, safe="-_.~")


def sign(
    *,
    method: str,
    path: str,
    params: Mapping[str, str],
    headers: Mapping[str, Union[str, bytes]],
    secret_id: str,
    secret_key: str,
    start: int,
    end: int,
) -> str:
    """The ``Authorization`` value the official SDK would send (every param signed;
    the headers it signs: the list above plus ``x-cos-*``)."""
    hs = {}
    for name, value in headers.items():
        lname = name.lower()
        if lname in SIGNED or lname.startswith("x-cos-"):
            raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
            hs[_enc(lname).lower()] = _enc(raw.strip())
    ps = {_enc(k).lower(): _enc(v) for k, v in params.items()}
    fmt = "\n".join(
        [
            method.lower(),
            path,
            "&".join(f"{k}={ps[k]}" for k in sorted(ps)),
            "&".join(f"{k}={hs[k]}" for k in sorted(hs)),
            "",
        ]
    )
    t = f"{start};{end}"
    sts = f"sha1\n{t}\n{hashlib.sha1(fmt.encode('utf-8')).hexdigest()}\n"
    key = hmac.new(secret_key.encode(), t.encode(), hashlib.sha1).hexdigest()
    sig = hmac.new(key.encode(), sts.encode(), hashlib.sha1).hexdigest()
    return (
        f"q-sign-algorithm=sha1&q-ak={secret_id}&q-sign-time={t}&q-key-time={t}"
        f"&q-header-list={';'.join(sorted(hs))}&q-url-param-list={';'.join(sorted(ps))}&q-signature={sig}"
    )


class Resp:
    def __init__(self, status: int, headers: List[Tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.header_list = headers
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def __repr__(self) -> str:
        return f"<Resp {self.status} {self.body[:200]!r}>"

    def error_code(self) -> Optional[str]:
        import re

        m = re.search(rb"<Code>([^<]*)</Code>", self.body)
        return m.group(1).decode() if m else None


class CosHttp:
    """Signs like the SDK and sends with ``http.client`` to the emulator."""

    def __init__(
        self,
        port: int,
        bucket: str,
        *,
        secret_id: str = "SecretId",
        secret_key: str = "SecretKey",
        region: str = "ap-beijing",
        clock=time.time,
    ) -> None:
        self.port = port
        self.bucket = bucket
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.region = region
        self.clock = clock
        self.conn: Optional[http.client.HTTPConnection] = None

    @property
    def host(self) -> str:
        return f"{self.bucket}.cos.{self.region}.myqcloud.com"

    def connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        key: str = "",
        body: Optional[bytes] = None,
        headers: Optional[Dict[str, Union[str, bytes]]] = None,
        params: Optional[Dict[str, str]] = None,
        *,
        sign_request: bool = True,
        host: Optional[str] = None,
        path: Optional[str] = None,
        expire: int = 600,
        keep: bool = True,
    ) -> Resp:
        headers = dict(headers or {})
        params = dict(params or {})
        headers.setdefault("Host", host or self.host)
        if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k in headers):
            headers["Content-Length"] = str(len(body))
        if sign_request and not any(k.lower() == "authorization" for k in headers):
            now = int(self.clock())
            signed_headers = dict(headers)
            signed_headers["Host"] = headers["Host"]
            headers["Authorization"] = sign(
                method=method,
                path="/" + key,
                params=params,
                headers=signed_headers,
                secret_id=self.secret_id,
                secret_key=self.secret_key,
                start=now - 60,
                end=now + expire,
            )
        if path is None:
            path = "/" + quote(key, safe="/-_.~")
        if params:
            path += "?" + urlencode(params)
        conn = self.connection()
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        if body:
            conn.send(body)
        r = conn.getresponse()
        data = r.read()
        resp = Resp(r.status, r.getheaders(), data)
        if not keep or r.will_close:
            self.close()
        return resp


def raw_exchange(port: int, data: bytes, *, shut_write: bool = False, timeout: float = 10) -> bytes:
    """Send raw bytes on a fresh socket and read until the server closes or times out."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except socket.timeout:
            pass
        return b"".join(chunks)
