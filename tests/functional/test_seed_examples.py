"""The upload reference's "简单上传对象" examples, run unchanged against the emulator.

The scripts in ``examples/seed/`` are the document's code blocks byte for byte (Tencent's
placeholder credentials ``SecretId``/``SecretKey``, region ap-beijing, https).  They run in a
subprocess whose only difference from a user's machine is ``QCLOUD_COS_ENDPOINT_URL``, which
points every ``CosConfig`` at the emulator.
"""

import hashlib
import os
import re
import subprocess
import sys

import pytest

from qcloud_cos import CosConfig, CosS3Client, CosServiceError
from tests.functional import seed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = os.path.join(ROOT, "examples", "seed")
BUCKET = "examplebucket-1250000000"


def _etag(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "test.txt").write_bytes(b"<p>test.txt from the seed example</p>")
    (tmp_path / "local.txt").write_bytes(b"local file content")
    (tmp_path / "test.bin").write_bytes(os.urandom(20 * 1024))
    return tmp_path


def _run(script, cwd, emulator):
    env = dict(
        os.environ,
        QCLOUD_COS_ENDPOINT_URL=emulator.endpoint,
        PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    proc = subprocess.run(
        [sys.executable, os.path.join(SEED, script)],
        cwd=str(cwd),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout.decode("utf-8", errors="replace")


@pytest.fixture
def seed_client(cos_emulator):
    return CosS3Client(CosConfig(**cos_emulator.config_kwargs()))


def _read(client, key):
    return client.get_object(BUCKET, key)["Body"].get_raw_stream().read()


def test_example1_simple_uploads(cos_emulator, workdir, seed_client):
    out = _run("put_object_simple.py", workdir, cos_emulator)
    etags = re.findall(r'^"[0-9a-f]{32}"$', out, re.M)
    test_txt = (workdir / "test.txt").read_bytes()
    assert etags == [
        _etag(test_txt),
        _etag(b"abcdefg"),
        _etag(b"local file content"),
        _etag(b"test"),
        _etag(b"test"),
        _etag((workdir / "test.bin").read_bytes()),
    ]
    head = seed_client.head_object(BUCKET, "test.txt")  # the last write: custom metadata
    assert head["x-cos-meta-key1"] == "value1"
    assert head["x-cos-meta-key2"] == "value2"
    assert _read(seed_client, "test.txt") == b"test"
    assert _read(seed_client, "exampleobject") == (workdir / "test.bin").read_bytes()
    assert "put object, url=:" in out  # the INFO log line the example asks for
    assert "SecretKey" not in out.replace("'SecretKey'", "")


def test_example2_create_directory(cos_emulator, workdir, seed_client):
    out = _run("put_object_create_dir.py", workdir, cos_emulator)
    assert "'ETag': '\"d41d8cd98f00b204e9800998ecf8427e\"'" in out
    assert seed_client.head_object(BUCKET, "path/to/create/dir/")["Content-Length"] == "0"


def test_example3_upload_into_directory(cos_emulator, workdir, seed_client):
    out = _run("put_object_to_dir.py", workdir, cos_emulator)
    assert _etag((workdir / "test.txt").read_bytes()) in out
    head = seed_client.head_object(BUCKET, "path/to/dir/test.txt")
    assert head["Content-Type"] == "text/html; charset=utf-8"
    listed = seed_client.list_objects(BUCKET, Prefix="path/to/dir/", Delimiter="/")
    assert [c["Key"] for c in listed["Contents"]] == ["path/to/dir/test.txt"]


def _run_template(choices, workdir, client, replace=seed.GRANTS):
    with open(os.path.join(workdir, "test.txt"), "rb") as file:
        scope = seed.run(
            seed.resolve(seed.source("put_object_all_params.template"), choices),
            cwd=workdir,
            scope={"client": client, "file": file},
            replace=replace,
        )
    return scope["response"]


def test_full_parameter_example_with_md5(workdir, seed_client):
    response = _run_template({"Body": 1, "EnableMD5": 1, "ACL": 1, "StorageClass": 1}, workdir, seed_client)
    assert response["ETag"] == _etag((workdir / "test.txt").read_bytes())
    head = seed_client.head_object(BUCKET, "exampleobject")
    assert head["x-cos-storage-class"] == "STANDARD_IA"
    assert head["x-cos-meta-key2"] == "value2"
    assert head["Content-Length"] == str(len((workdir / "test.txt").read_bytes()))  # not '123'


def test_full_parameter_example_bytes_archive(workdir, seed_client):
    response = _run_template({"Body": 0, "EnableMD5": 1, "ACL": 0, "StorageClass": 2}, workdir, seed_client)
    assert response["ETag"] == _etag(b"bytes")
    assert seed_client.head_object(BUCKET, "exampleobject")["x-cos-storage-class"] == "ARCHIVE"


def test_full_parameter_example_placeholder_md5_is_rejected(workdir, seed_client):
    """Without EnableMD5 the template sends its placeholder ContentMD5='string', which COS refuses."""
    with pytest.raises(CosServiceError) as info:
        _run_template({"Body": 0, "EnableMD5": 0}, workdir, seed_client)
    assert info.value.get_error_code() == "InvalidDigest"


def test_full_parameter_example_placeholder_grants_are_rejected(workdir, seed_client):
    """Verbatim, the template grants to ``'string'``, which names no grantee: 400 InvalidArgument."""
    with pytest.raises(CosServiceError) as info:
        _run_template({"Body": 0, "EnableMD5": 1}, workdir, seed_client, replace=())
    assert info.value.get_error_code() == "InvalidArgument"
    assert "x-cos-grant-" in info.value.get_error_msg()


def test_seed_scripts_are_the_documents_code_verbatim():
    seed_dir = os.path.join(os.path.dirname(ROOT), "shared", "seed")
    if not os.path.isdir(seed_dir):
        pytest.skip("the seed document is not beside this checkout")
    text = "".join(open(os.path.join(seed_dir, n), encoding="utf-8").read() for n in sorted(os.listdir(seed_dir)))
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    names = sorted(os.listdir(SEED))
    assert len(names) >= 21
    for name in names:
        assert seed.source(name) in blocks, name
