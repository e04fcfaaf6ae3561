"""Retries, routing (IP/Port, proxies, environment variable) and logging, against the emulator."""

import logging
import os

import pytest

from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError


def _puts(emulator, key, bucket):
    return [
        r
        for r in emulator.requests
        if r["method"] == "PUT" and r["path"].split("?")[0] == "/" + key and r["host"].startswith(bucket + ".")
    ]


def test_5xx_is_retried_resigned_and_marked(client, bucket, cos_emulator):
    cos_emulator.inject_fault(status=503, code="ServiceUnavailable", count=2, key="retry-me")
    before = client.get_retry_exe_times()
    response = client.put_object(bucket, b"payload", "retry-me")
    assert response["ETag"]
    attempts = _puts(cos_emulator, "retry-me", bucket)
    assert len(attempts) == 3
    assert [a["headers"].get("x-cos-sdk-retry") for a in attempts] == [None, "true", "true"]
    assert all("x-cos-sdk-retry" in a["headers"]["Authorization"] for a in attempts[1:])
    assert client.get_retry_exe_times() - before == 2


def test_retries_exhausted_raise_the_service_error(client, bucket, cos_emulator):
    cos_emulator.inject_fault(status=500, code="InternalError", count=10, key="always-500")
    with pytest.raises(CosServiceError) as info:
        client.put_object(bucket, b"x", "always-500")
    assert info.value.get_error_code() == "InternalError"
    assert len(_puts(cos_emulator, "always-500", bucket)) == 4
    cos_emulator.clear_faults()


def test_4xx_is_never_retried(client, bucket, cos_emulator):
    cos_emulator.inject_fault(status=409, code="PathConflict", count=1, key="conflict")
    with pytest.raises(CosServiceError) as info:
        client.put_object(bucket, b"x", "conflict")
    assert info.value.get_status_code() == 409
    assert len(_puts(cos_emulator, "conflict", bucket)) == 1


def test_unreplayable_body_is_sent_once(client, bucket, cos_emulator):
    cos_emulator.inject_fault(status=503, count=1, key="gen")
    with pytest.raises(CosServiceError) as info:
        client.put_object(bucket, iter([b"a", b"b"]), "gen")
    assert info.value.get_status_code() == 503
    assert len(_puts(cos_emulator, "gen", bucket)) == 1


def test_connection_reset_mid_body_replays_the_file_from_its_offset(client, bucket, cos_emulator, tmp_path):
    data = os.urandom(512 * 1024)
    path = tmp_path / "f"
    path.write_bytes(b"HEADER" + data)
    cos_emulator.inject_fault(reset_connection=True, after_bytes=100 * 1024, count=1, key="reset")
    with open(path, "rb") as fp:
        fp.seek(6)
        client.put_object(bucket, fp, "reset")
    body = client.get_object(bucket, "reset")["Body"].get_raw_stream().read()
    assert body == data
    assert client.get_retry_exe_times() >= 1


def test_retry_zero_means_one_attempt(cos_emulator, bucket):
    c = CosS3Client(CosConfig(**cos_emulator.config_kwargs()), retry=0)
    cos_emulator.inject_fault(status=503, count=1, key="once")
    with pytest.raises(CosServiceError):
        c.put_object(bucket, b"x", "once")
    assert len(_puts(cos_emulator, "once", bucket)) == 1


