"""upload_folder, the reference's upload_file and batch examples, and Ctrl-C during upload_file."""

import gc
import logging
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError
from tests.functional import seed

MIB = 1024 * 1024
BUCKET = "examplebucket-1250000000"


def _write(path, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(os.urandom(size))
    return path


def _ops(emulator, bucket, *ops):
    return [r for r in emulator.requests if r.get("bucket") == bucket and r.get("op") in ops]


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "tree"
    files = {
        "a.txt": 100,
        "empty": 0,
        "sub/b.bin": 3 * MIB,
        "sub/deeper/中文 名.txt": 10,
        "big/one.bin": 21 * MIB + 3,
        "big/two.bin": 22 * MIB,
    }
    for name, size in files.items():
        _write(str(root / name), size)
    return str(root), files


def test_upload_folder_then_skip_then_change(client, bucket, cos_emulator, tree, tmp_path):
    root, files = tree
    progress = []
    summary = client.upload_folder(
        bucket,
        root,
        KeyPrefix="backup/",
        MAXThread=3,
        progress_callback=lambda d, t: progress.append((d, t)),
        CheckpointDir=str(tmp_path / "ck"),
    )
    assert summary["success_all"] is True
    assert sorted(summary["uploaded"]) == sorted("backup/" + name for name in files)
    assert summary["skipped"] == [] and summary["failed"] == []
    assert summary["uploaded_bytes"] == sum(files.values())
    assert progress[-1] == (sum(files.values()), sum(files.values()))
    for name in files:
        with open(os.path.join(root, name), "rb") as f:
            body = client.get_object(bucket, "backup/" + name)["Body"].get_raw_stream().read()
            assert body == f.read(), name

    writes = len(_ops(cos_emulator, bucket, "PutObject", "UploadPart"))
    again = client.upload_folder(bucket, root, KeyPrefix="backup/", CheckpointDir=str(tmp_path / "ck"))
    assert sorted(again["skipped"]) == sorted("backup/" + name for name in files)
    assert again["uploaded"] == []
    assert len(_ops(cos_emulator, bucket, "PutObject", "UploadPart")) == writes

    _write(os.path.join(root, "sub/b.bin"), 3 * MIB)  # same size, new content
    third = client.upload_folder(bucket, root, KeyPrefix="backup/", CheckpointDir=str(tmp_path / "ck"))
    assert third["uploaded"] == ["backup/sub/b.bin"]


def test_upload_folder_one_failure_does_not_stop_the_rest(client, bucket, cos_emulator, tree, tmp_path):
    root, files = tree
    cos_emulator.inject_fault(status=403, code="AccessDenied", key="sub/b.bin", count=1)
    summary = client.upload_folder(bucket, root, SkipExisting=False, CheckpointDir=str(tmp_path / "ck"))
    assert summary["success_all"] is False
    assert [f["Key"] for f in summary["failed"]] == ["sub/b.bin"]
    error = summary["failed"][0]["Error"]
    assert isinstance(error, CosServiceError) and error.get_error_code() == "AccessDenied"
    assert sorted(summary["uploaded"]) == sorted(n for n in files if n != "sub/b.bin")


def test_upload_folder_rejects_a_file_path(client, bucket, tree):
    root, _ = tree
    with pytest.raises(CosClientError, match="not a directory"):
        client.upload_folder(bucket, os.path.join(root, "a.txt"))


# -- the reference's examples -------------------------------------------------------------------


@pytest.fixture
def env(cos_emulator, monkeypatch, tmp_path):
    monkeypatch.setenv("QCLOUD_COS_ENDPOINT_URL", cos_emulator.endpoint)
    monkeypatch.setenv("QCLOUD_COS_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    return CosS3Client(CosConfig(**cos_emulator.config_kwargs())), tmp_path


def test_upload_file_example(env):
    client, tmp = env
    _write(str(tmp / "local.txt"), 1234)
    response = seed.run(seed.source("upload_file.py"), cwd=tmp)["response"]
    assert response["ETag"] == client.head_object(BUCKET, "exampleobject")["ETag"]


@pytest.mark.parametrize("size", [2000, 21 * MIB + 1])
def test_upload_file_all_params_template(env, capsys, size):
    client, tmp = env
    _write(str(tmp / "local.txt"), size)
    code = seed.resolve(seed.source("upload_file_all_params.template"), {"EnableMD5": 1, "ACL": 0, "StorageClass": 1})
    # TrafficLimit='1048576' is 128 KiB/s per connection, which the emulator honours: the 21 MiB
    # case would take ~40 s, so it runs at the top of the allowed range instead.
    limit = [("TrafficLimit='1048576'", "TrafficLimit='838860800'")] if size > MIB else []
    response = seed.run(code, cwd=tmp, scope={"client": client, "sys": sys}, replace=limit + list(seed.GRANTS))[
        "response"
    ]
    head = client.head_object(BUCKET, "exampleobject")
    assert head["ETag"] == response["ETag"]
    assert head["Content-Length"] == str(size)
    assert head["x-cos-storage-class"] == "STANDARD_IA"
    assert head["x-cos-meta-key1"] == "value1"
    assert capsys.readouterr().out.strip().splitlines()[-1].strip() == "100%"


def test_upload_file_template_placeholder_md5_is_rejected_for_a_simple_upload(env):
    client, tmp = env
    _write(str(tmp / "local.txt"), 2000)
    code = seed.resolve(seed.source("upload_file_all_params.template"), {"EnableMD5": 0})
    with pytest.raises(CosServiceError) as info:
        seed.run(code, cwd=tmp, scope={"client": client, "sys": sys})
    assert info.value.get_error_code() == "InvalidDigest"


def test_batch_folder_example(env, cos_emulator, caplog, capsys):
    client, tmp = env
    cos_emulator.create_bucket("examplebucket-125000000")  # the example's own bucket name
    root = tmp / "logs"
    # five files over 20 MiB: 5 pool threads x 5 part threads = 25 requests at once, over the
    # default pool of 10 connections that the official SDK overflows (its issue #201)
    names = ["app.log", "old/app.1.log", "x.txt"] + ["big/dump%d" % i for i in range(5)]
    for name in names:
        _write(str(root / name), 21 * MIB if name.startswith("big/") else 5000)
    code = seed.source("upload_folder_batch.py")
    with caplog.at_level(logging.WARNING, logger="urllib3"):
        seed.run(code, cwd=tmp, replace=[("uploadDir = '/root/logs'", "uploadDir = %r" % str(root))])
    out = capsys.readouterr().out
    assert "Not all files upload sucessed" not in out
    assert "Connection pool is full" not in caplog.text
    for name in names:
        key = os.path.join(str(root), name).strip("/")
        head = client.head_object("examplebucket-125000000", key)
        assert head["Content-Length"] == str(os.path.getsize(root / name))
    # the second run finds everything and uploads nothing
    seed.run(code, cwd=tmp, replace=[("uploadDir = '/root/logs'", "uploadDir = %r" % str(root))])
    assert "not exists in cos" not in capsys.readouterr().out


# -- Ctrl-C ---------------------------------------------------------------------------------------

INTERRUPTED = textwrap.dedent("""
    import sys, time
    from qcloud_cos import CosConfig, CosS3Client
    port, bucket, path, ckdir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    client = CosS3Client(CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                                   IP='127.0.0.1', Port=port, Scheme='http'))
    said = []
    def progress(done, total):
        if done > total // 3 and not said:
            said.append(1)
            print('ONE THIRD', flush=True)
        time.sleep(0.002)
    client.upload_file(bucket, 'ctrl-c.bin', path, MAXThread=2, progress_callback=progress, CheckpointDir=ckdir)
    print('FINISHED', flush=True)
""")


def test_ctrl_c_stops_promptly_and_leaves_the_upload_resumable(client, bucket, cos_emulator, tmp_path):
    path = _write(str(tmp_path / "big.bin"), 40 * MIB)
    ckdir = str(tmp_path / "ck")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, str(cos_emulator.port), bucket, path, ckdir],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=root),
    )
    assert proc.stdout.readline().strip() == "ONE THIRD"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "FINISHED" not in out
    assert "KeyboardInterrupt" in err
    assert len(os.listdir(ckdir)) == 1
    sent = len(_ops(cos_emulator, bucket, "UploadPart"))
    assert sent < 40

    client.upload_file(bucket, "ctrl-c.bin", path, MAXThread=2, CheckpointDir=ckdir)
    assert len(_ops(cos_emulator, bucket, "InitiateMultipartUpload")) == 1
    assert len(_ops(cos_emulator, bucket, "UploadPart")) <= 40 + 2
    with open(path, "rb") as f:
        assert client.get_object(bucket, "ctrl-c.bin")["Body"].get_raw_stream().read() == f.read()


