"""Differential cases: the same calls run against any ``qcloud_cos`` implementation.

``collect()`` drives the package importable as ``qcloud_cos`` through its public API only
(``CosConfig``, ``CosS3Client(conf, session=...)``, ``cos_comm`` helpers, exception getters)
with a frozen clock and a recording transport, and returns a JSON-able dict of what it saw.

``make_vectors.py`` runs it inside a virtualenv holding the official SDK and saves the result
as ``vectors/official-1.9.44.json``; ``tests/unit/test_golden_vectors.py`` runs it against our
package and compares case by case.
"""

import io
import os
import tempfile
from unittest import mock

try:
    from .recorder import recording_session
except ImportError:  # run as a script from this directory
    from recorder import recording_session

NOW = 1700000000
B = "examplebucket-1250000000"
KEYS = dict(Region="ap-guangzhou", SecretId="AKIDEXAMPLE", SecretKey="SECRETEXAMPLE")

CONFIGS = {
    "default": dict(KEYS),
    "token": dict(KEYS, Token="TOKEN123"),
    "ip_port": dict(KEYS, IP="127.0.0.1", Port=9000, Scheme="http"),
    "ip_domain": dict(KEYS, IP="127.0.0.1", Port=9000, Scheme="http", Domain="my.cdn.com"),
    "domain": dict(KEYS, Domain="localhost:9000", Scheme="http"),
    "endpoint": dict(KEYS, Endpoint="cos.example.internal"),
    "anonymous": dict(Region="ap-guangzhou", Anonymous=True),
    "no_keepalive": dict(KEYS, KeepAlive=False),
    "sign_host_off": dict(KEYS, SignHost=False),
    "sign_params_off": dict(KEYS, SignParams=False),
    "ua": dict(KEYS, UA="my-agent/1.0"),
    "service_domain": dict(KEYS, ServiceDomain="service.example.com"),
    "new_domain": dict(KEYS, EnableOldDomain=False),
}

# Config constructor inputs whose outcome (endpoint or error message) is compared.
CONFIG_INPUTS = [
    dict(Region="ap-guangzhou", SecretId="a", SecretKey="b"),
    dict(Region="ap-guangzhou", SecretId="a", SecretKey="b", EnableOldDomain=False),
    dict(Region="ap-guangzhou", SecretId="a", SecretKey="b", EnableOldDomain=False, EnableInternalDomain=False),
    dict(Region="cos.ap-guangzhou", SecretId="a", SecretKey="b"),
    dict(Region="cn-south", SecretId="a", SecretKey="b"),
    dict(Region="cossh", SecretId="a", SecretKey="b"),
    dict(Region="cosgz", SecretId="a", SecretKey="b"),
    dict(Region="ap-beijing-1", SecretId="a", SecretKey="b"),
    dict(Endpoint="cos.accelerate.myqcloud.com", SecretId="a", SecretKey="b"),
    dict(Endpoint="cos.example.com:8080", Region="ap-guangzhou", SecretId="a", SecretKey="b"),
    dict(Domain="x.com", SecretId="a", SecretKey="b"),
    dict(Region="ap-guangzhou", Anonymous=True),
    dict(SecretId="a", SecretKey="b"),
    dict(Region="", SecretId="a", SecretKey="b"),
    dict(Region="ap guangzhou", SecretId="a", SecretKey="b"),
    dict(Region="ap-guangzhou.", SecretId="a", SecretKey="b"),
    dict(Region="-ap", SecretId="a", SecretKey="b"),
    dict(Region=123, SecretId="a", SecretKey="b"),
    dict(Region="ap-guangzhou", SecretId="a", SecretKey="b", Scheme="HTTP"),
    dict(Region="ap-guangzhou", SecretId="a", SecretKey="b", Scheme="ftp"),
    dict(Region="ap-guangzhou", SecretId="a", SecretKey="b", Scheme="http"),
    dict(Region="bad region", SecretId="a", SecretKey="b", Scheme="ftp"),
    dict(Region="ap-guangzhou"),
    dict(Region="ap-guangzhou", SecretId="a"),
    dict(Region="ap-guangzhou", SecretId=" a", SecretKey="b"),
    dict(Region="ap-guangzhou", SecretId="a", SecretKey="b "),
    dict(Region="ap-guangzhou", Secret_id="a", Secret_key="b"),
    dict(Region="ap-guangzhou", Access_id="a", Access_key="b"),
    dict(Region="ap-guangzhou", SecretId="a", SecretKey="b", Appid="1250000000"),
]

