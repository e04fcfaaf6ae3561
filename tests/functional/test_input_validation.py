"""Bad input is refused by the client, before any request, naming the parameter (issue 7).

Every row asserts the exact exception class, a message that names the parameter, that the
emulator received no request, and that the bucket is left as it was (no object, no upload).
"""

import io
import os
import re
import socket
import threading

import pytest
import requests

from qcloud_cos import CosClientError

SRC = {"Bucket": "src-1250000000", "Key": "src.txt", "Region": "ap-beijing"}
PARTS = {"Part": [{"PartNumber": 1, "ETag": '"0cc175b9c0f1b6a831c399e269772661"'}]}


def _refused(emu, call, match, exc_type=CosClientError):
    """``call()`` raises exactly ``exc_type`` matching ``match``, and nothing reached the emulator."""
    before = len(emu.requests)
    with pytest.raises(exc_type) as info:
        call()
    assert type(info.value) is exc_type, repr(info.value)
    assert re.search(match, str(info.value)), str(info.value)
    assert emu.requests[before:] == []
    return info.value


def _untouched(client, bucket):
    """The bucket still exists and holds no object and no unfinished upload."""
    assert client.bucket_exists(bucket)
    assert client.list_objects(bucket).get("Contents", []) == []
    assert client.list_multipart_uploads(bucket).get("Upload", []) == []


# -- Key ----------------------------------------------------------------------------------------

# Every method taking the Key of an object, called with a given key and otherwise valid arguments.
OBJECT_CALLS = {
    "put_object": lambda c, b, k: c.put_object(Bucket=b, Body=b"x", Key=k),
    "put_object_from_local_file": lambda c, b, k: c.put_object_from_local_file(b, __file__, k),
    "get_object": lambda c, b, k: c.get_object(Bucket=b, Key=k),
    "get_object_no_simplify": lambda c, b, k: c.get_object(Bucket=b, Key=k, KeySimplifyCheck=False),
    "head_object": lambda c, b, k: c.head_object(Bucket=b, Key=k),
    "delete_object": lambda c, b, k: c.delete_object(Bucket=b, Key=k),
    "object_exists": lambda c, b, k: c.object_exists(Bucket=b, Key=k),
    "append_object": lambda c, b, k: c.append_object(Bucket=b, Key=k, Position=0, Data=b"x"),
    "create_multipart_upload": lambda c, b, k: c.create_multipart_upload(Bucket=b, Key=k),
    "upload_part": lambda c, b, k: c.upload_part(b, k, b"x", 1, "UID"),
    "upload_part_copy": lambda c, b, k: c.upload_part_copy(b, k, 1, "UID", SRC),
    "list_parts": lambda c, b, k: c.list_parts(b, k, "UID"),
    "complete_multipart_upload": lambda c, b, k: c.complete_multipart_upload(b, k, "UID", PARTS),
    "abort_multipart_upload": lambda c, b, k: c.abort_multipart_upload(b, k, "UID"),
}

SURROGATE = re.escape("Key 'a\\udc80' is invalid: your unicode strings can not encoded in utf8, utf8 support only!")
BAD_KEYS = {
    "None": (None, r"^Key is required: None would make this a request on the bucket"),
    "empty": ("", r"^Key is required not empty$"),
    "slash": ("/", r"^Key '/' is invalid: it names the bucket, not an object$"),
    "int": (123, r"^Key must be a string, not int$"),
    "list": (["k"], r"^Key must be a string, not list$"),
    "surrogate": ("a\udc80", "^" + SURROGATE + "$"),
    "bad_utf8_bytes": (b"\xff", r"^Key b'\\xff' is not valid UTF-8$"),
}
# get_object with KeySimplifyCheck (the default) has the official message for '' and '/'.
GET_OBJECT = {"empty": r"^GetObject Key is invalid$", "slash": r"^GetObject Key is invalid$"}


@pytest.mark.parametrize("bad", sorted(BAD_KEYS))
@pytest.mark.parametrize("method", sorted(OBJECT_CALLS))
def test_bad_key_is_refused_before_any_request(client, bucket, cos_emulator, method, bad):
    key, match = BAD_KEYS[bad]
    if method == "get_object":
        match = GET_OBJECT.get(bad, match)
    _refused(cos_emulator, lambda: OBJECT_CALLS[method](client, bucket, key), match)
    _untouched(client, bucket)