def test_upload_folder_lists_once_and_heads_only_same_size_objects(client, bucket, cos_emulator, tree, tmp_path):
    """SkipExisting: one listing of the prefix; a new file costs no HEAD, a file whose object has another
    size is sent without one, and only an object of the same size is HEADed (its CRC-64 decides)."""
    root, files = tree
    first = client.upload_folder(bucket, root, KeyPrefix="listed/", CheckpointDir=False)
    assert first["success_all"] and len(first["uploaded"]) == len(files)
    assert _ops(cos_emulator, bucket, "HeadObject") == []  # nothing was there: no HEAD at all
    assert len(_ops(cos_emulator, bucket, "GetBucket")) == 1

    _write(os.path.join(root, "a.txt"), 101)  # another size: sent again, without a HEAD
    since = len(cos_emulator.requests)
    second = client.upload_folder(bucket, root, KeyPrefix="listed/", CheckpointDir=False)
    heads = [r["path"] for r in cos_emulator.requests[since:] if r.get("op") == "HeadObject"]
    assert second["uploaded"] == ["listed/a.txt"]
    assert sorted(second["skipped"]) == sorted("listed/" + name for name in files if name != "a.txt")
    assert len(heads) == len(files) - 1 and not any("a.txt" in h for h in heads)


# -- a large tree: files are started as the transfer goes ----------------------------------------


