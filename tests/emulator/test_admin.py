"""The /-/ admin endpoint: faults and reset from another client, never reachable as a bucket/key."""

import http.client
import json

from qcloud_cos.emulator import CosEmulator
from qcloud_cos.emulator._admin import is_admin_request, is_loopback

from ._cos_http import CosHttp


def admin(port, method, path, body=None, host=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Host": host} if host else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, r.getheader("Content-Type"), data
    finally:
        conn.close()


def test_faults_listed_added_cleared_over_http(cos_emulator):
    port = cos_emulator.port
    status, ctype, body = admin(port, "GET", "/-/faults")
    assert (status, ctype, json.loads(body)) == (200, "application/json", [])
    status, _, body = admin(
        port,
        "POST",
        "/-/faults",
        b"op=GetObject,status=503,code=SlowDown,key=a%2Cb,count=2\n# comment\nkind=latency,ms=1,op=HeadObject\n",
    )
    assert status == 201
    assert [f["spec"] for f in json.loads(body)] == [
        "kind=error,op=GetObject,key=a%2Cb,status=503,code=SlowDown,count=2",
        "kind=latency,op=HeadObject,ms=1,count=1",
    ]
    assert [f.key for f in cos_emulator.faults] == ["a,b", None]
    c = CosHttp(port, cos_emulator.create_bucket("admin-1250000000"))
    try:
        r = c.request("GET", "a,b")
        assert r.status == 503 and r.error_code() == "SlowDown"  # the planned fault fires on COS requests
        listing = json.loads(admin(port, "GET", "/-/faults")[2])
        assert listing[0]["fired"] == 1 and listing[0]["spec"].endswith("count=1")
    finally:
        c.close()
    status, _, body = admin(port, "DELETE", "/-/faults")
    assert (status, json.loads(body)) == (200, []) and cos_emulator.faults == []


def test_bad_spec_is_400_naming_the_field_and_adds_nothing(cos_emulator):
    status, _, body = admin(cos_emulator.port, "POST", "/-/faults", b"op=GetObject\nop=PutObject,prob=0.5\n")
    assert status == 400
    assert "unknown field 'prob'" in json.loads(body)["error"]
    assert cos_emulator.faults == []  # all or nothing
    assert admin(cos_emulator.port, "POST", "/-/faults", b"")[0] == 400
    assert admin(cos_emulator.port, "PUT", "/-/faults", b"x")[0] == 405
    assert admin(cos_emulator.port, "GET", "/-/nothing")[0] == 404
    assert b"POST /-/reset" in admin(cos_emulator.port, "GET", "/-/")[2]


def test_reset_over_http(tmp_path):
    with CosEmulator(data_dir=str(tmp_path), seed=3) as emu:
        c = CosHttp(emu.port, "examplebucket-1250000000")
        assert c.request("PUT", "k", b"x").status == 200
        emu.create_bucket("other-1250000000")
        emu.add_fault("op=HeadObject")
        status, _, body = admin(emu.port, "POST", "/-/reset")
        assert (status, json.loads(body)) == (200, {"reset": True})
        assert emu.faults == [] and emu.store.bucket_names() == ["examplebucket-1250000000"]
        assert c.request("GET", "k").error_code() == "NoSuchKey"
        assert admin(emu.port, "POST", "/-/reset?seed=11")[0] == 200 and emu.seed == 11
        assert admin(emu.port, "POST", "/-/reset?seed=x")[0] == 400
        assert admin(emu.port, "GET", "/-/reset")[0] == 405
        c.close()


def test_a_key_named_like_the_endpoint_is_an_object(cos, cos_emulator):
    # the bucket's Host makes /-/faults an object key, never an admin call
    assert cos.request("PUT", "-/faults", b"just data").status == 200
    g = cos.request("GET", "-/faults")
    assert g.status == 200 and g.body == b"just data"
    assert cos.request("POST", "-/reset", b"", params={"append": "", "position": "0"}).status in (200, 409)
    assert cos_emulator.store.get_object(cos.bucket, "-/faults") is not None
    for host in (
        "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
        "x-1250000000.cos.ap-guangzhou.tencentcos.cn:80",
    ):
        assert not is_admin_request(host, "/-/faults")
    assert is_admin_request("127.0.0.1:9000", "/-/faults") and is_admin_request("-", "/-/reset")
    assert is_admin_request("[::1]:9000", "/-/faults") and not is_admin_request("127.0.0.1", "/x/-/faults")


def test_only_on_loopback_unless_enabled():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.8.9.1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3") and not is_loopback("example.com")
    assert CosEmulator(host="0.0.0.0").admin is False
    assert CosEmulator(host="0.0.0.0", admin=True).admin is True
    assert CosEmulator().admin is True
    with CosEmulator(admin=False) as emu:
        status, ctype, body = admin(emu.port, "GET", "/-/faults")
        # an ordinary COS request: an IP Host addresses the emulator's only bucket, anonymously
        assert status == 403 and b"<Code>AccessDenied</Code>" in body
        emu.add_fault("op=GetObject")
        assert admin(emu.port, "POST", "/-/reset")[0] == 501 and len(emu.faults) == 1  # POST Object: not served


def test_access_log_target_masks_secret_query_values():
    from qcloud_cos.emulator._logline import log_target

    assert log_target("/k", "") == "/k"
    assert log_target("/k", "uploadId=u1&partNumber=2") == "/k?uploadId=u1&partNumber=2"
    masked = log_target(
        "/k",
        "q-sign-algorithm=sha1&q-ak=AKID&q-signature=abc123&x-cos-security-token=TOK&sign=q-sign%3Dxyz&Q-Signature=UP&prefix=a",
    )
    assert (
        masked
        == "/k?q-sign-algorithm=sha1&q-ak=AKID&q-signature=***&x-cos-security-token=***&sign=***&Q-Signature=***&prefix=a"
    )
    assert log_target("/k", "x%2Dcos%2Dsecurity%2Dtoken=TOK") == "/k?x%2Dcos%2Dsecurity%2Dtoken=***"
