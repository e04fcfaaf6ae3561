"""Fault injection, the request log, reset()."""

import http.client
import os
import socket

import pytest

from ._cos_http import CosHttp


def test_error_faults_match_and_count(cos, cos_emulator):
    cos_emulator.inject_fault(status=503, code="ServiceUnavailable", count=2, op="PutObject", key="f.txt")
    for _ in range(2):
        r = cos.request("PUT", "f.txt", b"data")
        assert r.status == 503 and r.error_code() == "ServiceUnavailable"
        for element in (b"<Message>", b"<Resource>", b"<RequestId>", b"<TraceId>"):
            assert element in r.body
        assert r.headers["x-cos-request-id"] and r.headers["x-cos-trace-id"]
    assert cos.request("PUT", "other.txt", b"x").status == 200  # key does not match
    assert cos.request("PUT", "f.txt", b"data").status == 200  # used up
    assert cos_emulator.store.get_object(cos.bucket, "f.txt") is not None

    cos_emulator.inject_fault(status=500, code="InternalError", method="GET", message="boom")
    assert cos.request("HEAD", "f.txt").status == 200  # method does not match
    r = cos.request("GET", "f.txt")
    assert r.status == 500 and b"<Message>boom</Message>" in r.body
    assert cos.request("GET", "f.txt").status == 200


def test_fault_on_put_keeps_connection_usable(cos, cos_emulator):
    conn = cos.connection()
    cos_emulator.inject_fault(op="PutObject")
    assert cos.request("PUT", "k", os.urandom(200_000)).status == 503
    assert cos.request("PUT", "k", b"ok").status == 200
    assert cos.conn is conn


def test_fault_happens_before_auth(cos, cos_emulator):
    cos_emulator.inject_fault(status=503, op="GetObject")
    assert cos.request("GET", "anything", sign_request=False).status == 503


def test_reset_connection_mid_upload(cos, cos_emulator):
    assert cos.request("PUT", "r.bin", b"old").status == 200
    cos_emulator.inject_fault(reset_connection=True, after_bytes=64 * 1024, key="r.bin")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, socket.error)):
        cos.request("PUT", "r.bin", os.urandom(1024 * 1024))
    cos.close()
    assert cos.request("GET", "r.bin").body == b"old"
    assert os.listdir(cos_emulator.store.tmp_dir) == []
    entry = [e for e in cos_emulator.requests if e.get("key") == "r.bin" and e["method"] == "PUT"][-1]
    assert entry["status"] is None, [ (e["method"], e["status"], e.get("key")) for e in cos_emulator.requests[-6:]]


def test_reset_connection_mid_download(cos, cos_emulator):
    data = os.urandom(100_000)
    cos.request("PUT", "d.bin", data)
    cos_emulator.inject_fault(reset_connection=True, after_bytes=1000, op="GetObject")
    with pytest.raises((http.client.IncompleteRead, ConnectionError)) as ei:
        cos.request("GET", "d.bin")
    if isinstance(ei.value, http.client.IncompleteRead):
        assert len(ei.value.partial) == 1000
    cos.close()
    assert cos.request("GET", "d.bin").body == data


def test_reset_connection_without_body(cos, cos_emulator):
    cos_emulator.inject_fault(reset_connection=True, op="HeadObject")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        cos.request("HEAD", "x")
    cos.close()
    assert cos.request("HEAD", "x").status == 404


def test_request_log(cos, cos_emulator):
    cos.request("PUT", "log me.txt", b"x", {"X-Custom-Header": "Value", "x-cos-meta-A": "1"}, params={"x-cos-traffic-limit": "838860800"})
    entry = cos_emulator.requests[-1]
    assert entry["method"] == "PUT"
    assert entry["path"] == "/log%20me.txt?x-cos-traffic-limit=838860800"
    assert entry["headers"]["X-Custom-Header"] == "Value"  # original case
    assert entry["headers"]["x-cos-meta-A"] == "1"
    assert entry["host"] == cos.host
    assert entry["status"] == 200
    assert entry["op"] == "PutObject" and entry["key"] == "log me.txt" and entry["bucket"] == cos.bucket
    assert "Authorization" in entry["headers"]