def _live_uploads(bucket):
    """The FileUpload objects of ``bucket`` still reachable (cycles already collected)."""
    from qcloud_cos._transfer.upload import FileUpload

    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is FileUpload and o.bucket == bucket)


def test_upload_folder_holds_a_window_of_files_not_the_whole_tree(client, bucket, tmp_path):
    # 300 files on 2 workers: at most 4 x 2 files are started and unfinished at any time, so the
    # memory of a transfer does not grow with the tree (a million files used to mean 1.7 GiB)
    root = tmp_path / "many"
    names = ["d%02d/f%03d.txt" % (i % 7, i) for i in range(300)]
    for name in names:
        _write(str(root / name), 1 + len(name))
    live, calls = [], []

    def progress(done, total):
        calls.append(done)
        if len(calls) % 10 == 0:
            live.append(_live_uploads(bucket))

    summary = client.upload_folder(bucket, str(root), KeyPrefix="m/", MAXThread=2, progress_callback=progress)
    assert summary["success_all"] is True and summary["failed"] == []
    assert summary["uploaded"] == ["m/" + n for n in sorted(names)]  # in walk order, as before
    assert summary["uploaded_bytes"] == sum(1 + len(n) for n in names)
    assert len(live) >= 10
    assert max(live) <= 4 * 2 + 2, live  # the window, plus one finishing as the next starts
    assert calls[-1] == summary["uploaded_bytes"]
    listed = {o["Key"] for o in client.iter_objects(bucket, Prefix="m/")}
    assert listed == {"m/" + n for n in names}


def test_upload_folder_window_keeps_walk_order_with_failures_and_skips(client, bucket, cos_emulator, tmp_path):
    root = tmp_path / "mixed"
    names = ["f%02d" % i for i in range(40)]
    for name in names:
        _write(str(root / name), 10)
    client.upload_folder(bucket, str(root), KeyPrefix="x/", MAXThread=1, SkipExisting=False)
    for name in names[::3]:  # a third changed since: uploaded again, the rest skipped
        _write(str(root / name), 11)
    for name in ("f05", "f20", "f37"):
        cos_emulator.inject_fault(status=403, code="AccessDenied", key="x/" + name, count=1)
    summary = client.upload_folder(bucket, str(root), KeyPrefix="x/", MAXThread=1)
    assert [f["Key"] for f in summary["failed"]] == ["x/f05", "x/f20", "x/f37"]
    assert summary["uploaded"] == ["x/" + n for n in names[::3] if n not in ("f05", "f20", "f37")]
    assert summary["skipped"] == ["x/" + n for i, n in enumerate(names) if i % 3 and n not in ("f05", "f20", "f37")]


def test_upload_folder_cancelled_reports_every_file_not_sent(client, bucket, tmp_path):
    import threading

    root = tmp_path / "cancel"
    names = ["f%03d" % i for i in range(60)]
    for name in names:
        _write(str(root / name), 100)
    cancel = threading.Event()

    def progress(done, total):
        if done >= 1000:  # after about ten files
            cancel.set()

    summary = client.upload_folder(
        bucket, str(root), KeyPrefix="c/", MAXThread=2, progress_callback=progress, CancelEvent=cancel
    )
    assert summary["success_all"] is False
    sent = set(summary["uploaded"])
    failed = [f["Key"] for f in summary["failed"]]
    assert sent and failed
    assert sorted(sent | set(failed)) == ["c/" + n for n in names]  # every file: sent or reported
    assert not sent & set(failed)
    assert failed == sorted(failed)
    assert all("cancelled" in str(f["Error"]) for f in summary["failed"])
