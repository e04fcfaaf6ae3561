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
    return b''.join(iter(lambda: payload.read(3), b''))


def test_bytes_str_and_none():
    assert make_body(b'abc').length == 3
    assert make_body('héllo').length == 6
    assert make_body(None).length == 0
    assert make_body(bytearray(b'xy')).payload() == b'xy'


def test_file_from_offset_is_replayed_from_the_same_offset(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'0123456789')
    with open(path, 'rb') as fp:
        fp.seek(4)
        body = make_body(fp)
        assert body.length == 6
        assert _drain(body.payload()) == b'456789'
        assert body.sent_crc64() == crc64(b'456789')
        assert body.rewindable
        assert _drain(body.payload()) == b'456789'


def test_bytesio_md5_leaves_position():
    stream = io.BytesIO(b'0123456789')
    stream.seek(4)
    body = make_body(stream)
    assert body.content_md5() == '41z3tmRJ31Zfk8YH1agdCQ=='
    assert stream.tell() == 4


def test_generator_is_chunked_not_replayable_and_has_no_md5():
    body = make_body(iter([b'a', b'b']))
    assert body.length is None
    with pytest.raises(CosClientError, match='unsupported body type to calculate md5!'):
        body.content_md5()
    body.payload()
    assert not body.rewindable


def test_declared_length_turns_a_stream_into_a_sized_body():
    body = make_body(iter([b'ab', b'cd', b'e']))
    body.use_declared_length('5')
    assert body.length == 5
    assert _drain(body.payload()) == b'abcde'


def test_text_mode_file_rejected(tmp_path):
    path = tmp_path / 't'
    path.write_text('x')
    with open(path) as fp, pytest.raises(CosClientError, match='binary mode'):
        make_body(fp)


def test_size_limit():
    with pytest.raises(CosClientError, match='can not be larger than 5GB'):
        make_body(b'x' * 11, limit=10)


def test_file_that_shrinks_is_an_error(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'0123456789')
    with open(path, 'rb') as fp:
        body = make_body(fp)
        path.write_bytes(b'01')
        with pytest.raises(CosClientError, match='changed while uploading'):
            _drain(body.payload())


def test_crc64_vectors_and_combine():
    assert crc64(b'') == 0
    assert crc64(b'123456789') == 11051210869376104954
    assert crc64(b'hello') == 11177612005948864433
    assert crc64(b'6789', crc64(b'12345')) == crc64(b'123456789')
    assert combine(crc64(b'12345'), crc64(b'6789'), 4) == 11051210869376104954
    assert combine(crc64(b'a' * 1048576), crc64(b'b' * 10), 10) == 7220253992730643760


def test_response_headers_lookup_ignores_case_but_keeps_server_casing():
    headers = ResponseHeaders([('Etag', '"e"'), ('x-cos-request-id', 'r')])
    assert list(headers) == ['Etag', 'x-cos-request-id']
    assert headers['ETag'] == '"e"'
    assert headers.get('etag') == '"e"'
    assert 'ETAG' in headers
    assert headers.get('missing') is None
    with pytest.raises(KeyError):
        headers['missing']
