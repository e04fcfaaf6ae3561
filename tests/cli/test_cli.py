"""``python -m qcloud_cos`` (the ``qcloud-cos`` console script) end to end: a subprocess talking HTTP to
the session's COS emulator.  What each command did is checked with our own client."""

import filecmp
import os
import re
import signal
import sys
import time

import pytest
import requests

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.emulator import CosEmulator

from .conftest import json_lines

MIB = 1024 * 1024


def _random(n, seed=0):
    import random

    return random.Random(seed).randbytes(n) if hasattr(random.Random, "randbytes") else os.urandom(n)


def _get(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].get_raw_stream().read()


def _keys(client, bucket, prefix=""):
    return sorted(o["Key"] for o in client.iter_objects(Bucket=bucket, Prefix=prefix))


def _tree(root):
    """{relative path: bytes} of every file below root."""
    found = {}
    for dirpath, _, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, str(root)).replace(os.sep, "/")] = f.read()
    return found


def _make_tree(root):
    files = {
        "a.txt": b"hello\n",
        "empty": b"",
        "sub/b.bin": _random(300 * 1024, 1),
        "sub/deeper/c.bin": _random(2 * MIB + 17, 2),
    }
    for rel, data in files.items():
        path = root.joinpath(*rel.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


# -- cp: upload, download, copy --------------------------------------------------------------------


def test_upload_and_download_a_file(cli, client, bucket, tmp_path):
    data = _random(3 * MIB + 5)
    (cli.cwd / "f.bin").write_bytes(data)
    r = cli("cp", "f.bin", "cos://%s/dir/" % bucket)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "upload: f.bin -> cos://%s/dir/f.bin (3.0 MiB)\n" % bucket
    assert r.stderr == ""  # stderr is not a terminal: no progress
    assert _get(client, bucket, "dir/f.bin") == data

    r = cli("cp", "cos://%s/dir/f.bin" % bucket, "back.bin")
    assert r.returncode == 0, r.stderr
    assert (cli.cwd / "back.bin").read_bytes() == data
    (cli.cwd / "into").mkdir()
    r = cli("cp", "cos://%s/dir/f.bin" % bucket, "into", "--part-size", "1")  # a directory: under the key's name
    assert r.returncode == 0, r.stderr
    assert (cli.cwd / "into" / "f.bin").read_bytes() == data


def test_upload_and_download_a_folder(cli, client, bucket, tmp_path):
    src = tmp_path / "src"
    files = _make_tree(src)
    r = cli("cp", "-r", src, "cos://%s/backup" % bucket)  # "backup" means backup/
    assert r.returncode == 0, r.stderr
    assert _keys(client, bucket) == sorted("backup/" + k for k in files)
    assert r.stdout.splitlines()[-1] == "uploaded 4 file(s) (2.3 MiB), skipped 0, failed 0"
    for rel, data in files.items():
        assert _get(client, bucket, "backup/" + rel) == data

    again = cli("--json", "cp", "-r", src, "cos://%s/backup/" % bucket)  # same content: skipped
    assert again.returncode == 0, again.stderr
    lines = json_lines(again.stdout)
    assert sorted(r["key"] for r in lines if r.get("status") == "skipped") == sorted("backup/" + k for k in files)
    assert lines[-1]["type"] == "summary" and lines[-1]["skipped"] == 4 and lines[-1]["uploaded"] == 0

    r = cli("cp", "-r", "cos://%s/backup" % bucket, tmp_path / "dest")
    assert r.returncode == 0, r.stderr
    assert _tree(tmp_path / "dest") == files
    assert not filecmp.dircmp(str(src), str(tmp_path / "dest")).diff_files


def test_cp_without_r_refuses_a_directory_or_prefix(cli, bucket, tmp_path):
    (tmp_path / "d").mkdir()
    r = cli("cp", tmp_path / "d", "cos://%s/x/" % bucket)
    assert r.returncode == 2 and "use cp -r" in r.stderr
    r = cli("cp", "cos://%s/x/" % bucket, tmp_path / "out")
    assert r.returncode == 2 and "use cp -r" in r.stderr


def test_download_prefix_partial_failure(cli, client, bucket, tmp_path):
    """A key that cannot be a path below the destination fails alone: exit 1, the others arrive."""
    for key in ("pre/ok.txt", "pre/x/../../evil", "pre//double"):
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    dest = tmp_path / "out" / "dest"
    r = cli("--json", "cp", "-r", "cos://%s/pre/" % bucket, dest)
    assert r.returncode == 1
    assert _tree(dest) == {"ok.txt": b"pre/ok.txt"}
    assert not (tmp_path / "out" / "evil").exists() and not (tmp_path / "evil").exists()
    lines = json_lines(r.stdout)
    assert sorted(x["key"] for x in lines if x.get("status") == "error") == ["pre//double", "pre/x/../../evil"]
    assert lines[-1]["status"] == "partial" and lines[-1]["downloaded"] == 1 and lines[-1]["failed"] == 2
    assert r.stderr.count("error: ") == 2


def test_copy_between_buckets(cli, client, bucket, cos_emulator):
    other = cos_emulator.create_bucket("cli-other-%s-1250000000" % os.urandom(4).hex())
    client.put_object(Bucket=bucket, Key="src/one", Body=b"1" * 1000, Metadata={"x-cos-meta-tag": "v"})
    client.put_object(Bucket=bucket, Key="src/sub/two", Body=b"22")
    r = cli("cp", "cos://%s/src/one" % bucket, "cos://%s/copied/" % other)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "copy: cos://%s/src/one -> cos://%s/copied/one (1000 B)\n" % (bucket, other)
    assert _get(client, other, "copied/one") == b"1" * 1000
    assert client.head_object(Bucket=other, Key="copied/one")["x-cos-meta-tag"] == "v"

    r = cli("--json", "cp", "-r", "cos://%s/src" % bucket, "cos://%s/tree" % other)
    assert r.returncode == 0, r.stderr
    assert _keys(client, other, "tree/") == ["tree/one", "tree/sub/two"]
    assert _get(client, other, "tree/sub/two") == b"22"
    summary = json_lines(r.stdout)[-1]
    assert summary["copied"] == 2 and summary["bytes"] == 1002 and summary["status"] == "ok"


# -- ls, stat, json ----------------------------------------------------------------------------------


def test_ls_levels_sizes_and_totals(cli, client, bucket):
    client.put_object(Bucket=bucket, Key="top.bin", Body=b"x" * 1536)
    client.put_object(Bucket=bucket, Key="dir/a", Body=b"a" * 10)
    client.put_object(Bucket=bucket, Key="dir/sub/b", Body=b"b" * 20)

    r = cli("ls", "cos://%s" % bucket)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.match(r"^\s+PRE  dir/$", lines[0])
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1536  top\.bin$", lines[1])
    assert lines[-1] == "Total: 1 object, 1536 bytes"

    r = cli("ls", "-r", "-H", "cos://%s/" % bucket)
    lines = r.stdout.splitlines()
    assert [line.split()[-1] for line in lines[:-1]] == ["dir/a", "dir/sub/b", "top.bin"]
    assert "1.5 KiB" in lines[2] and "10 B" in lines[0]
    assert lines[-1] == "Total: 3 objects, 1.5 KiB"

    r = cli("ls", "--json", "-r", "cos://%s/dir/" % bucket)
    records = json_lines(r.stdout)
    assert [x["key"] for x in records if x["type"] == "object"] == ["dir/a", "dir/sub/b"]
    assert records[-1] == {
        "op": "ls",
        "type": "total",
        "bucket": bucket,
        "prefix": "dir/",
        "objects": 2,
        "bytes": 30,
        "status": "ok",
    }

    r = cli("ls", "-q", "cos://%s/dir/" % bucket)  # a listing is what ls is for: -q keeps it
    assert r.stdout.splitlines()[-1] == "Total: 1 object, 10 bytes"
    r = cli("ls")
    assert r.returncode == 0 and bucket in r.stdout


def test_json_results_of_an_upload(cli, bucket, tmp_path):
    (cli.cwd / "one.txt").write_bytes(b"12345")
    r = cli("cp", "one.txt", "cos://%s/j/one.txt" % bucket, "--json")
    assert r.returncode == 0, r.stderr
    assert json_lines(r.stdout) == [
        {"op": "upload", "bucket": bucket, "key": "j/one.txt", "source": "one.txt", "bytes": 5, "status": "ok"}
    ]
    r = cli("--json", "cp", "cos://%s/j/missing" % bucket, "x")
    assert r.returncode == 1
    [record] = json_lines(r.stdout)
    assert record["status"] == "error" and record["error"]["http_status"] == 404 and record["op"] == "download"
    assert not (cli.cwd / "x").exists()


def test_stat(cli, client, bucket):
    client.put_object(
        Bucket=bucket, Key="s.txt", Body=b"abc", ContentType="text/plain", Metadata={"x-cos-meta-owner": "me"}
    )
    head = client.head_object(Bucket=bucket, Key="s.txt")
    r = cli("stat", "cos://%s/s.txt" % bucket)
    assert r.returncode == 0, r.stderr
    fields = dict(re.split(r":\s+", line, maxsplit=1) for line in r.stdout.splitlines())
    assert fields["Size"] == "3 (3 B)"
    assert fields["ETag"] == head["ETag"] and fields["Content-Type"] == "text/plain"
    assert fields["CRC64"] == head["x-cos-hash-crc64ecma"] and fields["x-cos-meta-owner"] == "me"
    [record] = json_lines(cli("--json", "stat", "cos://%s/s.txt" % bucket).stdout)
    assert record["bytes"] == 3 and record["metadata"] == {"owner": "me"} and record["etag"] == head["ETag"]


# -- rm ------------------------------------------------------------------------------------------------


def test_rm_prefix_needs_y_without_a_terminal(cli, client, bucket):
    for key in ("del/a", "del/b/c", "delx", "keep"):
        client.put_object(Bucket=bucket, Key=key, Body=b".")
    r = cli("rm", "-r", "cos://%s/del" % bucket)  # stdin is /dev/null
    assert r.returncode == 2
    assert "refusing" in r.stderr and "-y" in r.stderr
    assert _keys(client, bucket) == ["del/a", "del/b/c", "delx", "keep"]

    r = cli("rm", "-r", "-y", "cos://%s/del" % bucket)  # del means del/: delx stays
    assert r.returncode == 0, r.stderr
    assert r.stdout == "deleted 2 objects under cos://%s/del/\n" % bucket
    assert _keys(client, bucket) == ["delx", "keep"]

    r = cli("rm", "-r", "-y", "cos://%s" % bucket)  # the whole bucket takes --all too
    assert r.returncode == 2 and "--all" in r.stderr
    r = cli("rm", "cos://%s/delx" % bucket)
    assert r.returncode == 0 and r.stdout == "delete: cos://%s/delx\n" % bucket
    assert _keys(client, bucket) == ["keep"]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_rm_prefix_asks_on_a_terminal(cli, client, bucket):
    client.put_object(Bucket=bucket, Key="t/a", Body=b".")
    for answer, code, left in ((b"n\n", 1, ["t/a"]), (b"y\n", 0, [])):
        master, slave = os.openpty()
        try:
            proc = cli.popen("rm", "-r", "cos://%s/t/" % bucket, stdin=slave)
            os.write(master, answer)
            _, err = proc.communicate(timeout=30)
        finally:
            os.close(slave)
            os.close(master)
        assert proc.returncode == code, err
        assert "Delete every object under cos://%s/t/? [y/N]" % bucket in err
        assert _keys(client, bucket) == left


# -- presign, uploads ---------------------------------------------------------------------------------


def test_presign_get_and_put(cli_env, cli):
    with CosEmulator() as emu:  # one bucket: its presigned URLs (Host 127.0.0.1) address it
        env = {"QCLOUD_COS_ENDPOINT_URL": emu.endpoint}
        bucket = emu.buckets[0]
        own = CosS3Client(CosConfig(**emu.config_kwargs()))
        own.put_object(Bucket=bucket, Key="p/get.txt", Body=b"presigned body")

        r = cli("presign", "cos://%s/p/get.txt" % bucket, "--expires", "120", env=env)
        assert r.returncode == 0, r.stderr
        url = r.stdout.strip()
        assert url.startswith(emu.endpoint + "/p/get.txt?") and "q-signature=" in url
        assert requests.get(url, timeout=10).content == b"presigned body"

        r = cli("--json", "presign", "--method", "put", "cos://%s/p/put.txt" % bucket, env=env)
        [record] = json_lines(r.stdout)
        assert record["method"] == "PUT" and record["expires"] == 3600
        assert requests.put(record["url"], data=b"put through a URL", timeout=10).status_code == 200
        assert _get(own, bucket, "p/put.txt") == b"put through a URL"


def test_uploads_list_and_abort(cli, client, bucket):
    upload_id = client.create_multipart_upload(Bucket=bucket, Key="mp/x")["UploadId"]
    r = cli("uploads", "cos://%s/mp/" % bucket)
    assert r.returncode == 0 and upload_id in r.stdout and r.stdout.splitlines()[-1] == "Total: 1 unfinished upload"
    r = cli("uploads", "--abort", "cos://%s" % bucket)
    assert r.returncode == 2 and "refusing" in r.stderr
    r = cli("--json", "uploads", "--abort", "-y", "cos://%s" % bucket)
    assert r.returncode == 0, r.stderr
    assert [x.get("upload_id") for x in json_lines(r.stdout) if x["op"] == "abort" and "type" not in x] == [upload_id]
    assert not client.list_multipart_uploads(Bucket=bucket).get("Upload")


# -- configuration -------------------------------------------------------------------------------------

ONLY_FILE = ("COS_SECRET_ID", "COS_SECRET_KEY", "COS_REGION", "QCLOUD_COS_ENDPOINT_URL")


def test_config_file_profiles_and_precedence(cli, client, bucket, cos_emulator, tmp_path):
    client.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = "cos://%s/k" % bucket
    good = cos_emulator.config_kwargs()
    config = tmp_path / "cos.ini"
    config.write_text(
        "[default]\nsecret_id = {id}\nsecret_key = {key}\nregion = {region}\nendpoint_url = {endpoint}\n\n"
        "[badkey]\nsecret_id = {id}\nsecret_key = wrong-secret-in-file\nregion = not a region!\n"
        "endpoint_url = http://127.0.0.1:1\n".format(
            id=good["SecretId"], key=good["SecretKey"], region=good["Region"], endpoint=cos_emulator.endpoint
        )
    )
    # the file alone: credentials, region and endpoint; found by --config, $QCLOUD_COS_CONFIG, ~/.qcloud_cos.ini
    assert cli("--config", config, "stat", url, unset=ONLY_FILE).returncode == 0
    assert cli("stat", url, unset=ONLY_FILE, env={"QCLOUD_COS_CONFIG": str(config)}).returncode == 0
    (tmp_path / "home" / ".qcloud_cos.ini").write_text(config.read_text())
    assert cli("stat", url, unset=ONLY_FILE).returncode == 0
    # --profile picks a section: its wrong key is used (and never printed)
    r = cli(
        "--profile",
        "badkey",
        "ls",
        url,
        unset=ONLY_FILE,
        env={"COS_REGION": good["Region"], "QCLOUD_COS_ENDPOINT_URL": cos_emulator.endpoint},
    )
    assert r.returncode == 1 and "SignatureDoesNotMatch" in r.stderr
    assert "wrong-secret-in-file" not in r.stderr + r.stdout
    # environment beats the file: keys, region and endpoint of [badkey] are all overridden
    assert cli("--profile", "badkey", "stat", url).returncode == 0
    # flags beat the environment
    wrong_env = {
        "COS_SECRET_KEY": "wrong-secret-in-env",
        "COS_REGION": "not a region!",
        "QCLOUD_COS_ENDPOINT_URL": "http://127.0.0.1:1",
    }
    r = cli(
        "stat",
        url,
        "--secret-id",
        good["SecretId"],
        "--secret-key",
        good["SecretKey"],
        "--region",
        good["Region"],
        "--endpoint-url",
        cos_emulator.endpoint,
        env=wrong_env,
    )
    assert r.returncode == 0, r.stderr
    r = cli("ls", url, "--secret-id", good["SecretId"], "--secret-key", "wrong-secret-in-flag")
    assert r.returncode == 1 and "SignatureDoesNotMatch" in r.stderr
    assert "wrong-secret-in-flag" not in r.stderr + r.stdout
    r = cli("stat", url, "--secret-id", good["SecretId"], "--secret-key", "wrong-secret-in-flag")
    assert r.returncode == 1 and "HTTP 403 Forbidden" in r.stderr  # a HEAD answer has no error body
    r = cli("stat", url, "--region", "not a region!")
    assert r.returncode == 2 and "region" in r.stderr


def test_configuration_errors_are_usage_errors(cli, bucket, tmp_path):
    url = "cos://%s/k" % bucket
    r = cli("--config", tmp_path / "missing.ini", "stat", url)
    assert r.returncode == 2 and "does not exist" in r.stderr
    (tmp_path / "c.ini").write_text("[default]\nregion = ap-beijing\n")
    r = cli("--config", tmp_path / "c.ini", "--profile", "nope", "stat", url)
    assert r.returncode == 2 and "no section [nope]" in r.stderr
    r = cli("stat", url, unset=("COS_SECRET_ID", "COS_SECRET_KEY"))
    assert r.returncode == 2 and "no credentials" in r.stderr
    r = cli("stat", url, unset=("COS_SECRET_KEY",))
    assert r.returncode == 2 and "COS_SECRET_KEY" in r.stderr


# -- exit codes, errors --------------------------------------------------------------------------------


def test_exit_codes(cli, bucket):
    r = cli("stat", "cos://%s/no/such/key" % bucket)
    assert r.returncode == 1
    assert r.stderr.startswith("error: stat cos://%s/no/such/key: NoSuchResource" % bucket)
    r = cli("cp", "cos://%s/no/such/key" % bucket, "x")
    assert r.returncode == 1 and "404" in r.stderr
    r = cli("ls", "cos://nosuchbucket-1250000000/")
    assert r.returncode == 1 and "error: NoSuchBucket" in r.stderr
    for args in (
        ["cp", "only-one"],
        ["frobnicate"],
        ["cp", "a", "b"],
        ["presign", "cos://%s" % bucket],
        ["ls", "not-a-url"],
        ["cp", "--part-size", "0", "a", "cos://%s/" % bucket],
        ["rm"],
        ["stat", "cos:///key"],
    ):
        r = cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stdout == ""


def test_debug_shows_the_traceback(cli, bucket):
    r = cli("stat", "cos://%s/missing" % bucket)
    assert r.returncode == 1 and r.stderr.count("\n") == 1  # one line, no traceback
    r = cli("--debug", "stat", "cos://%s/missing" % bucket, traceback_ok=True)
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "CosServiceError" in r.stderr and "DEBUG" in r.stderr
    assert r.stderr.rstrip().splitlines()[-1].startswith("error: stat ")


# -- progress ------------------------------------------------------------------------------------------

FAKE_TQDM = """
import json
class tqdm:
    def __init__(self, total=None, file=None, **kwargs):
        self.total, self.n, self.file, self.kwargs = total, 0, file, kwargs
    def update(self, n):
        self.n += n
    def refresh(self):
        pass
    def close(self):
        self.file.write('FAKE-TQDM %s\\n' % json.dumps({'n': self.n, 'total': self.total,
                                                       'desc': self.kwargs.get('desc')}))
"""


def test_progress_lines_tqdm_and_quiet(cli, cli_env, bucket, tmp_path):
    (cli.cwd / "p.bin").write_bytes(_random(2 * MIB))
    hidden = tmp_path / "no-tqdm"  # the plain lines are what a CLI without tqdm installed prints
    hidden.mkdir()
    (hidden / "tqdm.py").write_text("raise ImportError('tqdm hidden by the test')\n")
    no_tqdm = {"PYTHONPATH": os.pathsep.join([str(hidden), cli_env["PYTHONPATH"]])}
    r = cli("cp", "--progress", "p.bin", "cos://%s/p.bin" % bucket, env=no_tqdm)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^p\.bin: 2\.0 MiB / 2\.0 MiB \(100%\), .*done in", r.stderr, re.MULTILINE), r.stderr

    r = cli("cp", "-q", "--progress", "p.bin", "cos://%s/p.bin" % bucket)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")

    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "tqdm.py").write_text(FAKE_TQDM)
    env = {"PYTHONPATH": os.pathsep.join([str(fake), cli_env["PYTHONPATH"]])}
    files = _make_tree(tmp_path / "tree")
    total = sum(len(d) for d in files.values())
    r = cli("cp", "--progress", "-r", tmp_path / "tree", "cos://%s/t/" % bucket, env=env)
    assert r.returncode == 0, r.stderr
    [bar] = json_lines(r.stderr.replace("FAKE-TQDM ", ""))
    assert bar == {"n": total, "total": total, "desc": "tree/"}  # one bar for the folder, cumulative
    r = cli("cp", "--progress", "-r", "cos://%s/t/" % bucket, tmp_path / "down", env=env)
    assert r.returncode == 0, r.stderr
    [bar] = json_lines(r.stderr.replace("FAKE-TQDM ", ""))
    assert bar["n"] == bar["total"] == total


