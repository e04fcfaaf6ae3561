"""Fault injection, the request log, reset()."""

import http.client
import os
import socket

import pytest

from ._cos_http import CosHttp
from ._fake_time import FakeTime


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
    assert entry["status"] is None, [(e["method"], e["status"], e.get("key")) for e in cos_emulator.requests[-6:]]


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
    cos.request(
        "PUT",
        "log me.txt",
        b"x",
        {"X-Custom-Header": "Value", "x-cos-meta-A": "1"},
        params={"x-cos-traffic-limit": "838860800"},
    )
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
    assert kw == {
        "Region": "ap-beijing",
        "SecretId": "SecretId",
        "SecretKey": "SecretKey",
        "IP": "127.0.0.1",
        "Port": cos_emulator.port,
        "Scheme": "https",
        "Token": "t",
    }


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


# -- issue 8: probabilities with a seed, the text form, response-stream kinds ---------------

from qcloud_cos.emulator._faults import Fault, FaultPlan, FaultSpecError, format_spec, parse_spec  # noqa: E402


def _draws(plan, n):
    return [plan.take(method="GET", bucket="b-1", key="k", op="GetObject") is not None for _ in range(n)]


def test_probability_is_reproducible_with_a_seed():
    runs = []
    for _ in range(2):
        plan = FaultPlan(seed=42)
        plan.add(Fault(op="GetObject", p=0.3, count=None))
        runs.append(_draws(plan, 200))
    assert runs[0] == runs[1]  # same seed, same requests: same faults
    assert 20 < sum(runs[0]) < 120  # it is a probability, not always / never
    other = FaultPlan(seed=43)
    other.add(Fault(op="GetObject", p=0.3, count=None))
    assert _draws(other, 200) != runs[0]
    plan = FaultPlan(seed=42)
    plan.add(Fault(op="GetObject", p=0.3, count=None))
    first = _draws(plan, 50)
    plan.clear()
    plan.reseed()
    plan.add(Fault(op="GetObject", p=0.3, count=None))  # reseed restarts the sequence
    assert plan.pending and _draws(plan, 50)[:10] == first[:10]


def test_probability_with_count_and_non_matching_requests_draw_nothing():
    plan = FaultPlan(seed=1)
    fault = plan.add(Fault(op="UploadPart", p=0.5, count=3))
    seen = 0
    for _ in range(500):
        # a request that does not match never consumes a draw
        assert plan.take(method="GET", bucket=None, key=None, op="GetObject") is None
        if plan.take(method="PUT", bucket=None, key=None, op="UploadPart") is not None:
            seen += 1
    assert seen == 3 and fault.fired == 3 and plan.pending == []
    # count-based faults are unchanged: fire on the next N, no randomness
    plan.add(Fault(op="PutObject", count=2))
    assert [plan.take(method="PUT", bucket=None, key=None, op="PutObject") is not None for _ in range(3)] == [
        True,
        True,
        False,
    ]


def test_spec_parses_every_kind_and_round_trips():
    f = parse_spec("op=UploadPart,status=503,code=ServiceUnavailable,p=0.05,count=3,key=a%2Cb")
    assert (f.op, f.status, f.code, f.p, f.count, f.key, f.kind) == (
        "UploadPart",
        503,
        "ServiceUnavailable",
        0.05,
        3,
        "a,b",
        "error",
    )
    assert parse_spec("op=GetObject,p=0.5").count is None  # p without count: no limit
    assert parse_spec("op=GetObject").count == 1
    assert parse_spec("kind=reset,after=65536").after_bytes == 65536 and parse_spec("kind=reset").reset_connection
    assert parse_spec("kind=crc").corrupt_crc and parse_spec("kind=lose").lose_response
    assert parse_spec("kind=latency,ms=250").latency_ms == 250.0
    assert parse_spec("kind=truncate").truncate_after == -1 and parse_spec("kind=truncate,at=10").truncate_after == 10
    assert parse_spec("kind=flip,at=3").flip_at == 3
    assert parse_spec("kind=drip,bps=100").drip_bps == 100
    e200 = parse_spec("kind=error200,op=CompleteMultipartUpload")
    assert (e200.status, e200.code) == (200, "InternalError")
    assert parse_spec(" method = put , message=hello%20world ").message == "hello world"
    for spec in (
        "op=UploadPart,status=503,p=0.05,count=3,key=a%2Cb",
        "kind=error200,op=PutObjectCopy,code=SlowDown",
        "kind=reset,after=10,bucket=b-1250000000",
        "kind=latency,ms=1.5,p=0.25",
        "kind=truncate,at=7,method=GET",
        "kind=flip",
        "kind=drip,bps=9,count=2",
        "kind=crc,op=GetObject",
        "kind=lose",
    ):
        fault = parse_spec(spec)
        assert parse_spec(format_spec(fault)) == fault, spec


