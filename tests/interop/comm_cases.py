"""Black-box cases for the pure helpers of ``qcloud_cos.cos_comm`` and ``CosS3Client.should_switch_domain``.

``collect(qcloud_cos)`` calls each helper of the given package (ours or the official SDK) on a table
of inputs and returns ``{case id: outcome}``.  ``make_comm_vectors.py`` records the official outcomes in
``vectors/official-comm-1.9.44.json``; ``tests/unit/test_cos_comm.py`` replays them against ours.

An outcome is ``{'return': repr(value), 'arg': repr(first argument afterwards)}`` (``arg`` shows
in-place changes), or ``{'raises': exception class name, 'message': str(exception)}``.
"""

import copy
import io
import os
import tempfile

PATHS = [
    None,
    "",
    "/",
    "a",
    "/a",
    "a/",
    "//a",
    "a//b",
    "a/./b",
    "a/../b",
    "..",
    ".",
    " a",
    "a b",
    "中文",
    1,
    b"a",
    "/a/",
    "a\x00b",
    "\udc80",
    "~!@#$%^&*()_+-=[]{}|;:'\",.<>/?`\t\n\\",
    "a/..",
    "../a",
    "./",
    "a/../..",
    "/../",
    "/./",
    "a/.",
    "./a",
    "a/./",
    "//",
    "///",
    "a//",
    "/a/../",
    "a/b/../../",
    "a/b/../..",
    ".a",
    "..a",
    "a..",
    "...",
    "/...",
    "./..",
    "a/../../b",
    b"/",
    b"a/..",
]

DICTS = [
    ({"a": 1}, ["a"]),
    ({"a": [1]}, ["a"]),
    ({"a": {"b": 1}}, ["a"]),
    ({}, ["a"]),
    ({"a": 1, "b": 2}, ["a"]),
    ({"a": None}, ["a"]),
    ([{"a": 1}], ["a"]),
    ({"a": 1}, []),
    ({"a": "x"}, "a"),
    (None, ["a"]),
    ({"a": "x"}, ["a"]),
    ({"a": 1.5}, ["a"]),
    ({"a": True}, ["a"]),
    ({"a": (1, 2)}, ["a"]),
    ({"a": {"a": {"c": 1}}}, ["a"]),
    ({"x": {"a": {"c": 1}}}, ["a"]),
    ({"x": [{"a": {"c": 1}}]}, ["a"]),
    ([{"a": {"c": 1}}], ["a"]),
    ({"a": [{"a": {"c": 1}}]}, ["a"]),
    ({"a": {"b": {"c": 1}}}, ["a", "b"]),
    ({"a": ""}, ["a"]),
    ({"a": 0}, ["a"]),
    ({"a": []}, ["a"]),
    ({"a": {}}, ["a"]),
    ("str", ["a"]),
    (5, ["a"]),
    ({"a": {"b": None}}, ["a", "b"]),
    ({"b": {"a": None}}, ["a"]),
    ({"b": [{"a": None}, {"a": {"z": 1}}]}, ["a"]),
    ([[{"a": {}}]], ["a"]),
    (["x", {"a": {}}], ["a"]),
    ({"a": b"x"}, ["a"]),
    (({"a": {}},), ["a"]),
    ({"a": {}}, ("a",)),
    ({"a": {}}, {"a": 1}),
    ({"a": {}}, None),
    ({"a": {}, "b": "q"}, ["a", "b", "c"]),
    ("abc", ["a"]),
    ([None, 1, {"a": None}], ["a"]),
    ([], ["a"]),
    ({"Contents": {"Key": "k"}, "CommonPrefixes": None}, ["Contents", "CommonPrefixes"]),
]


class _Probe:
    """A file-like object with only some of seek/tell/read; records the calls made to it."""

    def __init__(self, attrs, exc=None):
        self.attrs, self.exc, self.calls = sorted(attrs), exc, []
        for name in attrs:
            setattr(self, name, self._method(name))

    def _method(self, name):
        def call(*args):
            self.calls.append([name] + [repr(a) for a in args])
            if self.exc is not None and name == "seek":
                raise self.exc
            return 0

        return call

    def __repr__(self):
        return "_Probe(%s, calls=%s)" % ("+".join(self.attrs), self.calls)


def _bytesio(data=b"abcd", pos=0):
    f = io.BytesIO(data)
    f.seek(pos)
    return f


def _generator():
    return (b for b in [b"x"])