def test_reset_wipes_state(tmp_path):
    from qcloud_cos.emulator import CosEmulator

    with CosEmulator(data_dir=str(tmp_path)) as emu:
        c = CosHttp(emu.port, "examplebucket-1250000000")
        emu.create_bucket("extra-1250000000")
        c.request("PUT", "k", b"x")
        emu.inject_fault(op="GetObject")
        emu.reset()
        assert emu.requests == []
        assert emu.store.bucket_names() == ["examplebucket-1250000000"]
        r = c.request("GET", "k")
        assert r.status == 404 and r.error_code() == "NoSuchKey"  # no fault left, no object
        c.close()


def test_plugin_bucket_fixture(cos_emulator, cos_emulator_bucket):
    import re

    assert re.fullmatch(r"test-[0-9a-f]{12}-1250000000", cos_emulator_bucket)
    assert cos_emulator.store.get_bucket(cos_emulator_bucket) is not None
    assert cos_emulator.endpoint == f"http://127.0.0.1:{cos_emulator.port}"
    kw = cos_emulator.config_kwargs(Scheme="https", Token="t")
    assert kw == {"Region": "ap-beijing", "SecretId": "SecretId", "SecretKey": "SecretKey", "IP": "127.0.0.1", "Port": cos_emulator.port, "Scheme": "https", "Token": "t"}


def test_concurrent_writers_and_readers(cos_emulator, cos_emulator_bucket):
    import threading

    errors = []
    bodies = {i: os.urandom(50_000) for i in range(4)}

    def worker(i):
        c = CosHttp(cos_emulator.port, cos_emulator_bucket)
        try:
            for _ in range(10):
                if c.request("PUT", "hot", bodies[i]).status != 200:
                    errors.append("put")
                g = c.request("GET", "hot")
                if g.status != 200 or g.body not in bodies.values():
                    errors.append(("get", g.status))
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    blob_files = sum(len(files) for _, _, files in os.walk(cos_emulator.store.blob_dir))
    assert blob_files >= 1


def test_faults_target_multipart_and_append_ops(cos, cos_emulator):
    from ._mp import complete, etag_of, initiate, upload_part

    upload_id = initiate(cos, "mf")
    cos_emulator.inject_fault(op="UploadPart", count=2)
    assert upload_part(cos, "mf", upload_id, 1, b"x" * 1000).status == 503
    assert upload_part(cos, "mf", upload_id, 1, b"x" * 1000).status == 503
    assert upload_part(cos, "mf", upload_id, 1, b"x" * 1000).status == 200
    cos_emulator.inject_fault(status=500, code="InternalError", op="CompleteMultipartUpload")
    assert complete(cos, "mf", upload_id, [(1, etag_of(b"x" * 1000))]).status == 500
    assert complete(cos, "mf", upload_id, [(1, etag_of(b"x" * 1000))]).status == 200  # the fault did not complete it
    cos_emulator.inject_fault(op="AppendObject")
    r = cos.request("POST", "ap", b"a", params={"append": "", "position": "0"})
    assert r.status == 503 and cos.request("HEAD", "ap").status == 404
    cos_emulator.inject_fault(reset_connection=True, op="UploadPart", after_bytes=1000)
    upload_id = initiate(cos, "mf2")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, socket.error)):
        upload_part(cos, "mf2", upload_id, 1, os.urandom(200_000))
    cos.close()
    assert upload_part(cos, "mf2", upload_id, 1, b"ok").status == 200
    entries = [e for e in cos_emulator.requests if e.get("bucket") == cos.bucket and (e["status"] or 0) >= 500]
    assert [e["op"] for e in entries] == ["UploadPart", "UploadPart", "CompleteMultipartUpload", "AppendObject"]