KEY_PATHS = [
    "exampleobject",
    "dir/a b+c.txt",
    "中文/文件.txt",
    "x?y=1&z",
    "100%.txt",
    "/leading",
    "a/./b",
    "a/../b",
    "tab\there",
    "~!@#$%^&*()_+-=[]{}|;':\",.<>/?`",
    "UPPER/Case.TXT",
    "path/to/create/dir/",
    "//double",
]

BUCKET_NAMES = ["examplebucket-1250000000", "a", "A-1", "-bad", "bad-", "under_score", "sp ace", "", "x.y"]


def _frozen():
    return mock.patch("time.time", return_value=NOW)


def _err(exc):
    return {"error": type(exc).__name__, "message": str(exc)}


def _client(qcloud_cos, config_name, responder=None):
    conf = qcloud_cos.CosConfig(**CONFIGS[config_name])
    session, adapter = recording_session(responder)
    return qcloud_cos.CosS3Client(conf, session=session), adapter


def _wire(adapter):
    return adapter.requests[-1] if adapter.requests else None


def _config_cases(qcloud_cos):
    out = {}
    for i, kwargs in enumerate(CONFIG_INPUTS):
        try:
            conf = qcloud_cos.CosConfig(**kwargs)
            res = {"endpoint": conf._endpoint, "scheme": conf._scheme}
            try:
                res["uri"] = conf.uri(bucket="examplebucket", path="k")
            except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
                res["uri"] = _err(exc)
        except Exception as exc:  # noqa: BLE001
            res = _err(exc)
        out["config_%02d" % i] = res
    conf = qcloud_cos.CosConfig(**KEYS)
    for key in KEY_PATHS:
        try:
            out["uri:" + key] = conf.uri(bucket=B, path=key)
        except Exception as exc:  # noqa: BLE001
            out["uri:" + key] = _err(exc)
    for name in BUCKET_NAMES:
        try:
            out["bucket:" + name] = conf.uri(bucket=name)
        except Exception as exc:  # noqa: BLE001
            out["bucket:" + name] = _err(exc)
    return out


def _auth_cases(qcloud_cos):
    out = {}
    client, _ = _client(qcloud_cos, "default")
    with _frozen():
        out["get_auth_put"] = client.get_auth("PUT", B, "exampleobject")
        out["get_auth_full"] = client.get_auth(
            "GET",
            B,
            "/dir/中文 file.txt",
            Expired=3600,
            Headers={"Content-Type": "image/jpeg", "X-Custom": "no", "x-cos-acl": "private"},
            Params={"versionId": "MTg0NDUxNTc1NjIzMTQ1MDAwODg", "response-content-type": "text/plain", "acl": ""},
        )
        out["get_auth_nohost"] = client.get_auth("PUT", B, "k", SignHost=False)
        out["get_auth_customhost"] = client.get_auth("DELETE", B, "k", Headers={"Host": "Custom.Example.com"})
        out["presigned"] = client.get_presigned_url(
            B, "a b.txt", "GET", Expired=600, Params={"response-content-disposition": 'attachment; filename="x y"'}
        )
        out["presigned_download"] = client.get_presigned_download_url(B, "k")
        out["object_url"] = client.get_object_url(B, "a b/c.txt")
    client, _ = _client(qcloud_cos, "sign_params_off")
    with _frozen():
        out["get_auth_noparams"] = client.get_auth("GET", B, "k", Params={"versionId": "x"})
    client, _ = _client(qcloud_cos, "token")
    with _frozen():
        out["presigned_token"] = client.get_presigned_url(B, "k", "PUT")
    return out


