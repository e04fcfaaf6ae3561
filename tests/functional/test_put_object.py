"""put_object and friends, real client against a real emulator over HTTP."""

import hashlib
import io
import os
import threading
import tracemalloc

import pytest

from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError
from qcloud_cos._crc64 import crc64


def _get(client, bucket, key, **kwargs):
    return client.get_object(bucket, key, **kwargs)["Body"].get_raw_stream().read()


def _md5_etag(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"abcdefg", b"abcdefg"),
        ("héllo", "héllo".encode()),
        (b"", b""),
        (bytearray(b"xyz"), b"xyz"),
    ],
)
def test_simple_bodies_round_trip(client, bucket, body, expected):
    response = client.put_object(Bucket=bucket, Body=body, Key="obj")
    assert response["ETag"] == _md5_etag(expected)
    assert response["x-cos-hash-crc64ecma"] == str(crc64(expected))
    assert response["x-cos-request-id"]
    assert _get(client, bucket, "obj") == expected


def test_file_streams_from_its_current_offset(client, bucket, tmp_path):
    path = tmp_path / "f.bin"
    data = os.urandom(3 * 1024 * 1024 + 17)
    path.write_bytes(data)
    with open(path, "rb") as fp:
        fp.seek(1000)
        response = client.put_object(Bucket=bucket, Body=fp, Key="f.bin", EnableMD5=True)
    assert response["ETag"] == _md5_etag(data[1000:])
    assert _get(client, bucket, "f.bin") == data[1000:]


def test_bytesio_and_generator_and_unsized_stream(client, bucket, cos_emulator):
    client.put_object(bucket, io.BytesIO(b"0123456789"), "bio")
    assert _get(client, bucket, "bio") == b"0123456789"

    client.put_object(bucket, (chunk for chunk in [b"ab", b"cd", b"ef"]), "gen")
    assert _get(client, bucket, "gen") == b"abcdef"
    assert cos_emulator.requests[-2]["headers"].get("Transfer-Encoding") == "chunked"

    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"from a pipe")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        client.put_object(bucket, pipe, "pipe")
    assert _get(client, bucket, "pipe") == b"from a pipe"


