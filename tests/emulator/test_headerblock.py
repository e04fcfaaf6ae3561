"""The emulator's own header-block reader (``_headerblock``) and the server refusals built on it."""

import io
import socket

import pytest

from qcloud_cos.emulator._headerblock import MAX_HEADERS, MAX_LINE, HeaderBlockError, read_headers


def _read(raw: bytes):
    return read_headers(io.BytesIO(raw))


def test_names_are_case_insensitive_first_wins_and_items_keep_every_header_in_order():
    h = _read(b"Host: b-1.cos.ap-guangzhou.myqcloud.com\r\nX-Cos-Meta-A: 1\r\nx-cos-meta-a: 2\r\n\r\nBODY")
    assert h.get("HOST") == "b-1.cos.ap-guangzhou.myqcloud.com"
    assert h["x-cos-meta-a"] == "1"
    assert h.items() == [("Host", "b-1.cos.ap-guangzhou.myqcloud.com"), ("X-Cos-Meta-A", "1"), ("x-cos-meta-a", "2")]
    assert h.get("Missing") is None and h.get("Missing", "d") == "d" and "host" in h


def test_the_block_stops_at_the_empty_line_and_leaves_the_body_unread():
    stream = io.BytesIO(b"A: 1\n\nrest")
    assert read_headers(stream).items() == [("A", "1")]
    assert stream.read() == b"rest"


def test_leading_blanks_go_trailing_ones_stay_and_latin1_bytes_survive():
    h = _read(b"A: \t x y \r\nB:\r\nC: caf\xe9\r\n\r\n")
    assert h.items() == [("A", "x y "), ("B", ""), ("C", "caf\xe9")]


def test_a_folded_line_continues_the_previous_value_as_the_email_package_joins_it():
    assert _read(b"A: one\r\n  two\r\nB: 3\r\n\r\n").items() == [("A", "one\r\n  two"), ("B", "3")]


@pytest.mark.parametrize(
    "raw", [b"no colon here\r\n\r\n", b"Host : x\r\n\r\n", b": x\r\n\r\n", b" folded first\r\n\r\n"]
)
def test_a_line_that_is_no_header_is_refused(raw):
    with pytest.raises(HeaderBlockError) as info:
        _read(raw)
    assert info.value.status == 400


def test_limits_on_line_length_and_header_count():
    with pytest.raises(HeaderBlockError) as info:
        _read(b"A: " + b"x" * MAX_LINE + b"\r\n\r\n")
    assert (info.value.status, info.value.message) == (431, "Line too long")
    many = b"".join(b"H%d: v\r\n" % i for i in range(MAX_HEADERS + 1)) + b"\r\n"
    with pytest.raises(HeaderBlockError) as info:
        _read(many)
    assert (info.value.status, info.value.message) == (431, "Too many headers")
    assert len(_read(many[many.index(b"H1:") :])) == MAX_HEADERS


def _exchange(emulator, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


def test_a_bad_header_line_gets_cos_xml_error_not_a_silently_shortened_header_block(cos_emulator):
    answer = _exchange(cos_emulator, b"GET / HTTP/1.1\r\nHost: localhost\r\nbroken line\r\nAuthorization: x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"<Code>InvalidRequest</Code>" in body


@pytest.mark.parametrize(
    "line, status",
    [(b"GET / HTTP/2.0", b"505"), (b"GET / HTTP/x", b"400"), (b"PUT /k", b"400"), (b"GET / HTTP/1.1 extra", b"400")],
)
def test_request_line_refusals_stay_those_of_http_server(cos_emulator, line, status):
    answer = _exchange(cos_emulator, line + b"\r\nHost: localhost\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:80]
    assert b"<Error>" in answer