ALL_PUT_KWARGS = dict(
    ACL="private",
    GrantFullControl='id="1"',
    GrantRead='id="2"',
    GrantWrite='id="3"',
    StorageClass="STANDARD_IA",
    Expires="Wed, 21 Oct 2015 07:28:00 GMT",
    CacheControl="no-cache",
    ContentType="text/plain",
    ContentDisposition='attachment; filename="a b.txt"',
    ContentEncoding="gzip",
    ContentLanguage="zh-CN",
    ContentMD5="XUFAKrxLKna5cZ2REBfFkg==",
    Metadata={"x-cos-meta-a": "1", "x-cos-meta-b": "中文"},
    TrafficLimit="819200",
    Tagging="k1=v1&k2=v2",
    ServerSideEncryption="AES256",
)


def _put_cases(qcloud_cos, tmpdir):
    """put_object and friends: the request each call puts on the wire."""
    path = os.path.join(tmpdir, "local.txt")
    with open(path, "wb") as f:
        f.write(b"0123456789" * 100)
    empty = os.path.join(tmpdir, "empty.bin")
    open(empty, "wb").close()

    def gen():
        yield b"abc"
        yield b"def"

    calls = {
        "put_bytes": ("default", lambda c: c.put_object(B, b"hello", "dir/a b+c.txt")),
        "put_str_unicode": ("default", lambda c: c.put_object(B, "héllo", "k")),
        "put_token_example": (
            "token",
            lambda c: c.put_object(
                Bucket=B, Body=b"hello", Key="dir/a b+c.txt", ContentType="text/plain", Metadata={"x-cos-meta-k": "v"}
            ),
        ),
        "put_empty_bytes": ("default", lambda c: c.put_object(B, b"", "path/to/create/dir/")),
        "put_bytesio_offset_md5": (
            "default",
            lambda c: c.put_object(B, _at(io.BytesIO(b"0123456789"), 4), "k", EnableMD5=True),
        ),
        "put_file": (
            "default",
            lambda c: _with_file(
                path,
                lambda fp: c.put_object(B, fp, "k", StorageClass="STANDARD", ContentType="text/html; charset=utf-8"),
            ),
        ),
        "put_file_offset": ("default", lambda c: _with_file(path, lambda fp: c.put_object(B, _at(fp, 10), "k"))),
        "put_from_local_file": (
            "default",
            lambda c: c.put_object_from_local_file(Bucket=B, LocalFilePath=path, Key="k", EnableMD5=True),
        ),
        "put_all_kwargs": ("default", lambda c: c.put_object(B, b"hello", "k", **ALL_PUT_KWARGS)),
        "put_md5_overrides_user": (
            "default",
            lambda c: c.put_object(B, b"hello", "k", EnableMD5=True, ContentMD5="bogus"),
        ),
        "put_user_content_length": ("default", lambda c: c.put_object(B, b"abc", "k", ContentLength="999")),
        "put_none_kwarg": ("default", lambda c: c.put_object(B, b"abc", "k", ContentType=None)),
        "put_unknown_kwarg": ("default", lambda c: c.put_object(B, b"abc", "k", Foo="bar")),
        "put_empty_key": ("default", lambda c: c.put_object(B, b"abc", "")),
        "put_bad_bucket": ("default", lambda c: c.put_object("bad_bucket", b"abc", "k")),
        "put_generator_md5": ("default", lambda c: c.put_object(B, gen(), "k", EnableMD5=True)),
        "put_empty_file": ("default", lambda c: _with_file(empty, lambda fp: c.put_object(B, fp, "k"))),
        "put_generator": ("default", lambda c: c.put_object(B, gen(), "k")),
        "put_int_header": ("default", lambda c: c.put_object(B, b"abc", "k", TrafficLimit=819200)),
        "put_ip_port": ("ip_port", lambda c: c.put_object(B, b"abc", "a/b.txt")),
        "put_ip_domain": ("ip_domain", lambda c: c.put_object(B, b"abc", "a/b.txt")),
        "put_domain": ("domain", lambda c: c.put_object(B, b"abc", "a/b.txt")),
        "put_endpoint": ("endpoint", lambda c: c.put_object(B, b"abc", "k")),
        "put_anonymous": ("anonymous", lambda c: c.put_object(B, b"abc", "k")),
        "put_no_keepalive": ("no_keepalive", lambda c: c.put_object(B, b"abc", "k")),
        "put_sign_host_off": ("sign_host_off", lambda c: c.put_object(B, b"abc", "k")),
        "put_ua": ("ua", lambda c: c.put_object(B, b"abc", "k")),
        "head_object_version": ("default", lambda c: c.head_object(B, "k", VersionId="v1")),
        "head_object_ifmatch": ("default", lambda c: c.head_object(B, "k", IfMatch='"e"')),
        "get_object_range": (
            "default",
            lambda c: _drain(
                c.get_object(
                    B,
                    "k",
                    Range="bytes=0-4",
                    ResponseContentType="text/plain",
                    ResponseCacheControl="no-cache",
                    VersionId="v1",
                )
            ),
        ),
        "delete_object": ("default", lambda c: c.delete_object(B, "k")),
        "delete_object_version": ("default", lambda c: c.delete_object(B, "k", VersionId="v1")),
        "create_bucket": ("default", lambda c: c.create_bucket(B)),
        "create_bucket_acl": ("default", lambda c: c.create_bucket(B, ACL="public-read")),
        "head_bucket": ("default", lambda c: c.head_bucket(B)),
        "delete_bucket": ("default", lambda c: c.delete_bucket(B)),
        "list_objects": ("default", lambda c: c.list_objects(B)),
        "list_objects_args": (
            "default",
            lambda c: c.list_objects(B, Prefix="a b/", Delimiter="/", Marker="a b/c", MaxKeys=10),
        ),
        "list_objects_bad_encoding": ("default", lambda c: c.list_objects(B, EncodingType="x")),
    }
    out = {}
    for name, (config_name, call) in calls.items():
        client, adapter = _client(qcloud_cos, config_name, _responder)
        with _frozen():
            try:
                result = call(client)
                res = {"result": _plain(result)}
            except Exception as exc:  # noqa: BLE001
                res = _err(exc)
        res["wire"] = _wire(adapter)
        out[name] = res
    return out


