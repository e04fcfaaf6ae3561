"""Host-based routing, absolute-form targets, unknown buckets, unimplemented APIs."""

import http.client
import time

import pytest

from ._cos_http import CosHttp, raw_exchange, sign


@pytest.mark.parametrize(
    "host",
    [
        "{b}.cos.ap-beijing.myqcloud.com",
        "{b}.cos.ap-guangzhou.myqcloud.com",
        "{b}.cos.ap-beijing.myqcloud.com:{port}",
        "{b}.cos-internal.ap-shanghai.tencentcos.cn",
        "{b}.cos.ap-beijing.tencentcos.cn",
        "{b}.ap-beijing.myqcloud.com",
        "{b}.COS.AP-BEIJING.MYQCLOUD.COM",  # an upper-case bucket label is InvalidBucketName (test_fidelity)
    ],
)
def test_host_shapes(cos, host):
    host = host.format(b=cos.bucket, B=cos.bucket.upper(), port=cos.port)
    assert cos.request("PUT", "h.txt", b"hi", host=host).status == 200
    assert cos.request("GET", "h.txt", host=host).body == b"hi"


def test_signature_over_host_without_port(cos):
    # the Python SDK signs urlparse(url).hostname (no port) while the wire Host carries it
    now = int(time.time())
    signed_host = cos.host
    auth = sign(
        method="PUT",
        path="/p.txt",
        params={},
        headers={"Host": signed_host, "Content-Length": "2"},
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 60,
    )
    r = cos.request("PUT", "p.txt", b"hi", {"Authorization": auth}, host=f"{signed_host}:{cos.port}")
    assert r.status == 200, r


def test_absolute_form_target(cos):
    target = f"http://{cos.host}/abs/a%20b.txt"
    now = int(time.time())
    headers = {"Host": cos.host, "Content-Length": "3"}
    auth = sign(
        method="PUT",
        path="/abs/a b.txt",
        params={},
        headers=headers,
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 60,
    )
    conn = http.client.HTTPConnection("127.0.0.1", cos.port, timeout=10)
    conn.putrequest("PUT", target, skip_host=True, skip_accept_encoding=True)
    for k, v in {**headers, "Authorization": auth}.items():
        conn.putheader(k, v)
    conn.endheaders(b"abc")
    r = conn.getresponse()
    assert r.status == 200, r.read()
    r.read()
    conn.close()
    assert cos.request("GET", "abs/a b.txt").body == b"abc"


def test_absolute_form_host_wins_over_host_header(cos):
    now = int(time.time())
    auth = sign(
        method="GET",
        path="/abs2",
        params={},
        headers={"Host": cos.host},
        secret_id="SecretId",
        secret_key="SecretKey",
        start=now - 60,
        end=now + 60,
    )
    cos.request("PUT", "abs2", b"z")
    raw = (
        f"GET http://{cos.host}/abs2 HTTP/1.1\r\nHost: {cos.host}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
    )
    out = raw_exchange(cos.port, raw.encode())
    assert out.startswith(b"HTTP/1.1 200 ") and out.endswith(b"\r\n\r\nz")


def test_unknown_bucket(cos_emulator):
    c = CosHttp(cos_emulator.port, "nosuchbucket-1250000000")
    r = c.request("GET", "k")
    assert r.status == 404 and r.error_code() == "NoSuchBucket"
    assert c.request("HEAD", "").status == 404
    c.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "cos.ap-beijing.myqcloud.com", "example.com", ""])
def test_host_without_bucket(cos, host):
    r = cos.request("GET", "k", headers={"Host": host})
    assert r.status == 400 and r.error_code() == "InvalidURI"


@pytest.mark.parametrize(
    "method,key,params,op",
    [
        ("GET", "k", {"tagging": ""}, "GetObjectTagging"),  # (?acl is served since issue 8: test_acl.py)
        ("PUT", "k", {"tagging": ""}, "PutObjectTagging"),
        ("GET", "", {"list-type": "2"}, "ListObjectsV2"),
        ("DELETE", "", {"uploadId": "U"}, "DeleteBucketUploadid"),
        ("POST", "k", {}, "PostObject"),
        ("GET", "k", {"versionId": "v1"}, "GetObject"),
    ],
)
def test_not_implemented(cos, cos_emulator, method, key, params, op):
    body = b"" if method in ("PUT", "POST") else None
    r = cos.request(method, key, body, params=params)
    assert r.status == 501 and r.error_code() == "NotImplemented", r
    assert cos_emulator.requests[-1]["op"] == op


def test_copy_is_routed_to_put_object_copy(cos, cos_emulator):
    r = cos.request("PUT", "dst", b"", {"x-cos-copy-source": f"{cos.host}/no-such-source"})
    assert r.status == 404 and r.error_code() == "NoSuchKey"
    assert cos_emulator.requests[-1]["op"] == "PutObjectCopy"