def test_backoff_is_exponential_with_full_jitter(client):
    transport = client._transport
    transport.backoff_base, transport.backoff_cap = 1.0, 20.0
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 20.0)]:
        delays = [transport.backoff(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter spreads over the whole window


def test_connection_refused_is_a_client_error(bucket):
    conf = CosConfig(
        Region="ap-beijing", SecretId="SecretId", SecretKey="SecretKey", IP="127.0.0.1", Port=1, Scheme="http"
    )
    c = CosS3Client(conf, retry=1)
    c._transport.backoff_base = 0.01
    with pytest.raises(CosClientError):
        c.put_object(bucket, b"x", "k")
    assert c.get_retry_exe_times() == 1


def test_ip_port_route_keeps_bucket_host(client, bucket, cos_emulator):
    client.put_object(bucket, b"x", "host-check")
    request = _puts(cos_emulator, "host-check", bucket)[-1]
    assert request["headers"]["Host"] == "%s.cos.ap-beijing.myqcloud.com" % bucket


def test_proxies_route_sends_absolute_form(cos_emulator, bucket):
    conf = CosConfig(
        Region="ap-guangzhou",
        SecretId="SecretId",
        SecretKey="SecretKey",
        Scheme="http",
        Proxies={"http": cos_emulator.endpoint},
    )
    c = CosS3Client(conf)
    c.put_object(bucket, b"via proxy", "proxied.txt")
    request = _puts(cos_emulator, "proxied.txt", bucket)[-1]
    assert request["host"].startswith("%s.cos.ap-guangzhou.myqcloud.com" % bucket)
    assert c.get_object(bucket, "proxied.txt")["Body"].get_raw_stream().read() == b"via proxy"


def test_endpoint_environment_variable(cos_emulator, bucket, monkeypatch):
    monkeypatch.setenv("QCLOUD_COS_ENDPOINT_URL", cos_emulator.endpoint)
    conf = CosConfig(Region="ap-beijing", SecretId="SecretId", SecretKey="SecretKey", Scheme="https")
    c = CosS3Client(conf)
    c.put_object(bucket, b"env", "env.txt")
    assert c.head_object(bucket, "env.txt")["Content-Length"] == "3"


def test_no_secret_reaches_the_logs(cos_emulator, bucket, caplog):
    secret_key = "Sup3rSecretKeyValue9f27"
    token = "TokenValueThatMustNotLeak31c"
    cos_emulator.add_credentials("AKIDLOGTEST", secret_key, token=token)
    conf = CosConfig(**cos_emulator.config_kwargs(SecretId="AKIDLOGTEST", SecretKey=secret_key, Token=token))
    c = CosS3Client(conf, retry=1)
    c._transport.backoff_base = 0.01
    cos_emulator.inject_fault(status=503, count=1, key="logged")
    with caplog.at_level(logging.DEBUG, logger="qcloud_cos"):
        c.put_object(
            bucket,
            b"x",
            "logged",
            SSECustomerAlgorithm="AES256",
            SSECustomerKey="Q3VzdG9tZXJLZXlTZWNyZXRWYWx1ZTAxMjM0NTY3ODk=",
            SSECustomerKeyMD5="bWQ1",
        )
        c.head_object(bucket, "logged")
        with pytest.raises(CosServiceError):
            c.head_object(bucket, "missing")
    text = caplog.text
    assert "send request" in text  # DEBUG wire logging did run
    assert secret_key not in text
    assert token not in text
    assert "Q3VzdG9tZXJLZXlTZWNyZXRWYWx1ZTAxMjM0NTY3ODk=" not in text
    assert "q-signature=" not in text


def test_connections_send_bodies_in_large_blocks_on_any_urllib3(client, bucket):
    """The 1 MiB send block is given to the connections, not as a pool keyword that urllib3 1.x's
    PoolKey rejects ("unexpected keyword argument 'key_blocksize'": every request failed)."""
    from qcloud_cos import _http

    client.put_object(bucket, b"x", "blocks")
    adapter = client._transport.session.get_adapter("http://")
    assert "blocksize" not in adapter.poolmanager.connection_pool_kw
    pool = adapter.poolmanager.connection_from_url(client._conf.uri(bucket=bucket, path="blocks"))
    conn = pool._get_conn()
    try:
        assert conn.blocksize == _http.SEND_BLOCK
    finally:
        pool._put_conn(conn)


def test_proxied_connections_send_in_large_blocks_too(cos_emulator, bucket):
    from qcloud_cos import _http

    conf = CosConfig(
        Region="ap-guangzhou",
        SecretId="SecretId",
        SecretKey="SecretKey",
        Scheme="http",
        Proxies={"http": cos_emulator.endpoint},
    )
    c = CosS3Client(conf)
    c.put_object(bucket, b"via proxy", "proxied-blocks.txt")
    adapter = c._transport.session.get_adapter("http://")
    manager = adapter.proxy_manager[cos_emulator.endpoint]
    assert manager.pool_classes_by_scheme["http"] is _http.HTTPConnectionPool