def _at(stream, offset):
    stream.seek(offset)
    return stream


def _with_file(path, fn):
    with open(path, "rb") as fp:
        return fn(fp)


def _drain(response):
    body = response.pop("Body")
    response["__body__"] = body.get_raw_stream().read().decode("utf-8")
    return response


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


LIST_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>examplebucket-1250000000</Name>'
    b"<EncodingType>url</EncodingType><Prefix>a%20b%2F</Prefix><Marker>a%20b%2Fc</Marker>"
    b"<MaxKeys>10</MaxKeys><Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated>"
    b"<NextMarker>a%20b%2Fz%2B1</NextMarker><Contents><Key>a%20b%2Fc%2Bd.txt</Key>"
    b"<LastModified>2020-03-25T10:07:14.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>5</Size>"
    b"<Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner>"
    b"<StorageClass>STANDARD</StorageClass></Contents><CommonPrefixes><Prefix>a%20b%2Fx%2F</Prefix>"
    b"</CommonPrefixes></ListBucketResult>"
)


def _responder(request):
    url = request.url.split("?")[0]
    if request.method == "GET" and url.endswith(".com/"):
        return 200, {"Content-Type": "application/xml", "x-cos-request-id": "r-list"}, LIST_XML
    if request.method == "GET":
        return (
            206,
            {
                "Content-Length": "5",
                "ETag": '"e"',
                "Content-Type": "text/plain",
                "Content-Range": "bytes 0-4/10",
                "x-cos-request-id": "r-get",
            },
            b"hello",
        )
    # No x-cos-hash-crc64ecma here: our client checks it against what it sent.
    return 200, {"ETag": '"5d41402abc4b2a76b9719d911017c592"', "x-cos-request-id": "r-put"}, b""


