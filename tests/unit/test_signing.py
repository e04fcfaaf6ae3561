"""The pure signer against Tencent's documented examples and the official SDK's worked examples."""

import hashlib
import hmac

import pytest

from qcloud_cos import _signing

DOC_ID = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
DOC_KEY = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"
DOC_HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"


def _field(auth, name):
    return dict(pair.split("=", 1) for pair in auth.split("&"))[name]


def test_doc_upload_example():
    headers = [
        ("Content-Length", "13"),
        ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
        ("Content-Type", "text/plain"),
        ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
        ("Host", DOC_HOST),
        ("x-cos-acl", "private"),
        ("x-cos-grant-read", 'uin="100000000011"'),
    ]
    path = "/exampleobject(腾讯云)"
    http_string = _signing.format_string(method="PUT", path=path, params=[], headers=headers)
    assert hashlib.sha1(http_string.encode()).hexdigest() == "8b2751e77f43a0995d6e9eb9477f4b685cca4172"
    auth = _signing.authorization(
        secret_id=DOC_ID,
        secret_key=DOC_KEY,
        method="PUT",
        path=path,
        params=[],
        headers=headers,
        start=1557989151,
        end=1557996351,
    )
    assert (
        _field(auth, "q-header-list") == "content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read"
    )
    assert _field(auth, "q-signature") == "3b8851a11a569213c17ba8fa7dcf2abec6935172"
    sign_key = hmac.new(DOC_KEY.encode(), b"1557989151;1557996351", hashlib.sha1).hexdigest()
    assert sign_key == "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f"


def test_doc_download_example():
    params = [("response-content-type", "application/octet-stream"), ("response-cache-control", "max-age=600")]
    headers = [("Date", "Thu, 16 May 2019 06:55:53 GMT"), ("Host", DOC_HOST)]
    path = "/exampleobject(腾讯云)"
    http_string = _signing.format_string(method="GET", path=path, params=params, headers=headers)
    assert hashlib.sha1(http_string.encode()).hexdigest() == "54ecfe22f59d3514fdc764b87a32d8133ea611e6"
    auth = _signing.authorization(
        secret_id=DOC_ID,
        secret_key=DOC_KEY,
        method="GET",
        path=path,
        params=params,
        headers=headers,
        start=1557989753,
        end=1557996953,
    )
    assert _field(auth, "q-url-param-list") == "response-cache-control;response-content-type"
    assert _field(auth, "q-signature") == "01681b8c9d798a678e43b685a9f1bba0f6c0e012"


def test_official_worked_example_put_with_token():
    """official-sdk.md §4.1: the full Authorization string, field order included."""
    headers = _signing.signed_headers(
        headers={
            "User-Agent": "cos-python-sdk-v5.1.9.44",
            "Content-Type": b"text/plain",
            "x-cos-meta-k": b"v",
            "x-cos-security-token": b"TOKEN123",
            "Content-Length": "5",
            "Accept": "*/*",
            "Connection": "keep-alive",
        },
        url="https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dir/a%20b%2Bc.txt",
        sign_host=True,
    )
    start, end = _signing.time_window(now=1700000000, expire=10000)
    auth = _signing.authorization(
        secret_id="AKIDEXAMPLE",
        secret_key="SECRETEXAMPLE",
        method="PUT",
        path=_signing.sign_path("dir/a b+c.txt"),
        params=[],
        headers=headers,
        start=start,
        end=end,
    )
    assert auth == (
        "q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=1699999940;1700010000"
        "&q-key-time=1699999940;1700010000"
        "&q-header-list=content-length;content-type;host;x-cos-meta-k;x-cos-security-token"
        "&q-url-param-list=&q-signature=3bafbd41eb476bb0f0897039a372f75dcb9fb8f9"
    )


def test_official_worked_example_upload_part():
    """official-sdk.md §4.2: params are lower-cased in the list and the HttpString."""
    headers = [
        ("Content-Length", "5"),
        ("Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="),
        ("host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"),
    ]
    params = [("partNumber", 1), ("uploadId", "UID")]
    http_string = _signing.format_string(method="PUT", path="/a b.txt", params=params, headers=headers)
    assert http_string.split("\n")[2] == "partnumber=1&uploadid=UID"
    assert hashlib.sha1(http_string.encode()).hexdigest() == "b969cb05ea1357d2b80772e060c87ee4eee6a0cb"
    auth = _signing.authorization(
        secret_id="AKIDEXAMPLE",
        secret_key="SECRETEXAMPLE",
        method="PUT",
        path="/a b.txt",
        params=params,
        headers=headers,
        start=1699999940,
        end=1700010000,
    )
    assert auth.endswith(
        "&q-header-list=content-length;content-md5;host"
        "&q-url-param-list=partnumber;uploadid"
        "&q-signature=70d77c679cb115964fb6fcb1816e8409540c3c20"
    )


@pytest.mark.parametrize(
    "raw, encoded",
    [
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("a/b", "a%2Fb"),
        ("k=v;x", "k%3Dv%3Bx"),
        ('"q"', "%22q%22"),
        ("100%", "100%25"),
        ("中", "%E4%B8%AD"),
        (b"\xe4\xb8\xad", "%E4%B8%AD"),
        (5, "5"),
        ("-_.~", "-_.~"),
    ],
)
def test_value_encoding(raw, encoded):
    assert _signing.canonical([("n", raw)])[1] == "n=" + encoded


def test_names_lowercased_after_encoding_last_duplicate_wins():
    names, joined = _signing.canonical([("X-Cos-A", "1"), ("x-cos-a", "2"), ("Content-Type", "T")])
    assert names == "content-type;x-cos-a"
    assert joined == "content-type=T&x-cos-a=2"


def test_filter_headers_keeps_only_signed_ones():
    kept = dict(
        _signing.filter_headers(
            {
                "User-Agent": "ua",
                "Accept": "*/*",
                "Content-Language": "zh",
                "Authorization": "x",
                "Content-Type": "t",
                "x-cos-meta-a": "1",
                "X-CI-Foo": "2",
                "Range": "bytes=0-1",
                "Referer": "r",
            }
        )
    )
    assert set(kept) == {"Content-Type", "x-cos-meta-a", "X-CI-Foo", "Range"}


def test_host_from_url_is_lowercase_without_port_unless_explicit():
    assert _signing.signed_headers(headers={}, url="http://Local.Host:9000/k", sign_host=True) == [
        ("host", "local.host")
    ]
    assert _signing.signed_headers(headers={"Host": "Custom.Example.com"}, url="http://x/k", sign_host=True) == [
        ("Host", "Custom.Example.com")
    ]
    assert _signing.signed_headers(headers={}, url="http://x/k", sign_host=False) == []


@pytest.mark.parametrize(
    "key, path",
    [
        (None, "/"),
        ("k", "/k"),
        ("/x", "/x"),
        ("//x", "//x"),
        ("a/./b", "/a/./b"),
        ("a b+c", "/a b+c"),
    ],
)
def test_sign_path_is_raw(key, path):
    assert _signing.sign_path(key) == path


def test_time_window_is_backdated_60s():
    assert _signing.time_window(now=1700000000.9, expire=300) == (1699999940, 1700000300)