def _retry_cases():
    """(id, file_position, kwargs factory)."""
    rw = {"seek", "tell", "read"}
    cases = [
        ("no-kwargs", None, lambda: {}),
        ("no-kwargs-0", 0, lambda: {}),
        ("data-None", None, lambda: {"data": None}),
        ("data-None-0", 0, lambda: {"data": None}),
        ("bytes", None, lambda: {"data": b"x"}),
        ("empty-bytes-0", 0, lambda: {"data": b""}),
        ("str", None, lambda: {"data": "x"}),
        ("empty-str", None, lambda: {"data": ""}),
        ("bytesio-0", 0, lambda: {"data": _bytesio()}),
        ("bytesio-None", None, lambda: {"data": _bytesio()}),
        ("bytesio-3", 3, lambda: {"data": _bytesio()}),
        ("bytesio-100", 100, lambda: {"data": _bytesio()}),
        ("bytesio-True", True, lambda: {"data": _bytesio()}),
        ("bytesio-1.5", 1.5, lambda: {"data": _bytesio()}),
        ("bytesio--1", -1, lambda: {"data": _bytesio()}),
        ("bytesio-str", "0", lambda: {"data": _bytesio()}),
        ("bytesio-bytes", b"0", lambda: {"data": _bytesio()}),
        ("bytesio-None-other", None, lambda: {"data": _bytesio(), "other": 1}),
        ("generator", None, lambda: {"data": _generator()}),
        ("generator-5", 5, lambda: {"data": _generator()}),
        ("int", None, lambda: {"data": 1}),
        ("int-0", 0, lambda: {"data": 1}),
        ("bytearray", None, lambda: {"data": bytearray(b"x")}),
        ("bytearray-0", 0, lambda: {"data": bytearray(b"x")}),
        ("memoryview-0", 0, lambda: {"data": memoryview(b"x")}),
        ("list-0", 0, lambda: {"data": [b"x"]}),
        ("headers-only", None, lambda: {"headers": {}}),
        ("Data-key", 0, lambda: {"Data": _bytesio()}),
        ("Data-None", None, lambda: {"Data": None}),
    ]
    for attrs in [rw, {"seek", "read"}, {"seek", "tell"}, {"tell", "read"}, {"seek"}, {"read"}]:
        for pos in [0, 3, None]:
            cases.append(
                ("probe-%s-%s" % ("+".join(sorted(attrs)), pos), pos, lambda attrs=attrs: {"data": _Probe(attrs)})
            )
    for exc in [ValueError("v"), OSError("o"), TypeError("t"), RuntimeError("r"), io.UnsupportedOperation("u")]:
        cases.append(("probe-seek-raises-%s" % type(exc).__name__, 0, lambda exc=exc: {"data": _Probe(rw, exc)}))
    return cases


SWITCH_URLS = [
    "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/k",
    "http://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/k?x=1",
    "https://examplebucket-1250000000.cos.ap-beijing.tencentcos.cn/k",
    "https://examplebucket-1250000000.cos.accelerate.myqcloud.com/k",
    "https://examplebucket-1250000000.cos-internal.ap-beijing.myqcloud.com/k",
    "https://examplebucket-1250000000.cos.ap-beijing-fsi.myqcloud.com/k",
    "https://examplebucket-1250000000.cos.na-siliconvalley.myqcloud.com/",
    "https://examplebucket-1250000000.cos.ap-beijing-1.myqcloud.com/k",
    "https://examplebucket-1250000000.cos.ap-beijing-x-y.myqcloud.com/k",
    "https://examplebucket-1250000000.cos.ap-beijing-fsi-1.myqcloud.com/k",
    "https://example.com/k",
    "http://127.0.0.1:9000/k",
    "https://cos.ap-beijing.myqcloud.com/",
    "https://service.cos.myqcloud.com/",
    "https://bucket.cos.ap-beijing.myqcloud.com/k",
    "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com:443/k",
    "https://EXAMPLEBUCKET-1250000000.cos.ap-beijing.myqcloud.com/k",
    "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com.evil.com/k",
    "https://user@examplebucket-1250000000.cos.ap-beijing.myqcloud.com/k",
    "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
    "https://examplebucket-1250000000.ci.ap-beijing.myqcloud.com/k",
    "",
    None,
]
SWITCH_HEADERS = [
    ("empty", {}),
    ("request-id", {"x-cos-request-id": "abc"}),
    ("Request-Id-cased", {"X-Cos-Request-Id": "abc"}),
    ("request-id-empty", {"x-cos-request-id": ""}),
    ("other", {"x-cos-trace-id": "t"}),
    ("None", None),
    ("default", Ellipsis),
]