@pytest.mark.parametrize(
    "spec, words",
    [
        ("", "empty"),
        ("op", "not name=value"),
        ("statu=503", "unknown field 'statu'"),
        ("op=A,op=B", "op given twice"),
        ("kind=boom", "unknown kind 'boom'"),
        ("status=abc", "status='abc' is not an integer"),
        ("status=700", "status must be 100..599"),
        ("p=0", "p must be > 0"),
        ("p=1.5", "p must be > 0"),
        ("p=often", "is not a number"),
        ("count=0", "count must be >= 1"),
        ("kind=latency", "needs ms="),
        ("kind=latency,ms=-1", "ms must be >= 0"),
        ("kind=drip", "needs bps="),
        ("kind=reset,status=503", "status does not apply to kind=reset"),
        ("kind=flip,ms=3", "ms does not apply to kind=flip"),
        ("key=", "key is empty"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec, words):
    with pytest.raises(FaultSpecError) as ei:
        parse_spec(spec)
    assert words in str(ei.value)
    assert isinstance(ei.value, ValueError)


def test_python_api_takes_specs_and_probabilities():
    from qcloud_cos.emulator import CosEmulator

    emu = CosEmulator(seed=5, faults=["op=GetObject,status=500,code=InternalError"])
    assert [f.code for f in emu.faults] == ["InternalError"]
    f = emu.add_fault("op=HeadObject,p=0.5")
    assert f.count is None and f in emu.faults
    emu.remove_fault(f)
    assert f not in emu.faults
    assert emu.inject_fault(p=0.2).count is None and emu.inject_fault().count == 1
    with pytest.raises(ValueError):
        emu.inject_fault(p=2)
    with pytest.raises(ValueError):
        emu.inject_fault(latency_ms=5, drip_bps=10)  # one kind per fault
    with pytest.raises(FaultSpecError):
        emu.add_fault("op=GetObject,nope=1")


def _pattern(emu, n):
    c = CosHttp(emu.port, "examplebucket-1250000000")
    try:
        return [c.request("GET", "missing").status for _ in range(n)]
    finally:
        c.close()


def test_seeded_probabilistic_faults_over_http_and_reset_restarts_them():
    from qcloud_cos.emulator import CosEmulator

    with CosEmulator(seed=7, faults=["op=GetObject,status=503,p=0.5"]) as emu:
        first = _pattern(emu, 40)
    with CosEmulator(seed=7, faults=["op=GetObject,status=503,p=0.5"]) as emu:
        assert _pattern(emu, 40) == first
        assert set(first) == {404, 503}
        emu.reset()  # clears faults and restarts the random sequence
        emu.add_fault("op=GetObject,status=503,p=0.5")
        assert _pattern(emu, 40) == first


def test_truncated_body_closes_cleanly_mid_stream(cos, cos_emulator):
    data = os.urandom(100_000)
    cos.request("PUT", "t.bin", data)
    cos_emulator.add_fault("kind=truncate,at=4096,op=GetObject,key=t.bin")
    assert cos.request("HEAD", "t.bin").status == 200  # no body: not used up
    assert cos.request("GET", "missing").status == 404  # key does not match
    with pytest.raises(http.client.IncompleteRead) as ei:
        cos.request("GET", "t.bin")
    assert ei.value.partial == data[:4096]  # the right bytes, then a clean end (no reset)
    cos.close()
    assert cos.request("GET", "t.bin").body == data  # used up
    cos_emulator.add_fault("kind=truncate,op=GetObject,key=t.bin")  # default: half
    with pytest.raises(http.client.IncompleteRead) as ei:
        cos.request("GET", "t.bin", headers={"Range": "bytes=0-999"})
    assert ei.value.partial == data[:500]
    cos.close()


def test_flipped_byte_in_returned_body(cos, cos_emulator):
    data = bytes(range(256)) * 40
    cos.request("PUT", "f.bin", data)
    cos_emulator.add_fault("kind=flip,at=1000,op=GetObject")
    g = cos.request("GET", "f.bin")
    assert g.status == 200 and len(g.body) == len(data)
    diff = [i for i in range(len(data)) if g.body[i] != data[i]]
    assert diff == [1000] and g.body[1000] == data[1000] ^ 0xFF
    assert cos_emulator.requests[-1]["injected"] == ["flip"]  # the request log says which
    assert g.headers["x-cos-hash-crc64ecma"]  # the headers still describe the real object
    clean = cos.request("GET", "").body
    cos_emulator.add_fault("kind=flip,op=GetBucket")  # any body (a listing); default: the middle byte
    flipped = cos.request("GET", "").body
    assert len(flipped) == len(clean)
    assert [i for i in range(len(clean)) if flipped[i] != clean[i]] == [len(clean) // 2]
    assert cos.request("GET", "f.bin").body == data
    assert cos_emulator.faults == []


def test_error_inside_a_200_for_complete(cos, cos_emulator):
    from ._mp import complete, etag_of, initiate, list_parts, upload_part

    upload_id = initiate(cos, "e200")
    upload_part(cos, "e200", upload_id, 1, b"z" * 10)
    cos_emulator.add_fault("kind=error200,op=CompleteMultipartUpload")
    r = complete(cos, "e200", upload_id, [(1, etag_of(b"z" * 10))])
    assert r.status == 200 and b"<Error>" in r.body and r.error_code() == "InternalError"
    assert list_parts(cos, "e200", upload_id).status == 200  # not completed
    assert cos.request("HEAD", "e200").status == 404
    assert complete(cos, "e200", upload_id, [(1, etag_of(b"z" * 10))]).status == 200
    cos_emulator.add_fault("kind=error200,op=PutObjectCopy,code=SlowDown")
    r = cos.request("PUT", "copy", headers={"x-cos-copy-source": f"{cos.host}/e200"})
    assert r.status == 200 and r.error_code() == "SlowDown" and cos.request("HEAD", "copy").status == 404


def test_latency_and_drip_faults_sleep_through_the_injected_sleeper():
    from qcloud_cos.emulator import CosEmulator, NetworkProfile

    fake = FakeTime()
    with CosEmulator(network=NetworkProfile(monotonic=fake.monotonic, sleep=fake.sleep)) as emu:
        c = CosHttp(emu.port, "examplebucket-1250000000")
        data = os.urandom(5000)
        c.request("PUT", "d.bin", data)
        assert fake.sleeps == []  # a profile without latency or bandwidth does not shape
        emu.add_fault("kind=latency,ms=250,op=HeadObject")
        assert c.request("HEAD", "d.bin").status == 200
        assert fake.sleeps == [0.25]
        fake.sleeps.clear()
        emu.add_fault("kind=drip,bps=1000,op=GetObject")
        assert c.request("GET", "d.bin").body == data
        assert sum(fake.sleeps) == pytest.approx((5000 - 1) / 1000)  # 1000 bytes per second
        fake.sleeps.clear()
        assert c.request("GET", "d.bin").body == data and fake.sleeps == []  # used up
        c.close()
