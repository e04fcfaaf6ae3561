"""CosConfig rules beyond the golden vectors: the endpoint environment variable, credentials."""

import pytest

from qcloud_cos import CosClientError, CosConfig, CosS3Client
from qcloud_cos._config import ENDPOINT_URL_ENV
from tests.interop.recorder import recording_session

KEYS = dict(Region="ap-beijing", SecretId="AKIDEXAMPLE", SecretKey="SECRETEXAMPLE")


def _put(conf, **kwargs):
    session, adapter = recording_session()
    CosS3Client(conf, session=session).put_object("examplebucket-1250000000", b"abc", "k", **kwargs)
    return adapter.requests[-1]


def test_endpoint_env_unset_changes_nothing(monkeypatch):
    monkeypatch.delenv(ENDPOINT_URL_ENV, raising=False)
    wire = _put(CosConfig(**KEYS))
    assert wire["url"] == "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/k"
    assert "Host" not in wire["headers"]


def test_endpoint_env_redirects_connection_but_not_host_or_signature(monkeypatch):
    monkeypatch.setenv(ENDPOINT_URL_ENV, "http://127.0.0.1:9876")
    conf = CosConfig(Scheme="https", **KEYS)
    assert conf._scheme == "http"
    wire = _put(conf)
    assert wire["url"] == "http://127.0.0.1:9876/k"
    assert wire["headers"]["Host"] == "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
    assert "q-header-list=content-length;host&" in wire["headers"]["Authorization"]


def test_endpoint_env_rejects_garbage(monkeypatch):
    monkeypatch.setenv(ENDPOINT_URL_ENV, "not a url")
    with pytest.raises(CosClientError, match=ENDPOINT_URL_ENV):
        CosConfig(**KEYS)


class _Creds:
    def __init__(self):
        self.secret_id, self.secret_key, self.token = "AKIDTEMP", "TEMPKEY", "TEMPTOKEN"


def test_credential_instance_is_read_per_request_and_its_token_is_sent():
    creds = _Creds()
    conf = CosConfig(Region="ap-beijing", CredentialInstance=creds)
    wire = _put(conf)
    assert "q-ak=AKIDTEMP&" in wire["headers"]["Authorization"]
    assert wire["headers"]["x-cos-security-token"] == "TEMPTOKEN"
    creds.secret_id, creds.token = "AKIDROTATED", "NEWTOKEN"
    wire = _put(conf)
    assert "q-ak=AKIDROTATED&" in wire["headers"]["Authorization"]
    assert wire["headers"]["x-cos-security-token"] == "NEWTOKEN"


def test_set_credential_without_token_works():
    conf = CosConfig(**KEYS)
    conf.set_credential("AKIDNEW", "NEWKEY")
    assert "q-ak=AKIDNEW&" in _put(conf)["headers"]["Authorization"]


def test_pinned_module_path():
    assert CosConfig.__module__ == "qcloud_cos.cos_client"


def test_metadata_must_be_a_dict():
    with pytest.raises(CosClientError, match="Metadata"):
        _put(CosConfig(**KEYS), Metadata="x-cos-meta-a: 1")


