"""Where the emulator used to differ from COS (issue 8, section 2), over raw HTTP and the client."""

from __future__ import annotations

import http.client
from urllib.parse import quote, urlsplit

import pytest

from ._cos_http import CosHttp


def _put(cos, key=b"k", body=b"hello"):
    r = cos.request("PUT", key.decode() if isinstance(key, bytes) else key, body=body)
    assert r.status == 200, r


def _get(port, url_or_path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url_or_path, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


# -- 1. signed parameter / header names whose encoded form contains '%' ----------------


@pytest.mark.parametrize("name", ["x!y", "名", "a b", "p%q", "Ä"])
def test_signed_param_name_needing_encoding_raw_http(cos, name):
    _put(cos)
    r = cos.request("GET", "k", params={name: "v"})
    assert r.status == 200, r
    assert r.body == b"hello"


def test_signed_header_name_needing_encoding_raw_http(cos):
    r = cos.request("PUT", "k", body=b"x", headers={"x-cos-meta-a!b": "q"})
    assert r.status == 200, r


def test_wrong_value_of_encoded_param_still_refused(cos):
    """The fix must not make the parameter unsigned: a changed value is a mismatch."""
    from ._cos_http import sign

    _put(cos)
    import time

    now = int(time.time())
    auth = sign(
        method="GET",
        path="/k",
        params={"x!y": "v"},
        headers={"Host": cos.host},
        secret_id=cos.secret_id,
        secret_key=cos.secret_key,
        start=now - 60,
        end=now + 600,
    )
    assert "q-url-param-list=x%21y&" in auth
    status, body = _get(cos.port, "/k?x%21y=other", {"Host": cos.host, "Authorization": auth})
    assert status == 403 and b"SignatureDoesNotMatch" in body
    status, body = _get(cos.port, "/k?x%21y=v", {"Host": cos.host, "Authorization": auth})
    assert status == 200, body


def _plain_client(cos_emulator):
    """A client addressing buckets by their COS host names (no IP/Port): its
    signatures name the bucket host, which the requests below send as Host."""
    from qcloud_cos import CosConfig, CosS3Client

    kwargs = {k: v for k, v in cos_emulator.config_kwargs().items() if k not in ("IP", "Port", "Scheme")}
    return CosS3Client(CosConfig(**kwargs))


def test_client_signs_param_name_needing_encoding(client, bucket, cos_emulator):
    client.put_object(Bucket=bucket, Key="k", Body=b"hello")
    params = {"x!y": "v", "名": "w"}
    auth = _plain_client(cos_emulator).get_auth(Method="GET", Bucket=bucket, Key="k", Params=params)
    host = f"{bucket}.cos.{cos_emulator.region}.myqcloud.com"
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params.items())
    status, body = _get(cos_emulator.port, f"/k?{query}", {"Host": host, "Authorization": auth})
    assert status == 200, body
    assert body == b"hello"


def test_client_presigned_url_with_param_name_needing_encoding(client, bucket, cos_emulator):
    client.put_object(Bucket=bucket, Key="k", Body=b"hello")
    url = _plain_client(cos_emulator).get_presigned_url(
        Bucket=bucket, Key="k", Method="GET", Params={"x!y": "v", "名": "w"}
    )
    parts = urlsplit(url)
    status, body = _get(cos_emulator.port, f"{parts.path}?{parts.query}", {"Host": parts.netloc})
    assert status == 200, body
    assert body == b"hello"


# -- requests the emulator does not understand are not carried out ----------------------------


@pytest.mark.parametrize(
    "method,key,params",
    [
        ("PUT", "k", {"live": ""}),  # was a PUT Object
        ("PUT", "k", {"foo": "bar"}),  # was a PUT Object
        ("PUT", "", {"intelligent-tiering": ""}),  # was a PUT Bucket
        ("PUT", "", {"x-unknown": ""}),
        ("GET", "k", {"imageMogr2/thumbnail/!50p": ""}),  # CI processing: never the raw object
    ],
)
def test_unknown_sub_resource_is_not_implemented_and_changes_nothing(cos, method, key, params):
    if method == "GET":
        _put(cos)
    r = cos.request(method, key, body=b"data" if method == "PUT" else None, params=params)
    assert r.status == 501, r.body
    assert b"<Code>NotImplemented</Code>" in r.body
    if method == "PUT":
        assert cos.request("HEAD", "k").status == 404  # no object "k" was written
        listing = cos.request("GET", "")
        assert listing.status == 200 and b"<Contents>" not in listing.body