COPY_SOURCES = [
    {"Bucket": "examplebucket-1250000000", "Key": "a/b c.txt", "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "/a", "Region": "ap-beijing", "VersionId": "v1"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "ap-beijing", "VersionId": ""},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Endpoint": "cos.ap-beijing.myqcloud.com"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Endpoint": "x.example.com", "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "cos.ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "cossh"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "cn-north"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "ap beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Appid": "1250000000", "Region": "ap-beijing"},
    {"Bucket": "examplebucket", "Key": "a", "Appid": "1250000000", "Region": "ap-beijing"},
    {"Bucket": "example_bucket", "Key": "a", "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "a"},
    {"Key": "a", "Region": "ap-beijing"},
    {},
    {"Bucket": "examplebucket-1250000000", "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000"},
    {"Bucket": "examplebucket-1250000000", "Key": "", "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "中文 ~!@#$%^&*()+=?", "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "ap-beijing", "VersionId": "v 1&x"},
    {"Bucket": "example_bucket", "Key": "a"},
    {"Bucket": "example_bucket", "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "//a", "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": None, "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": 1, "Region": "ap-beijing"},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "ap-beijing", "VersionId": None},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "ap-beijing", "Appid": None},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": "", "Endpoint": ""},
    {"Bucket": "examplebucket-1250000000", "Key": "a", "Region": None, "Endpoint": "e.example.com"},
    {"Bucket": "", "Key": "a", "Region": "ap-beijing"},
    {"Bucket": None, "Key": "a", "Region": "ap-beijing"},
    "str",
    None,
]


def _outcome(fn, *args, **kwargs):
    try:
        value = fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the outcome is what is recorded
        return {"raises": type(e).__name__, "message": str(e)}
    out = {"return": repr(value)}
    if args:
        out["arg"] = repr(args[0])
    return out


def collect(qcloud_cos):
    from qcloud_cos import cos_comm
    from qcloud_cos.cos_client import CosConfig, CosS3Client

    out = {}
    for path in PATHS:
        out["format_path %r" % (path,)] = _outcome(cos_comm.format_path, path)
        out["path_simplify_check %r" % (path,)] = _outcome(cos_comm.path_simplify_check, path)
    for data, keys in DICTS:
        out["format_dict_or_list %r %r" % (data, keys)] = _outcome(
            cos_comm.format_dict_or_list, copy.deepcopy(data), keys
        )
    for case_id, pos, kwargs in _retry_cases():
        kw = kwargs()
        result = _outcome(cos_comm.client_can_retry, pos, **kw)
        data = kw.get("data", kw.get("Data"))
        if isinstance(data, io.BytesIO):
            result["position_after"] = data.tell()
        elif isinstance(data, _Probe):
            result["calls"] = data.calls
        out["client_can_retry %s" % case_id] = result
    for auto in (False, True):
        conf = CosConfig(Region="ap-beijing", SecretId="SecretId", SecretKey="SecretKey", AutoSwitchDomainOnRetry=auto)
        client = CosS3Client(conf)
        for url in SWITCH_URLS:
            for name, headers in SWITCH_HEADERS:
                args = (url,) if headers is Ellipsis else (url, headers)
                out["should_switch_domain auto=%s %r %s" % (auto, url, name)] = _outcome(
                    client.should_switch_domain, *args
                )
    for begin, end in [(0, 10), (None, None), ("", ""), (1, None), (5, 1), (-1, 2), ("a", "b")]:
        out["gen_copy_source_range %r %r" % (begin, end)] = _outcome(cos_comm.gen_copy_source_range, begin, end)
    tmp = tempfile.NamedTemporaryFile(delete=False)
    try:
        tmp.write(b"123456")
        tmp.close()
        for name, make in [
            ("bytes", lambda: b"abc"),
            ("str", lambda: "abc"),
            ("None", lambda: None),
            ("int", lambda: 1),
            ("list", lambda: [b"x"]),
            ("bytesio", lambda: _bytesio()),
            ("bytesio-at-2", lambda: _bytesio(pos=2)),
            ("bytesio-at-end", lambda: _bytesio(pos=4)),
            ("bytesio-past-end", lambda: _bytesio(pos=9)),
            ("stringio", lambda: io.StringIO("abc")),
            ("file", lambda: open(tmp.name, "rb")),
            ("file-at-2", lambda: _seeked(open(tmp.name, "rb"), 2)),
            ("probe", lambda: _Probe({"seek", "tell", "read"})),
        ]:
            data = make()
            result = _outcome(cos_comm.get_file_like_object_length, data)
            result.pop("arg", None)
            if hasattr(data, "tell") and not isinstance(data, _Probe):
                result["position_after"] = data.tell()
            if hasattr(data, "close"):
                data.close()
            out["get_file_like_object_length %s" % name] = result
    finally:
        os.unlink(tmp.name)
    for source in COPY_SOURCES:
        for old, internal in [(True, True), (False, True), (True, False), (False, False)]:
            for fn in ("get_copy_source_info", "gen_copy_source_url"):
                out["%s %r old=%s internal=%s" % (fn, source, old, internal)] = _outcome(
                    getattr(cos_comm, fn), copy.deepcopy(source), old, internal
                )
    detect = cos_comm.CiDetectType
    out["CiDetectType constants"] = {
        "return": repr(
            [(n, getattr(detect, n)) for n in ["PORN", "TERRORIST", "POLITICS", "ADS", "ILLEGAL", "ABUSE", "TEENAGER"]]
        )
    }
    for flags in list(range(0, 129)) + [255, -1]:
        out["CiDetectType.get_detect_type_str %d" % flags] = _outcome(detect.get_detect_type_str, flags)
    out["string_types"] = {"return": repr(cos_comm.string_types)}
    out["text_type"] = {"return": repr(cos_comm.text_type)}
    out["binary_type"] = {"return": repr(cos_comm.binary_type)}
    return out


def _seeked(f, pos):
    f.seek(pos)
    return f
