"""No secret in any log line, exception message, repr, getter, pickle or traceback, against the emulator.

Real COS answers SignatureDoesNotMatch with a ``FormatString`` that echoes every signed ``x-cos-*``
header, so a client with a session token, a wrong SecretKey and an SSE-C key gets an error body that
carries the token and the SSE-C key.  The emulator masks them itself (issue 8), so the client's own
masking is tested against a stand-in server that echoes them verbatim, at the end of this file.
"""

import hashlib
import hmac
import http.server
import logging
import pickle
import threading
import traceback
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

import pytest
import requests

from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError, _http, _redact

SECRET_ID = "AKIDSECRETSTEST"
RIGHT_KEY = "RightSecretKey0a1b2c3d4e5f"
WRONG_KEY = "WrongSecretKey9z8y7x6w5v4u"
# '+', '/' and '=' make the percent-encoded echo differ from the raw value.
TOKEN = "SessToken+Value/With=Specials7c1e"
SSE_KEY = "U1NFQ3VzdG9tZXJLZXlWYWx1ZTAxMjM0NTY3ODlhYg=="
COPY_SSE_KEY = "Q29weVNvdXJjZUN1c3RvbWVyS2V5MDEyMzQ1Njc4OQ=="
SSE = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=SSE_KEY, SSECustomerKeyMD5="bWQ1bWQ1")


def _forms(value):
    return {value, quote(value, safe="-_.~"), quote(value, safe=""), quote(value, safe="").lower()}


@pytest.fixture
def wrong_key_client(cos_emulator):
    cos_emulator.add_credentials(SECRET_ID, RIGHT_KEY, token=TOKEN)
    conf = CosConfig(**cos_emulator.config_kwargs(SecretId=SECRET_ID, SecretKey=WRONG_KEY, Token=TOKEN))
    c = CosS3Client(conf, retry=1)
    c._transport.backoff_base = 0.01
    return c


def _sent_secrets(cos_emulator, bucket, key):
    """The Authorization, its signature and the signing key of the requests the emulator saw."""
    values = set()
    for r in cos_emulator.requests:
        if r["path"].split("?")[0] == "/" + key and r["host"].startswith(bucket + "."):
            auth = r["headers"]["Authorization"]
            fields = dict(p.partition("=")[::2] for p in auth.split("&"))
            sign_key = hmac.new(WRONG_KEY.encode(), fields["q-key-time"].encode(), hashlib.sha1).hexdigest()
            values.update((auth, fields["q-signature"], sign_key))
    assert values, "the request reached the emulator"
    return values


def _assert_clean(texts, secrets):
    for text in texts:
        for secret in secrets:
            for form in _forms(secret):
                assert form not in text, "secret %r leaked in: %s" % (form, text[:2000])


def _exception_texts(exc):
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    clone = pickle.loads(pickle.dumps(exc))
    texts += [str(clone), repr(clone)]
    if isinstance(exc, CosServiceError):
        texts += [
            exc.get_origin_msg(),
            str(exc.get_digest_msg()),
            exc.get_error_msg(),
            str(clone.get_digest_msg()),
            clone.get_origin_msg(),
        ]
    return texts


def test_signature_mismatch_echo_leaks_nothing(wrong_key_client, cos_emulator, bucket, caplog):
    with caplog.at_level(logging.DEBUG, logger="qcloud_cos"):
        with pytest.raises(CosServiceError) as info:
            wrong_key_client.put_object(bucket, b"payload", "echo", **SSE)
    exc = info.value
    # The official getters still work and the non-secret parts of the message stay.
    assert exc.get_error_code() == "SignatureDoesNotMatch"
    assert exc.get_status_code() == 403
    assert exc.get_request_id() not in ("", "Unknown")
    assert exc.get_trace_id() not in ("", "Unknown")
    assert exc.get_resource_location().endswith("/echo")
    assert "x-cos-security-token=***" in exc.get_origin_msg()
    assert "x-cos-server-side-encryption-customer-algorithm=AES256" in exc.get_origin_msg()
    assert "StringToSign" in exc.get_origin_msg()
    # Nothing secret anywhere.
    secrets = {TOKEN, SSE_KEY, WRONG_KEY} | _sent_secrets(cos_emulator, bucket, "echo")
    messages = [r.getMessage() for r in caplog.records]
    assert any("send request" in m for m in messages) and any("recv response" in m for m in messages)
    _assert_clean(messages + _exception_texts(exc), secrets)


def test_the_emulator_masks_the_echo(wrong_key_client, bucket, cos_emulator):
    """The emulator echoes the signed header names but masks secret values (issue 8; real COS
    echoes them, so the client-side redaction above stays necessary)."""
    session = requests.Session()
    transport = wrong_key_client._transport
    request = _http.Request(
        method="PUT",
        url=wrong_key_client._conf.uri(bucket=bucket, path="raw"),
        key="raw",
        host=wrong_key_client._conf.host_header(bucket),
        headers={"x-cos-server-side-encryption-customer-key": SSE_KEY},
    )
    response = session.send(transport.prepare(request))
    assert response.status_code == 403
    assert "x-cos-security-token=***" in response.text
    assert "x-cos-server-side-encryption-customer-key=***" in response.text
    assert quote(TOKEN, safe="-_.~") not in response.text
    assert quote(SSE_KEY, safe="-_.~") not in response.text


