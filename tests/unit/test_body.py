"""Request bodies: lengths, replay, MD5, CRC of what was sent, size limit."""

import io

import pytest

from qcloud_cos import CosClientError
from qcloud_cos._body import make_body
from qcloud_cos._crc64 import combine, crc64
from qcloud_cos._http import ResponseHeaders


def _drain(payload):
    if isinstance(payload, bytes):
        return payload
    return b"".join(iter(lambda: payload.read(3), b""))


def test_bytes_str_and_none():
    assert make_body(b"abc").length == 3
    assert make_body("héllo").length == 6
    assert make_body(None).length == 0
    assert make_body(bytearray(b"xy")).payload() == b"xy"


def test_file_from_offset_is_replayed_from_the_same_offset(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    with open(path, "rb") as fp:
        fp.seek(4)
        body = make_body(fp)
        assert body.length == 6
        assert _drain(body.payload()) == b"456789"
        assert body.sent_crc64() == crc64(b"456789")
        assert body.rewindable
        assert _drain(body.payload()) == b"456789"


def test_bytesio_md5_leaves_position():
    stream = io.BytesIO(b"0123456789")
    stream.seek(4)
    body = make_body(stream)
    assert body.content_md5() == "41z3tmRJ31Zfk8YH1agdCQ=="
    assert stream.tell() == 4


def test_generator_is_chunked_not_replayable_and_has_no_md5():
    body = make_body(iter([b"a", b"b"]))
    assert body.length is None
    with pytest.raises(CosClientError, match="unsupported body type to calculate md5!"):
        body.content_md5()
    body.payload()
    assert not body.rewindable


def test_declared_length_turns_a_stream_into_a_sized_body():
    body = make_body(iter([b"ab", b"cd", b"e"]))
    body.use_declared_length("5")
    assert body.length == 5
    assert _drain(body.payload()) == b"abcde"


def test_text_mode_file_rejected(tmp_path):
    path = tmp_path / "t"
    path.write_text("x")
    with open(path) as fp, pytest.raises(CosClientError, match="binary mode"):
        make_body(fp)


def test_size_limit():
    with pytest.raises(CosClientError, match="can not be larger than 5GB"):
        make_body(b"x" * 11, limit=10)


def test_file_that_shrinks_is_an_error(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    with open(path, "rb") as fp:
        body = make_body(fp)
        path.write_bytes(b"01")
        with pytest.raises(CosClientError, match="changed while uploading"):
            _drain(body.payload())


def test_crc64_vectors_and_combine():
    assert crc64(b"") == 0
    assert crc64(b"123456789") == 11051210869376104954
    assert crc64(b"hello") == 11177612005948864433
    assert crc64(b"6789", crc64(b"12345")) == crc64(b"123456789")
    assert combine(crc64(b"12345"), crc64(b"6789"), 4) == 11051210869376104954
    assert combine(crc64(b"a" * 1048576), crc64(b"b" * 10), 10) == 7220253992730643760


def test_response_headers_lookup_ignores_case_but_keeps_server_casing():
    headers = ResponseHeaders([("Etag", '"e"'), ("x-cos-request-id", "r")])
    assert list(headers) == ["Etag", "x-cos-request-id"]
    assert headers["ETag"] == '"e"'
    assert headers.get("etag") == '"e"'
    assert "ETAG" in headers
    assert headers.get("missing") is None
    with pytest.raises(KeyError):
        headers["missing"]


# -- issue 7: bodies the client cannot send are refused clearly --------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ({"a": 1, "bc": 2}, "Body must be bytes, str, a binary file object or an iterable of bytes, not dict"),
        ({b"a"}, "Body must be bytes, str, a binary file object or an iterable of bytes, not set"),
        (frozenset(), "Body must be bytes, str, a binary file object or an iterable of bytes, not frozenset"),
        (1.5, "Body must be bytes, str, a binary file object or an iterable of bytes, not float"),
        ([1, 2, 3], "Body item 0 is int: an iterable body must yield bytes or str"),
        ((b"a", None), "Body item 1 is NoneType: an iterable body must yield bytes or str"),
    ],
)
def test_unsendable_bodies(body, message):
    with pytest.raises(CosClientError) as info:
        make_body(body)
    assert str(info.value) == message


