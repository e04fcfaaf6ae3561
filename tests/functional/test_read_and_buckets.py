"""get/head/delete object and the bucket basics, against the emulator."""

import os

import pytest

from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError
from qcloud_cos._crc64 import crc64


@pytest.fixture
def stored(client, bucket):
    data = os.urandom(256 * 1024)
    client.put_object(bucket, data, "data.bin", ContentType="application/x-test")
    return data


def test_get_object_shape_and_streaming(client, bucket, stored):
    response = client.get_object(bucket, "data.bin")
    assert response["Content-Length"] == str(len(stored))
    assert response["Content-Type"] == "application/x-test"
    assert response["x-cos-hash-crc64ecma"] == str(crc64(stored))
    body = response["Body"]
    assert len(body) == len(stored)
    assert b"".join(body.get_stream(64 * 1024)) == stored


def test_get_object_range(client, bucket, stored):
    response = client.get_object(bucket, "data.bin", Range="bytes=10-19")
    assert response["Content-Range"] == "bytes 10-19/%d" % len(stored)
    assert response["Body"].read() == stored[10:20]


def test_get_object_response_overrides(client, bucket, stored):
    response = client.get_object(
        bucket,
        "data.bin",
        ResponseContentType="text/plain",
        ResponseContentDisposition='attachment; filename="x y.bin"',
    )
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="x y.bin"'
    response["Body"].read()


def test_get_stream_to_file(client, bucket, stored, tmp_path):
    target = tmp_path / "out.bin"
    client.get_object(bucket, "data.bin")["Body"].get_stream_to_file(str(target))
    assert target.read_bytes() == stored
    assert os.listdir(tmp_path) == ["out.bin"]  # the temporary file was renamed


def test_get_stream_to_file_detects_a_truncated_download(client, bucket, stored, tmp_path, cos_emulator):
    cos_emulator.inject_fault(reset_connection=True, after_bytes=1000, op="GetObject", count=1)
    target = tmp_path / "out.bin"
    response = client.get_object(bucket, "data.bin")
    with pytest.raises(IOError, match="download failed with incomplete file"):
        response["Body"].get_stream_to_file(str(target))
    assert os.listdir(tmp_path) == []  # nothing half-written is left behind


def test_get_missing_key(client, bucket):
    with pytest.raises(CosServiceError) as info:
        client.get_object(bucket, "missing")
    assert info.value.get_status_code() == 404
    assert info.value.get_error_code() == "NoSuchKey"


def test_head_object_and_404(client, bucket, stored):
    head = client.head_object(bucket, "data.bin")
    assert head["Content-Length"] == str(len(stored))
    assert head["ETag"].startswith('"')
    with pytest.raises(CosServiceError) as info:
        client.head_object(bucket, "missing")
    exc = info.value
    assert exc.get_status_code() == 404
    assert exc.get_error_code() == "NoSuchResource"
    assert exc.get_resource_location().endswith("/missing")
    assert exc.get_request_id() != "Unknown"


def test_head_object_conditionals(client, bucket, stored):
    etag = client.head_object(bucket, "data.bin")["ETag"]
    assert client.head_object(bucket, "data.bin", IfMatch=etag)["ETag"] == etag
    with pytest.raises(CosServiceError) as info:
        client.head_object(bucket, "data.bin", IfMatch='"0000"')
    assert info.value.get_status_code() == 412


def test_object_exists_and_delete(client, bucket, stored):
    assert client.object_exists(bucket, "data.bin") is True
    client.delete_object(bucket, "data.bin")
    assert client.object_exists(bucket, "data.bin") is False
    client.delete_object(bucket, "data.bin")  # deleting a missing key succeeds, as on COS


def test_object_exists_reraises_other_errors(cos_emulator, bucket):
    conf = CosConfig(**cos_emulator.config_kwargs(SecretKey="wrong"))
    with pytest.raises(CosServiceError) as info:
        CosS3Client(conf).object_exists(bucket, "k")
    assert info.value.get_status_code() == 403


def test_bucket_lifecycle(client):
    name = "lifecycle-%s-1250000000" % os.urandom(4).hex()
    assert client.bucket_exists(name) is False
    assert client.create_bucket(name) is None
    assert client.bucket_exists(name) is True
    assert "x-cos-request-id" in client.head_bucket(name)
    with pytest.raises(CosServiceError) as info:
        client.create_bucket(name)
    assert info.value.get_status_code() == 409
    client.put_object(name, b"x", "k")
    with pytest.raises(CosServiceError) as info:
        client.delete_bucket(name)
    assert info.value.get_error_code() == "BucketNotEmpty"
    client.delete_object(name, "k")
    assert client.delete_bucket(name) is None
    assert client.bucket_exists(name) is False