def test_delete_object_key_none_does_not_delete_the_bucket(client, bucket, cos_emulator):
    """The headline defect: DELETE with Key=None was a DELETE Bucket, and the empty bucket was gone."""
    _refused(cos_emulator, lambda: client.delete_object(Bucket=bucket, Key=None), "Key is required")
    _refused(cos_emulator, lambda: client.delete_object(Bucket=bucket, Key="/"), "Key '/'")
    assert client.bucket_exists(bucket)
    client.put_object(bucket, b"still usable", "k")
    assert client.get_object(bucket, "k")["Body"].read() == b"still usable"


def test_object_exists_key_none_is_not_true(client, bucket, cos_emulator):
    _refused(cos_emulator, lambda: client.object_exists(bucket, None), "Key is required")
    _refused(cos_emulator, lambda: client.head_object(bucket, None), "Key is required")


def test_abort_without_upload_id_does_not_delete_the_object(client, bucket, cos_emulator):
    """abort_multipart_upload(UploadId=None) was a DELETE Object."""
    client.put_object(bucket, b"keep me", "k")
    for upload_id in (None, "", 5):
        _refused(
            cos_emulator, lambda u=upload_id: client.abort_multipart_upload(bucket, "k", u), r"^UploadId is required"
        )
    assert client.get_object(bucket, "k")["Body"].read() == b"keep me"


def test_upload_part_without_upload_id_does_not_overwrite_the_object(client, bucket, cos_emulator):
    """upload_part(UploadId=None) was a PUT Object of the part's bytes."""
    client.put_object(bucket, b"keep me", "k")
    _refused(cos_emulator, lambda: client.upload_part(bucket, "k", b"part", 1, None), r"^UploadId is required")
    assert client.get_object(bucket, "k")["Body"].read() == b"keep me"


def test_bytes_key_is_decoded_as_the_official_sdk_does(client, bucket):
    client.put_object(bucket, b"x", "dir/\u4e2d.txt".encode("utf-8"))
    assert client.get_object(bucket, "dir/\u4e2d.txt")["Body"].read() == b"x"
    assert client.object_exists(bucket, "dir/\u4e2d.txt".encode("utf-8"))


SIGN_CALLS = {
    "get_auth": lambda c, b, k: c.get_auth("GET", b, k),
    "get_presigned_url": lambda c, b, k: c.get_presigned_url(b, k, "GET"),
    "get_presigned_download_url": lambda c, b, k: c.get_presigned_download_url(b, k),
    "get_object_url": lambda c, b, k: c.get_object_url(b, k),
}
SIGN_BAD_KEYS = {
    "None": (None, r"^Key is required \(Key='/' means the bucket itself\)$"),
    "empty": ("", r"^Key is required not empty$"),
    "int": (123, r"^Key must be a string, not int$"),
    "surrogate": ("a\udc80", "^" + SURROGATE + "$"),
}


@pytest.mark.parametrize("bad", sorted(SIGN_BAD_KEYS))
@pytest.mark.parametrize("method", sorted(SIGN_CALLS))
def test_bad_key_for_signatures_and_urls(client, bucket, cos_emulator, method, bad):
    key, match = SIGN_BAD_KEYS[bad]
    _refused(cos_emulator, lambda: SIGN_CALLS[method](client, bucket, key), match)


def test_get_auth_with_key_slash_signs_the_bucket(client, bucket, cos_emulator):
    """As in the official SDK, Key='/' signs a bucket-level request (here: list the objects)."""
    client.put_object(bucket, b"x", "listed.txt")
    host = "%s.cos.ap-beijing.myqcloud.com" % bucket
    auth = client.get_auth("GET", bucket, "/", Headers={"Host": host})
    url = "http://127.0.0.1:%d/" % cos_emulator.port
    response = requests.get(url, headers={"Host": host, "Authorization": auth}, timeout=10)
    assert response.status_code == 200, response.text
    assert b"<Key>listed.txt</Key>" in response.content
    assert client.get_object_url(bucket, "/") == url


@pytest.mark.parametrize(
    "source_key, match",
    [
        ("", r"^Key is required not empty$"),
        ("/", r"^Key is required not empty$"),
        (None, r"^key is not string$"),
        (7, r"^CopySource Key must be a string, not int$"),
        ("a\udc80", "^CopySource " + SURROGATE + "$"),
    ],
)
def test_bad_copy_source_key(client, bucket, cos_emulator, source_key, match):
    source = dict(SRC, Key=source_key)
    _refused(cos_emulator, lambda: client.upload_part_copy(bucket, "k", 1, "UID", source), match)


