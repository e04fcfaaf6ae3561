"""append_object and the seven multipart calls: real client, real emulator, over HTTP."""

import hashlib
import os

import pytest

from qcloud_cos import CosClientError, CosServiceError
from qcloud_cos._crc64 import combine, crc64

MIB = 1024 * 1024

SPECIAL_KEYS = ["plain.bin", "a b+c%d.bin", "中文/目录/文件.bin", "dir/sub/with space/x+y.bin"]


def _read(client, bucket, key):
    return client.get_object(bucket, key)["Body"].get_raw_stream().read()


def _error(call):
    with pytest.raises(CosServiceError) as info:
        call()
    return info.value


# -- append -----------------------------------------------------------------------------------


def test_append_chain(client, bucket):
    r1 = client.append_object(bucket, "log.txt", 0, b"hello ")
    assert r1["x-cos-next-append-position"] == "6"
    r2 = client.append_object(bucket, "log.txt", int(r1["x-cos-next-append-position"]), "wörld")
    assert r2["x-cos-next-append-position"] == str(6 + len("wörld".encode()))
    data = "hello wörld".encode()
    assert r2["x-cos-hash-crc64ecma"] == str(crc64(data))
    assert _read(client, bucket, "log.txt") == data
    head = client.head_object(bucket, "log.txt")
    assert head["x-cos-object-type"] == "appendable"
    assert head["Content-Length"] == str(len(data))


def test_append_from_file_and_with_headers(client, bucket, tmp_path):
    path = tmp_path / "chunk"
    path.write_bytes(os.urandom(200_000))
    with open(path, "rb") as fp:
        client.append_object(
            Bucket=bucket,
            Key="app.bin",
            Position=0,
            Data=fp,
            ContentType="text/plain",
            Metadata={"x-cos-meta-origin": "append"},
        )
    head = client.head_object(bucket, "app.bin")
    assert head["Content-Type"] == "text/plain"
    assert head["x-cos-meta-origin"] == "append"
    assert _read(client, bucket, "app.bin") == path.read_bytes()


def test_append_wrong_position(client, bucket):
    client.append_object(bucket, "pos.txt", 0, b"abc")
    exc = _error(lambda: client.append_object(bucket, "pos.txt", 0, b"x"))
    assert (exc.get_status_code(), exc.get_error_code()) == (409, "AppendPositionErr")
    exc = _error(lambda: client.append_object(bucket, "pos.txt", 10, b"x"))
    assert exc.get_error_code() == "AppendPositionErr"
    assert _read(client, bucket, "pos.txt") == b"abc"


def test_append_to_normal_object(client, bucket):
    client.put_object(bucket, b"normal", "normal.txt")
    exc = _error(lambda: client.append_object(bucket, "normal.txt", 6, b"x"))
    assert (exc.get_status_code(), exc.get_error_code()) == (409, "ObjectNotAppendable")


def test_append_unknown_kwarg(client, bucket):
    with pytest.raises(CosClientError, match="No Parameter Named EnableMD5"):
        client.append_object(bucket, "k", 0, b"x", EnableMD5=True)


# -- multipart round trips --------------------------------------------------------------------


