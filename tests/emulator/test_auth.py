"""The signature verifier (pure functions, injected time)."""

import pytest

from qcloud_cos.emulator import _auth
from qcloud_cos.emulator._errors import CosError

from ._cos_http import sign

NOW = 1700000000
HOST = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
CRED = _auth.Credential("AKIDEXAMPLE", "SECRETEXAMPLE")


def lookup(ak):
    return CRED if ak == CRED.secret_id else None


def auth(window, header_list, param_list, signature, ak="AKIDEXAMPLE"):
    return (
        f"q-sign-algorithm=sha1&q-ak={ak}&q-sign-time={window}&q-key-time={window}"
        f"&q-header-list={header_list}&q-url-param-list={param_list}&q-signature={signature}"
    )


def run(method, path, headers, query="", now=NOW, look=lookup):
    return _auth.verify(method=method, path=path, query=query, headers=headers, lookup=look, now=now)


# -- research/cos-protocol.md 2.4: the two worked examples of Tencent's doc ------------------

DOC_SECRET = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"
DOC_KEY_PATH = "/exampleobject(腾讯云)"
DOC_HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"


def test_doc_upload_example():
    key_time = "1557989151;1557996351"
    assert _auth.sign_key(DOC_SECRET, key_time) == "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f"
    headers = {
        "content-length": b"13",
        "content-md5": b"mQ/fVh815F3k6TAUm8m0eg==",
        "content-type": b"text/plain",
        "date": b"Thu, 16 May 2019 06:45:51 GMT",
        "host": DOC_HOST.encode(),
        "x-cos-acl": b"private",
        "x-cos-grant-read": b'uin="100000000011"',
    }
    fmt = _auth.format_string("PUT", DOC_KEY_PATH, {}, headers)
    sts = _auth.string_to_sign(key_time, fmt)
    assert sts.split("\n")[2] == "8b2751e77f43a0995d6e9eb9477f4b685cca4172"
    assert _auth.signature(DOC_SECRET, key_time, sts) == "3b8851a11a569213c17ba8fa7dcf2abec6935172"
    # and end to end through verify(), path as received on the wire, decoded once by the router
    cred = _auth.Credential("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", DOC_SECRET)
    wire = [(k.title(), v) for k, v in headers.items()]
    wire.append(
        (
            "Authorization",
            auth(key_time, ";".join(headers), "", "3b8851a11a569213c17ba8fa7dcf2abec6935172", ak=cred.secret_id),
        )
    )
    assert run("PUT", DOC_KEY_PATH, wire, now=1557989200, look=lambda ak: cred) is cred


def test_doc_download_example():
    key_time = "1557989753;1557996953"
    assert _auth.sign_key(DOC_SECRET, key_time) == "937914bf490e9e8c189836aad2052e4feeb35eaf"
    query = "response-content-type=application%2Foctet-stream&response-cache-control=max-age%3D600"
    params = dict(_auth.parse_query(query))
    assert sorted(params) == ["response-cache-control", "response-content-type"]
    headers = {"date": b"Thu, 16 May 2019 06:55:53 GMT", "host": DOC_HOST.encode()}
    fmt = _auth.format_string("GET", DOC_KEY_PATH, params, headers)
    assert fmt.split("\n")[2] == (
        "response-cache-control=max-age%3D600&response-content-type=application%2Foctet-stream"
    )
    sts = _auth.string_to_sign(key_time, fmt)
    assert sts.split("\n")[2] == "54ecfe22f59d3514fdc764b87a32d8133ea611e6"
    assert _auth.signature(DOC_SECRET, key_time, sts) == "01681b8c9d798a678e43b685a9f1bba0f6c0e012"


# -- vectors produced by the official Python SDK 1.9.44 (clock 1700000000) ---------------------


def test_sdk_vector_a_host_only():
    headers = [
        ("Host", HOST),
        ("Authorization", auth("1699999940;1700000300", "host", "", "3870e5d0305ee6b9c8a553f0752ed25a861849d8")),
    ]
    assert run("PUT", "/exampleobject", headers) is CRED
    assert _auth.sign_key("SECRETEXAMPLE", "1699999940;1700000300") == "6547cdc7c31d76ca39bf3f728200f7b4a0408055"