def test_copy_source_version_id_must_be_text(client, bucket, cos_emulator):
    _refused(
        cos_emulator,
        lambda: client.upload_part_copy(bucket, "k", 1, "UID", dict(SRC, VersionId=5)),
        r"^CopySource VersionId must be a string, not int$",
    )


# -- Bodies -------------------------------------------------------------------------------------


def _bad_generator():
    yield b"first chunk "
    yield 5


BAD_BODIES = {
    "dict": (
        lambda tmp: {"a": 1, "bc": 2},
        r"^Body must be bytes, str, a binary file object or an "
        r"iterable of bytes, not dict$",
    ),
    "set": (lambda tmp: {b"a"}, r"^Body must be .* not set$"),
    "int": (lambda tmp: 5, r"^Body must be .* not int$"),
    "list_of_ints": (lambda tmp: [1, 2, 3], r"^Body item 0 is int: an iterable body must yield bytes or str$"),
    "tuple_with_none": (lambda tmp: (b"a", None), r"^Body item 1 is NoneType"),
    "closed_file": (lambda tmp: _closed_file(tmp), r"^Body is a closed file$"),
    "write_only_file": (
        lambda tmp: open(tmp / "wo", "wb"),
        r"^Body is not readable \(a file opened for "
        r"writing only\?\)$",
    ),
    "text_file": (lambda tmp: open(tmp / "text", "w+"), r"^Body must be opened in binary mode"),
    "lone_surrogate_str": (lambda tmp: "a\udc80", r"^Body is a str that cannot be encoded as UTF-8"),
    "lone_surrogate_item": (lambda tmp: [b"a", "\udc80"], r"^Body item 1 is a str that cannot be encoded"),
}


def _closed_file(tmp):
    path = tmp / "closed"
    path.write_bytes(b"data")
    with open(path, "rb") as fp:
        pass
    return fp


BODY_CALLS = {
    "put_object": lambda c, b, body: c.put_object(b, body, "k"),
    "upload_part": lambda c, b, body: c.upload_part(b, "k", body, 1, "UID"),
    "append_object": lambda c, b, body: c.append_object(b, "k", 0, body),
}


@pytest.mark.parametrize("bad", sorted(BAD_BODIES))
@pytest.mark.parametrize("method", sorted(BODY_CALLS))
def test_bad_body_is_refused_before_any_request(client, bucket, cos_emulator, tmp_path, method, bad):
    make, match = BAD_BODIES[bad]
    body = make(tmp_path)
    if method == "append_object":  # its body parameter is called Data
        match = match.replace("^Body", "^Data")
    try:
        _refused(cos_emulator, lambda: BODY_CALLS[method](client, bucket, body), match)
    finally:
        if hasattr(body, "close"):
            body.close()
    _untouched(client, bucket)


def test_dict_body_is_not_stored_as_its_keys(client, bucket, cos_emulator):
    """put_object(Body={'a': 1, 'bc': 2}) used to store b'abc'."""
    _refused(cos_emulator, lambda: client.put_object(Bucket=bucket, Body={"a": 1, "bc": 2}, Key="d"), "not dict")
    assert not client.object_exists(bucket, "d")


def test_list_of_chunks_is_sent_with_its_length(client, bucket, cos_emulator):
    client.put_object(bucket, [b"ab", "c\u00e9", bytearray(b"d")], "joined")
    assert cos_emulator.requests[-1]["headers"].get("Content-Length") == "6"
    assert client.get_object(bucket, "joined")["Body"].read() == b"abc\xc3\xa9d"


@pytest.mark.parametrize("method", ["put_object", "append_object"])
def test_generator_yielding_a_non_bytes_item_stores_nothing(client, bucket, method):
    body = _bad_generator()
    name = "Data" if method == "append_object" else "Body"
    with pytest.raises(CosClientError) as info:
        BODY_CALLS[method](client, bucket, body)
    assert type(info.value) is CosClientError
    assert str(info.value) == "%s item 1 is int: an iterable body must yield bytes or str" % name
    _untouched(client, bucket)


def test_generator_with_declared_length_checks_items_and_length(client, bucket, cos_emulator):
    with pytest.raises(CosClientError, match=r"^Body item 1 is int"):
        client.put_object(bucket, _bad_generator(), "k", ContentLength="20")
    with pytest.raises(CosClientError, match=r"^Body has more bytes than ContentLength=3$"):
        client.put_object(bucket, iter([b"abc", b"def"]), "k", ContentLength="3")
    with pytest.raises(CosClientError, match=r"^Body ended 3 bytes short of ContentLength=6$"):
        client.put_object(bucket, iter([b"abc"]), "k", ContentLength="6")
    _untouched(client, bucket)
    client.put_object(bucket, iter([b"ab", b"c"]), "k", ContentLength=3)
    assert client.get_object(bucket, "k")["Body"].read() == b"abc"


