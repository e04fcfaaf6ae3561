"""CosConfig rules beyond the golden vectors: the endpoint environment variable, credentials."""
import pytest

from qcloud_cos import CosClientError, CosConfig, CosS3Client
from qcloud_cos._config import ENDPOINT_URL_ENV
from tests.interop.recorder import recording_session

KEYS = dict(Region='ap-beijing', SecretId='AKIDEXAMPLE', SecretKey='SECRETEXAMPLE')


def _put(conf, **kwargs):
    session, adapter = recording_session()
    CosS3Client(conf, session=session).put_object('examplebucket-1250000000', b'abc', 'k', **kwargs)
    return adapter.requests[-1]


def test_endpoint_env_unset_changes_nothing(monkeypatch):
    monkeypatch.delenv(ENDPOINT_URL_ENV, raising=False)
    wire = _put(CosConfig(**KEYS))
    assert wire['url'] == 'https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/k'
    assert 'Host' not in wire['headers']


def test_endpoint_env_redirects_connection_but_not_host_or_signature(monkeypatch):
    monkeypatch.setenv(ENDPOINT_URL_ENV, 'http://127.0.0.1:9876')
    conf = CosConfig(Scheme='https', **KEYS)
    assert conf._scheme == 'http'
    wire = _put(conf)
    assert wire['url'] == 'http://127.0.0.1:9876/k'
    assert wire['headers']['Host'] == 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com'
    assert 'q-header-list=content-length;host&' in wire['headers']['Authorization']


def test_endpoint_env_rejects_garbage(monkeypatch):
    monkeypatch.setenv(ENDPOINT_URL_ENV, 'not a url')
    with pytest.raises(CosClientError, match=ENDPOINT_URL_ENV):
        CosConfig(**KEYS)


class _Creds:
    def __init__(self):
        self.secret_id, self.secret_key, self.token = 'AKIDTEMP', 'TEMPKEY', 'TEMPTOKEN'


def test_credential_instance_is_read_per_request_and_its_token_is_sent():
    creds = _Creds()
    conf = CosConfig(Region='ap-beijing', CredentialInstance=creds)
    wire = _put(conf)
    assert 'q-ak=AKIDTEMP&' in wire['headers']['Authorization']
    assert wire['headers']['x-cos-security-token'] == 'TEMPTOKEN'
    creds.secret_id, creds.token = 'AKIDROTATED', 'NEWTOKEN'
    wire = _put(conf)
    assert 'q-ak=AKIDROTATED&' in wire['headers']['Authorization']
    assert wire['headers']['x-cos-security-token'] == 'NEWTOKEN'


def test_set_credential_without_token_works():
    conf = CosConfig(**KEYS)
    conf.set_credential('AKIDNEW', 'NEWKEY')
    assert 'q-ak=AKIDNEW&' in _put(conf)['headers']['Authorization']


def test_pinned_module_path():
    assert CosConfig.__module__ == 'qcloud_cos.cos_client'


def test_metadata_must_be_a_dict():
    with pytest.raises(CosClientError, match='Metadata'):
        _put(CosConfig(**KEYS), Metadata='x-cos-meta-a: 1')