@pytest.mark.parametrize("key", SPECIAL_KEYS)
def test_multipart_round_trip_is_byte_identical(client, bucket, key, tmp_path):
    data = os.urandom(2 * MIB + 12345)
    path = tmp_path / "src.bin"
    path.write_bytes(data)
    created = client.create_multipart_upload(
        bucket,
        key,
        ContentType="application/x-parts",
        Metadata={"x-cos-meta-kind": "multipart"},
        StorageClass="STANDARD_IA",
    )
    assert set(created) == {"Bucket", "Key", "UploadId"}
    upload_id = created["UploadId"]
    parts, md5s, crcs = [], [], []
    with open(path, "rb") as fp:
        for number, (offset, size) in enumerate([(0, MIB), (MIB, MIB), (2 * MIB, 12345)], start=1):
            chunk = data[offset : offset + size]
            fp.seek(offset)
            # the last part streams from the file (to its end); the others are bytes
            body = fp if number == 3 else chunk
            response = client.upload_part(bucket, key, body, number, upload_id, EnableMD5=True)
            assert response["ETag"] == '"%s"' % hashlib.md5(chunk).hexdigest()
            assert response["x-cos-hash-crc64ecma"] == str(crc64(chunk))
            parts.append({"PartNumber": number, "ETag": response["ETag"]})
            md5s.append(hashlib.md5(chunk).digest())
            crcs.append((crc64(chunk), size))
    result = client.complete_multipart_upload(bucket, key, upload_id, {"Part": parts})
    expected_etag = '"%s-3"' % hashlib.md5(b"".join(md5s)).hexdigest()
    assert result["ETag"] == expected_etag
    assert result["Bucket"] == bucket
    assert result["Key"] == key
    assert result["Location"].startswith(bucket + ".cos.")
    whole = crcs[0][0]
    for part_crc, size in crcs[1:]:
        whole = combine(whole, part_crc, size)
    assert whole == crc64(data)
    assert result["x-cos-hash-crc64ecma"] == str(whole)
    assert _read(client, bucket, key) == data
    head = client.head_object(bucket, key)
    assert head["ETag"] == expected_etag
    assert head["Content-Type"] == "application/x-parts"
    assert head["x-cos-meta-kind"] == "multipart"
    assert head["x-cos-storage-class"] == "STANDARD_IA"
    with pytest.raises(CosServiceError) as info:
        client.list_parts(bucket, key, upload_id)
    assert info.value.get_error_code() == "NoSuchUpload"


def test_reuploading_a_part_replaces_it(client, bucket):
    upload_id = client.create_multipart_upload(bucket, "replace.bin")["UploadId"]
    client.upload_part(bucket, "replace.bin", b"x" * MIB, 1, upload_id)
    second = client.upload_part(bucket, "replace.bin", b"y" * MIB, 1, upload_id)
    last = client.upload_part(bucket, "replace.bin", b"tail", 2, upload_id)
    listed = client.list_parts(bucket, "replace.bin", upload_id)["Part"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [
        ("1", second["ETag"], str(MIB)),
        ("2", last["ETag"], "4"),
    ]
    client.complete_multipart_upload(
        bucket,
        "replace.bin",
        upload_id,
        {"Part": [{"PartNumber": 1, "ETag": second["ETag"]}, {"PartNumber": 2, "ETag": last["ETag"]}]},
    )
    assert _read(client, bucket, "replace.bin") == b"y" * MIB + b"tail"


def test_unlisted_parts_are_discarded(client, bucket):
    upload_id = client.create_multipart_upload(bucket, "subset.bin")["UploadId"]
    p1 = client.upload_part(bucket, "subset.bin", b"1" * MIB, 1, upload_id)
    client.upload_part(bucket, "subset.bin", b"2" * MIB, 2, upload_id)
    p3 = client.upload_part(bucket, "subset.bin", b"3", 3, upload_id)
    client.complete_multipart_upload(
        bucket,
        "subset.bin",
        upload_id,
        {"Part": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 3, "ETag": p3["ETag"]}]},
    )
    assert _read(client, bucket, "subset.bin") == b"1" * MIB + b"3"


# -- complete / abort errors ------------------------------------------------------------------


@pytest.fixture
def two_parts(client, bucket):
    upload_id = client.create_multipart_upload(bucket, "err.bin")["UploadId"]
    p1 = client.upload_part(bucket, "err.bin", b"a" * MIB, 1, upload_id)
    p2 = client.upload_part(bucket, "err.bin", b"b" * 10, 2, upload_id)
    return upload_id, [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]


def test_complete_vector(client, bucket, two_parts):
    upload_id, parts = two_parts
    result = client.complete_multipart_upload(bucket, "err.bin", upload_id, {"Part": parts})
    assert result["ETag"] == '"4075b7e9311da7fee8b3df13ccfc203c-2"'
    assert result["x-cos-hash-crc64ecma"] == "7220253992730643760"


def test_complete_out_of_order(client, bucket, two_parts):
    upload_id, parts = two_parts
    exc = _error(lambda: client.complete_multipart_upload(bucket, "err.bin", upload_id, {"Part": parts[::-1]}))
    assert (exc.get_status_code(), exc.get_error_code()) == (400, "InvalidPartOrder")