def test_failing_upload_file_leaks_nothing(wrong_key_client, cos_emulator, bucket, tmp_path, caplog):
    path = tmp_path / "small.bin"
    path.write_bytes(b"x" * 1000)
    with caplog.at_level(logging.DEBUG, logger="qcloud_cos"):
        with pytest.raises(CosServiceError) as info:
            wrong_key_client.upload_file(bucket, "up", str(path), CheckpointDir=False, **SSE)
    assert info.value.get_error_code() == "SignatureDoesNotMatch"
    secrets = {TOKEN, SSE_KEY, WRONG_KEY} | _sent_secrets(cos_emulator, bucket, "up")
    _assert_clean([r.getMessage() for r in caplog.records] + _exception_texts(info.value), secrets)


def test_retry_lines_and_copy_source_key_leak_nothing(cos_emulator, bucket, caplog):
    cos_emulator.add_credentials(SECRET_ID, RIGHT_KEY, token=TOKEN)
    c = CosS3Client(
        CosConfig(**cos_emulator.config_kwargs(SecretId=SECRET_ID, SecretKey=RIGHT_KEY, Token=TOKEN)), retry=2
    )
    c._transport.backoff_base = 0.01
    cos_emulator.inject_fault(status=503, count=2, key="retried")
    with caplog.at_level(logging.DEBUG, logger="qcloud_cos"):
        c.put_object(bucket, b"x", "retried", CopySourceSSECustomerKey=COPY_SSE_KEY, **SSE)
    messages = [r.getMessage() for r in caplog.records]
    assert sum(m.startswith("retry ") for m in messages) == 2
    _assert_clean(messages, {TOKEN, SSE_KEY, COPY_SSE_KEY, RIGHT_KEY})


def test_library_error_text_with_the_token_is_masked():
    """A token read from a file with its newline: requests' InvalidHeader quotes the value."""
    token = "TokenReadFromAFile5d2a"
    conf = CosConfig(
        Region="ap-beijing",
        SecretId="AKID",
        SecretKey=RIGHT_KEY,
        Token=token + "\n",
        IP="127.0.0.1",
        Port=1,
        Scheme="http",
    )
    with pytest.raises(CosClientError) as info:
        CosS3Client(conf, retry=0).put_object("examplebucket-1250000000", b"x", "k")
    assert "header value" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)  # requests' InvalidHeader, or http.client's
    _assert_clean(_exception_texts(info.value), {token})


def test_proxy_password_is_masked(bucket):
    conf = CosConfig(
        Region="ap-beijing",
        SecretId="AKID",
        SecretKey=RIGHT_KEY,
        Scheme="http",
        Proxies={"http": "http://alice:Pr0xyPassw0rd@127.0.0.1:1"},
    )
    c = CosS3Client(conf, retry=0)
    with pytest.raises(CosClientError) as info:
        c.put_object(bucket, b"x", "k")
    assert "alice:***@127.0.0.1:1" in str(info.value)
    _assert_clean(_exception_texts(info.value), {"Pr0xyPassw0rd"})


def test_service_error_from_headers_and_error_code_header_is_masked():
    """The two other shapes of CosServiceError: an empty body (the headers are the message) and
    an ``x-cos-error-code`` answer; secrets echoed in either are masked, by value and by name."""
    secrets = _redact.add_request(_redact.Secrets(), headers={"x-cos-security-token": TOKEN}, secret_key=RIGHT_KEY)
    response = requests.Response()
    response.status_code = 400
    response.headers["x-cos-request-id"] = "req-1"
    response.headers["x-cos-security-token"] = "EchoedByName123"
    response.headers["x-echo"] = "token=%s key=%s" % (TOKEN, RIGHT_KEY)
    response._content = b""
    exc = _http.service_error("PUT", response, secrets=secrets)
    assert exc.get_digest_msg()["x-cos-request-id"] == "req-1"
    assert exc.get_error_code() == "Unknown"  # the official contract for a headers digest
    _assert_clean(_exception_texts(exc), {TOKEN, RIGHT_KEY, "EchoedByName123"})

    response = requests.Response()
    response.status_code = 409
    response.headers["x-cos-error-code"] = "SomeError"
    response.headers["x-cos-request-id"] = "req-2"
    response._content = ("bad request signed with %s" % quote(RIGHT_KEY)).encode()
    exc = _http.service_error("PUT", response, secrets=secrets)
    assert exc.get_error_code() == "SomeError" and exc.get_request_id() == "req-2"
    assert exc.get_error_msg() == "bad request signed with ***"
    _assert_clean(_exception_texts(exc), {RIGHT_KEY})