def test_plain_operations_keep_their_own_parameters(cos):
    _put(cos, body=b"hello")
    r = cos.request("GET", "k", params={"t": "123", "response-content-type": "text/plain"})
    assert (r.status, r.body) == (200, b"hello")
    assert cos.request("DELETE", "k", params={"versionId": "null"}).status == 204


# -- 2. error bodies never echo secrets -----------------------------------------------------

TOKEN = "TOKEN-f1d3l1ty-0123456789abcdef"
SSE_KEY = "S1NFQ1JFVEtFWVNFQ1JFVEtFWVNFQ1JFVEtFWTMy"  # base64 of 30 bytes; never sent to real COS
COPY_KEY = "Q09QWVNPVVJDRUtFWUNPUFlTT1VSQ0VLRVkzMiE="
SSE_MD5 = "bWQ1LW9mLXRoZS1rZXk="


@pytest.fixture
def temp_key(cos_emulator):
    cos_emulator.add_credentials("AKIDFIDELITYTEMP", "RightTempKey", TOKEN)
    return "AKIDFIDELITYTEMP"


def _assert_no_secret(body: bytes, *secrets: str):
    text = body.decode("utf-8")
    for secret in secrets:
        assert secret not in text
        assert quote(secret, safe="-_.~") not in text


def test_signature_error_masks_token_and_sse_c_keys_raw_http(cos_emulator, bucket, temp_key):
    cos = CosHttp(cos_emulator.port, bucket, secret_id=temp_key, secret_key="WrongKey")
    try:
        r = cos.request(
            "PUT",
            "k",
            body=b"x",
            headers={
                "x-cos-security-token": TOKEN,
                "x-cos-server-side-encryption-customer-algorithm": "AES256",
                "x-cos-server-side-encryption-customer-key": SSE_KEY,
                "x-cos-server-side-encryption-customer-key-MD5": SSE_MD5,
                "x-cos-copy-source-server-side-encryption-customer-key": COPY_KEY,
            },
        )
    finally:
        cos.close()
    assert r.status == 403 and r.error_code() == "SignatureDoesNotMatch", r
    _assert_no_secret(r.body, TOKEN, SSE_KEY, COPY_KEY)
    text = r.body.decode()
    # still useful: the names are listed, the key MD5 and the other values stay
    assert "x-cos-security-token=***" in text
    assert "x-cos-server-side-encryption-customer-key=***" in text
    assert "x-cos-copy-source-server-side-encryption-customer-key=***" in text
    assert f"x-cos-server-side-encryption-customer-key-md5={quote(SSE_MD5, safe='-_.~')}" in text
    assert "x-cos-server-side-encryption-customer-algorithm=AES256" in text
    assert f"host={bucket}.cos." in text
    assert "<StringToSign>sha1\n" in text


def test_signature_error_masks_token_signed_by_the_client(cos_emulator, bucket, temp_key):
    """The client (Token + a wrong SecretKey + an SSE-C key) signs; the raw answer is checked."""
    from qcloud_cos import CosConfig, CosS3Client

    kwargs = {k: v for k, v in cos_emulator.config_kwargs().items() if k not in ("IP", "Port", "Scheme")}
    kwargs.update(SecretId=temp_key, SecretKey="WrongKey", Token=TOKEN)
    signer = CosS3Client(CosConfig(**kwargs))
    host = f"{bucket}.cos.{cos_emulator.region}.myqcloud.com"
    headers = {
        "Host": host,
        "Content-Length": "1",
        "x-cos-security-token": TOKEN,
        "x-cos-server-side-encryption-customer-algorithm": "AES256",
        "x-cos-server-side-encryption-customer-key": SSE_KEY,
    }
    auth = signer.get_auth(Method="PUT", Bucket=bucket, Key="k", Headers=dict(headers))
    assert "x-cos-security-token" in auth and "x-cos-server-side-encryption-customer-key" in auth
    conn = http.client.HTTPConnection("127.0.0.1", cos_emulator.port, timeout=30)
    try:
        conn.request("PUT", "/k", body=b"x", headers={**headers, "Authorization": auth})
        r = conn.getresponse()
        status, body = r.status, r.read()
    finally:
        conn.close()
    assert status == 403 and b"SignatureDoesNotMatch" in body, body
    _assert_no_secret(body, TOKEN, SSE_KEY)
    assert b"x-cos-security-token=***" in body

    # a presigned URL carries the token as a query parameter
    url = signer.get_presigned_url(Bucket=bucket, Key="k", Method="GET")
    assert "x-cos-security-token" in url
    parts = urlsplit(url)
    status, body = _get(cos_emulator.port, f"{parts.path}?{parts.query}", {"Host": parts.netloc})
    assert status == 403, body
    _assert_no_secret(body, TOKEN)