def test_complete_wrong_etag_or_missing_part(client, bucket, two_parts):
    upload_id, parts = two_parts
    wrong = [parts[0], {"PartNumber": 2, "ETag": '"00000000000000000000000000000000"'}]
    exc = _error(lambda: client.complete_multipart_upload(bucket, "err.bin", upload_id, {"Part": wrong}))
    assert (exc.get_status_code(), exc.get_error_code()) == (400, "InvalidPart")
    missing = parts + [{"PartNumber": 3, "ETag": parts[1]["ETag"]}]
    exc = _error(lambda: client.complete_multipart_upload(bucket, "err.bin", upload_id, {"Part": missing}))
    assert exc.get_error_code() == "InvalidPart"


def test_complete_part_too_small(client, bucket):
    upload_id = client.create_multipart_upload(bucket, "small.bin")["UploadId"]
    p1 = client.upload_part(bucket, "small.bin", b"a" * (MIB - 1), 1, upload_id)
    p2 = client.upload_part(bucket, "small.bin", b"b", 2, upload_id)
    exc = _error(
        lambda: client.complete_multipart_upload(
            bucket,
            "small.bin",
            upload_id,
            {"Part": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]},
        )
    )
    assert (exc.get_status_code(), exc.get_error_code()) == (400, "EntityTooSmall")


def test_unknown_upload_everywhere(client, bucket):
    for call in (
        lambda: client.upload_part(bucket, "k", b"x", 1, "nosuchupload"),
        lambda: client.list_parts(bucket, "k", "nosuchupload"),
        lambda: client.complete_multipart_upload(
            bucket, "k", "nosuchupload", {"Part": [{"PartNumber": 1, "ETag": '"e"'}]}
        ),
        lambda: client.abort_multipart_upload(bucket, "k", "nosuchupload"),
    ):
        exc = _error(call)
        assert (exc.get_status_code(), exc.get_error_code()) == (404, "NoSuchUpload")


def test_part_number_out_of_range(client, bucket):
    # Refused by the client before any request (the emulator's own 400 InvalidArgument for these
    # is covered in tests/emulator/test_multipart.py).
    upload_id = client.create_multipart_upload(bucket, "range.bin")["UploadId"]
    for number in (0, 10001):
        with pytest.raises(CosClientError, match="PartNumber must be an integer from 1 to 10000"):
            client.upload_part(bucket, "range.bin", b"x", number, upload_id)
    assert client.list_parts(bucket, "range.bin", upload_id).get("Part", []) == []


def test_abort_removes_upload(client, bucket):
    upload_id = client.create_multipart_upload(bucket, "abort.bin")["UploadId"]
    client.upload_part(bucket, "abort.bin", b"x", 1, upload_id)
    assert client.abort_multipart_upload(bucket, "abort.bin", upload_id) is None
    exc = _error(lambda: client.upload_part(bucket, "abort.bin", b"x", 2, upload_id))
    assert exc.get_error_code() == "NoSuchUpload"
    listed = client.list_multipart_uploads(bucket, Prefix="abort.bin")
    assert listed.get("Upload", []) == []


def test_complete_client_side_validation(client, bucket, cos_emulator):
    seen = len(cos_emulator.requests)
    with pytest.raises(CosClientError, match="Part Is Required"):
        client.complete_multipart_upload(bucket, "k", "u", {})
    with pytest.raises(CosClientError, match="PartNumber Is Required"):
        client.complete_multipart_upload(bucket, "k", "u", {"Part": [{"ETag": "e"}]})
    assert len(cos_emulator.requests) == seen


# -- listing ----------------------------------------------------------------------------------


