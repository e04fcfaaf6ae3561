"""``CosApp.handle`` driven directly: no socket, a real ``Store`` in a temporary directory.

Requests are signed by the test-side signer (``_cos_http.sign``), so the
emulator's verifier is still checked against an independent implementation.
"""

import hashlib
import io
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl

import pytest

from qcloud_cos.emulator._app import CosApp
from qcloud_cos.emulator._faults import Fault, FaultPlan
from qcloud_cos.emulator._store import Store
from qcloud_cos.emulator._wire import Request

from ._cos_http import sign

SECRET_ID, SECRET_KEY = "AKIDapp", "app-secret"
BUCKET = "examplebucket-1250000000"
HOST = f"{BUCKET}.cos.ap-guangzhou.myqcloud.com"
NOW = 1_700_000_000.0


class _Body:
    def __init__(self, data=b"", *, length=None):
        self._io = io.BytesIO(data)
        self.length = len(data) if length is None else length
        self.chunked = False

    def read(self, n):
        return self._io.read(n)


@pytest.fixture
def app(tmp_path):
    store = Store(str(tmp_path / "data"))
    store.create_bucket(BUCKET, region="ap-guangzhou", acl="private", now=NOW)
    faults = FaultPlan()
    application = CosApp(store=store, region="ap-guangzhou", clock=lambda: NOW, faults=faults, min_part_size=0)
    application.add_credentials(SECRET_ID, SECRET_KEY)
    yield application
    store.close()


def call(app, method, target, data=b"", headers=(), *, signed=True, host=HOST):
    path, _, query = target.partition("?")
    hdrs = {"Host": host, **dict(headers)}
    if data or method in ("PUT", "POST"):
        hdrs["Content-Length"] = str(len(data))
    if signed:
        params = dict(parse_qsl(query, keep_blank_values=True))
        hdrs["Authorization"] = sign(
            method=method,
            path=path,
            params=params,
            headers=hdrs,
            secret_id=SECRET_ID,
            secret_key=SECRET_KEY,
            start=int(NOW) - 60,
            end=int(NOW) + 3600,
        )
    req = Request(method, target, path, query, host, list(hdrs.items()), _Body(data))
    response = app.handle(req, "req-1")
    body = response.body
    if response.stream is not None:  # a segmented body reads one segment at a time
        chunks, left = [], response.length or 0
        while left > 0:
            chunks.append(response.stream.read(left))
            left -= len(chunks[-1])
        body = b"".join(chunks)
        response.close()
    return response, body


def _code(body):
    return ET.fromstring(body).findtext("Code")


def test_put_then_get_without_a_socket(app):
    response, _ = call(app, "PUT", "/a/b.txt", b"hello", [("Content-Type", "text/plain")])
    assert response.status == 200 and response.op == "PutObject" and response.bucket == BUCKET
    assert dict(response.headers)["ETag"] == f'"{hashlib.md5(b"hello").hexdigest()}"'
    response, body = call(app, "GET", "/a/b.txt")
    assert (response.status, body, dict(response.headers)["Content-Type"]) == (200, b"hello", "text/plain")


def test_multipart_round_trip_and_list_documents(app):
    response, body = call(app, "POST", "/big?uploads")
    upload_id = ET.fromstring(body).findtext("UploadId")
    etags = []
    for number, chunk in ((1, b"a" * 5), (2, b"b" * 3)):
        response, _ = call(app, "PUT", f"/big?partNumber={number}&uploadId={upload_id}", chunk)
        etags.append(dict(response.headers)["ETag"])
    response, body = call(app, "GET", f"/big?uploadId={upload_id}")
    assert [p.findtext("PartNumber") for p in ET.fromstring(body).iter("Part")] == ["1", "2"]
    xml = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in zip((1, 2), etags))
    response, body = call(
        app, "POST", f"/big?uploadId={upload_id}", f"<CompleteMultipartUpload>{xml}</CompleteMultipartUpload>".encode()
    )
    assert response.status == 200 and response.op == "CompleteMultipartUpload"
    assert ET.fromstring(body).findtext("ETag").endswith('-2"')
    response, body = call(app, "GET", "/big")
    assert body == b"a" * 5 + b"b" * 3
    response, body = call(app, "GET", "/?prefix=b")
    assert [k.text for k in ET.fromstring(body).iter("Key")] == ["big"]