def test_empty_file_is_sent_with_content_length_zero(client, bucket, cos_emulator, tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    response = client.put_object_from_local_file(Bucket=bucket, LocalFilePath=str(path), Key="empty")
    assert response["ETag"] == _md5_etag(b"")
    put = [r for r in cos_emulator.requests if r["method"] == "PUT"][-1]
    assert put["headers"]["Content-Length"] == "0"


def test_every_header_kwarg_is_stored(client, bucket):
    client.put_object(
        Bucket=bucket,
        Body=b"<b>hi</b>",
        Key="h.html",
        StorageClass="STANDARD_IA",
        ACL="private",
        GrantRead='id="100000000011"',
        GrantFullControl='id="100000000012"',
        ContentType="text/html; charset=utf-8",
        CacheControl="no-cache",
        ContentDisposition='attachment; filename="h.html"',
        ContentEncoding="identity",
        ContentLanguage="zh-CN",
        Expires="Wed, 21 Oct 2037 07:28:00 GMT",
        Metadata={"x-cos-meta-key1": "value1", "x-cos-meta-key2": "中文 值"},
    )
    head = client.head_object(bucket, "h.html")
    assert head["Content-Type"] == "text/html; charset=utf-8"
    assert head["Cache-Control"] == "no-cache"
    assert head["Content-Disposition"] == 'attachment; filename="h.html"'
    assert head["Content-Encoding"] == "identity"
    assert head["Content-Language"] == "zh-CN"
    assert head["Expires"] == "Wed, 21 Oct 2037 07:28:00 GMT"
    assert head["x-cos-storage-class"] == "STANDARD_IA"
    assert head["x-cos-meta-key1"] == "value1"
    assert head["x-cos-meta-key2"] == "中文 值"
    assert head["Content-Length"] == "9"


def test_enable_md5_sends_content_md5(client, bucket, cos_emulator):
    client.put_object(bucket, b"hello", "md5", EnableMD5=True)
    put = cos_emulator.requests[-1]
    assert put["headers"]["Content-MD5"] == "XUFAKrxLKna5cZ2REBfFkg=="
    assert "content-md5" in put["headers"]["Authorization"]


def test_wrong_content_md5_is_rejected_and_old_object_kept(client, bucket):
    client.put_object(bucket, b"original", "k")
    with pytest.raises(CosServiceError) as info:
        client.put_object(bucket, b"changed", "k", ContentMD5="XUFAKrxLKna5cZ2REBfFkg==")
    assert info.value.get_status_code() == 400
    assert info.value.get_error_code() == "BadDigest"
    with pytest.raises(CosServiceError) as info:
        client.put_object(bucket, b"changed", "k", ContentMD5="string")
    assert info.value.get_error_code() == "InvalidDigest"
    assert _get(client, bucket, "k") == b"original"


def test_traffic_limit(client, bucket):
    client.put_object(bucket, b"x" * 1000, "tl", TrafficLimit="838860800")
    client.put_object(bucket, b"x" * 1000, "tl2", TrafficLimit=838860800)
    with pytest.raises(CosServiceError) as info:
        client.put_object(bucket, b"x", "tl", TrafficLimit="100")
    assert info.value.get_status_code() == 400


@pytest.mark.parametrize(
    "key",
    [
        "a b.txt",
        "a+b.txt",
        "100%.txt",
        "中文/文件.txt",
        "path/to/dir/file.txt",
        "x?y=1&z#h",
        "a/./b",
        "a/../b",
        "~!@#$%^&*()_+-=[]{}|;':\",.<>?`",
        "tab\there",
        "UPPER/Case.TXT",
    ],
)
def test_keys_round_trip(client, bucket, key):
    client.put_object(bucket, key.encode(), key)
    assert _get(client, bucket, key) == key.encode()
    listed = client.list_objects(bucket)["Contents"]
    assert [c["Key"] for c in listed] == [key]


def test_leading_slash_is_stripped_once(client, bucket):
    client.put_object(bucket, b"x", "/lead.txt")
    assert client.object_exists(bucket, "lead.txt")


def test_get_object_key_simplify_check(client, bucket):
    with pytest.raises(CosClientError, match="GetObject Key is invalid"):
        client.get_object(bucket, "a/..")


def test_directory_object(client, bucket):
    client.put_object(Bucket=bucket, Key="path/to/create/dir/", Body=b"")
    head = client.head_object(bucket, "path/to/create/dir/")
    assert head["Content-Length"] == "0"


@pytest.mark.parametrize(
    "key",
    ["../../etc/passwd", "../escape", "/../x", "a/../../b", "..", "%2e%2e/x", "../../../../../../tmp/cos-escape-probe"],
)
def test_traversal_keys_stay_inside_the_data_directory(client, bucket, cos_emulator, key):
    root = cos_emulator.store.root
    targets = _escape_targets(root, key)
    before = {t for t in targets if os.path.exists(t)}
    try:
        client.put_object(bucket, b"payload", key)
    except CosServiceError as exc:  # a clean rejection is fine too
        assert exc.get_status_code() == 400
        return
    # get_object refuses keys that normalise to '/' unless KeySimplifyCheck=False (official rule).
    assert _get(client, bucket, key, KeySimplifyCheck=False) == b"payload"
    assert {t for t in targets if os.path.exists(t)} == before


def _escape_targets(root, key):
    """Every path outside ``root`` that the key would name if a directory under root joined it."""
    decoded = key.replace("%2e", ".")
    bases = [root] + [os.path.join(dirpath, d) for dirpath, dirs, _ in os.walk(root) for d in dirs]
    targets = {os.path.normpath(os.path.join(base, decoded.lstrip("/"))) for base in bases}
    if decoded.startswith("/"):
        targets.add(os.path.normpath(decoded))
    return {t for t in targets if os.path.commonpath([t, root]) != root}


def test_concurrent_uploads_on_one_client(client, bucket):
    payloads = {"t%d" % i: os.urandom(100_000 + i) for i in range(16)}
    errors = []

    def upload(key):
        try:
            client.put_object(bucket, payloads[key], key)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(k,)) for k in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for key, data in payloads.items():
        assert _get(client, bucket, key) == data