def test_list_parts_paging_with_holes(client, bucket):
    upload_id = client.create_multipart_upload(bucket, "holes.bin")["UploadId"]
    for number in (1, 2, 3, 5, 8):
        client.upload_part(bucket, "holes.bin", b"p%d" % number, number, upload_id)
    seen, marker, pages = [], 0, 0
    while True:
        page = client.list_parts(bucket, "holes.bin", upload_id, MaxParts=2, PartNumberMarker=marker)
        pages += 1
        seen += [int(p["PartNumber"]) for p in page["Part"]]
        assert page["MaxParts"] == "2"
        if page["IsTruncated"] == "false":
            break
        marker = int(page["NextPartNumberMarker"])
    assert seen == [1, 2, 3, 5, 8]
    assert pages == 3
    tail = client.list_parts(bucket, "holes.bin", upload_id, PartNumberMarker=3)
    assert [p["PartNumber"] for p in tail["Part"]] == ["5", "8"]
    assert tail["Part"][0]["Size"] == "2"
    empty = client.list_parts(bucket, "holes.bin", upload_id, PartNumberMarker=8)
    assert empty.get("Part", []) == []


@pytest.mark.parametrize("key", SPECIAL_KEYS)
def test_list_parts_decodes_key(client, bucket, key):
    upload_id = client.create_multipart_upload(bucket, key)["UploadId"]
    client.upload_part(bucket, key, b"x", 1, upload_id)
    assert client.list_parts(bucket, key, upload_id)["Key"] == key
    raw = client.list_parts(bucket, key, upload_id, EncodingType="url")["Key"]
    assert raw != key or key == "plain.bin"