def test_sdk_vector_b_put_with_token_and_meta():
    sig = "3bafbd41eb476bb0f0897039a372f75dcb9fb8f9"
    headers = [
        ("Host", HOST),
        ("User-Agent", "cos-python-sdk-v5.1.9.44"),
        ("Content-Type", "text/plain"),
        ("x-cos-meta-k", "v"),
        ("x-cos-security-token", "TOKEN123"),
        ("Content-Length", "5"),
        (
            "Authorization",
            auth(
                "1699999940;1700010000", "content-length;content-type;host;x-cos-meta-k;x-cos-security-token", "", sig
            ),
        ),
    ]
    # wire path /dir/a%20b%2Bc.txt, decoded once by the router
    assert run("PUT", "/dir/a b+c.txt", headers) is CRED
    fmt = _auth.format_string(
        "put",
        "/dir/a b+c.txt",
        {},
        {
            "content-length": b"5",
            "content-type": b"text/plain",
            "host": HOST.encode(),
            "x-cos-meta-k": b"v",
            "x-cos-security-token": b"TOKEN123",
        },
    )
    import hashlib

    assert hashlib.sha1(fmt.encode()).hexdigest() == "580babf31fef4623c6ea4af5a6dce0ea8883425d"
    assert _auth.sign_key("SECRETEXAMPLE", "1699999940;1700010000") == "b02f3d3f962eeb547c3e7cd542714b92da8d53d4"


def test_sdk_vector_c_upload_part_params():
    headers = [
        ("Host", HOST),
        ("Content-Length", "5"),
        ("Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="),
        (
            "Authorization",
            auth(
                "1699999940;1700010000",
                "content-length;content-md5;host",
                "partnumber;uploadid",
                "70d77c679cb115964fb6fcb1816e8409540c3c20",
            ),
        ),
    ]
    assert run("PUT", "/a b.txt", headers, query="partNumber=1&uploadId=UID") is CRED


def test_sdk_vector_get_auth_with_params_and_unicode_path():
    # official-sdk.md 17.2: response-* and valueless acl, unicode path
    headers = [
        ("Host", HOST),
        ("Content-Type", "image/jpeg"),
        ("X-Custom", "no"),
        ("x-cos-acl", "private"),
        (
            "Authorization",
            auth(
                "1699999940;1700003600",
                "content-type;host;x-cos-acl",
                "acl;response-content-type;versionid",
                "fe81a81fe3ba214bece2966087dfd73fd5ea4d85",
            ),
        ),
    ]
    query = "versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg&response-content-type=text%2Fplain&acl"
    assert run("GET", "/dir/中文 file.txt", headers, query=query) is CRED


def test_sdk_presigned_url_vector():
    query = (
        "q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=1699999940%3B1700000600"
        "&q-key-time=1699999940%3B1700000600&q-header-list=host&q-url-param-list=response-content-disposition"
        "&q-signature=b035f62e9b5ba7327d4a68ebd63f0e6a78115fd7"
        "&response-content-disposition=attachment%3B+filename%3D%22x+y%22"
    )
    assert run("GET", "/a b.txt", [("Host", HOST)], query=query) is CRED
    with pytest.raises(CosError) as ei:
        run("GET", "/a b.txt", [("Host", HOST)], query=query.replace("x+y", "x+z"))
    assert ei.value.code == "SignatureDoesNotMatch"


def test_sdk_list_multipart_uploads_vector_plus_as_space():
    headers = [
        ("Host", HOST),
        (
            "Authorization",
            auth(
                "1699999940;1700010000",
                "host",
                "delimiter;encoding-type;key-marker;max-uploads;prefix;upload-id-marker;uploads",
                "9877838f062b2b9036b0549a6a9e09203be43299",
            ),
        ),
    ]
    query = "uploads=&prefix=a+b&delimiter=&key-marker=&upload-id-marker=&max-uploads=1000&encoding-type=url"
    assert run("GET", "/", headers, query=query) is CRED


def test_test_signer_matches_sdk_vector():
    value = sign(
        method="PUT",
        path="/a b.txt",
        params={"partNumber": "1", "uploadId": "UID"},
        headers={"Content-Length": "5", "Content-MD5": "XUFAKrxLKna5cZ2REBfFkg==", "Host": HOST},
        secret_id="AKIDEXAMPLE",
        secret_key="SECRETEXAMPLE",
        start=1699999940,
        end=1700010000,
    )
    assert value.endswith("q-signature=70d77c679cb115964fb6fcb1816e8409540c3c20")


# -- rejections ---------------------------------------------------------------------------------

VALID_A = auth("1699999940;1700000300", "host", "", "3870e5d0305ee6b9c8a553f0752ed25a861849d8")


def expect(code, headers, now=NOW, path="/exampleobject", query=""):
    with pytest.raises(CosError) as ei:
        run("PUT", path, headers, now=now, query=query)
    assert ei.value.code == code
    assert ei.value.status == 403
    return ei.value