def test_pipeline_errors_are_documents(app):
    response, body = call(app, "GET", "/k", host="cos.ap-beijing.myqcloud.com")
    assert (response.status, _code(body), response.op) == (400, "InvalidURI", "")
    response, body = call(app, "GET", "/k", signed=False)
    assert (response.status, _code(body)) == (403, "AccessDenied")
    response, body = call(app, "GET", "/k")
    assert (response.status, _code(body), response.key) == (404, "NoSuchKey", "k")
    response, body = call(app, "POST", "/?delete", b"<Delete/>")
    assert (response.status, _code(body), response.op) == (400, "MalformedXML", "DeleteMultipleObjects")
    response, body = call(app, "GET", "/", host="other-1250000000.cos.ap-guangzhou.myqcloud.com")
    assert (response.status, _code(body)) == (404, "NoSuchBucket")


def test_faults_act_before_the_signature_and_after_success(app):
    app.faults.add(Fault(status=503, code="SlowDown", op="GetObject"))
    response, body = call(app, "GET", "/nothing", signed=False)
    assert (response.status, _code(body)) == (503, "SlowDown")  # before the signature check
    app.faults.add(Fault(op="PutObject", lose_response=True))
    response, _ = call(app, "PUT", "/kept", b"x")
    assert response.reset_now and app.store.get_object(BUCKET, "kept") is not None
    app.faults.add(Fault(op="HeadObject", corrupt_crc=True))
    response, _ = call(app, "HEAD", "/kept")
    assert response.crc_corrupted and response.status == 200


def test_request_ids_are_distinct_and_time_comes_from_the_clock(app):
    assert app.new_request_id() != app.new_request_id()
    call(app, "PUT", "/t", b"x")
    assert app.store.get_object(BUCKET, "t").last_modified == NOW != time.time()


def test_an_ip_host_addresses_the_only_bucket(app):
    """What a browser sends for a presigned URL of a client configured with IP/Port (issue 8)."""
    assert call(app, "PUT", "/k", b"hello")[0].status == 200
    response, body = call(app, "GET", "/k", host="127.0.0.1:9000")
    assert (response.status, body, response.bucket) == (200, b"hello", BUCKET)
    response, body = call(app, "GET", "/k", host="localhost:9000")
    assert (response.status, body) == (200, b"hello")
    response, body = call(app, "GET", "/k", host="[::1]:9000")
    assert (response.status, body) == (200, b"hello")


def test_an_ip_host_is_refused_when_the_bucket_would_be_a_guess(app):
    app.store.create_bucket("second-1250000000", region="ap-guangzhou", acl="private", now=NOW)
    response, body = call(app, "GET", "/k", host="127.0.0.1:9000")
    assert (response.status, _code(body)) == (400, "InvalidURI")
    assert b"with 2 buckets" in body and b"--default-bucket" in body


def test_an_ip_host_addresses_the_default_bucket_among_several(app):
    assert call(app, "PUT", "/k", b"in the first")[0].status == 200
    app.store.create_bucket("second-1250000000", region="ap-guangzhou", acl="private", now=NOW)
    app.default_bucket = BUCKET
    response, body = call(app, "GET", "/k", host="127.0.0.1:9000")
    assert (response.status, body, response.bucket) == (200, b"in the first", BUCKET)
    app.default_bucket = "second-1250000000"
    response, body = call(app, "GET", "/k", host="127.0.0.1:9000")
    assert (response.status, _code(body), response.bucket) == (404, "NoSuchKey", "second-1250000000")
