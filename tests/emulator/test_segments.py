"""Completed multipart objects are manifests of their part blobs (segments), not copies.

Every read path must serve a segmented object exactly as a single-blob object holding the
same bytes; Complete must not write object bytes; overwrites, DELETE, crash recovery and
schema migration must keep the blob files right.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import sqlite3
import threading
import time
from typing import List, Optional, Tuple

import pytest

from qcloud_cos.emulator import CosEmulator, _crc64, _store
from qcloud_cos.emulator._store import SegmentReader, Store

from ._cos_http import CosHttp
from ._mp import complete, etag_of, initiate, multipart, upload_part

MiB = 1024 * 1024
BUCKET = "examplebucket-1250000000"
# includes an empty part and one-byte parts, so boundaries sit next to each other
SIZES = [1, 5, 0, 7, 3, 1, 6]
DATA = os.urandom(sum(SIZES))
CHUNKS = [DATA[sum(SIZES[:i]) : sum(SIZES[: i + 1])] for i in range(len(SIZES))]
BOUNDARIES = sorted({sum(SIZES[: i + 1]) for i in range(len(SIZES) - 1)})  # [1, 6, 13, 16, 17]


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    with CosEmulator(data_dir=str(tmp_path_factory.mktemp("seg")), min_part_size=0) as e:
        yield e


@pytest.fixture
def c(emu):
    client = CosHttp(emu.port, BUCKET)
    yield client
    client.close()


@pytest.fixture(scope="module")
def objects(emu):
    """``seg``: DATA completed from the parts CHUNKS; ``flat``: the same bytes by PUT."""
    client = CosHttp(emu.port, BUCKET)
    assert multipart(client, "seg", CHUNKS).status == 200
    assert client.request("PUT", "flat", DATA).status == 200
    client.close()
    assert len(emu.store.object_segments(BUCKET, "seg")) == len(SIZES)
    assert len(emu.store.object_segments(BUCKET, "flat")) == 1
    return "seg", "flat"


def blob_files(emu) -> List[str]:
    return sorted(name for _, _, names in os.walk(emu.store.blob_dir) for name in names)


def blob_bytes(emu) -> int:
    return sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(emu.store.blob_dir) for n in names)


def wait_for_empty_trash(store: Store) -> None:
    deadline = time.monotonic() + 10
    while os.listdir(store.trash_dir):
        assert time.monotonic() < deadline, os.listdir(store.trash_dir)
        time.sleep(0.01)


def expected_range(spec: str, size: int) -> Optional[Tuple[int, int]]:
    """Independent reading of a single ``bytes=`` range: (start, end) inclusive, None if unsatisfiable."""
    first, last = spec[len("bytes=") :].split("-")
    if first == "":
        n = int(last)
        return (max(0, size - n), size - 1) if n and size else None
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    return (start, end) if start < size else None


# -- GET / HEAD ------------------------------------------------------------------------------------


def test_whole_get_and_head(c, objects):
    g = c.request("GET", "seg")
    assert g.status == 200 and g.body == DATA
    assert g.headers["content-length"] == str(len(DATA))
    assert g.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(DATA))
    md5s = b"".join(hashlib.md5(ch).digest() for ch in CHUNKS)
    assert g.headers["etag"] == '"%s-%d"' % (hashlib.md5(md5s).hexdigest(), len(CHUNKS))
    h = c.request("HEAD", "seg")
    assert h.status == 200 and h.body == b""
    assert h.headers["content-length"] == str(len(DATA)) and h.headers["etag"] == g.headers["etag"]


def test_every_range_matches_the_source_bytes(c, objects):
    """All first-last ranges (incl. past the end), all suffixes and all open ranges."""
    size = len(DATA)
    specs = [f"bytes={a}-{b}" for a in range(size + 2) for b in range(a, size + 3)]
    specs += [f"bytes=-{n}" for n in range(0, size + 3)]
    specs += [f"bytes={a}-" for a in range(size + 2)]
    for spec in specs:
        r = c.request("GET", "seg", headers={"Range": spec})
        rng = expected_range(spec, size)
        if rng is None:
            assert r.status == 416 and r.error_code() == "InvalidRange", spec
            assert r.headers["content-range"] == f"bytes */{size}", spec
            continue
        start, end = rng
        assert r.status == 206, (spec, r)
        assert r.body == DATA[start : end + 1], spec
        assert r.headers["content-range"] == f"bytes {start}-{end}/{size}", spec
        assert r.headers["content-length"] == str(end - start + 1), spec


IGNORED_HEADERS = {"date", "x-cos-request-id", "x-cos-trace-id", "etag", "last-modified"}

RANGE_CASES = [
    None,
    "bytes=0-0",
    "bytes=0-",
    "bytes=-1",
    f"bytes=-{len(DATA)}",
    "bytes=-1000",
    "bytes=5-1000",
    "bytes=5-3",
    "bytes=0-1,3-4",
    "chars=0-1",
    "bytes=-0",
    f"bytes={len(DATA)}-",
    "bytes=100-200",
]
for _b in BOUNDARIES:
    RANGE_CASES += [
        f"bytes={_b}-{_b}",
        f"bytes={_b - 1}-{_b - 1}",
        f"bytes={_b - 1}-{_b}",
        f"bytes={max(0, _b - 2)}-{_b + 1}",
        f"bytes={_b}-",
        f"bytes=-{len(DATA) - _b}",
    ]


@pytest.mark.parametrize("spec", RANGE_CASES)
def test_range_response_equals_single_blob_response(c, objects, spec):
    """On the wire a segmented object answers exactly like a PUT object with the same bytes."""
    headers = {"Range": spec} if spec else {}
    seg = c.request("GET", "seg", headers=headers)
    flat = c.request("GET", "flat", headers=headers)
    per_request = re.compile(rb"<(RequestId|TraceId|Resource)>[^<]*</")  # in error bodies
    assert seg.status == flat.status, spec
    assert per_request.sub(b"", seg.body) == per_request.sub(b"", flat.body), spec
    ignored = IGNORED_HEADERS | ({"content-length"} if seg.status >= 400 else set())  # the body names the key
    strip = lambda r: [(k.lower(), v) for k, v in r.header_list if k.lower() not in ignored]  # noqa: E731
    assert strip(seg) == strip(flat)


def test_conditions_and_response_overrides(c, objects):
    etag = c.request("HEAD", "seg").headers["etag"]
    lm = c.request("HEAD", "seg").headers["last-modified"]
    assert c.request("GET", "seg", headers={"If-Match": etag}).body == DATA
    assert c.request("GET", "seg", headers={"If-Match": '"nope"'}).status == 412
    assert c.request("GET", "seg", headers={"If-None-Match": etag}).status == 304
    assert c.request("GET", "seg", headers={"If-Modified-Since": lm}).status == 304
    assert c.request("HEAD", "seg", headers={"If-None-Match": etag}).status == 304
    r = c.request(
        "GET",
        "seg",
        headers={"Range": "bytes=5-13", "If-Match": etag},
        params={"response-content-type": "text/x-seg", "response-content-disposition": "attachment"},
    )
    assert r.status == 206 and r.body == DATA[5:14]
    assert r.headers["content-type"] == "text/x-seg" and r.headers["content-disposition"] == "attachment"


def test_real_one_mib_parts(c):
    chunks = [os.urandom(MiB), os.urandom(MiB), os.urandom(MiB + 123), os.urandom(77)]
    data = b"".join(chunks)
    r = multipart(c, "mib", chunks)
    assert r.status == 200 and r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(data))
    assert c.request("GET", "mib").body == data
    for a, b in [(MiB - 1, MiB), (MiB - 5, 2 * MiB + 5), (0, len(data) - 1), (3 * MiB + 100, 3 * MiB + 199)]:
        r = c.request("GET", "mib", headers={"Range": f"bytes={a}-{b}"})
        assert r.status == 206 and r.body == data[a : b + 1], (a, b)
    r = c.request("GET", "mib", headers={"Range": "bytes=-100"})  # spans the last boundary
    assert r.body == data[-100:]


def test_get_reset_after_n_bytes_and_request_log(c, emu):
    chunks = [os.urandom(MiB), os.urandom(MiB // 2)]
    data = b"".join(chunks)
    assert multipart(c, "reset", chunks).status == 200
    n = MiB + 1000  # past the first boundary
    emu.inject_fault(reset_connection=True, after_bytes=n, op="GetObject", key="reset")
    with pytest.raises((http.client.IncompleteRead, ConnectionError)) as ei:
        c.request("GET", "reset")
    if isinstance(ei.value, http.client.IncompleteRead):
        assert ei.value.partial == data[:n]
    c.close()
    assert c.request("GET", "reset", headers={"Range": "bytes=10-"}).body == data[10:]
    log = [e for e in emu.requests if e.get("key") == "reset" and e["method"] == "GET"]
    assert [(e["op"], e["status"]) for e in log] == [("GetObject", 200), ("GetObject", 206)]
    assert log[-1]["headers"]["Range"] == "bytes=10-"


# -- Upload Part - Copy from a segmented source ----------------------------------------------------


@pytest.mark.parametrize(
    "rng",
    [
        None,
        "bytes=0-0",
        "bytes=0-22",
        "bytes=5-6",
        "bytes=6-6",
        "bytes=12-16",
        "bytes=1-21",
        "bytes=16-16",
        "bytes=17-22",
    ],
)
def test_copy_part_from_segmented_source(c, objects, rng):
    upload_id = initiate(c, "copied")
    headers = {"x-cos-copy-source": f"{BUCKET}.cos.ap-beijing.myqcloud.com/seg"}
    if rng:
        headers["x-cos-copy-source-range"] = rng
    r = c.request("PUT", "copied", b"", headers, params={"partNumber": "1", "uploadId": upload_id})
    assert r.status == 200, r
    start, end = (0, len(DATA) - 1) if rng is None else expected_range(rng, len(DATA))
    piece = DATA[start : end + 1]
    assert r.headers["x-cos-hash-crc64ecma"] == str(_crc64.calc(piece))
    assert re.search(r"<ETag>&quot;%s&quot;</ETag>" % hashlib.md5(piece).hexdigest(), r.body.decode())
    tail = upload_part(c, "copied", upload_id, 2, b"tail")
    assert complete(c, "copied", upload_id, [(1, etag_of(piece)), (2, tail.headers["etag"])]).status == 200
    assert c.request("GET", "copied").body == piece + b"tail"


# -- Complete writes no object bytes ---------------------------------------------------------------


def test_complete_reuses_the_part_blobs(c, emu):
    chunks = [os.urandom(40_000), os.urandom(30_000), os.urandom(20_000)]
    upload_id = initiate(c, "nocopy")
    etags = [(n, upload_part(c, "nocopy", upload_id, n, ch).headers["etag"]) for n, ch in enumerate(chunks, 1)]
    parts = emu.store.get_parts(upload_id)
    inodes = {n: os.stat(emu.store._blob_path(p.blob_id)).st_ino for n, p in parts.items()}
    files, size = blob_files(emu), blob_bytes(emu)
    assert complete(c, "nocopy", upload_id, etags).status == 200
    assert blob_files(emu) == files and blob_bytes(emu) == size  # no new blob, no byte written
    assert os.listdir(emu.store.tmp_dir) == []
    segments = emu.store.object_segments(BUCKET, "nocopy")
    assert segments == [(parts[n].blob_id, len(ch)) for n, ch in enumerate(chunks, 1)]
    assert [os.stat(emu.store._blob_path(b)).st_ino for b, _ in segments] == [inodes[1], inodes[2], inodes[3]]
    assert c.request("GET", "nocopy").body == b"".join(chunks)
    assert c.request("DELETE", "nocopy").status == 204


def test_complete_with_only_empty_parts(c):
    assert multipart(c, "empty", [b"", b""]).status == 200
    g = c.request("GET", "empty")
    assert g.status == 200 and g.body == b"" and g.headers["content-length"] == "0"
    assert c.request("GET", "empty", headers={"Range": "bytes=0-"}).status == 416
    assert c.request("GET", "empty", headers={"Range": "bytes=-1"}).status == 416
    assert c.request("DELETE", "empty").status == 204


# -- ownership: overwrite, DELETE, APPEND, DELETE Bucket --------------------------------------------


def test_overwrite_and_delete_free_segment_blobs(c, emu):
    base = blob_files(emu)
    assert multipart(c, "own", [b"a", b"b", b"c"]).status == 200
    first = [b for b, _ in emu.store.object_segments(BUCKET, "own")]
    assert blob_files(emu) == sorted(base + first)
    assert c.request("PUT", "own", b"single").status == 200  # PUT over segments
    single = [b for b, _ in emu.store.object_segments(BUCKET, "own")]
    assert blob_files(emu) == sorted(base + single)
    assert multipart(c, "own", [b"d", b"e"]).status == 200  # Complete over a single blob
    second = [b for b, _ in emu.store.object_segments(BUCKET, "own")]
    assert blob_files(emu) == sorted(base + second)
    assert multipart(c, "own", [b"f", b"g", b"h", b"i"]).status == 200  # Complete over segments
    third = [b for b, _ in emu.store.object_segments(BUCKET, "own")]
    assert blob_files(emu) == sorted(base + third)
    assert c.request("GET", "own").body == b"fghi"
    assert c.request("DELETE", "own").status == 204
    assert blob_files(emu) == base
    assert emu.store.db.execute("SELECT COUNT(*) FROM segments WHERE key = 'own'").fetchone()[0] == 0
    wait_for_empty_trash(emu.store)  # the reaper frees the bytes in the background


def test_segmented_object_is_not_appendable(c, emu):
    assert multipart(c, "noapp", [b"12", b"34"]).status == 200
    files = blob_files(emu)
    r = c.request("POST", "noapp", b"5", params={"append": "", "position": "4"})
    assert r.status == 409 and r.error_code() == "ObjectNotAppendable"
    r = c.request("POST", "noapp", b"5", params={"append": "", "position": "0"})
    assert r.status == 409 and r.error_code() == "ObjectNotAppendable"
    assert blob_files(emu) == files and c.request("GET", "noapp").body == b"1234"
    assert c.request("DELETE", "noapp").status == 204


def test_delete_bucket_with_a_segmented_object(emu):
    name = emu.create_bucket("segbucket-1250000000")
    b = CosHttp(emu.port, name)
    try:
        assert multipart(b, "x", [b"1", b"2"]).status == 200
        r = b.request("DELETE", "")
        assert r.status == 409 and r.error_code() == "BucketNotEmpty"
        assert b.request("DELETE", "x").status == 204
        assert b.request("DELETE", "").status == 204
    finally:
        b.close()


# -- readers pin their segments ---------------------------------------------------------------------


def test_open_reader_survives_overwrite_and_delete(c, emu):
    chunks = [os.urandom(1000), os.urandom(1000), os.urandom(1000)]
    assert multipart(c, "pin", chunks).status == 200
    blobs = [b for b, _ in emu.store.object_segments(BUCKET, "pin")]
    record, reader = emu.store.open_object(BUCKET, "pin")
    assert isinstance(reader, SegmentReader) and record.size == 3000
    with reader:
        first = reader.read(10)
        assert c.request("PUT", "pin", b"new").status == 200
        assert all(os.path.exists(emu.store._blob_path(b)) for b in blobs)  # pinned, not yet removed
        assert c.request("DELETE", "pin").status == 204
        rest = b""
        while True:
            chunk = reader.read(700)
            assert len(chunk) <= 700
            if not chunk:
                break
            rest += chunk
        assert first + rest == b"".join(chunks)
    assert not any(os.path.exists(emu.store._blob_path(b)) for b in blobs)  # unpinned -> removed
    assert not emu.store._pins and not emu.store._doomed


def test_concurrent_reads_while_overwriting(emu):
    """GETs racing Completes, PUTs and DELETEs of the same key see one whole version or 404."""
    versions = {
        "a": [os.urandom(30_000) for _ in range(3)],
        "b": [os.urandom(20_000) for _ in range(2)],
        "c": [os.urandom(45_000)],  # PUT
    }
    bodies = {b"".join(chunks) for chunks in versions.values()}
    errors: List[object] = []
    stop = threading.Event()

    def reader(i: int) -> None:
        client = CosHttp(emu.port, BUCKET)
        try:
            while not stop.is_set():
                headers = {"Range": "bytes=10000-"} if i % 2 else {}
                g = client.request("GET", "hot", headers=headers)
                if g.status == 404:
                    continue
                full = {body[10000:] if i % 2 else body for body in bodies}
                if g.status not in (200, 206) or g.body not in full:
                    errors.append((g.status, len(g.body)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    writer = CosHttp(emu.port, BUCKET)
    try:
        for _ in range(8):
            assert multipart(writer, "hot", versions["a"]).status == 200
            assert multipart(writer, "hot", versions["b"]).status == 200
            assert writer.request("PUT", "hot", versions["c"][0]).status == 200
            assert writer.request("DELETE", "hot").status == 204
    finally:
        stop.set()
        for t in threads:
            t.join()
        writer.close()
    assert errors == []
    assert not emu.store._pins and not emu.store._doomed
    assert emu.store.object_segments(BUCKET, "hot") is None


def test_segment_reader_reads_are_bounded_and_stop_at_boundaries(emu, objects):
    _, reader = emu.store.open_object(BUCKET, "seg")
    with reader:
        with pytest.raises(ValueError):
            reader.read(-1)
        pieces = []
        while True:
            chunk = reader.read(1000)
            if not chunk:
                break
            pieces.append(chunk)
        assert pieces == [ch for ch in CHUNKS if ch]  # one read per non-empty segment at most
        assert reader.seek(12) == 12 and reader.read(100) == DATA[12:13]
        assert reader.read(2) == DATA[13:15] and reader.tell() == 15
        assert reader.seek(-2, os.SEEK_END) == len(DATA) - 2 and reader.read(10) == DATA[-2:]
        assert reader.read(10) == b""
    assert reader.closed
    reader.close()  # twice is harmless
    assert not emu.store._pins


def test_reset_with_an_open_reader(tmp_path):
    with CosEmulator(data_dir=str(tmp_path), min_part_size=0) as e:
        client = CosHttp(e.port, BUCKET)
        assert multipart(client, "r", [b"ab", b"cd"]).status == 200
        client.close()
        _, reader = e.store.open_object(BUCKET, "r")
        e.reset()
        assert reader.read(3) == b"ab" and reader.read(3) == b"cd"
        reader.close()
        assert blob_files(e) == []
        wait_for_empty_trash(e.store)


# -- persistence ------------------------------------------------------------------------------------


def test_crash_recovery_keeps_segment_blobs(tmp_path):
    data_dir = str(tmp_path / "d")
    chunks = [os.urandom(5000), os.urandom(3000)]
    with CosEmulator(data_dir=data_dir, min_part_size=0) as e:
        client = CosHttp(e.port, BUCKET)
        assert multipart(client, "kept", chunks).status == 200
        client.close()
        segments = e.store.object_segments(BUCKET, "kept")
        blob_dir, trash_dir = e.store.blob_dir, e.store.trash_dir
        # a segment row of no object: its blob is a true orphan
        dangling = "ee" + "1" * 30
        e.store.db.execute(
            "INSERT INTO segments (bucket, key, seq, blob_id, size) VALUES (?, 'gone', 0, ?, 1)", (BUCKET, dangling)
        )
    orphans = [os.path.join(blob_dir, "ff", "f" * 32), os.path.join(blob_dir, "ee", dangling)]
    for path in orphans:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"orphan")
    with open(os.path.join(trash_dir, "a" * 32), "wb") as f:
        f.write(b"half-deleted")
    with CosEmulator(data_dir=data_dir, min_part_size=0) as e:
        assert all(os.path.exists(e.store._blob_path(b)) for b, _ in segments)
        assert not any(os.path.exists(p) for p in orphans)
        assert e.store.db.execute("SELECT COUNT(*) FROM segments WHERE key = 'gone'").fetchone()[0] == 0
        wait_for_empty_trash(e.store)
        client = CosHttp(e.port, BUCKET)
        assert client.request("GET", "kept").body == b"".join(chunks)
        assert (
            client.request("GET", "kept", headers={"Range": "bytes=4999-5000"}).body == chunks[0][-1:] + chunks[1][:1]
        )
        client.close()


def test_schema_v2_data_dir_is_migrated(tmp_path):
    root = tmp_path / "v2"
    (root / "blobs" / "ab").mkdir(parents=True)
    (root / "tmp").mkdir()
    obj_blob, part_blob = "ab" + "0" * 30, "ab" + "1" * 30
    (root / "blobs" / "ab" / obj_blob).write_bytes(b"v2 body")
    part = b"p" * 10
    (root / "blobs" / "ab" / part_blob).write_bytes(part)
    upload_id = "1700000000" + "0" * 15 + "1" + "a" * 48
    db = sqlite3.connect(str(root / "meta.sqlite3"))
    db.executescript(_store._SCHEMA_V1 + _store._SCHEMA_V2)
    db.execute("INSERT INTO buckets (name, region, acl, created) VALUES (?, 'ap-beijing', 'private', 0)", (BUCKET,))
    db.execute(
        "INSERT INTO objects (bucket, key, blob_id, size, etag, crc64, last_modified, storage_class) "
        "VALUES (?, 'old.txt', ?, 7, ?, ?, 0, 'STANDARD')",
        (BUCKET, obj_blob, etag_of(b"v2 body"), str(_crc64.calc(b"v2 body"))),
    )
    db.execute(
        "INSERT INTO uploads (upload_id, bucket, key, initiated, storage_class) VALUES (?, ?, 'mp', 0, 'STANDARD')",
        (upload_id, BUCKET),
    )
    db.execute(
        "INSERT INTO parts (upload_id, part_number, blob_id, size, etag, crc64, last_modified) "
        "VALUES (?, 1, ?, 10, ?, ?, 0)",
        (upload_id, part_blob, etag_of(part), str(_crc64.calc(part))),
    )
    db.execute("PRAGMA user_version=2")
    db.commit()
    db.close()
    with CosEmulator(data_dir=str(root), min_part_size=0) as e:
        assert e.store.db.execute("PRAGMA user_version").fetchone()[0] == _store.SCHEMA_VERSION == 3
        assert e.store.object_segments(BUCKET, "old.txt") == [(obj_blob, 7)]
        client = CosHttp(e.port, BUCKET)
        assert client.request("GET", "old.txt").body == b"v2 body"
        r = complete(client, "mp", upload_id, [(1, etag_of(part))])  # an upload begun before the migration
        assert r.status == 200, r
        assert e.store.object_segments(BUCKET, "mp") == [(part_blob, 10)]
        client.close()
    with CosEmulator(data_dir=str(root)) as e:  # reopening a v3 directory is a no-op
        client = CosHttp(e.port, BUCKET)
        assert client.request("GET", "mp").body == part
        assert client.request("GET", "old.txt").body == b"v2 body"
        client.close()