class _FailingReader(io.RawIOBase):
    """A readable stream whose read fails like a disk error."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise OSError(5, "Input/output error")


def test_a_read_error_is_the_bodys_not_a_connection_error(client, bucket):
    before = client.get_retry_exe_times()
    with pytest.raises(CosClientError, match=r"^cannot read Body: \[Errno 5\] Input/output error$"):
        client.put_object(bucket, _FailingReader(), "k")
    assert client.get_retry_exe_times() == before  # not retried as if the network had failed
    _untouched(client, bucket)


# -- Header values and Metadata -----------------------------------------------------------------

BAD_KWARGS = {
    "ContentType list": ({"ContentType": ["a"]}, r"^ContentType must be a string, not list \(\['a'\]\)$"),
    "ContentType dict": ({"ContentType": {"a": 1}}, r"^ContentType must be a string, not dict"),
    "ContentType set": ({"ContentType": {"a"}}, r"^ContentType must be a string, not set"),
    "CacheControl bool": ({"CacheControl": True}, r"^CacheControl must be a string, not bool"),
    "ContentType CRLF": (
        {"ContentType": "text/plain\r\nX-Evil: 1"},
        r"^ContentType must not contain CR, LF or NUL characters",
    ),
    "ContentDisposition LF": ({"ContentDisposition": "a\nb"}, r"^ContentDisposition must not contain CR, LF"),
    "Expires leading space": ({"Expires": " x"}, r"^Expires must not start with whitespace"),
    "TrafficLimit nan": ({"TrafficLimit": float("nan")}, r"^TrafficLimit must be a string or a finite number"),
    "StorageClass surrogate": ({"StorageClass": "a\udc80"}, r"^StorageClass can not be encoded in UTF-8"),
    "Metadata non-ASCII name": (
        {"Metadata": {"x-cos-meta-\u540d": "v"}},
        r"^Metadata name 'x-cos-meta-\u540d' is not ASCII",
    ),
    "Metadata int name": ({"Metadata": {1: "v"}}, r"^Metadata names must be strings \(x-cos-meta-\*\), not int"),
    "Metadata name with space": (
        {"Metadata": {"x-cos-meta-a b": "v"}},
        r"^Metadata name 'x-cos-meta-a b' is not a valid header name",
    ),
    "Metadata name with colon": (
        {"Metadata": {"x-cos-meta-a:b": "v"}},
        r"^Metadata name 'x-cos-meta-a:b' is not a valid header name",
    ),
    "Metadata value CRLF": (
        {"Metadata": {"x-cos-meta-a": "v\r\nX: y"}},
        r"^Metadata\['x-cos-meta-a'\] must not contain CR, LF or NUL",
    ),
    "Metadata value list": (
        {"Metadata": {"x-cos-meta-a": ["v"]}},
        r"^Metadata\['x-cos-meta-a'\] must be a string, not list",
    ),
    "Metadata not a dict": ({"Metadata": [("x-cos-meta-a", "v")]}, r"^Metadata must be a dict"),
    "ContentLength negative": ({"ContentLength": -5}, r"^ContentLength must be a non-negative integer, not -5$"),
    "ContentLength text": ({"ContentLength": "abc"}, r"^ContentLength must be a non-negative integer, not 'abc'$"),
    "ContentLength float": ({"ContentLength": 1.5}, r"^ContentLength must be a non-negative integer, not 1.5$"),
    "ContentLength bool": ({"ContentLength": True}, r"^ContentLength must be a non-negative integer, not True$"),
}

KWARG_CALLS = {
    "put_object": lambda c, b, kw: c.put_object(b, b"abc", "k", **kw),
    "append_object": lambda c, b, kw: c.append_object(b, "k", 0, b"abc", **kw),
    "create_multipart_upload": lambda c, b, kw: c.create_multipart_upload(b, "k", **kw),
    "upload_part": lambda c, b, kw: c.upload_part(b, "k", b"abc", 1, "UID", **kw),
    "put_object_from_local_file": lambda c, b, kw: c.put_object_from_local_file(b, __file__, "k", **kw),
}


@pytest.mark.parametrize("bad", sorted(BAD_KWARGS))
@pytest.mark.parametrize("method", sorted(KWARG_CALLS))
def test_bad_header_value_is_refused_naming_the_kwarg(client, bucket, cos_emulator, method, bad):
    kwargs, match = BAD_KWARGS[bad]
    _refused(cos_emulator, lambda: KWARG_CALLS[method](client, bucket, kwargs), match)
    _untouched(client, bucket)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda c, b: c.get_object(b, "k", Range=["bytes=0-1"]), r"^Range must be a string, not list"),
        (lambda c, b: c.head_object(b, "k", IfMatch={'"e"'}), r"^IfMatch must be a string, not set"),
        (lambda c, b: c.head_object(b, "k", VersionId=["v1"]), r"^VersionId must be a string, not list"),
        (lambda c, b: c.delete_object(b, "k", VersionId="v\r\n1"), r"^VersionId must not contain CR, LF"),
        (
            lambda c, b: c.upload_part_copy(b, "k", 1, "UID", SRC, CopySourceRange=["bytes=0-1"]),
            r"^CopySourceRange must be a string, not list",
        ),
        (
            lambda c, b: c.upload_part_copy(b, "k", 1, "UID", SRC, CopySourceIfMatch="a\nb"),
            r"^CopySourceIfMatch must not contain CR, LF",
        ),
        (lambda c, b: c.create_bucket(b, ACL=["private"]), r"^ACL must be a string, not list"),
        (
            lambda c, b: c.complete_multipart_upload(b, "k", "UID", PARTS, Callback={"url": "x"}),
            r"^Callback must be a string, not dict",
        ),
    ],
    ids=[
        "get Range",
        "head IfMatch",
        "head VersionId",
        "delete VersionId",
        "copy range",
        "copy IfMatch",
        "create_bucket ACL",
        "complete Callback",
    ],
)
def test_bad_header_value_on_other_calls(client, bucket, cos_emulator, call, match):
    _refused(cos_emulator, lambda: call(client, bucket), match)
    _untouched(client, bucket)


def test_good_header_values_still_work(client, bucket, cos_emulator):
    """Numbers are sent as text, None is left out, non-ASCII metadata values are UTF-8."""
    client.put_object(
        bucket,
        b"abc",
        "k",
        ContentType=None,
        TrafficLimit=8192000,
        ContentLength="999",
        Metadata={"x-cos-meta-name": "\u540d\u5b57", "x-cos-meta-n": 7, "x-cos-meta-none": None},
        ContentDisposition=b"attachment",
    )
    sent = cos_emulator.requests[-1]["headers"]
    assert sent["x-cos-traffic-limit"] == "8192000"
    assert sent["Content-Length"] == "3"  # the body's own length wins, as in the official SDK
    assert "Content-Type" not in sent and "x-cos-meta-none" not in sent
    head = client.head_object(bucket, "k")
    assert head["x-cos-meta-name"] == "\u540d\u5b57"
    assert head["x-cos-meta-n"] == "7"
    assert head["Content-Disposition"] == "attachment"


def test_content_length_on_a_bodiless_call_is_not_sent(client, bucket, cos_emulator):
    """A ContentLength on a request without a body would make the server wait for bytes."""
    client.put_object(bucket, b"abc", "k")
    assert client.head_object(bucket, "k", ContentLength="5")["Content-Length"] == "3"
    assert "Content-Length" not in cos_emulator.requests[-1]["headers"]


# -- Numbers and ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda c, b: c.append_object(b, "k", None, b"x"), r"^Position must be an integer of at least 0, not None$"),
        (lambda c, b: c.append_object(b, "k", -1, b"x"), r"^Position must be an integer of at least 0, not -1$"),
        (lambda c, b: c.append_object(b, "k", "abc", b"x"), r"^Position must be an integer of at least 0, not 'abc'$"),
        (lambda c, b: c.append_object(b, "k", 1.5, b"x"), r"^Position must be an integer of at least 0, not 1.5$"),
        (lambda c, b: c.append_object(b, "k", True, b"x"), r"^Position must be an integer of at least 0, not True$"),
        (lambda c, b: c.upload_part(b, "k", b"x", 0, "UID"), r"^PartNumber must be an integer from 1 to 10000, not 0$"),
        (lambda c, b: c.upload_part(b, "k", b"x", 10001, "UID"), r"^PartNumber must be an integer from 1 to 10000"),
        (
            lambda c, b: c.upload_part(b, "k", b"x", "x", "UID"),
            r"^PartNumber must be an integer from 1 to 10000, not 'x'$",
        ),
        (
            lambda c, b: c.upload_part(b, "k", b"x", None, "UID"),
            r"^PartNumber must be an integer from 1 to 10000, not None",
        ),
        (lambda c, b: c.upload_part_copy(b, "k", 0, "UID", SRC), r"^PartNumber must be an integer from 1 to 10000"),
        (lambda c, b: c.upload_part_copy(b, "k", None, "UID", SRC), r"^PartNumber must be an integer from 1 to 10000"),
        (lambda c, b: c.upload_part(b, "k", b"x", 1, None), r"^UploadId is required"),
        (lambda c, b: c.upload_part(b, "k", b"x", 1, ""), r"^UploadId is required"),
        (lambda c, b: c.upload_part_copy(b, "k", 1, None, SRC), r"^UploadId is required"),
        (lambda c, b: c.list_parts(b, "k", None), r"^UploadId is required"),
        (lambda c, b: c.complete_multipart_upload(b, "k", None, PARTS), r"^UploadId is required"),
        (lambda c, b: c.abort_multipart_upload(b, "k", ""), r"^UploadId is required"),
        (lambda c, b: c.list_objects(b, MaxKeys="abc"), r"^MaxKeys must be an integer of at least 0, not 'abc'$"),
        (lambda c, b: c.list_objects(b, MaxKeys=-1), r"^MaxKeys must be an integer of at least 0, not -1$"),
        (lambda c, b: c.list_objects(b, Prefix=["a"]), r"^Prefix must be a string, not list$"),
        (lambda c, b: c.list_objects(b, Marker="a\udc80"), r"^Marker 'a\\udc80' is invalid"),
        (lambda c, b: c.list_objects(b, EncodingType="base64"), r"^EncodingType must be url$"),
        (lambda c, b: c.list_parts(b, "k", "UID", MaxParts="x"), r"^MaxParts must be an integer of at least 0"),
        (lambda c, b: c.list_parts(b, "k", "UID", PartNumberMarker=-1), r"^PartNumberMarker must be an integer"),
        (lambda c, b: c.list_multipart_uploads(b, MaxUploads="x"), r"^MaxUploads must be an integer of at least 0"),
        (lambda c, b: c.list_multipart_uploads(b, Delimiter={"/"}), r"^Delimiter must be a string, not set$"),
        (lambda c, b: c.get_auth(None, b, "k"), r"^Method must be an HTTP method name"),
        (lambda c, b: c.get_auth("G\udc80", b, "k"), r"^Method must be an HTTP method name"),
        (lambda c, b: c.get_presigned_url(b, "k", "GET /x"), r"^Method must be an HTTP method name"),
        (
            lambda c, b: c.get_auth("GET", b, "k", Expired="abc"),
            r"^Expired must be an integer of at least 1, not 'abc'$",
        ),
        (lambda c, b: c.get_auth("GET", b, "k", Headers=[("a", "b")]), r"^Headers must be a dict, not list$"),
        (lambda c, b: c.get_presigned_url(b, "k", "GET", Params=["x"]), r"^Params must be a dict, not list$"),
    ],
    ids=lambda value: None,
)
def test_bad_number_or_id_is_refused(client, bucket, cos_emulator, call, match):
    _refused(cos_emulator, lambda: call(client, bucket), match)
    _untouched(client, bucket)


def test_numbers_given_as_text_and_none_markers_still_work(client, bucket):
    assert client.append_object(bucket, "a", "0", b"ab")["x-cos-next-append-position"] == "2"
    upload_id = client.create_multipart_upload(bucket, "m")["UploadId"]
    client.upload_part(bucket, "m", b"x", "1", upload_id)
    assert [p["PartNumber"] for p in client.list_parts(bucket, "m", upload_id, MaxParts=None)["Part"]] == ["1"]
    assert client.list_objects(bucket, MaxKeys=None, Prefix=None)["Contents"][0]["Key"] == "a"
    client.abort_multipart_upload(bucket, "m", upload_id)


@pytest.mark.parametrize(
    "multipart_upload, match",
    [
        (None, r"^Invalid Parameter, Part Is Required!$"),
        ([{"PartNumber": 1, "ETag": "e"}], r"^Invalid Parameter, Part Is Required!$"),
        ({"Part": None}, r"^MultipartUpload\['Part'\] must be a list of .* dicts, not NoneType$"),
        ({"Part": "abc"}, r"^MultipartUpload\['Part'\] must be a list of .* dicts, not str$"),
        ({"Part": ["abc"]}, r"^MultipartUpload\['Part'\]\[0\] must be a dict .*, not str$"),
        ({"Part": [{"ETag": "e"}]}, r"^Invalid Parameter, PartNumber Is Required!$"),
        ({"Part": [{"PartNumber": 1}]}, r"^Invalid Parameter, ETag Is Required!$"),
        (
            {"Part": [{"PartNumber": None, "ETag": "e"}]},
            r"^MultipartUpload\['Part'\]\[0\]\['PartNumber'\] must be an integer from 1 to 10000, not None$",
        ),
        ({"Part": [{"PartNumber": 1, "ETag": None}]}, r"^MultipartUpload\['Part'\]\[0\]\['ETag'\] must be a string"),
    ],
    ids=lambda value: None,
)
def test_malformed_multipart_upload_is_refused(client, bucket, cos_emulator, multipart_upload, match):
    upload_id = client.create_multipart_upload(bucket, "m")["UploadId"]
    _refused(cos_emulator, lambda: client.complete_multipart_upload(bucket, "m", upload_id, multipart_upload), match)
    assert [u["UploadId"] for u in client.list_multipart_uploads(bucket)["Upload"]] == [upload_id]
    client.abort_multipart_upload(bucket, "m", upload_id)
    _untouched(client, bucket)


# -- put_object_from_local_file -----------------------------------------------------------------


def test_local_file_path_none_or_not_a_path(client, bucket, cos_emulator):
    for path in (None, 5, ["a"]):
        _refused(
            cos_emulator,
            lambda p=path: client.put_object_from_local_file(bucket, p, "k"),
            r"^LocalFilePath must be a path \(str, bytes or os.PathLike\), not ",
        )
    _untouched(client, bucket)


def test_local_file_directory_or_missing_is_the_oserror_naming_the_path(client, bucket, cos_emulator, tmp_path):
    error = _refused(
        cos_emulator,
        lambda: client.put_object_from_local_file(bucket, str(tmp_path), "k"),
        "Is a directory",
        exc_type=IsADirectoryError,
    )
    assert error.filename == str(tmp_path)
    missing = str(tmp_path / "missing")
    error = _refused(
        cos_emulator,
        lambda: client.put_object_from_local_file(bucket, missing, "k"),
        "No such file",
        exc_type=FileNotFoundError,
    )
    assert error.filename == missing
    _untouched(client, bucket)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_local_file_fifo_is_refused_without_blocking(client, bucket, cos_emulator, tmp_path):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(
        target=lambda: outcome.append(_catch(lambda: client.put_object_from_local_file(bucket, fifo, "k")))
    )
    worker.daemon = True
    before = len(cos_emulator.requests)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # blocked in open(): unblock it, then fail
        with open(fifo, "wb"):
            pass
        worker.join(30)
        pytest.fail("put_object_from_local_file blocked on a FIFO")
    (error,) = outcome
    assert type(error) is CosClientError
    assert str(error) == "LocalFilePath %r is a FIFO, not a regular file" % fifo
    assert cos_emulator.requests[before:] == []
    _untouched(client, bucket)


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs unix sockets")
def test_local_file_socket_is_refused(client, bucket, cos_emulator, tmp_path):
    path = str(tmp_path / "sock")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(path)
        before = len(cos_emulator.requests)
        with pytest.raises(OSError) as info:  # open() of a socket fails with ENXIO, naming the path
            client.put_object_from_local_file(bucket, path, "k")
        assert info.value.filename == path
        assert cos_emulator.requests[before:] == []
    finally:
        server.close()
    _untouched(client, bucket)


def _catch(call):
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
        return exc
    return None


def test_local_file_still_uploads(client, bucket, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    client.put_object_from_local_file(bucket, str(path), "f", EnableMD5=True)
    client.put_object_from_local_file(bucket, path, "g")  # os.PathLike
    assert client.get_object(bucket, "f")["Body"].read() == b"0123456789"
    assert client.get_object(bucket, "g")["Body"].read() == b"0123456789"


# -- get_object's StreamBody ----------------------------------------------------------------------


def test_stream_to_file_without_a_path_writes_nothing(client, bucket, tmp_path, monkeypatch):
    """get_stream_to_file(None) downloaded into a file named 'None_<uuid>', then raised TypeError."""
    client.put_object(bucket, b"hello", "k")
    monkeypatch.chdir(tmp_path)
    body = client.get_object(bucket, "k")["Body"]
    with pytest.raises(CosClientError) as info:
        body.get_stream_to_file(None)
    assert type(info.value) is CosClientError
    assert str(info.value) == "file_name must be a path (str, bytes or os.PathLike), not NoneType"
    assert os.listdir(tmp_path) == []
    body.get_stream_to_file(tmp_path / "out.bin")  # os.PathLike works
    assert (tmp_path / "out.bin").read_bytes() == b"hello"


@pytest.mark.parametrize("chunk_size", ["a", True, 1.5])
def test_stream_chunk_size_must_be_an_integer(client, bucket, chunk_size):
    client.put_object(bucket, b"hello", "k")
    body = client.get_object(bucket, "k")["Body"]
    with pytest.raises(CosClientError, match=r"^chunk_size must be an integer \(bytes per chunk\), not "):
        body.read(chunk_size)
    assert body.read() == b"hello"


# -- Bucket ---------------------------------------------------------------------------------------

BUCKET_NONE_CALLS = {
    "bucket_exists": lambda c: c.bucket_exists(None),
    "head_bucket": lambda c: c.head_bucket(None),
    "delete_bucket": lambda c: c.delete_bucket(None),
    "create_bucket": lambda c: c.create_bucket(None),
    "list_objects": lambda c: c.list_objects(None),
    "list_multipart_uploads": lambda c: c.list_multipart_uploads(None),
    "put_object": lambda c: c.put_object(None, b"x", "k"),
    "delete_object": lambda c: c.delete_object(None, "k"),
    "get_auth": lambda c: c.get_auth("GET", None, "k"),
    "get_presigned_url": lambda c: c.get_presigned_url(None, "k", "GET"),
    "get_object_url": lambda c: c.get_object_url(None, "k"),
}


@pytest.mark.parametrize("method", sorted(BUCKET_NONE_CALLS))
def test_bucket_none_is_refused(client, cos_emulator, method):
    """Bucket=None addressed the service endpoint: bucket_exists(None) was True, list_objects listed buckets."""
    _refused(
        cos_emulator,
        lambda: BUCKET_NONE_CALLS[method](client),
        r"^Bucket is required \(BucketName-APPID\): None would send this request to the service endpoint",
    )


def test_create_bucket_configuration(client, cos_emulator):
    name = "maz-%s-1250000000" % os.urandom(4).hex()
    for kwargs, match in [
        ({"BucketAZConfig": "maz"}, r"^BucketAZConfig must be 'MAZ' \(or None\), not 'maz'$"),
        ({"BucketAZConfig": "</BucketAZConfig><x>"}, r"^BucketAZConfig must be"),
        ({"BucketArchConfig": 5}, r"^BucketArchConfig must be 'OFS' \(or None\), not 5$"),
    ]:
        _refused(cos_emulator, lambda kw=kwargs: client.create_bucket(name, **kw), match)
    assert not client.bucket_exists(name)
    client.create_bucket(name, BucketAZConfig="MAZ")
    sent = cos_emulator.requests[-1]["headers"]
    assert sent["Content-Type"] == "application/xml" and "Content-MD5" in sent
    assert client.bucket_exists(name)
    client.delete_bucket(name)


def test_copy_source_endpoint_cannot_inject_headers(client, bucket, cos_emulator):
    source = {"Bucket": "src-1250000000", "Key": "k", "Endpoint": "cos.example.com\r\nX-Evil: 1"}
    _refused(
        cos_emulator,
        lambda: client.upload_part_copy(bucket, "k", 1, "UID", source),
        r"^CopySource must not contain CR, LF or NUL characters",
    )


def test_get_auth_expired_whole_float_is_seconds(client, bucket):
    fields = dict(pair.split("=", 1) for pair in client.get_auth("GET", bucket, "k", Expired=300.0).split("&"))
    start, end = fields["q-sign-time"].split(";")
    assert int(end) - int(start) == 300 + 60  # the window starts a minute early
    with pytest.raises(CosClientError, match=r"^Expired must be an integer of at least 1, not 300.5$"):
        client.get_auth("GET", bucket, "k", Expired=300.5)


def test_stream_to_a_directory_is_refused_before_downloading(client, bucket, tmp_path, cos_emulator):
    client.put_object(bucket, b"hello", "k")
    body = client.get_object(bucket, "k")["Body"]
    with pytest.raises(IsADirectoryError) as info:
        body.get_stream_to_file(str(tmp_path))
    assert info.value.filename == str(tmp_path)
    assert os.listdir(tmp_path) == []  # no temporary file left beside it either
    assert body.read() == b"hello"  # nothing was consumed