ERROR_RESPONSES = {
    "full_503": (
        503,
        {"Content-Type": "application/xml", "x-cos-request-id": "rq"},
        b"<?xml version='1.0' encoding='utf-8' ?><Error><Code>ServiceUnavailable</Code>"
        b"<Message>busy</Message><Resource>b/k</Resource><RequestId>rq</RequestId>"
        b"<TraceId>tr</TraceId></Error>",
    ),
    "no_trace_400": (
        400,
        {"x-cos-request-id": "rq"},
        b"<Error><Code>InvalidArgument</Code><Message>m</Message><Resource>r</Resource>"
        b"<RequestId>rq</RequestId></Error>",
    ),
    "no_request_id_400": (
        400,
        {},
        b"<Error><Code>InvalidArgument</Code><Message>m</Message><Resource>r</Resource></Error>",
    ),
    "json_400": (400, {}, b'{"code":"X","message":"y"}'),
    "empty_403": (403, {"x-cos-request-id": "rq"}, b""),
    "error_code_header_409": (409, {"x-cos-error-code": "Conflict", "x-cos-request-id": "r"}, b"text body"),
    "signature_403": (
        403,
        {"x-cos-request-id": "rq"},
        b"<Error><Code>SignatureDoesNotMatch</Code><Message>The Signature you specified "
        b"is invalid.</Message><Resource>r</Resource><RequestId>rq</RequestId>"
        b"<TraceId>t</TraceId><StringToSign>sha1\n1;2\nabc\n</StringToSign></Error>",
    ),
}


def _error_cases(qcloud_cos):
    out = {}
    getters = [
        "get_status_code",
        "get_error_code",
        "get_error_msg",
        "get_resource_location",
        "get_request_id",
        "get_trace_id",
    ]
    for name, (status, headers, body) in ERROR_RESPONSES.items():
        client, adapter = _client(qcloud_cos, "default", lambda r, s=status, h=headers, b=body: (s, h, b))
        with _frozen(), mock.patch("time.sleep"):
            try:
                client.put_object(B, b"x", "k")
                out[name] = "no error"
                continue
            except qcloud_cos.CosServiceError as exc:
                res = {"str": str(exc), "attempts": len(adapter.requests)}
                for g in getters:
                    try:
                        res[g] = getattr(exc, g)()
                    except Exception as e2:  # noqa: BLE001 - official raises KeyError here
                        res[g] = _err(e2)
        out[name] = res
    # HEAD 404 synthesises a digest client-side.
    client, adapter = _client(
        qcloud_cos, "default", lambda r: (404, {"x-cos-request-id": "rq", "x-cos-trace-id": "tr"}, b"")
    )
    with _frozen():
        try:
            client.head_object(B, "k")
        except qcloud_cos.CosServiceError as exc:
            out["head_404"] = {g: getattr(exc, g)() for g in getters}
        out["exists_404"] = client.object_exists(B, "k")
    return out


def _comm_cases(qcloud_cos):
    from qcloud_cos import cos_comm

    out = {}
    out["get_md5"] = cos_comm.get_md5(b"hello").decode()
    out["get_raw_md5"] = cos_comm.get_raw_md5(b"hello")
    out["get_date"] = qcloud_cos.get_date(2020, 1, 2)
    out["xml_1"] = cos_comm.xml_to_dict(b"<R><A>1</A><A>2</A><B/><C><D>x</D></C></R>")
    out["xml_ns"] = cos_comm.xml_to_dict(
        b'<R xmlns="http://www.qcloud.com/document/product/436/7751"><A k="v">t</A>'
        b'<G xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>u</URI></G></R>'
    )
    out["xml_empty_root"] = cos_comm.xml_to_dict(b"<R/>")
    out["dict_to_xml"] = cos_comm.dict_to_xml(
        {"Part": [{"PartNumber": 1, "ETag": '"a"'}, {"PartNumber": "2", "ETag": "b<&>"}]}
    ).decode()
    data = {"Upload": {"Key": "a%2Bb%20c"}, "Prefix": "p%20q"}
    cos_comm.format_dict(data, ["Upload"])
    cos_comm.decode_result(data, ["Prefix"], [["Upload", "Key"]])
    out["format_decode"] = data
    out["mapped"] = cos_comm.mapped(
        {"ContentType": "a", "Metadata": {"x-cos-meta-a": "b"}, "ACL": "private", "VersionId": "v"}
    )
    try:
        cos_comm.mapped({"Foo": 1})
    except Exception as exc:  # noqa: BLE001
        out["mapped_unknown"] = _err(exc)
    out["maplist"] = cos_comm.maplist
    exc = qcloud_cos.CosServiceError("GET", "<Error></Error>", "400")
    out["exc_unknown"] = [exc.get_error_code(), exc.get_status_code(), str(exc)]
    return out


