"""Receiving request bodies: block-wise into one reused buffer (``_app._receive`` over the
server bodies' ``readinto``), whatever pieces the bytes arrive in.  No timing here."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import socket
import time

import pytest

from qcloud_cos.emulator import _app, _crc64
from qcloud_cos.emulator._errors import CosError

from ._cos_http import sign

BLOCK = _app._RECEIVE_BLOCK
# sizes that straddle the receive block in every way: 1 byte, odd primes, the block +- 1
ODD_PIECES = [1, 7, 4093, 65537, BLOCK - 1, 2, BLOCK + 1, 13, 3 * BLOCK + 5]


def _pieces(data: bytes, sizes):
    out, pos = [], 0
    while pos < len(data):
        for size in sizes:
            if pos >= len(data):
                break
            out.append(data[pos : pos + size])
            pos += size
    return out


def _send_in_pieces(cos, key, pieces, headers):
    """PUT with the body written to the socket piece by piece (TCP_NODELAY: short reads)."""
    now = int(time.time())
    headers = dict(headers, Host=cos.host)
    headers["Authorization"] = sign(
        method="PUT",
        path="/" + key,
        params={},
        headers=headers,
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 600,
    )
    conn = http.client.HTTPConnection("127.0.0.1", cos.port, timeout=30)
    try:
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.putrequest("PUT", "/" + key, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        for piece in pieces:
            conn.send(piece)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def test_body_in_odd_pieces_is_stored_and_hashed_exactly(cos, cos_emulator):
    data = os.urandom(5 * BLOCK + 12345)
    status, headers, _ = _send_in_pieces(
        cos,
        "odd.bin",
        _pieces(data, ODD_PIECES),
        {"Content-Length": str(len(data)), "Content-MD5": _md5_b64(data)},
    )
    assert status == 200
    assert headers["etag"] == '"%s"' % hashlib.md5(data).hexdigest()
    assert headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
    assert cos.request("GET", "odd.bin").body == data
    assert os.listdir(cos_emulator.store.tmp_dir) == []


def test_chunked_body_with_tiny_and_block_straddling_chunks(cos):
    data = os.urandom(2 * BLOCK + 999)
    sizes = [1, 2, 3, 1, BLOCK - 3, 5, BLOCK + 7, 1]
    chunks = _pieces(data, sizes)
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    status, headers, _ = _send_in_pieces(
        cos,
        "tiny-chunks.bin",
        _pieces(body, [3, 1, 5000, BLOCK]),
        {"Transfer-Encoding": "chunked", "Content-MD5": _md5_b64(data)},
    )
    assert status == 200
    assert headers["etag"] == '"%s"' % hashlib.md5(data).hexdigest()
    assert headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
    assert cos.request("GET", "tiny-chunks.bin").body == data


def test_wrong_content_md5_over_several_blocks_is_bad_digest_and_leaves_nothing(cos, cos_emulator):
    assert cos.request("PUT", "kept", b"original").status == 200
    data = os.urandom(3 * BLOCK + 1)
    r = cos.request("PUT", "kept", data, {"Content-MD5": _md5_b64(data[:-1] + b"!")})
    assert r.status == 400 and r.error_code() == "BadDigest"
    assert cos.request("GET", "kept").body == b"original"
    assert os.listdir(cos_emulator.store.tmp_dir) == []


def test_upload_part_and_append_receive_blockwise_too(cos):
    data = os.urandom(2 * BLOCK + 3)
    r = cos.request("POST", "app", data, params={"append": "", "position": "0"})
    assert r.status == 200
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
    r = cos.request("POST", "app", data, params={"append": "", "position": str(len(data))})
    assert r.status == 200
    assert r.headers["etag"] == '"%s"' % hashlib.md5(data + data).hexdigest()
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data + data))
    assert cos.request("GET", "app").body == data + data


def test_chunked_disconnect_mid_chunk_leaves_no_temp_file(cos, cos_emulator):
    now = int(time.time())
    headers = {"Host": cos.host, "Transfer-Encoding": "chunked"}
    auth = sign(
        method="PUT",
        path="/cut",
        params={},
        headers=headers,
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 600,
    )
    logged = len(cos_emulator.requests)
    with socket.create_connection(("127.0.0.1", cos.port)) as s:
        s.sendall(
            f"PUT /cut HTTP/1.1\r\nHost: {cos.host}\r\nTransfer-Encoding: chunked\r\n"
            f"Authorization: {auth}\r\n\r\n".encode()
        )
        s.sendall(b"%x\r\n" % (4 * BLOCK) + b"z" * (BLOCK + 17))
    deadline = time.time() + 10
    while time.time() < deadline and (
        len(cos_emulator.requests) <= logged or cos_emulator.requests[logged]["status"] is None
    ):
        time.sleep(0.02)
    assert cos_emulator.requests[logged]["status"] == 400
    assert cos.request("GET", "cut").status == 404
    assert os.listdir(cos_emulator.store.tmp_dir) == []


# -- _receive itself, on fake bodies -------------------------------------------------------


class _ShortReads:
    """A body that hands out at most ``sizes[i]`` bytes per ``readinto`` (cycling)."""

    chunked = True

    def __init__(self, data: bytes, sizes, *, length=None):
        self.data, self.sizes, self.pos, self.calls, self.length = data, sizes, 0, 0, length

    def readinto(self, buf) -> int:
        n = min(len(buf), self.sizes[self.calls % len(self.sizes)], len(self.data) - self.pos)
        self.calls += 1
        buf[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n

    def read(self, n):  # pragma: no cover - _receive must prefer readinto
        raise AssertionError("read() used although readinto() exists")


class _ReadOnly:
    chunked = False

    def __init__(self, data: bytes):
        self.data, self.pos, self.length = data, 0, len(data)

    def read(self, n):
        out = self.data[self.pos : self.pos + min(n, 3)]
        self.pos += len(out)
        return out


def test_receive_fills_whole_blocks_from_short_reads():
    data = os.urandom(3 * BLOCK + 10)
    blocks = []
    total = _app._receive(
        _ShortReads(data, [1, 4095, 7, BLOCK + 1]), lambda b: blocks.append(bytes(b)), None, limit=len(data)
    )
    assert total == len(data) and b"".join(blocks) == data
    assert [len(b) for b in blocks] == [BLOCK, BLOCK, BLOCK, 10]


def test_receive_sizes_its_buffer_to_a_small_body_and_handles_empty():
    blocks = []
    assert _app._receive(_ShortReads(b"abc", [2], length=3), blocks.append, None, limit=10) == 3
    assert [bytes(b) for b in blocks] == [b"abc"]
    blocks.clear()
    assert _app._receive(_ShortReads(b"", [2], length=0), blocks.append, None, limit=10) == 0
    assert blocks == []


def test_receive_over_the_limit_is_entity_too_large():
    with pytest.raises(CosError) as info:
        _app._receive(_ShortReads(b"x" * (BLOCK + 2), [BLOCK]), lambda b: None, None, limit=BLOCK + 1)
    assert info.value.code == "EntityTooLarge"


def test_receive_falls_back_to_read():
    data = os.urandom(1000)
    out = bytearray()
    assert _app._receive(_ReadOnly(data), out.extend, None, limit=len(data)) == len(data)
    assert bytes(out) == data