def test_anonymous_when_no_credentials():
    assert run("GET", "/k", [("Host", HOST)]) is None
    assert run("GET", "/k", [("Host", HOST), ("Authorization", "")]) is None
    assert run("GET", "/k", [("Host", HOST), ("Authorization", "  ")]) is None


def test_expired_and_skewed():
    err = expect("AccessDenied", [("Host", HOST), ("Authorization", VALID_A)], now=1700000301)
    assert err.message == "Request has expired"
    run("PUT", "/exampleobject", [("Host", HOST), ("Authorization", VALID_A)], now=1700000300)  # inclusive end
    expect("RequestTimeTooSkewed", [("Host", HOST), ("Authorization", VALID_A)], now=1699999940 - 901)
    run("PUT", "/exampleobject", [("Host", HOST), ("Authorization", VALID_A)], now=1699999940 - 900)


def test_unknown_ak_and_garbled():
    expect("InvalidAccessKeyId", [("Host", HOST), ("Authorization", VALID_A.replace("AKIDEXAMPLE", "AKIDOTHER"))])
    expect("AccessDenied", [("Host", HOST), ("Authorization", "garbage")])
    expect("AccessDenied", [("Host", HOST), ("Authorization", VALID_A.replace("q-signature", "q-sig"))])
    expect("AccessDenied", [("Host", HOST), ("Authorization", VALID_A.replace("=sha1", "=md5"))])
    expect("AccessDenied", [("Host", HOST), ("Authorization", VALID_A.replace("1699999940;1700000300", "abc;def"))])
    expect(
        "AccessDenied",
        [("Host", HOST), ("Authorization", VALID_A.replace("1699999940;1700000300", "1700000300;1699999940"))],
    )


def test_signature_mismatch_carries_string_to_sign():
    err = expect("SignatureDoesNotMatch", [("Host", HOST), ("Authorization", VALID_A)], path="/other")
    assert err.extra["FormatString"] == f"put\n/other\n\nhost={HOST}\n"
    assert err.extra["StringToSign"].startswith("sha1\n1699999940;1700000300\n")
    # tampered signed header
    expect("SignatureDoesNotMatch", [("Host", "x" + HOST), ("Authorization", VALID_A)])


def test_host_port_is_retried_without_port():
    assert run("PUT", "/exampleobject", [("Host", HOST + ":9000"), ("Authorization", VALID_A)]) is CRED
    assert _auth.strip_port("[::1]:80") == "[::1]"
    assert _auth.strip_port("a.b:x") == "a.b:x"
    assert _auth.strip_port("a.b") == "a.b"


def test_header_values_are_raw_utf8_bytes():
    value = "中文 v".encode("utf-8")
    headers = {"Host": HOST, "x-cos-meta-k": value}
    a = sign(
        method="PUT",
        path="/k",
        params={},
        headers=headers,
        secret_id="AKIDEXAMPLE",
        secret_key="SECRETEXAMPLE",
        start=NOW - 60,
        end=NOW + 60,
    )
    wire = [("Host", HOST), ("x-cos-meta-k", value), ("Authorization", a)]
    assert run("PUT", "/k", wire) is CRED


def test_temporary_credentials_need_token():
    temp = _auth.Credential("AKIDTEMP", "TEMPKEY", "TOKEN")
    look = {"AKIDTEMP": temp}.get

    def signed(extra):
        headers = {"Host": HOST, **extra}
        a = sign(
            method="GET",
            path="/k",
            params={},
            headers=headers,
            secret_id="AKIDTEMP",
            secret_key="TEMPKEY",
            start=NOW - 60,
            end=NOW + 60,
        )
        return list(headers.items()) + [("Authorization", a)]

    assert run("GET", "/k", signed({"x-cos-security-token": "TOKEN"}), look=look) is temp
    for extra in ({}, {"x-cos-security-token": "WRONG"}):
        with pytest.raises(CosError) as ei:
            run("GET", "/k", signed(extra), look=look)
        assert ei.value.code == "AccessDenied"


# -- names that encode to contain '%' (issue 8: the lists were decoded) --------------------------


def _signed_with(fmt_params, fmt_headers, param_list, header_list, method="GET", path="/k"):
    window = f"{NOW - 60};{NOW + 60}"
    fmt = _auth.format_string(method, path, fmt_params, fmt_headers)
    sig = _auth.signature(CRED.secret_key, window, _auth.string_to_sign(window, fmt))
    return auth(window, header_list, param_list, sig)


