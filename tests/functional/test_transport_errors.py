"""What the transport raises when a request cannot be delivered, and what it does not retry.

Against the emulator, or against a local port nothing listens on (connection refused), a host
name that cannot resolve (``.invalid`` is reserved, RFC 2606) and a local server that accepts the
connection and never answers (timeout).
"""

import errno
import io
import socket
import struct
import threading

import pytest
import requests

from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError, _http
from qcloud_cos._http import NOT_TRANSIENT_5XX

KEYS = dict(Region="ap-beijing", SecretId="AKIDEXAMPLE", SecretKey="SECRETEXAMPLE")


def _client(retry=2, **conf):
    c = CosS3Client(CosConfig(**dict(KEYS, **conf)), retry=retry)
    c._transport.backoff_base = 0.001
    return c


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _puts(emulator, key, bucket):
    return [
        r
        for r in emulator.requests
        if r["method"] == "PUT" and r["path"].split("?")[0] == "/" + key and r["host"].startswith(bucket + ".")
    ]


# -- not transient: answered once ----------------------------------------------------------
@pytest.mark.parametrize("status,code", [(501, "NotImplemented"), (505, "HTTPVersionNotSupported")])
def test_non_transient_5xx_is_not_retried(client, bucket, cos_emulator, status, code):
    key = "not-transient-%d" % status
    cos_emulator.inject_fault(status=status, code=code, count=10, key=key)
    before = client.get_retry_exe_times()
    with pytest.raises(CosServiceError) as info:
        client.put_object(bucket, b"x", key)
    cos_emulator.clear_faults()
    assert info.value.get_error_code() == code
    assert info.value.get_status_code() == status
    assert len(_puts(cos_emulator, key, bucket)) == 1
    assert client.get_retry_exe_times() == before


def test_transient_5xx_are_still_retried():
    assert not {500, 502, 503, 504} & NOT_TRANSIENT_5XX
    assert 501 in NOT_TRANSIENT_5XX


# -- a local error reading the body is the user's, at once ---------------------------------
class _FailingFile(io.BytesIO):
    """A seekable binary file whose reads fail with EIO after the first block (a bad disk)."""

    def __init__(self, data):
        super().__init__(data)
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        if self.reads > 1:
            raise OSError(errno.EIO, "Input/output error (simulated)")
        return super().read(min(size, 1024) if size and size > 0 else 1024)


def _assert_local_error(exc):
    """The local error itself, or a CosClientError naming Body and the error: never a network one."""
    if isinstance(exc, CosClientError):
        assert "Body" in str(exc) and "Input/output error" in str(exc)
        exc = exc.__cause__
    assert isinstance(exc, OSError) and not isinstance(exc, requests.RequestException)
    assert exc.errno == errno.EIO
    assert "aborted" not in str(exc)


def test_local_read_error_of_a_file_body_is_raised_without_retry(client, bucket, cos_emulator):
    before = client.get_retry_exe_times()
    body = _FailingFile(b"x" * 200000)
    with pytest.raises((OSError, CosClientError)) as info:
        client.put_object(bucket, body, "eio-file")
    _assert_local_error(info.value)
    assert client.get_retry_exe_times() == before
    assert len(_puts(cos_emulator, "eio-file", bucket)) <= 1
    assert not client.object_exists(bucket, "eio-file")


def test_local_read_error_of_a_stream_body_is_raised_without_retry(client, bucket, cos_emulator):
    def chunks():
        yield b"a" * 1000
        raise OSError(errno.EIO, "Input/output error (simulated)")

    before = client.get_retry_exe_times()
    with pytest.raises((OSError, CosClientError)) as info:
        client.put_object(bucket, chunks(), "eio-stream")
    _assert_local_error(info.value)
    assert client.get_retry_exe_times() == before
    assert not client.object_exists(bucket, "eio-stream")


def test_a_network_reset_is_still_retried(client, bucket, cos_emulator):
    """The local-error rule must not swallow real network errors (the server resets mid-body)."""
    cos_emulator.inject_fault(reset_connection=True, after_bytes=1000, count=1, key="reset-once")
    before = client.get_retry_exe_times()
    client.put_object(bucket, io.BytesIO(b"y" * 300000), "reset-once")
    assert client.get_retry_exe_times() == before + 1


# -- connection failures say what, how often, why, and what to check -----------------------
def test_connection_refused_message():
    port = _free_port()
    c = _client(IP="127.0.0.1", Port=port, Scheme="http")
    with pytest.raises(CosClientError) as info:
        c.put_object("examplebucket-1250000000", b"x", "k")
    message = str(info.value)
    assert "http://127.0.0.1:%d" % port in message
    assert "Host: examplebucket-1250000000.cos.ap-beijing.myqcloud.com" in message
    assert "after 3 attempts" in message
    assert "connection refused" in message
    assert "QCLOUD_COS_ENDPOINT_URL" in message and "Port" in message
    assert "server is running" in message
    assert "Max retries exceeded" not in message and "urllib3" not in message
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert c.get_retry_exe_times() == 2