INITIATE_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult>'
    b"<Bucket>examplebucket-1250000000</Bucket><Key>a%20b.txt</Key>"
    b"<UploadId>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</UploadId>"
    b"</InitiateMultipartUploadResult>"
)
LIST_PARTS_XML = (
    b"<ListPartsResult><Bucket>examplebucket-1250000000</Bucket><EncodingType>url</EncodingType>"
    b"<Key>a%20b%2Bc.txt</Key><UploadId>UID</UploadId><Owner><ID>1250000000</ID>"
    b"<DisplayName>1250000000</DisplayName></Owner><PartNumberMarker>0</PartNumberMarker>"
    b"<Initiator><ID>qcs::cam::uin/1:uin/1</ID><DisplayName>1</DisplayName></Initiator>"
    b"<Part><PartNumber>1</PartNumber><LastModified>2020-03-25T10:07:14.000Z</LastModified>"
    b"<ETag>&quot;39270a968a357d24207e9911162507eb&quot;</ETag><Size>1048576</Size></Part>"
    b"<NextPartNumberMarker>1</NextPartNumberMarker><StorageClass>STANDARD</StorageClass>"
    b"<MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated></ListPartsResult>"
)
LIST_PARTS_EMPTY_XML = (
    b"<ListPartsResult><Bucket>examplebucket-1250000000</Bucket><Key>k</Key><UploadId>UID</UploadId>"
    b"<PartNumberMarker>0</PartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>"
    b"</ListPartsResult>"
)
LIST_UPLOADS_XML = (
    b"<ListMultipartUploadsResult><Bucket>examplebucket-1250000000</Bucket><Encoding-Type>url</Encoding-Type>"
    b"<KeyMarker/><UploadIdMarker/><NextKeyMarker>a%20b%2Fz</NextKeyMarker><NextUploadIdMarker>U2</NextUploadIdMarker>"
    b"<MaxUploads>2</MaxUploads><Prefix>a%20b</Prefix><Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated>"
    b"<Upload><Key>a%20b%2Bc.txt</Key><UploadId>U1</UploadId><StorageClass>STANDARD</StorageClass>"
    b"<Initiator><ID>i</ID><DisplayName>d</DisplayName></Initiator><Owner><ID>o</ID><DisplayName>d</DisplayName>"
    b"</Owner><Initiated>2017-06-12T10:13:05.000Z</Initiated></Upload>"
    b"<CommonPrefixes><Prefix>a%20b%2Fdir%2F</Prefix></CommonPrefixes></ListMultipartUploadsResult>"
)
COMPLETE_XML = (
    b"<CompleteMultipartUploadResult><Location>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.txt"
    b"</Location><Bucket>examplebucket-1250000000</Bucket><Key>a b.txt</Key>"
    b"<ETag>&quot;3a0f1fd698c235af9cf098cb74aa25bc-1&quot;</ETag></CompleteMultipartUploadResult>"
)
COPY_XML = (
    b"<CopyPartResult><ETag>&quot;ba82b57cfdfda8bd17ad4e5879ebb4fe&quot;</ETag>"
    b"<LastModified>2017-09-04T04:45:45.000Z</LastModified></CopyPartResult>"
)


