"""Our short way to a PreparedRequest gives what requests' Session.prepare_request gives."""

import io

import pytest
import requests

from qcloud_cos import _http

CASES = [
    dict(method="put", url="http://b-1250000000.cos.ap-beijing.myqcloud.com/a%20b", params={}, data=b"x"),
    dict(
        method="PUT",
        url="https://b-1250000000.cos.ap-beijing.myqcloud.com/k",
        params={"partNumber": "3", "uploadId": "1a2b"},
        data=io.BytesIO(b"part"),
    ),
    dict(method="GET", url="http://10.0.0.1:8080/", params={"prefix": "a/ b", "max-keys": "10"}, data=None),
    dict(method="HEAD", url="http://b-1250000000.cos.ap-beijing.myqcloud.com/%E4%B8%AD", params={}, data=None),
    dict(method="POST", url="http://b-1250000000.cos.ap-beijing.myqcloud.com/?delete", params={}, data=b"<Delete/>"),
]
HEADERS = {
    "User-Agent": "cos-python-sdk-v1.9.44",
    "Content-Type": "application/xml",
    "x-cos-meta-a": "1",
    "accept-encoding": "identity",  # overrides the session's, keeping the session's place
    "Host": "b-1250000000.cos.ap-beijing.myqcloud.com",
}


def _view(prepared):
    return (
        prepared.method,
        prepared.url,
        list(prepared.headers.items()),
        prepared.body,
        {k: len(v) for k, v in prepared.hooks.items()},
    )


@pytest.mark.parametrize("case", CASES, ids=[c["method"] + " " + c["url"][:40] for c in CASES])
def test_same_as_session_prepare_request(case, monkeypatch, tmp_path):
    (tmp_path / ".netrc").write_text("machine b-1250000000.cos.ap-beijing.myqcloud.com login u password p\n")
    monkeypatch.setenv("HOME", str(tmp_path))  # requests' own way adds the netrc's Basic auth ...
    session = requests.Session()
    ours = _http.prepare_request(session, headers=dict(HEADERS), **case)
    theirs = session.prepare_request(requests.Request(headers=dict(HEADERS), **case))
    theirs.headers.pop("Authorization", None)  # ... which our signature always replaces
    assert _view(ours) == _view(theirs)


def test_session_cookies_still_go_out():
    session = requests.Session()
    session.cookies.set("lb", "node7", domain="b-1250000000.cos.ap-beijing.myqcloud.com")
    prepared = _http.prepare_request(
        session,
        method="GET",
        url="http://b-1250000000.cos.ap-beijing.myqcloud.com/k",
        params={},
        headers={"User-Agent": "x"},
        data=None,
    )
    assert prepared.headers["Cookie"] == "lb=node7"
