"""Keys can never address files outside the data directory; storage layout stays opaque."""

import os
import re

import pytest

from qcloud_cos.emulator import CosEmulator

from ._cos_http import CosHttp

BUCKET = "examplebucket-1250000000"

# (raw request path, expected key or None when the key must be rejected)
TRAVERSALS = [
    ("/../../etc/passwd", "../../etc/passwd"),
    ("/%2e%2e%2fx", "../x"),
    ("/%2E%2E%2F%2E%2E%2Fescape", "../../escape"),
    ("/a/../../b", "a/../../b"),
    ("//etc/x", "/etc/x"),
    ("/%2Fetc%2Fshadow", "/etc/shadow"),
    ("/..%5C..%5Cwin.ini", "..\\..\\win.ini"),
    ("/./.", "./."),
    ("/..", ".."),
    ("/blobs/../meta.sqlite3", "blobs/../meta.sqlite3"),
]
REJECTED = [("/nul%00byte", "nul\x00byte"), ("/%00", "\x00"), ("/esc%1Bseq", "esc\x1bseq")]


def _all_files(root):
    out = set()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            out.add(os.path.join(dirpath, name))
    return out


def test_traversal_keys_stay_inside_data_dir(tmp_path):
    data_dir = tmp_path / "nested" / "data"
    outside_before = _all_files(tmp_path)
    with CosEmulator(data_dir=str(data_dir)) as emu:
        c = CosHttp(emu.port, BUCKET)
        for path, key in REJECTED:
            r = c.request("PUT", key, b"x", path=path)
            assert r.status == 400 and r.error_code() == "InvalidObjectName", (path, r)
        for i, (path, key) in enumerate(TRAVERSALS):
            body = b"payload-%d" % i
            r = c.request("PUT", key, body, path=path)
            assert r.status == 200, (path, r)
            g = c.request("GET", key, path=path)
            assert g.status == 200 and g.body == body, path
        listed = c.request("GET", "", params={"encoding-type": "url"}).body.decode()
        from urllib.parse import unquote

        keys = [unquote(k) for k in re.findall(r"<Key>(.*?)</Key>", listed)]
        assert sorted(keys) == sorted(k for _, k in TRAVERSALS)
        c.close()

        files = _all_files(tmp_path)
        new = files - outside_before
        for path in new:
            rel = os.path.relpath(path, data_dir)
            assert not rel.startswith(".."), f"file written outside the data dir: {path}"
            assert re.fullmatch(r"meta\.sqlite3(-wal|-shm)?|blobs/[0-9a-f]{2}/[0-9a-f]{32}", rel), rel
        assert os.listdir(data_dir / "tmp") == []
    assert not os.path.exists("/etc/x") and not os.path.exists("/etc/shadow-payload")
    assert not (tmp_path / "escape").exists() and not (tmp_path / "nested" / "x").exists()


def test_sqlite_and_blobs_are_not_addressable(cos):
    # keys that look like storage paths are just keys
    assert cos.request("GET", "meta.sqlite3").status == 404
    assert cos.request("GET", "../meta.sqlite3", path="/../meta.sqlite3").status == 404


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "x" * 32])
def test_blob_ids_are_validated(cos_emulator, bad):
    with pytest.raises(ValueError):
        cos_emulator.store._blob_path(bad)