# -- 3. requests http.server refuses get COS's XML error, not an HTML page -------------------


def _split_response(raw: bytes):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def _assert_cos_xml_error(raw: bytes, code: str, status: int = 400):
    got_status, headers, body = _split_response(raw)
    assert got_status == status, raw[:300]
    assert headers["content-type"] == "application/xml"
    assert headers["x-cos-request-id"] and headers["x-cos-trace-id"]
    assert headers["server"] == "tencent-cos"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n")
    assert f"<Code>{code}</Code>".encode() in body
    for element in (b"<Message>", b"<Resource>", b"<RequestId>", b"<TraceId>"):
        assert element in body
    assert b"<html" not in body.lower()
    return body


def test_oversized_header_line_is_cos_xml_error(cos_emulator, bucket):
    from ._cos_http import raw_exchange

    host = f"{bucket}.cos.ap-beijing.myqcloud.com"
    raw = raw_exchange(
        cos_emulator.port,
        f"GET /k HTTP/1.1\r\nHost: {host}\r\nx-cos-meta-big: {'a' * 70000}\r\n\r\n".encode(),
    )
    body = _assert_cos_xml_error(raw, "InvalidRequest")
    assert b"Your request header section exceeds the maximum allowed size." in body


def test_too_many_header_lines_is_cos_xml_error(cos_emulator, bucket):
    from ._cos_http import raw_exchange

    host = f"{bucket}.cos.ap-beijing.myqcloud.com"
    many = "".join(f"x-cos-meta-h{i}: v\r\n" for i in range(150))
    raw = raw_exchange(cos_emulator.port, f"GET /k HTTP/1.1\r\nHost: {host}\r\n{many}\r\n".encode())
    body = _assert_cos_xml_error(raw, "InvalidRequest")
    assert b"exceeds the maximum allowed size" in body