# -- transport parameters are refused at construction, naming the parameter -----------------
@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        (dict(Timeout=-1), "Timeout"),
        (dict(Timeout=0), "Timeout"),
        (dict(Timeout="abc"), "Timeout"),
        (dict(Timeout=float("nan")), "Timeout"),
        (dict(Timeout=True), "Timeout"),
        (dict(Timeout=(1, "x")), "Timeout"),
        (dict(Timeout=(1, 2, 3)), "Timeout"),
        (dict(Proxies="str"), "Proxies must be a dict"),
        (dict(Proxies={"http": 3128}), "Proxies"),
        (dict(Port="abc"), "Port"),
        (dict(Port=0), "Port"),
        (dict(Port=70000), "Port"),
        (dict(Port=True), "Port"),
        (dict(Port=9000.5), "Port"),
        (
            dict(IP="127.0.0.1:9000"),
            r"IP='127\.0\.0\.1:9000' must not contain a port: pass IP='127\.0\.0\.1', Port=9000",
        ),
        (dict(IP="::1"), r"IPv6 address in brackets, e\.g\. IP='\[::1\]'"),
        (dict(IP="127.0.0.1/x"), "IP"),
        (dict(PoolMaxSize=0), "PoolMaxSize"),
        (dict(PoolMaxSize="x"), "PoolMaxSize"),
        (dict(PoolConnections=-2), "PoolConnections"),
        (dict(Endpoint="cos.example.com/path"), "Endpoint"),
        (dict(Endpoint="127.0.0.1:99999"), "Endpoint"),
        (dict(Domain="my.cdn.com/x"), "Domain"),
        (
            dict(Domain="https://my.cdn.com"),
            r"Domain='https://my\.cdn\.com' is a URL.*pass Domain='my\.cdn\.com', Scheme='https'",
        ),
        (dict(Endpoint="https://cos.example.com"), r"pass Endpoint='cos\.example\.com', Scheme='https'"),
    ],
)
def test_bad_transport_parameters_are_refused(kwargs, pattern):
    with pytest.raises(CosClientError, match=pattern):
        CosConfig(**dict(KEYS, **kwargs))


@pytest.mark.parametrize("name", ["Endpoint", "IP", "EndpointCi"])
def test_a_url_where_a_host_is_expected_says_how_to_reach_a_local_server(name):
    with pytest.raises(CosClientError) as info:
        CosConfig(**dict(KEYS, **{name: "http://127.0.0.1:9000"}))
    message = str(info.value)
    assert "%s='http://127.0.0.1:9000' is a URL" % name in message
    assert "CosConfig(IP='127.0.0.1', Port=9000, Scheme='http', Region=" in message
    assert ENDPOINT_URL_ENV + "=http://127.0.0.1:9000" in message


def test_a_url_as_region_keeps_the_official_message_and_adds_the_hint():
    with pytest.raises(CosClientError) as info:
        CosConfig(Region="http://127.0.0.1:9000", SecretId="a", SecretKey="b")
    message = str(info.value)
    assert message.startswith("region format is illegal, only digit, letter and - is allowed!")
    assert "IP='127.0.0.1', Port=9000" in message and ENDPOINT_URL_ENV in message


def test_official_scheme_message_is_kept():
    with pytest.raises(CosClientError) as info:
        CosConfig(Scheme="HTTP", **KEYS)
    assert str(info.value) == "Scheme can be only set to http/https"


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(Timeout=5),
        dict(Timeout=0.5),
        dict(Timeout=(3, 30)),
        dict(Timeout=(3, None)),
        dict(Timeout=None),
        dict(Proxies={"http": "http://proxy:3128", "https": None}),
        dict(Proxies={}),
        dict(Endpoint="127.0.0.1:9000"),
        dict(Endpoint="cos.example.com:8080"),
        dict(IP="127.0.0.1", Port=9000),
        dict(IP="[::1]", Port=9000),
        dict(Port="9000"),
        dict(Domain="localhost:9000"),
        dict(PoolMaxSize=1, PoolConnections=1),
    ],
)
def test_good_transport_parameters_are_accepted(kwargs):
    CosConfig(**dict(KEYS, **kwargs))


def test_endpoint_host_port_is_used_verbatim():
    wire = _put(CosConfig(Endpoint="127.0.0.1:9876", SecretId="a", SecretKey="b", Scheme="http"))
    assert wire["url"] == "http://examplebucket-1250000000.127.0.0.1:9876/k"