def test_list_of_chunks_is_joined_and_replayable():
    body = make_body([b"ab", "c", bytearray(b"d"), memoryview(b"e")])
    assert body.length == 5 and body.rewindable
    assert body.payload() == b"abcde" and body.payload() == b"abcde"


def test_generator_items_are_checked_as_they_are_sent():
    def gen():
        yield "x"
        yield b"y"
        yield 7

    chunks = make_body(gen(), name="Data").payload()
    assert next(chunks) == b"x" and next(chunks) == b"y"  # str is sent as UTF-8
    with pytest.raises(CosClientError, match=r"^Data item 2 is int: an iterable body must yield bytes or str$"):
        next(chunks)


def test_closed_and_write_only_files(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"data")
    with open(path, "rb") as fp:
        pass
    with pytest.raises(CosClientError, match=r"^Body is a closed file$"):
        make_body(fp)
    with open(path, "ab") as fp, pytest.raises(CosClientError, match=r"^Body is not readable"):
        make_body(fp)


class _Broken(io.RawIOBase):
    def readable(self):
        return True

    def readinto(self, buffer):
        raise OSError(5, "Input/output error")


def test_read_errors_are_client_errors_not_network_errors():
    """An OSError from the body inside urllib3 looked like a dropped connection and was retried."""
    chunks = make_body(_Broken()).payload()
    with pytest.raises(CosClientError, match=r"^cannot read Body: \[Errno 5\] Input/output error$") as info:
        next(iter(chunks))
    assert not isinstance(info.value, OSError)


def test_read_returning_text_is_refused():
    class TextReader:
        def read(self, size=-1):
            return "text"

    with pytest.raises(CosClientError, match=r"^Body must be opened in binary mode \(read\(\) returned str\)$"):
        next(iter(make_body(TextReader()).payload()))


@pytest.mark.parametrize("declared", [-5, "-5", "abc", 1.5, True, "", " ", "\u0661"])
def test_declared_length_must_be_a_byte_count(declared):
    body = make_body(iter([b"abc"]))
    with pytest.raises(CosClientError, match=r"^ContentLength must be a non-negative integer, not "):
        body.use_declared_length(declared)


def test_declared_length_shorter_or_longer_than_the_stream():
    body = make_body(iter([b"abc", b"def"]))
    body.use_declared_length(3)
    reader = body.payload()
    with pytest.raises(CosClientError, match=r"^Body has more bytes than ContentLength=3$"):
        reader.read(3)  # refused before the last byte is handed out
    body = make_body(iter([b"ab"]))
    body.use_declared_length("4")
    reader = body.payload()
    assert reader.read(4) == b"ab"
    with pytest.raises(CosClientError, match=r"^Body ended 2 bytes short of ContentLength=4$"):
        reader.read(4)


def test_declared_length_is_ignored_for_a_body_of_known_length():
    body = make_body(b"abc")
    body.use_declared_length("999")  # the official SDK sends the real length too (golden vector)
    assert body.length == 3


# -- local files ---------------------------------------------------------------------------------


def test_open_local_file_regular(tmp_path):
    from qcloud_cos._body import open_local_file

    path = tmp_path / "f"
    path.write_bytes(b"abc")
    with open_local_file(path) as fp:
        assert fp.read() == b"abc"


def test_open_local_file_refuses_non_files(tmp_path):
    import os

    from qcloud_cos._body import open_local_file

    with pytest.raises(
        CosClientError,
        match=r"^LocalFilePath must be a path \(str, bytes or os.PathLike\), "
        r"not NoneType$",
    ):
        open_local_file(None)
    with pytest.raises(IsADirectoryError) as info:
        open_local_file(str(tmp_path))
    assert info.value.filename == str(tmp_path)
    with pytest.raises(FileNotFoundError):
        open_local_file(str(tmp_path / "missing"))
    if hasattr(os, "mkfifo"):
        fifo = str(tmp_path / "fifo")
        os.mkfifo(fifo)
        with pytest.raises(CosClientError) as info:
            open_local_file(fifo)  # must not block waiting for a writer
        assert str(info.value) == "LocalFilePath %r is a FIFO, not a regular file" % fifo
    if os.path.exists("/dev/null"):
        with pytest.raises(CosClientError, match=r"^LocalFilePath '/dev/null' is a character device"):
            open_local_file("/dev/null")