def test_too_long_request_line_is_cos_xml_error(cos_emulator, bucket):
    from ._cos_http import raw_exchange

    raw = raw_exchange(cos_emulator.port, f"GET /{'k' * 70000} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    _assert_cos_xml_error(raw, "InvalidURI")


def test_bad_http_version_is_cos_xml_error(cos_emulator, bucket):
    from ._cos_http import raw_exchange

    raw = raw_exchange(cos_emulator.port, b"GET /k HTTP/2.7\r\nHost: h\r\n\r\n")
    _assert_cos_xml_error(raw, "InvalidRequest", status=505)


def test_garbage_request_line_is_cos_xml_error(cos_emulator):
    from ._cos_http import raw_exchange

    raw = raw_exchange(cos_emulator.port, b"GARBAGE\r\n\r\n")
    _assert_cos_xml_error(raw, "InvalidRequest")


# -- 4. bucket names and regions COS does not accept ------------------------------------------


@pytest.mark.parametrize(
    "host,code",
    [
        ("{b}.cos.ap-nowhere.myqcloud.com", "InvalidRegionName"),
        ("{b}.cos-internal.ap-nowhere.tencentcos.cn", "InvalidRegionName"),
        ("{b}.nowhere.myqcloud.com", "InvalidRegionName"),
        ("{B}.cos.ap-beijing.myqcloud.com", "InvalidBucketName"),
        ("{B}.COS.AP-BEIJING.MYQCLOUD.COM", "InvalidBucketName"),
        ("bad_name-1250000000.cos.ap-beijing.myqcloud.com", "InvalidBucketName"),
        ("bad--1250000000.cos.ap-beijing.myqcloud.com", "InvalidBucketName"),
        ("x" * 51 + "-1250000000.cos.ap-beijing.myqcloud.com", "BucketNameTooLong"),
    ],
)
def test_host_with_invalid_region_or_bucket_name(cos, host, code):
    host = host.format(b=cos.bucket, B=cos.bucket.upper())
    for method, key, body in (("PUT", "k", b"x"), ("GET", "k", None), ("PUT", "", None), ("HEAD", "k", None)):
        r = cos.request(method, key, body, host=host)
        assert r.status == 400, (method, key, r)
        if method != "HEAD":
            assert r.error_code() == code, (method, r)
    # nothing was created under any spelling
    assert cos.request("GET", "k").status == 404


def test_valid_regions_still_served(cos):
    for region in ("ap-guangzhou", "ap-beijing-1", "ap-shanghai-fsi", "na-siliconvalley", "eu-frankfurt"):
        host = f"{cos.bucket}.cos.{region}.myqcloud.com"
        assert cos.request("PUT", "r", b"y", host=host).status == 200
    assert cos.request("GET", "r", host=f"{cos.bucket}.cos.accelerate.myqcloud.com").body == b"y"
    assert cos.request("GET", "r", host=f"{cos.bucket}.cn-north.myqcloud.com").body == b"y"


def test_client_with_unknown_region_or_upper_case_bucket(client, bucket, cos_emulator):
    from qcloud_cos import CosConfig, CosS3Client
    from qcloud_cos.cos_exception import CosServiceError

    nowhere = CosS3Client(CosConfig(**cos_emulator.config_kwargs(Region="ap-nowhere")))
    with pytest.raises(CosServiceError) as ei:
        nowhere.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert ei.value.get_status_code() == 400 and ei.value.get_error_code() == "InvalidRegionName"

    with pytest.raises(CosServiceError) as ei:
        client.create_bucket(Bucket="UpperCase-1250000000")
    assert ei.value.get_error_code() == "InvalidBucketName"
    with pytest.raises(CosServiceError) as ei:
        client.put_object(Bucket=bucket.upper(), Key="k", Body=b"x")
    assert ei.value.get_error_code() == "InvalidBucketName"
    assert cos_emulator.store.get_bucket("uppercase-1250000000") is None
    assert "k" not in [c["Key"] for c in client.list_objects(Bucket=bucket).get("Contents", [])]


# -- 4b. user-metadata size limits ------------------------------------------------------------


def _meta_headers(n, value_len):
    return {f"x-cos-meta-k{i}": "v" * value_len for i in range(n)}


OVERSIZED_META = [
    {"x-cos-meta-big": "v" * 2100},  # one header over 2 KB
    _meta_headers(3, 1400),  # each under 2 KB, over 4 KB in all
]


@pytest.mark.parametrize("headers", OVERSIZED_META)
def test_oversized_user_metadata_is_refused_raw_http(cos, headers):
    r = cos.request("PUT", "m", b"x", headers=headers)
    assert r.status == 400 and r.error_code() == "MetadataTooLarge", r
    r = cos.request("POST", "m", b"", headers=headers, params={"uploads": ""})
    assert r.status == 400 and r.error_code() == "MetadataTooLarge", r
    r = cos.request("POST", "m", b"x", headers=headers, params={"append": "", "position": "0"})
    assert r.status == 400 and r.error_code() == "MetadataTooLarge", r
    assert cos.request("HEAD", "m").status == 404
    r = cos.request("GET", "", params={"uploads": ""})
    assert b"<Upload>" not in r.body


def test_user_metadata_at_the_limits_is_stored(cos):
    name = "x-cos-meta-a"
    headers = {name: "v" * (2048 - len(name)), "x-cos-meta-b": "w" * (2048 - len(name))}  # 2 KB each, 4 KB total
    assert cos.request("PUT", "m", b"x", headers=headers).status == 200
    r = cos.request("HEAD", "m")
    assert r.headers[name] == headers[name]


def test_client_oversized_user_metadata(client, bucket):
    from qcloud_cos.cos_exception import CosServiceError

    with pytest.raises(CosServiceError) as ei:
        client.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={"x-cos-meta-big": "v" * 2100})
    assert ei.value.get_status_code() == 400 and ei.value.get_error_code() == "MetadataTooLarge"
    with pytest.raises(CosServiceError) as ei:
        client.create_multipart_upload(Bucket=bucket, Key="m", Metadata=_meta_headers(3, 1400))
    assert ei.value.get_error_code() == "MetadataTooLarge"
    assert client.list_multipart_uploads(Bucket=bucket).get("Upload") in (None, [])


# -- 5. accounts: another APPID's bucket is AccessDenied ---------------------------------------


@pytest.fixture
def other_account(cos_emulator):
    """A second account (random APPID, so no other test's buckets are claimed) with its bucket."""
    import random
    import uuid

    appid = str(random.randrange(1300000000, 1399999999))
    secret_id = f"AKIDOTHER{uuid.uuid4().hex[:8]}"
    cos_emulator.add_credentials(secret_id, "OtherKey", appid=appid)
    bucket = cos_emulator.create_bucket(f"acct-{uuid.uuid4().hex[:8]}-{appid}")
    c = CosHttp(cos_emulator.port, bucket, secret_id=secret_id, secret_key="OtherKey")
    yield c, appid
    c.close()