def test_file_upload_memory_is_bounded(client, bucket, tmp_path):
    """A 64 MiB file is streamed: Python allocations stay far below the file size."""
    path = tmp_path / "big.bin"
    with open(path, "wb") as f:
        for _ in range(64):
            f.write(os.urandom(1024 * 1024))
    tracemalloc.start()
    try:
        response = client.put_object_from_local_file(bucket, str(path), "big.bin")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak
    head = client.head_object(bucket, "big.bin")
    assert head["Content-Length"] == str(64 * 1024 * 1024)
    assert response["x-cos-hash-crc64ecma"] == head["x-cos-hash-crc64ecma"]


# -- negative paths --------------------------------------------------------------------------


def test_bad_bucket_name_fails_before_any_request(client, cos_emulator):
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match="bucket format is illegal"):
        client.put_object("bad_bucket", b"x", "k")
    assert len(cos_emulator.requests) == seen


@pytest.mark.parametrize("key", ["", None, "/"])
def test_empty_key_rejected(client, bucket, cos_emulator, key):
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match="Key"):
        client.put_object(bucket, b"x", key)
    assert len(cos_emulator.requests) == seen


def test_unknown_kwarg_rejected(client, bucket, cos_emulator):
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match="No Parameter Named ContentTyp Please Check It"):
        client.put_object(bucket, b"x", "k", ContentTyp="text/plain")
    assert len(cos_emulator.requests) == seen


def test_unknown_bucket(client):
    with pytest.raises(CosServiceError) as info:
        client.put_object("nosuchbucket-1250000000", b"x", "k")
    assert info.value.get_status_code() == 404
    assert info.value.get_error_code() == "NoSuchBucket"
    assert info.value.get_request_id() != "Unknown"


def test_wrong_secret_key(cos_emulator, bucket):
    conf = CosConfig(**cos_emulator.config_kwargs(SecretKey="not-the-key"))
    with pytest.raises(CosServiceError) as info:
        CosS3Client(conf).put_object(bucket, b"x", "k")
    assert info.value.get_status_code() == 403
    assert info.value.get_error_code() == "SignatureDoesNotMatch"
    assert "<StringToSign>" in info.value.get_origin_msg()


def test_unknown_secret_id(cos_emulator, bucket):
    conf = CosConfig(**cos_emulator.config_kwargs(SecretId="AKIDUNKNOWN"))
    with pytest.raises(CosServiceError) as info:
        CosS3Client(conf).put_object(bucket, b"x", "k")
    assert info.value.get_error_code() == "InvalidAccessKeyId"


def test_expired_signature(cos_emulator, bucket, client):
    original = cos_emulator.clock
    cos_emulator.clock = lambda: original() + 20000  # our signatures live 10000 s
    try:
        with pytest.raises(CosServiceError) as info:
            client.put_object(bucket, b"x", "k")
    finally:
        cos_emulator.clock = original
    assert info.value.get_status_code() == 403
    assert info.value.get_error_code() == "AccessDenied"
    assert info.value.get_error_msg() == "Request has expired"


def test_anonymous_on_private_bucket(cos_emulator, bucket):
    conf = CosConfig(**cos_emulator.config_kwargs(SecretId=None, SecretKey=None, Anonymous=True))
    with pytest.raises(CosServiceError) as info:
        CosS3Client(conf).put_object(bucket, b"x", "k")
    assert info.value.get_status_code() == 403
    assert info.value.get_error_code() == "AccessDenied"


def test_temporary_credentials_token(cos_emulator, bucket):
    cos_emulator.add_credentials("AKIDTEMPORARY", "TemporaryKey", token="session-token")
    good = CosConfig(
        **cos_emulator.config_kwargs(SecretId="AKIDTEMPORARY", SecretKey="TemporaryKey", Token="session-token")
    )
    CosS3Client(good).put_object(bucket, b"x", "tok")
    bad = CosConfig(
        **cos_emulator.config_kwargs(SecretId="AKIDTEMPORARY", SecretKey="TemporaryKey", Token="wrong-token")
    )
    with pytest.raises(CosServiceError) as info:
        CosS3Client(bad).put_object(bucket, b"x", "tok")
    assert info.value.get_status_code() in (400, 403)