def test_corrupt_crc(cos, cos_emulator):
    from qcloud_cos.emulator import _crc64

    from ._mp import complete, initiate, upload_part

    data = os.urandom(5000)
    right = str(_crc64.calc(data))
    cos_emulator.inject_fault(corrupt_crc=True, op="GetObject", key="c.bin")
    assert cos.request("GET", "c.bin").status == 404  # a failure does not use the fault up
    assert cos.request("PUT", "c.bin", data).headers["x-cos-hash-crc64ecma"] == right  # another op
    g = cos.request("GET", "c.bin")
    assert g.status == 200 and g.body == data  # the data is right ...
    assert g.headers["x-cos-hash-crc64ecma"] != right  # ... its CRC is not
    assert int(g.headers["x-cos-hash-crc64ecma"]) >= 0
    assert cos_emulator.requests[-1]["crc_corrupted"] is True
    assert cos.request("GET", "c.bin").headers["x-cos-hash-crc64ecma"] == right  # used up

    cos_emulator.inject_fault(corrupt_crc=True, key="c.bin")  # any op
    assert cos.request("DELETE", "nothing").status == 204  # key does not match
    assert cos.request("HEAD", "c.bin").headers["x-cos-hash-crc64ecma"] != right
    assert "crc_corrupted" not in cos_emulator.requests[-2]

    upload_id = initiate(cos, "mp.bin")
    cos_emulator.inject_fault(corrupt_crc=True, op="UploadPart")
    r = upload_part(cos, "mp.bin", upload_id, 1, data)
    assert r.status == 200 and r.headers["x-cos-hash-crc64ecma"] != right
    cos_emulator.inject_fault(corrupt_crc=True, op="CompleteMultipartUpload")
    r = complete(cos, "mp.bin", upload_id, [(1, r.headers["etag"])])
    assert r.status == 200 and r.headers["x-cos-hash-crc64ecma"] != right
    g = cos.request("GET", "mp.bin")
    assert g.body == data and g.headers["x-cos-hash-crc64ecma"] == right  # stored right all along
    cos_emulator.inject_fault(corrupt_crc=True, op="AppendObject")
    r = cos.request("POST", "ap.bin", data, params={"append": "", "position": "0"})
    assert r.headers["x-cos-hash-crc64ecma"] != right
    assert cos.request("HEAD", "ap.bin").headers["x-cos-hash-crc64ecma"] == right
    assert cos_emulator._faults.pending == []


def test_lose_response(cos, cos_emulator):
    from ._mp import complete, initiate, upload_part

    cos_emulator.inject_fault(lose_response=True, op="PutObject", key="lost.bin")
    assert cos.request("GET", "lost.bin").status == 404  # another op does not use it up
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        cos.request("PUT", "lost.bin", b"written anyway")
    cos.close()
    assert cos_emulator.requests[-1]["status"] is None
    assert cos.request("GET", "lost.bin").body == b"written anyway"  # the work was done
    assert cos.request("PUT", "lost.bin", b"again").status == 200  # used up

    upload_id = initiate(cos, "lost-mp.bin")
    part = upload_part(cos, "lost-mp.bin", upload_id, 1, b"p" * 10)
    cos_emulator.inject_fault(lose_response=True, op="CompleteMultipartUpload")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        complete(cos, "lost-mp.bin", upload_id, [(1, part.headers["etag"])])
    cos.close()
    assert cos.request("GET", "lost-mp.bin").body == b"p" * 10
    # a retry meets the completed state: the upload is gone
    assert complete(cos, "lost-mp.bin", upload_id, [(1, part.headers["etag"])]).status == 404

    cos_emulator.inject_fault(lose_response=True, key="never.bin")  # failures do not use it up
    assert cos.request("GET", "never.bin").status == 404
    assert len(cos_emulator._faults.pending) == 1
    cos_emulator.clear_faults()