def test_other_accounts_bucket_is_access_denied_raw_http(cos, cos_emulator, other_account):
    theirs, appid = other_account
    assert theirs.request("PUT", "k", b"theirs").status == 200  # the owner
    # the default key (account 1250000000) on their bucket
    mine_on_theirs = CosHttp(cos_emulator.port, theirs.bucket)
    try:
        for method, key, body in (("GET", "k", None), ("PUT", "k", b"mine"), ("DELETE", "k", None), ("GET", "", None)):
            r = mine_on_theirs.request(method, key, body)
            assert r.status == 403 and r.error_code() == "AccessDenied", (method, r)
        assert mine_on_theirs.request("HEAD", "k").status == 403
        r = mine_on_theirs.request("PUT", "", host=f"newbucket-{appid}.cos.ap-beijing.myqcloud.com")
        assert r.status == 403 and r.error_code() == "AccessDenied"
    finally:
        mine_on_theirs.close()
    assert cos_emulator.store.get_bucket(f"newbucket-{appid}") is None
    assert theirs.request("GET", "k").body == b"theirs"
    # their key on our bucket
    theirs_on_mine = CosHttp(cos_emulator.port, cos.bucket, secret_id=theirs.secret_id, secret_key="OtherKey")
    try:
        r = theirs_on_mine.request("PUT", "x", b"intruder")
        assert r.status == 403 and r.error_code() == "AccessDenied"
    finally:
        theirs_on_mine.close()
    assert cos.request("HEAD", "x").status == 404


def test_public_read_bucket_of_another_account_still_anonymous_readable(cos_emulator, other_account):
    import uuid

    theirs, appid = other_account
    public = cos_emulator.create_bucket(f"pub-{uuid.uuid4().hex[:8]}-{appid}", acl="public-read")
    owner = CosHttp(cos_emulator.port, public, secret_id=theirs.secret_id, secret_key="OtherKey")
    anon = CosHttp(cos_emulator.port, public)
    try:
        assert owner.request("PUT", "p", b"public").status == 200
        assert anon.request("GET", "p", sign_request=False).body == b"public"  # ACLs decide for anonymous
        # signed by another account: everyone's rights (public-read grants all users), no more
        assert anon.request("GET", "p").body == b"public"
        r = anon.request("PUT", "q", b"intruder")
        assert r.status == 403 and r.error_code() == "AccessDenied"
        assert owner.request("HEAD", "q").status == 404
    finally:
        owner.close()
        anon.close()


def test_client_of_another_account_is_access_denied(client, bucket, cos_emulator, other_account):
    from qcloud_cos import CosConfig, CosS3Client
    from qcloud_cos.cos_exception import CosServiceError

    theirs, _ = other_account
    intruder = CosS3Client(CosConfig(**cos_emulator.config_kwargs(SecretId=theirs.secret_id, SecretKey="OtherKey")))
    with pytest.raises(CosServiceError) as ei:
        intruder.put_object(Bucket=bucket, Key="x", Body=b"intruder")
    assert ei.value.get_status_code() == 403 and ei.value.get_error_code() == "AccessDenied"
    with pytest.raises(CosServiceError) as ei:
        intruder.delete_bucket(Bucket=bucket)
    assert ei.value.get_error_code() == "AccessDenied"
    assert cos_emulator.store.get_bucket(bucket) is not None
    intruder.put_object(Bucket=theirs.bucket, Key="own", Body=b"ok")  # its own account's bucket works
    with pytest.raises(CosServiceError) as ei:
        client.get_object(Bucket=theirs.bucket, Key="own")
    assert ei.value.get_error_code() == "AccessDenied"


def test_upload_part_copy_from_another_accounts_bucket(cos, cos_emulator, other_account):
    from ._mp import initiate, xml_value

    theirs, _ = other_account
    assert theirs.request("PUT", "secret", b"their data").status == 200
    upload_id = initiate(cos, "dst")
    source = f"{theirs.bucket}.cos.ap-beijing.myqcloud.com/secret"
    r = cos.request(
        "PUT", "dst", b"", headers={"x-cos-copy-source": source}, params={"partNumber": "1", "uploadId": upload_id}
    )
    assert r.status == 403 and r.error_code() == "AccessDenied", r
    # a source of our own account is fine
    assert cos.request("PUT", "mine", b"our data").status == 200
    source = f"{cos.bucket}.cos.ap-beijing.myqcloud.com/mine"
    r = cos.request(
        "PUT", "dst", b"", headers={"x-cos-copy-source": source}, params={"partNumber": "1", "uploadId": upload_id}
    )
    assert r.status == 200 and xml_value(r.body, "ETag"), r