def test_name_lists_are_canonical_names_never_decoded():
    a = _signed_with({"x%21y": b"v"}, {"host": HOST.encode()}, "x%21y", "host")
    assert _auth.parse_authorization(a).url_param_list == ("x%21y",)
    assert run("GET", "/k", [("Host", HOST), ("Authorization", a)], query="x%21y=v") is CRED
    assert run("GET", "/k", [("Host", HOST), ("Authorization", a)], query="x!y=v") is CRED  # same name on the wire
    with pytest.raises(CosError) as ei:
        run("GET", "/k", [("Host", HOST), ("Authorization", a)], query="x%21y=w")
    assert ei.value.code == "SignatureDoesNotMatch"


def test_non_ascii_and_percent_names():
    a = _signed_with({"%e5%90%8d": b"v", "p%25q": b"1"}, {"host": HOST.encode()}, "%e5%90%8d;p%25q", "host")
    assert run("GET", "/k", [("Host", HOST), ("Authorization", a)], query="%E5%90%8D=v&p%25q=1") is CRED


def test_upper_case_non_ascii_name_either_lowering():
    # SDKs encode 'Ä' then lower-case (%c3%84); the doc lower-cases first too (%c3%a4)
    for canonical in ("%c3%84", "%c3%a4"):
        a = _signed_with({canonical: b"v"}, {"host": HOST.encode()}, canonical, "host")
        assert run("GET", "/k", [("Host", HOST), ("Authorization", a)], query="%C3%84=v") is CRED


def test_header_name_needing_encoding():
    headers = {"host": HOST.encode(), "x-cos-meta-a%21b": b"q"}
    a = _signed_with({}, headers, "", "host;x-cos-meta-a%21b")
    assert run("GET", "/k", [("Host", HOST), ("x-cos-meta-a!b", "q"), ("Authorization", a)]) is CRED


# -- error bodies never echo secrets (issue 8) -------------------------------------------------


def test_redact_masks_secret_values_only():
    from qcloud_cos.emulator._errors import redact

    fmt = (
        "put\n/k\nx-cos-security-token=TOK%2F1&a=1\ncontent-length=1&host=h&x-cos-security-token=TOK"
        "&x-cos-server-side-encryption-customer-key=KEY&x-cos-server-side-encryption-customer-key-md5=MD5"
        "&x-cos-copy-source-server-side-encryption-customer-key=CKEY&x-ci-security-token=CI\n"
    )
    out = redact(fmt)
    for secret in ("TOK", "KEY", "CKEY", "CI"):
        assert f"={secret}&" not in out and f"={secret}\n" not in out and "TOK%2F1" not in out
    assert "customer-key-md5=MD5" in out and "host=h" in out and "a=1" in out
    assert out.count("=***") == 5
    assert redact("Authorization: q-sign-algorithm=sha1&q-ak=AK&q-signature=abc\nnext") == "Authorization: ***\nnext"
    assert redact("x-cos-security-token=&a=b") == "x-cos-security-token=&a=b"  # nothing to hide
    assert redact("my-x-cos-security-token=keep") == "my-x-cos-security-token=keep"


def test_cos_error_redacts_message_and_extra():
    err = CosError(
        "SignatureDoesNotMatch",
        "bad x-cos-security-token=SEKRIT",
        extra={"FormatString": "get\n/\n\nx-cos-security-token=SEKRIT\n", "StringToSign": "sha1\n1;2\nab\n"},
    )
    assert "SEKRIT" not in err.message and "SEKRIT" not in str(err)
    assert err.extra == {"FormatString": "get\n/\n\nx-cos-security-token=***\n", "StringToSign": "sha1\n1;2\nab\n"}


# -- accounts (issue 8) ------------------------------------------------------------------------


def test_owns_and_account_credential():
    default = _auth.Credential("AKIDDEF", "k")
    other = _auth.Credential("AKIDB", "k", appid="1300000000")
    creds = [default, other]
    assert _auth.owns(other, "1300000000", creds)
    assert not _auth.owns(other, "1250000000", creds)
    assert _auth.owns(default, "1250000000", creds)
    assert _auth.owns(default, "1777777777", creds)  # unclaimed: the default account's
    assert not _auth.owns(default, "1300000000", creds)  # claimed by AKIDB's account
    assert _auth.owns(default, "1300000000", [default])
    assert _auth.account_credential(None, bucket="b-1300000000", credentials=creds) is None
    assert _auth.account_credential(other, bucket="b-c-1300000000", credentials=creds) is other
    assert _auth.account_credential(default, bucket="b-1250000000", credentials=creds) is default
    # another account's key has only everyone's rights: treated as anonymous
    assert _auth.account_credential(other, bucket="b-1250000000", credentials=creds) is None
    assert _auth.account_credential(default, bucket="b-1300000000", credentials=creds) is None
    assert "appid='1300000000'" in repr(other) and "k'" not in repr(other)
