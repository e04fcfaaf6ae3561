"""The remembered requests environment settings stay exactly what requests would compute."""

import requests

from qcloud_cos import _http

URL = "http://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/k"


def _both(session, url=URL, **kwargs):
    args = dict(proxies={}, stream=False, verify=None, cert=None)
    args.update(kwargs)
    ours = _http.environment_settings(session, url, **args)
    plain = session.merge_environment_settings(url, args["proxies"], args["stream"], args["verify"], args["cert"])
    return ours, plain


def test_same_as_requests_and_follows_the_environment(monkeypatch):
    for name in _http._SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    session = requests.Session()
    ours, plain = _both(session)
    assert ours == plain and not ours["proxies"]
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    ours, plain = _both(session)
    assert ours == plain and ours["proxies"]["http"] == "http://proxy.example:3128"
    monkeypatch.setenv("NO_PROXY", "myqcloud.com")
    ours, plain = _both(session)
    assert ours == plain and "http" not in ours["proxies"]
    ours, plain = _both(session, stream=True, verify="/etc/ssl/ca.pem", proxies={"https": "http://p:1"})
    assert ours == plain


def test_session_settings_and_returned_dicts_are_not_shared(monkeypatch):
    for name in _http._SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    session = requests.Session()
    first = _http.environment_settings(session, URL, proxies={}, stream=False, verify=None, cert=None)
    first["proxies"]["http"] = "http://tampered:1"
    again = _http.environment_settings(session, URL, proxies={}, stream=False, verify=None, cert=None)
    assert "http" not in again["proxies"]
    session.trust_env = False
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    ours, plain = _both(session)
    assert ours == plain and "http" not in ours["proxies"]