def _multipart_responder(request):
    url = request.url
    xml = {"Content-Type": "application/xml", "x-cos-request-id": "r-mp", "ETag": '"hdr-etag"'}
    if "uploads=" in url and request.method == "POST":
        return 200, xml, INITIATE_XML
    if "uploads=" in url:
        return 200, xml, LIST_UPLOADS_XML
    if request.method == "GET" and "uploadId=EMPTY" in url:
        return 200, xml, LIST_PARTS_EMPTY_XML
    if request.method == "GET":
        return 200, xml, LIST_PARTS_XML
    if request.method == "POST" and "uploadId=NOETAG" in url:
        return 200, xml, b"<CompleteMultipartUploadResult><Key>k</Key></CompleteMultipartUploadResult>"
    if request.method == "POST" and "uploadId=" in url:
        return 200, dict(xml, **{"x-cos-hash-crc64ecma": "123"}), COMPLETE_XML
    if "append" in url:
        return 200, {"x-cos-next-append-position": "5", "ETag": '"e"', "x-cos-request-id": "r-app"}, b""
    if request.method == "PUT" and "x-cos-copy-source" in request.headers:
        return 200, xml, COPY_XML
    if request.method == "DELETE":
        return 204, {"x-cos-request-id": "r-abort"}, b""
    return 200, {"ETag": '"5d41402abc4b2a76b9719d911017c592"', "x-cos-request-id": "r-part"}, b""