# -- Ctrl-C and resume ---------------------------------------------------------------------------------


def _upload_parts(emulator, bucket, start):
    """(all, succeeded) UploadPart requests to ``bucket`` since request number ``start``."""
    records = [
        r
        for r in list(emulator.requests)[start:]
        if r["method"] == "PUT"
        and r["host"].startswith(bucket + ".")
        and "partNumber=" in r["path"]
        and "uploadId=" in r["path"]
    ]
    return records, [r for r in records if r["status"] == 200]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_then_the_same_cp_resumes(cli, client, bucket, cos_emulator):
    data = _random(24 * MIB, 3)
    (cli.cwd / "big.bin").write_bytes(data)
    command = ("cp", "--part-size", "1", "big.bin", "cos://%s/big.bin" % bucket)
    cos_emulator.inject_fault(op="UploadPart", bucket=bucket, latency_ms=400, count=24)
    start = len(cos_emulator.requests)
    proc = cli.popen(*command)
    deadline = time.monotonic() + 30
    while len(_upload_parts(cos_emulator, bucket, start)[1]) < 6:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no UploadPart in 30 s"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted; to resume, run the same command again:" in err
    assert "cp --part-size 1 big.bin cos://%s/big.bin" % bucket in err
    assert "Traceback" not in err
    cos_emulator.clear_faults()
    _, first = _upload_parts(cos_emulator, bucket, start)
    assert 6 <= len(first) < 24
    assert client.list_multipart_uploads(Bucket=bucket).get("Upload")  # left to resume

    second_start = len(cos_emulator.requests)
    r = cli(*command)
    assert r.returncode == 0, r.stderr
    sent, _ = _upload_parts(cos_emulator, bucket, second_start)
    assert len(sent) == 24 - len(first)  # only the remaining parts
    assert not {rec["path"] for rec in sent} & {rec["path"] for rec in first}
    assert _get(client, bucket, "big.bin") == data