def test_list_objects_paging_prefix_delimiter(client, bucket):
    keys = ["a/1.txt", "a/2.txt", "a/sub/3.txt", "b c/4.txt", "top+.txt", "中文.txt"]
    for key in keys:
        client.put_object(bucket, b"x", key)
    everything = client.list_objects(bucket)
    assert [c["Key"] for c in everything["Contents"]] == sorted(keys, key=lambda k: k.encode())
    assert everything["IsTruncated"] == "false"
    assert everything["Contents"][0]["Size"] == "1"

    page = client.list_objects(bucket, MaxKeys=2)
    assert page["IsTruncated"] == "true"
    assert len(page["Contents"]) == 2
    rest = client.list_objects(bucket, Marker=page["NextMarker"])
    assert [c["Key"] for c in page["Contents"] + rest["Contents"]] == [c["Key"] for c in everything["Contents"]]

    folders = client.list_objects(bucket, Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["a/", "b c/"]
    assert [c["Key"] for c in folders["Contents"]] == ["top+.txt", "中文.txt"]

    sub = client.list_objects(bucket, Prefix="a/", Delimiter="/")
    assert sub["Prefix"] == "a/"
    assert [c["Key"] for c in sub["Contents"]] == ["a/1.txt", "a/2.txt"]
    assert sub["CommonPrefixes"] == [{"Prefix": "a/sub/"}]

    raw = client.list_objects(bucket, Prefix="b c/", EncodingType="url")
    assert raw["Contents"][0]["Key"] == "b%20c/4.txt"
    with pytest.raises(CosClientError, match="EncodingType must be url"):
        client.list_objects(bucket, EncodingType="base64")


def test_presigned_url_works_with_plain_requests(client, bucket, stored, cos_emulator):
    import requests

    url = client.get_presigned_download_url(bucket, "data.bin", Expired=60)
    host = "%s.cos.ap-beijing.myqcloud.com" % bucket
    assert url.startswith("http://127.0.0.1:%d/data.bin?q-sign-algorithm=sha1" % cos_emulator.port)
    response = requests.get(url, headers={"Host": host}, timeout=10)
    assert response.status_code == 403  # the URL signed host=127.0.0.1, the request says otherwise
    auth = client.get_auth("GET", bucket, "data.bin", Headers={"Host": host})
    response = requests.get(url.split("?")[0], headers={"Host": host, "Authorization": auth}, timeout=10)
    assert response.status_code == 200
    assert response.content == stored


def test_cos_s3_auth_as_a_requests_auth_object(client, bucket, cos_emulator):
    """CosS3Auth signs exactly what requests prepares, as in the official SDK."""
    import requests

    from qcloud_cos import CosS3Auth

    conf = client.get_conf()
    host = "%s.cos.ap-beijing.myqcloud.com" % bucket
    url = conf.uri(bucket=bucket, path="via auth.txt")
    response = requests.put(
        url,
        data=b"signed by CosS3Auth",
        headers={"Host": host, "Content-Type": "text/plain"},
        auth=CosS3Auth(conf, "via auth.txt"),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert "content-type" in cos_emulator.requests[-1]["headers"]["Authorization"]
    assert client.get_object(bucket, "via auth.txt")["Body"].read() == b"signed by CosS3Auth"
    response = requests.get(
        url,
        params={"response-content-type": "application/x-a"},
        headers={"Host": host},
        auth=CosS3Auth(conf, "via auth.txt", params={"response-content-type": "application/x-a"}),
        timeout=10,
    )
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/x-a"
    bad = requests.get(url, headers={"Host": host}, auth=CosS3Auth(conf, "other key"), timeout=10)
    assert bad.status_code == 403


def test_presigned_and_object_urls_of_an_ip_configured_client_work_without_the_sdk(tmp_path):
    """A browser or curl following URLs of a client pointed at the emulator by IP/Port (issue 8):
    the URL names no bucket, the emulator serves its only bucket, and the signature is checked."""
    import urllib.request
    from urllib.error import HTTPError

    from qcloud_cos.emulator import CosEmulator

    with CosEmulator() as emu:
        c = CosS3Client(CosConfig(**emu.config_kwargs()))
        bucket = emu.buckets[0]
        c.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"presigned", ACL="public-read")
        url = c.get_presigned_url(Bucket=bucket, Key="dir/a b.txt", Method="GET")
        assert urllib.request.urlopen(url).read() == b"presigned"
        assert urllib.request.urlopen(c.get_object_url(Bucket=bucket, Key="dir/a b.txt")).read() == b"presigned"
        put = urllib.request.Request(
            c.get_presigned_url(Bucket=bucket, Key="up.txt", Method="PUT"), data=b"from a browser", method="PUT"
        )
        assert urllib.request.urlopen(put).status == 200
        assert c.get_object(Bucket=bucket, Key="up.txt")["Body"].get_raw_stream().read() == b"from a browser"
        tampered = url.replace("a%20b.txt", "other.txt")
        with pytest.raises(HTTPError) as info:
            urllib.request.urlopen(tampered)
        assert info.value.code == 403


def test_presigned_urls_by_ip_with_several_buckets_use_the_default_bucket():
    """With several buckets a URL naming only 127.0.0.1 is refused unless the emulator was told which
    bucket such URLs address (``default_bucket`` / ``--default-bucket``), never guessed."""
    import urllib.request
    from urllib.error import HTTPError

    from qcloud_cos.emulator import CosEmulator

    first, second = "first-1250000000", "second-1250000000"
    with CosEmulator(buckets=(first, second), default_bucket=second) as emu:
        c = CosS3Client(CosConfig(**emu.config_kwargs()))
        c.put_object(Bucket=first, Key="same-key", Body=b"first")
        c.put_object(Bucket=second, Key="same-key", Body=b"second")
        url = c.get_presigned_url(Bucket=second, Key="same-key", Method="GET")
        assert urllib.request.urlopen(url).read() == b"second"
    with CosEmulator(buckets=(first, second)) as emu:
        c = CosS3Client(CosConfig(**emu.config_kwargs()))
        c.put_object(Bucket=second, Key="same-key", Body=b"second")
        with pytest.raises(HTTPError) as info:
            urllib.request.urlopen(c.get_presigned_url(Bucket=second, Key="same-key", Method="GET"))
        assert info.value.code == 400
        assert b"--default-bucket" in info.value.read()
    with pytest.raises(ValueError, match="default_bucket"):
        CosEmulator(default_bucket="Not A Bucket")