# -- keys and header values ----------------------------------------------------------------------


def test_object_keys():
    from qcloud_cos._endpoint import copy_source_key, object_key, signing_key

    assert object_key("a/b") == "a/b"
    assert object_key("\u4e2d".encode("utf-8")) == "\u4e2d"
    assert object_key("//") == "//"  # the object named '/', not the bucket
    for bad, message in [
        (None, "Key is required: None would make this a request on the bucket, not on an object"),
        ("", "Key is required not empty"),
        ("/", "Key '/' is invalid: it names the bucket, not an object"),
        (1, "Key must be a string, not int"),
        ("a\udc80", "Key 'a\\udc80' is invalid: your unicode strings can not encoded in utf8, utf8 support only!"),
    ]:
        with pytest.raises(CosClientError) as info:
            object_key(bad)
        assert str(info.value) == message
    assert signing_key("/") == "/"
    with pytest.raises(CosClientError, match=r"^Key is required \(Key='/' means the bucket itself\)$"):
        signing_key(None)
    assert copy_source_key("/a") == "a"
    with pytest.raises(CosClientError, match=r"^Key is required not empty$"):
        copy_source_key("/")


def test_request_headers_checks_every_value():
    from qcloud_cos._headers import request_headers

    ok = request_headers(
        {
            "ContentType": "text/plain",
            "TrafficLimit": 819200,
            "CacheControl": None,
            "Metadata": {"x-cos-meta-a": "\u540d", "x-cos-meta-b": 2},
            "ContentLength": "3",
        }
    )
    assert ok == {
        "Content-Type": "text/plain",
        "x-cos-traffic-limit": 819200,
        "Cache-Control": None,
        "x-cos-meta-a": "\u540d",
        "x-cos-meta-b": 2,
        "Content-Length": "3",
    }
    for kwargs, message in [
        ({"ContentType": ["a"]}, "ContentType must be a string, not list (['a'])"),
        ({"ACL": True}, "ACL must be a string, not bool (True)"),
        ({"ContentType": "a\r\nb"}, "ContentType must not contain CR, LF or NUL characters: 'a\\r\\nb'"),
        (
            {"Metadata": {"x-cos-meta-\u540d": "v"}},
            "Metadata name 'x-cos-meta-\u540d' is not ASCII: HTTP header names must be ASCII "
            "(non-ASCII text is allowed in the value)",
        ),
        (
            {"Metadata": {b"x-cos-meta-a": "v"}},
            "Metadata names must be strings (x-cos-meta-*), not bytes (b'x-cos-meta-a')",
        ),
        ({"ContentLength": -5}, "ContentLength must be a non-negative integer, not -5"),
        ({"Foo": "x"}, "No Parameter Named Foo Please Check It"),
    ]:
        with pytest.raises(CosClientError) as info:
            request_headers(kwargs)
        assert str(info.value) == message


def test_official_mapped_helper_is_unchanged():
    """cos_comm.mapped (the official helper) maps without judging values, as the official one does."""
    from qcloud_cos.cos_comm import mapped

    assert mapped({"ContentType": ["a"]}) == {"Content-Type": ["a"]}


def test_md5_read_error_is_a_client_error():
    class FailingBytesIO(io.BytesIO):
        def read(self, size=-1):
            raise OSError(5, "Input/output error")

    body = make_body(FailingBytesIO(b"abc"))
    with pytest.raises(CosClientError, match=r"^cannot read Body: \[Errno 5\] Input/output error$"):
        body.content_md5()


@pytest.mark.parametrize("name", ["SSECustomerKey", "CopySourceSSECustomerKey"])
@pytest.mark.parametrize("value", [["s3cr3t-key"], "s3cr3t-key\r\n", True, b"\xffs3cr3t-key"])
def test_bad_secret_header_values_are_not_shown(name, value):
    from qcloud_cos._headers import request_headers

    with pytest.raises(CosClientError) as info:
        request_headers({name: value})
    message = str(info.value)
    assert message.startswith(name + " ") and "***" in message
    assert "s3cr3t" not in message and "True" not in message