@pytest.mark.parametrize(
    "text",
    [
        "<Error><SecurityToken>abcdEFGH1234</SecurityToken></Error>",
        "{'x-cos-security-token': 'abcdEFGH1234', 'Content-Length': '3'}",
        "{'x-cos-security-token': b'abcdEFGH1234'}",
        "Authorization: q-sign-algorithm=sha1&q-ak=AKID&q-signature=abcdEFGH1234",
        "x-cos-server-side-encryption-customer-key=abcdEFGH1234&x-cos-server-side-encryption-customer-key-md5=md5",
    ],
)
def test_exceptions_mask_secret_named_fields_whoever_builds_them(text):
    for exc in (CosServiceError("PUT", text, 400), CosClientError(text)):
        _assert_clean(_exception_texts(exc), {"abcdEFGH1234"})
    assert "customer-key-md5=md5" in str(CosClientError(text)) or "md5" not in text


@pytest.mark.parametrize("name", _redact.LOGGER_NAMES)
def test_every_package_logger_masks_secret_named_fields(caplog, name):
    import qcloud_cos  # noqa: F401  (installs the filter)

    with caplog.at_level(logging.DEBUG, logger="qcloud_cos"):
        logging.getLogger(name).info(
            "answer: %s", "<Error><FormatString>x-cos-security-token=abcdEFGH1234&amp;host=h</FormatString></Error>"
        )
    (record,) = [r for r in caplog.records if r.name == name]
    assert "abcdEFGH1234" not in record.getMessage()
    assert "x-cos-security-token=***" in record.getMessage() and "host=h" in record.getMessage()


# -- against a server that echoes secrets, as real COS does ---------------------------------------
# The emulator masks secrets in its own error bodies (issue 8), but COS echoes every signed header in
# <FormatString>: the client must not rely on the server.  This stand-in answers every request with
# COS's SignatureDoesNotMatch document echoing the request's headers verbatim.


class _EchoingCos(http.server.BaseHTTPRequestHandler):
    seen = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        type(self).seen.append(dict(self.headers))
        echoed = "&".join("%s=%s" % (k.lower(), v) for k, v in sorted(self.headers.items()))
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code>'
            "<Message>The request signature we calculated does not match</Message>"
            "<Resource>%s</Resource><RequestId>req-1</RequestId><TraceId>trace-1</TraceId>"
            "<FormatString>%s</FormatString><Authorization>%s</Authorization></Error>"
            % (xml_escape(self.path), xml_escape(echoed), xml_escape(self.headers.get("Authorization", "")))
        ).encode("utf-8")
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("x-cos-request-id", "req-1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_PUT = do_POST = do_GET = do_HEAD = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def echoing_client():
    _EchoingCos.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoingCos)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conf = CosConfig(
            Region="ap-beijing",
            SecretId=SECRET_ID,
            SecretKey=WRONG_KEY,
            Token=TOKEN,
            IP="127.0.0.1",
            Port=server.server_address[1],
            Scheme="http",
        )
        c = CosS3Client(conf, retry=1)
        c._transport.backoff_base = 0.01
        yield c
    finally:
        server.shutdown()
        server.server_close()


def _echoed_secrets():
    values = {TOKEN, SSE_KEY, WRONG_KEY}
    for headers in _EchoingCos.seen:
        auth = headers["Authorization"]
        fields = dict(p.partition("=")[::2] for p in auth.split("&"))
        sign_key = hmac.new(WRONG_KEY.encode(), fields["q-key-time"].encode(), hashlib.sha1).hexdigest()
        values.update((auth, fields["q-signature"], sign_key))
    assert _EchoingCos.seen, "the request reached the server"
    return values


@pytest.mark.parametrize("call", ["put_object", "upload_file"])
def test_a_server_that_echoes_secrets_leaks_nothing(echoing_client, tmp_path, caplog, call):
    path = tmp_path / "small.bin"
    path.write_bytes(b"x" * 1000)
    calls = {
        "put_object": lambda: echoing_client.put_object("examplebucket-1250000000", b"x", "echo", **SSE),
        "upload_file": lambda: echoing_client.upload_file(
            "examplebucket-1250000000", "echo", str(path), CheckpointDir=False, **SSE
        ),
    }
    with caplog.at_level(logging.DEBUG, logger="qcloud_cos"):
        with pytest.raises(CosServiceError) as info:
            calls[call]()
    exc = info.value
    assert exc.get_status_code() == 403
    assert exc.get_error_code() == "SignatureDoesNotMatch"
    assert "x-cos-security-token=***" in exc.get_origin_msg()
    # the server really echoed them: the test would see them if the client did not mask
    assert any(TOKEN in h.get("x-cos-security-token", "") for h in _EchoingCos.seen)
    _assert_clean([r.getMessage() for r in caplog.records] + _exception_texts(exc), _echoed_secrets())