def test_list_multipart_uploads(client, bucket):
    ids = {}
    for key in ["dir/a b.txt", "dir/a b.txt", "dir/sub/x+y.txt", "dir/中文.txt", "other.txt"]:
        ids.setdefault(key, []).append(client.create_multipart_upload(bucket, key)["UploadId"])
    listed = client.list_multipart_uploads(bucket, Prefix="dir")
    got = [(u["Key"], u["UploadId"]) for u in listed["Upload"]]
    expected = [
        (k, u) for k in sorted(["dir/a b.txt", "dir/sub/x+y.txt", "dir/中文.txt"], key=str.encode) for u in ids[k]
    ]
    assert got == expected
    assert listed["Upload"][0]["Initiated"].endswith("Z")
    assert listed["Prefix"] == "dir"
    # same-key uploads come in initiation order: the last is the newest
    same = [u["UploadId"] for u in listed["Upload"] if u["Key"] == "dir/a b.txt"]
    assert same == ids["dir/a b.txt"]

    folders = client.list_multipart_uploads(bucket, Prefix="dir/", Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["dir/sub/"]
    assert sorted(u["Key"] for u in folders["Upload"]) == sorted(["dir/a b.txt", "dir/a b.txt", "dir/中文.txt"])

    collected, key_marker, id_marker = [], "", ""
    while True:
        page = client.list_multipart_uploads(bucket, KeyMarker=key_marker, UploadIdMarker=id_marker, MaxUploads=2)
        collected += [(u["Key"], u["UploadId"]) for u in page.get("Upload", [])]
        if page["IsTruncated"] == "false":
            break
        key_marker, id_marker = page["NextKeyMarker"], page["NextUploadIdMarker"]
    assert [c[0] for c in collected] == sorted([k for k, v in ids.items() for _ in v], key=str.encode)
    assert len(set(collected)) == 5

    raw = client.list_multipart_uploads(bucket, Prefix="dir/a", EncodingType="url")
    assert raw["Upload"][0]["Key"] == "dir/a%20b.txt"


# -- copy part --------------------------------------------------------------------------------


@pytest.fixture
def source(client, cos_emulator):
    name = "src%s-1250000000" % os.urandom(4).hex()
    cos_emulator.create_bucket(name)
    data = os.urandom(3 * MIB)
    client.put_object(name, data, "source object.bin")
    return name, data


def test_copy_part_ranges(client, bucket, source):
    src_bucket, data = source
    copy_source = {"Bucket": src_bucket, "Key": "source object.bin", "Region": "ap-beijing"}
    upload_id = client.create_multipart_upload(bucket, "copied.bin")["UploadId"]
    first = client.upload_part_copy(bucket, "copied.bin", 1, upload_id, copy_source, "bytes=0-1048575")
    assert first["ETag"] == '"%s"' % hashlib.md5(data[:MIB]).hexdigest()
    assert "LastModified" in first
    assert first["x-cos-hash-crc64ecma"] == str(crc64(data[:MIB]))
    rest = client.upload_part_copy(bucket, "copied.bin", 2, upload_id, copy_source, "bytes=1048576-3145727")
    tail = client.upload_part(bucket, "copied.bin", b"!", 3, upload_id)
    client.complete_multipart_upload(
        bucket,
        "copied.bin",
        upload_id,
        {
            "Part": [
                {"PartNumber": 1, "ETag": first["ETag"]},
                {"PartNumber": 2, "ETag": rest["ETag"]},
                {"PartNumber": 3, "ETag": tail["ETag"]},
            ]
        },
    )
    assert _read(client, bucket, "copied.bin") == data + b"!"


def test_copy_part_whole_object_and_conditions(client, bucket, source):
    src_bucket, data = source
    copy_source = {"Bucket": src_bucket, "Key": "/source object.bin", "Region": "ap-beijing"}
    upload_id = client.create_multipart_upload(bucket, "cond.bin")["UploadId"]
    etag = client.head_object(src_bucket, "source object.bin")["ETag"]
    whole = client.upload_part_copy(bucket, "cond.bin", 1, upload_id, copy_source)
    assert whole["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    client.upload_part_copy(bucket, "cond.bin", 2, upload_id, copy_source, "bytes=0-9", CopySourceIfMatch=etag)
    past, future = "Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2037 07:28:00 GMT"
    client.upload_part_copy(
        bucket,
        "cond.bin",
        3,
        upload_id,
        copy_source,
        "bytes=0-9",
        CopySourceIfModifiedSince=past,
        CopySourceIfUnmodifiedSince=future,
    )
    for kwargs in (
        {"CopySourceIfMatch": '"0000"'},
        {"CopySourceIfNoneMatch": etag},
        {"CopySourceIfModifiedSince": future},
        {"CopySourceIfUnmodifiedSince": past},
    ):
        exc = _error(
            lambda kw=kwargs: client.upload_part_copy(bucket, "cond.bin", 4, upload_id, copy_source, "bytes=0-9", **kw)
        )
        assert (exc.get_status_code(), exc.get_error_code()) == (412, "PreconditionFailed"), kwargs


def test_copy_part_errors(client, bucket, source):
    src_bucket, _ = source
    upload_id = client.create_multipart_upload(bucket, "bad.bin")["UploadId"]
    exc = _error(
        lambda: client.upload_part_copy(
            bucket, "bad.bin", 1, upload_id, {"Bucket": src_bucket, "Key": "missing", "Region": "ap-beijing"}
        )
    )
    assert exc.get_status_code() == 404
    exc = _error(
        lambda: client.upload_part_copy(
            bucket,
            "bad.bin",
            1,
            upload_id,
            {"Bucket": src_bucket, "Key": "source object.bin", "Region": "ap-beijing"},
            "bytes=0-999999999",
        )
    )
    assert exc.get_status_code() == 400
    with pytest.raises(CosClientError, match="CopySource Need Parameter Bucket"):
        client.upload_part_copy(bucket, "bad.bin", 1, upload_id, {"Key": "k"})


def test_lost_complete_response_is_recognised_on_retry(client, bucket, cos_emulator, two_parts):
    """The first Complete succeeds but its answer is lost; the retry meets NoSuchUpload and reports success."""
    upload_id, parts = two_parts
    cos_emulator.inject_fault(lose_response=True, op="CompleteMultipartUpload")
    result = client.complete_multipart_upload(bucket, "err.bin", upload_id, {"Part": parts})
    assert result["ETag"] == '"4075b7e9311da7fee8b3df13ccfc203c-2"'
    assert result["Key"] == "err.bin" and result["Bucket"] == bucket
    assert result["x-cos-hash-crc64ecma"] == "7220253992730643760"
    completes = [
        r for r in cos_emulator.requests if r.get("op") == "CompleteMultipartUpload" and r.get("bucket") == bucket
    ]
    assert [r["status"] for r in completes] == [None, 404]


def test_no_such_upload_stays_an_error_when_nothing_was_completed(client, bucket, two_parts):
    upload_id, parts = two_parts
    client.abort_multipart_upload(bucket, "err.bin", upload_id)
    exc = _error(lambda: client.complete_multipart_upload(bucket, "err.bin", upload_id, {"Part": parts}))
    assert exc.get_error_code() == "NoSuchUpload"