def test_set_ip_port_is_validated_too():
    conf = CosConfig(**KEYS)
    with pytest.raises(CosClientError, match="must not contain a port"):
        conf.set_ip_port("127.0.0.1:9000")
    with pytest.raises(CosClientError, match="Port"):
        conf.set_ip_port("127.0.0.1", "x")
    conf.set_ip_port("127.0.0.1", 9000)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:abc",
        "http://127.0.0.1:9000/some/path",
        "ftp://127.0.0.1:9000",
        "http://user:pw@127.0.0.1:9000",
    ],
)
def test_endpoint_env_rejects_urls_it_cannot_honour(monkeypatch, url):
    monkeypatch.setenv(ENDPOINT_URL_ENV, url)
    with pytest.raises(CosClientError, match=ENDPOINT_URL_ENV) as info:
        CosConfig(**KEYS)
    assert "pw" not in str(info.value)


def test_endpoint_env_with_ipv6(monkeypatch):
    monkeypatch.setenv(ENDPOINT_URL_ENV, "http://[::1]:9876")
    wire = _put(CosConfig(**KEYS))
    assert wire["url"] == "http://[::1]:9876/k"


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        (dict(VerifySSL="/nonexistent/ca.pem"), "VerifySSL"),
        (dict(VerifySSL="yes"), "VerifySSL"),
        (dict(VerifySSL=1.5), "VerifySSL"),
        (dict(SSLCert="/nonexistent/cert.pem"), "SSLCert"),
        (dict(SSLCert=("/nonexistent/cert.pem", "/nonexistent/key.pem")), "SSLCert"),
        (dict(SSLCert=3), "SSLCert"),
    ],
)
def test_bad_tls_parameters_are_refused(kwargs, pattern):
    """requests would raise a bare OSError at the first https request."""
    with pytest.raises(CosClientError, match=pattern):
        CosConfig(**dict(KEYS, **kwargs))


def test_good_tls_parameters_are_accepted(tmp_path):
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("x")
    for kwargs in (
        dict(VerifySSL=True),
        dict(VerifySSL=False),
        dict(VerifySSL=str(tmp_path)),
        dict(VerifySSL=str(cert)),
        dict(SSLCert=str(cert)),
        dict(SSLCert=(str(cert), str(key))),
    ):
        CosConfig(**dict(KEYS, **kwargs))


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        # each of these escaped as a raw UnicodeDecodeError / AttributeError / OverflowError, or hung
        (dict(Appid=b"\xff\xfe"), r"^Appid must be text"),
        (dict(SecretId=b"\xff\xfe"), r"^SecretId must be text"),
        (dict(SecretKey=b"\xff\xfe"), r"^SecretKey must be text"),
        (dict(Token=b"\xff\xfe"), r"^Token must be text"),
        (dict(IP=b"\xff\xfe"), r"^IP must be text"),
        (dict(SecretKey=-1), r"^SecretKey must be a string, not int$"),
        (dict(SecretKey=3.5), r"^SecretKey must be a string, not float$"),
        (dict(SecretId=object()), r"^SecretId must be a string, not object$"),
        (dict(SecretId=None, SecretKey=None, Secret_id="a", Secret_key=True), r"^Secret_key must be a string"),
        (dict(Timeout=10**30), r"^Timeout must be a number of seconds > 0 \(at most"),
        (dict(Timeout=(5, 10**30)), r"^Timeout must be"),
        (dict(PoolMaxSize=10**30), r"^PoolMaxSize must be an int from 1 to 10000"),  # hung filling the pool
        (dict(PoolConnections=10**30), r"^PoolConnections must be an int from 1 to 10000"),
    ],
)
def test_odd_values_found_by_probing_are_refused(kwargs, pattern):
    with pytest.raises(CosClientError, match=pattern):
        CosConfig(**dict(KEYS, **kwargs))


def test_utf8_bytes_credentials_still_work():
    conf = CosConfig(**dict(KEYS, SecretId=b"SecretId", SecretKey=b"SecretKey", Token=b"tok", Appid=b"125"))
    assert conf._secret_id == "SecretId" and conf._token == "tok" and conf._appid == "125"