def _multipart_cases(qcloud_cos, tmpdir):
    path = os.path.join(tmpdir, "part.bin")
    with open(path, "wb") as f:
        f.write(b"p" * 3000)
    parts = {
        "Part": [{"PartNumber": 1, "ETag": '"5d41402abc4b2a76b9719d911017c592"'}, {"PartNumber": "2", "ETag": "b<&>"}]
    }
    calls = {
        "append_first": lambda c: c.append_object(B, "a b.txt", 0, b"hello"),
        "append_kwargs": lambda c: c.append_object(
            Bucket=B,
            Key="k",
            Position=5,
            Data="héllo",
            ContentType="text/plain",
            Metadata={"x-cos-meta-a": "1"},
            TrafficLimit="819200",
        ),
        "append_file": lambda c: _with_file(path, lambda fp: c.append_object(B, "k", 0, fp)),
        "append_unknown_kwarg": lambda c: c.append_object(B, "k", 0, b"x", EnableMD5=True),
        "create_mpu": lambda c: c.create_multipart_upload(
            B, "a b.txt", StorageClass="STANDARD_IA", ContentType="text/plain"
        ),
        "create_mpu_all": lambda c: c.create_multipart_upload(
            Bucket=B,
            Key="k",
            ACL="private",
            GrantRead='id="1"',
            CacheControl="no-cache",
            ContentDisposition="attachment",
            Metadata={"x-cos-meta-a": "b"},
            Expires="x",
            ContentEncoding="gzip",
            ContentLanguage="zh-CN",
        ),
        "upload_part_md5": lambda c: c.upload_part(B, "a b.txt", "hello", 1, "UID", EnableMD5=True),
        "upload_part_file": lambda c: _with_file(
            path,
            lambda fp: c.upload_part(
                Bucket=B, Key="k", Body=_at(fp, 1000), PartNumber=2, UploadId="UID", TrafficLimit="819200"
            ),
        ),
        "upload_part_kwargs": lambda c: c.upload_part(
            B, "k", b"hello", 3, "UID", ContentLength="5", ContentMD5="XUFAKrxLKna5cZ2REBfFkg=="
        ),
        "upload_part_copy": lambda c: c.upload_part_copy(
            B,
            "k",
            1,
            "UID",
            {"Bucket": "src-1250000000", "Key": "/a b+c.txt", "Region": "ap-beijing"},
            "bytes=0-1023",
            CopySourceIfMatch='"e"',
            CopySourceIfNoneMatch='"f"',
            CopySourceIfModifiedSince="Wed, 21 Oct 2015 07:28:00 GMT",
            CopySourceIfUnmodifiedSince="Wed, 21 Oct 2037 07:28:00 GMT",
        ),
        "upload_part_copy_norange": lambda c: c.upload_part_copy(
            B,
            "k",
            1,
            "UID",
            {"Bucket": "src", "Key": "k", "Region": "ap-beijing", "Appid": "1250000000", "VersionId": "v1"},
        ),
        "upload_part_copy_endpoint": lambda c: c.upload_part_copy(
            B, "k", 1, "UID", {"Bucket": "src-1250000000", "Key": "中文", "Endpoint": "cos.example.com"}
        ),
        "upload_part_copy_no_bucket": lambda c: c.upload_part_copy(B, "k", 1, "UID", {"Key": "k"}),
        "upload_part_copy_no_region": lambda c: c.upload_part_copy(B, "k", 1, "UID", {"Bucket": "b-1"}),
        "upload_part_copy_no_key": lambda c: c.upload_part_copy(
            B, "k", 1, "UID", {"Bucket": "b-1", "Region": "ap-beijing"}
        ),
        "list_parts": lambda c: c.list_parts(B, "a b+c.txt", "UID"),
        "list_parts_args": lambda c: c.list_parts(B, "k", "UID", MaxParts=2, PartNumberMarker=5),
        "list_parts_encoded": lambda c: c.list_parts(B, "k", "UID", EncodingType="url"),
        "list_parts_bad_encoding": lambda c: c.list_parts(B, "k", "UID", EncodingType="x"),
        "list_parts_empty": lambda c: c.list_parts(B, "k", "EMPTY"),
        "list_uploads": lambda c: c.list_multipart_uploads(B, Prefix="a b"),
        "list_uploads_args": lambda c: c.list_multipart_uploads(
            Bucket=B, Prefix="dir/", Delimiter="/", KeyMarker="a b", UploadIdMarker="U0", MaxUploads=2
        ),
        "list_uploads_encoded": lambda c: c.list_multipart_uploads(B, EncodingType="url"),
        "list_uploads_bad_encoding": lambda c: c.list_multipart_uploads(B, EncodingType="x"),
        "complete": lambda c: c.complete_multipart_upload(B, "a b.txt", "UID", parts),
        "complete_seed_shape": lambda c: c.complete_multipart_upload(
            Bucket=B,
            Key="k",
            UploadId="UID",
            MultipartUpload={"Part": [{"ETag": "string", "PartNumber": 1}, {"ETag": "string", "PartNumber": 2}]},
        ),
        "complete_empty": lambda c: c.complete_multipart_upload(B, "k", "UID", {"Part": []}),
        "complete_no_part": lambda c: c.complete_multipart_upload(B, "k", "UID", {}),
        "complete_no_number": lambda c: c.complete_multipart_upload(B, "k", "UID", {"Part": [{"ETag": "e"}]}),
        "complete_no_etag": lambda c: c.complete_multipart_upload(B, "k", "UID", {"Part": [{"PartNumber": 1}]}),
        "complete_no_etag_in_200": lambda c: c.complete_multipart_upload(B, "k", "NOETAG", parts),
        "complete_kwargs": lambda c: c.complete_multipart_upload(B, "k", "UID", parts, Callback="cb"),
        "abort": lambda c: c.abort_multipart_upload(B, "a b.txt", "UID"),
    }
    out = {}
    for name, call in calls.items():
        client, adapter = _client(qcloud_cos, "default", _multipart_responder)
        with _frozen():
            try:
                res = {"result": _plain(call(client))}
            except Exception as exc:  # noqa: BLE001
                res = _err(exc)
                if isinstance(exc, qcloud_cos.CosServiceError):
                    res["digest"] = _plain(exc.get_digest_msg())
        res["wire"] = _wire(adapter)
        out["mp:" + name] = res
    return out


def collect(qcloud_cos):
    with tempfile.TemporaryDirectory() as tmpdir:
        out = {}
        out.update(_config_cases(qcloud_cos))
        out.update(_auth_cases(qcloud_cos))
        out.update(_put_cases(qcloud_cos, tmpdir))
        out.update(_multipart_cases(qcloud_cos, tmpdir))
        out.update(_error_cases(qcloud_cos))
        out.update(_comm_cases(qcloud_cos))
    return _plain(out)