def test_connection_refused_with_an_unreplayable_body_says_one_attempt():
    c = _client(IP="127.0.0.1", Port=_free_port(), Scheme="http")
    with pytest.raises(CosClientError) as info:
        c.put_object("examplebucket-1250000000", iter([b"x"]), "k")
    assert "1 attempt (the body cannot be replayed" in str(info.value)


def test_dns_failure_message():
    c = _client(retry=1, Endpoint="cos.nonexistent.invalid", Scheme="http")
    with pytest.raises(CosClientError) as info:
        c.put_object("examplebucket-1250000000", b"x", "k")
    message = str(info.value)
    assert "http://examplebucket-1250000000.cos.nonexistent.invalid:80/k" in message
    assert "after 2 attempts" in message
    assert "DNS lookup of examplebucket-1250000000.cos.nonexistent.invalid failed" in message
    assert "Region / Endpoint / Domain" in message and "QCLOUD_COS_ENDPOINT_URL" in message
    assert isinstance(info.value.__cause__, requests.ConnectionError)


def test_timeout_message():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():  # accept and never answer
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        c = _client(retry=1, IP="127.0.0.1", Port=server.getsockname()[1], Scheme="http", Timeout=0.3)
        with pytest.raises(CosClientError) as info:
            c.put_object("examplebucket-1250000000", b"x", "k")
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    message = str(info.value)
    assert "after 2 attempts" in message
    assert "timed out" in message and "Timeout=0.3" in message
    assert isinstance(info.value.__cause__, requests.Timeout)


def test_a_ca_bundle_gone_since_the_config_is_a_client_error(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used")
    c = _client(retry=1, IP="127.0.0.1", Port=_free_port(), VerifySSL=str(bundle))
    bundle.unlink()
    with pytest.raises(CosClientError) as info:
        c.put_object("examplebucket-1250000000", b"x", "k")
    assert "CA certificate bundle" in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
    assert c.get_retry_exe_times() == 0


@pytest.mark.parametrize("retry", [-1, "x", None, 1.5, True])
def test_bad_retry_is_refused_at_construction(retry):
    with pytest.raises(CosClientError, match="retry"):
        CosS3Client(CosConfig(**KEYS), retry=retry)


def test_connection_refused_names_the_endpoint_environment_variable_when_set(monkeypatch):
    url = "http://127.0.0.1:%d" % _free_port()
    monkeypatch.setenv("QCLOUD_COS_ENDPOINT_URL", url)
    c = _client(retry=0)
    with pytest.raises(CosClientError) as info:
        c.put_object("examplebucket-1250000000", b"x", "k")
    assert "after 1 attempt: connection refused" in str(info.value)
    assert "QCLOUD_COS_ENDPOINT_URL=%s is set" % url in str(info.value)


class _SilentServer:
    """A local server that accepts connections and never reads from them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                self.accepted.append(self.sock.accept()[0])
            except OSError:
                pass

    def close(self):
        self._stop.set()
        self._thread.join()
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def test_a_body_the_server_stops_reading_times_out_and_is_retried():
    # Request bodies go out with blocking sends bounded by SO_SNDTIMEO (Linux): a peer that stops
    # reading must still end in the configured timeout (as socket.timeout, retried), never a hang
    # or a BlockingIOError.
    server = _SilentServer()
    try:
        c = _client(retry=1, IP="127.0.0.1", Port=server.port, Scheme="http", Timeout=0.5)
        with pytest.raises(CosClientError) as info:
            c.put_object("examplebucket-1250000000", io.BytesIO(bytes(48 * 1024 * 1024)), "k")
    finally:
        server.close()
    message = str(info.value)
    assert "after 2 attempts" in message and "timed out" in message, message
    assert len(server.accepted) == 2
    assert "BlockingIOError" not in message


@pytest.mark.skipif(not _http._BLOCKING_SENDS, reason="blocking sends are used on Linux only")
def test_sends_are_blocking_with_the_kernel_timeout_and_reads_keep_theirs(cos_emulator):
    conn = _http.HTTPConnection("127.0.0.1", cos_emulator.port, timeout=7.25)
    try:
        conn.connect()
        conn.send(b"GET / HTTP/1.1\r\nHost: service.cos.myqcloud.com\r\n\r\n")
        assert conn.sock.gettimeout() == 7.25  # restored after the send: reads still time out
        raw = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.calcsize("ll"))
        seconds, micros = struct.unpack("ll", raw)
        assert seconds == 7 and abs(micros - 250000) < 20000  # the kernel rounds to its clock tick
    finally:
        conn.close()
