"""``python -m qcloud_cos.emulator`` as a subprocess: one stdout line, persistence, clean stop, memory."""

import http.client
import os
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from qcloud_cos.emulator import _crc64

from ._cos_http import CosHttp, sign

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINE = re.compile(r"^COS emulator listening on http://127\.0\.0\.1:(\d+)\n$")


class Cli:
    def __init__(self, *args):
        env = dict(os.environ)
        env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qcloud_cos.emulator", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        if not ready:
            self.proc.kill()
            raise AssertionError("emulator did not start: " + self.proc.stderr.read().decode())
        self.first_line = self.proc.stdout.readline().decode()
        m = LINE.match(self.first_line)
        assert m, self.first_line
        self.port = int(m.group(1))

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=20)
        self.rest_of_stdout, self.stderr = out.decode(), err.decode()
        return self.proc.returncode


def test_one_line_persistence_and_clean_stop(tmp_path):
    data_dir = str(tmp_path / "data")
    cli = Cli("--port", "0", "--data-dir", data_dir, "--bucket", "mine-1250000000", "--secret-key", "s3cr3t-KEY-value")
    try:
        c = CosHttp(cli.port, "mine-1250000000", secret_key="s3cr3t-KEY-value")
        assert c.request("PUT", "persist/me.txt", b"survives", {"x-cos-meta-a": "b"}).status == 200
        # --bucket replaces the default bucket
        d = CosHttp(cli.port, "examplebucket-1250000000", secret_key="s3cr3t-KEY-value")
        assert d.request("HEAD", "").status == 404
        c.close()
        d.close()
    finally:
        code = cli.stop()
    assert code == 0
    assert cli.rest_of_stdout == ""  # exactly one line on stdout
    assert "s3cr3t-KEY-value" not in cli.stderr  # the secret is never logged
    assert "PUT" in cli.stderr  # request lines go to stderr
    assert os.listdir(os.path.join(data_dir, "tmp")) == []

    cli = Cli("--data-dir", data_dir, "--bucket", "mine-1250000000", "--secret-key", "s3cr3t-KEY-value")
    try:
        c = CosHttp(cli.port, "mine-1250000000", secret_key="s3cr3t-KEY-value")
        g = c.request("GET", "persist/me.txt")
        assert g.status == 200 and g.body == b"survives"
        assert g.headers["x-cos-meta-a"] == "b"
        c.close()
    finally:
        assert cli.stop(signal.SIGINT) == 0


def test_temporary_data_dir_is_removed():
    cli = Cli()
    try:
        c = CosHttp(cli.port, "examplebucket-1250000000")  # default bucket and credentials
        assert c.request("PUT", "k", b"v").status == 200
        c.close()
    finally:
        assert cli.stop() == 0
    m = re.search(r"data dir: (\S+);", cli.stderr)
    assert m and not os.path.exists(m.group(1))


def test_help():
    out = subprocess.run(
        [sys.executable, "-m", "qcloud_cos.emulator", "--help"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=REPO),
        timeout=20,
    )
    assert out.returncode == 0
    for flag in (
        "--host",
        "--port",
        "--data-dir",
        "--secret-id",
        "--secret-key",
        "--bucket",
        "--region",
        "--no-throttle",
        "--no-part-gaps",
        "--min-part-size",
        "--default-bucket",
    ):
        assert flag in out.stdout


def _vm(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(field)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_large_body_streams_in_bounded_memory():
    size = (96 if _crc64.BACKEND != "python" else 32) * 1024 * 1024
    cli = Cli("--no-throttle")
    try:
        baseline = _vm(cli.proc.pid, "VmRSS")
        host = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
        now = int(time.time())
        headers = {"Host": host, "Content-Length": str(size)}
        auth = sign(
            method="PUT",
            path="/big",
            params={},
            headers=headers,
            secret_id="SecretId",
            secret_key="SecretKey",
            start=now - 60,
            end=now + 600,
        )
        conn = http.client.HTTPConnection("127.0.0.1", cli.port, timeout=120)
        conn.putrequest("PUT", "/big", skip_host=True, skip_accept_encoding=True)
        for k, v in {**headers, "Authorization": auth}.items():
            conn.putheader(k, v)
        conn.endheaders()
        block = os.urandom(1024 * 1024)
        crc = 0
        for _ in range(size // len(block)):
            conn.send(block)
            crc = _crc64.calc(block, crc)
        r = conn.getresponse()
        r.read()
        assert r.status == 200
        assert r.getheader("x-cos-hash-crc64ecma") == str(crc)

        auth = sign(
            method="GET",
            path="/big",
            params={},
            headers={"Host": host},
            secret_id="SecretId",
            secret_key="SecretKey",
            start=now - 60,
            end=now + 600,
        )
        conn.putrequest("GET", "/big", skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        conn.putheader("Authorization", auth)
        conn.endheaders()
        r = conn.getresponse()
        got = 0
        while True:
            chunk = r.read(1024 * 1024)
            if not chunk:
                break
            got += len(chunk)
        assert got == size
        conn.close()
        peak = _vm(cli.proc.pid, "VmHWM")
        assert peak - baseline < 48 * 1024 * 1024, (baseline, peak)
    finally:
        assert cli.stop() == 0


def test_multipart_upload_survives_restart(tmp_path):
    from ._mp import complete, initiate, list_parts, upload_part

    data_dir = str(tmp_path / "data")
    part1, part2 = os.urandom(1024 * 1024), os.urandom(1000)
    cli = Cli("--data-dir", data_dir)
    try:
        c = CosHttp(cli.port, "examplebucket-1250000000")
        upload_id = initiate(c, "big/file.bin", {"x-cos-meta-k": "v"})
        e1 = upload_part(c, "big/file.bin", upload_id, 1, part1).headers["etag"]
        e2 = upload_part(c, "big/file.bin", upload_id, 2, part2).headers["etag"]
        c.close()
    finally:
        assert cli.stop() == 0
    cli = Cli("--data-dir", data_dir, "--no-part-gaps", "--min-part-size", "0")
    try:
        c = CosHttp(cli.port, "examplebucket-1250000000")
        tiny = initiate(c, "tiny")
        t1 = upload_part(c, "tiny", tiny, 1, b"a").headers["etag"]
        t3 = upload_part(c, "tiny", tiny, 3, b"c").headers["etag"]
        assert complete(c, "tiny", tiny, [(1, t1), (3, t3)]).error_code() == "InvalidPart"  # --no-part-gaps
        t2 = upload_part(c, "tiny", tiny, 2, b"b").headers["etag"]
        assert complete(c, "tiny", tiny, [(1, t1), (2, t2), (3, t3)]).status == 200  # --min-part-size 0
        listing = c.request("GET", "", params={"uploads": ""}).body
        assert upload_id.encode() in listing
        parts = list_parts(c, "big/file.bin", upload_id).body
        assert re.findall(rb"<PartNumber>(\d+)</PartNumber>", parts) == [b"1", b"2"]
        assert complete(c, "big/file.bin", upload_id, [(1, e1), (2, e2)]).status == 200
        g = c.request("GET", "big/file.bin")
        assert g.body == part1 + part2 and g.headers["x-cos-meta-k"] == "v"
        c.close()
    finally:
        assert cli.stop() == 0


# -- issue 8: the operator's knobs on the command line ------------------------------------------


def _run(*args, timeout=20):
    return subprocess.run(
        [sys.executable, "-m", "qcloud_cos.emulator", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=REPO),
        timeout=timeout,
    )


def _one_line_error(out, *words):
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("python -m qcloud_cos.emulator: error: ")
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["--bucket", "examplebucket"],
            ["invalid bucket name 'examplebucket'", "NAME-APPID", "examplebucket-1250000000"],
        ),
        (["--bucket", "Upper-1250000000"], ["invalid bucket name"]),
        (["--log-level", "bogus"], ["unknown log level 'bogus'", "DEBUG"]),
        (["--fault", "op=UploadPart,prob=0.5"], ["unknown field 'prob'"]),
        (["--fault", "op=UploadPart,p=2"], ["p must be > 0 and <= 1"]),
        (["--seed", "x"], ["--seed"]),
        (["--bandwidth", "100mb"], ["ambiguous", "mbit", "MB"]),
        (["--latency-ms", "-5"], ["invalid latency"]),
        (["--profile", "moon"], ["--profile", "invalid choice"]),
        (["--port", "70000"], ["invalid port"]),
        (["--no-such-flag"], ["unrecognized arguments"]),
        (["--region", "ap-nowhere"], ["unknown region 'ap-nowhere'", "ap-beijing"]),
        (["--bucket=bad--1250000000"], ["invalid bucket name"]),
        (["--default-bucket", "nobucket"], ["--default-bucket", "invalid bucket name 'nobucket'"]),
        (["--host", "no-such-host.invalid"], ["cannot listen on no-such-host.invalid:0"]),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args, words):
    _one_line_error(_run(*args), *words)


def test_bad_data_dir_is_one_line_and_exit_2(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    _one_line_error(_run("--data-dir", str(a_file)), "--data-dir", "not a directory")
    _one_line_error(_run("--data-dir", str(a_file / "sub")), "--data-dir")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "meta.sqlite3").write_bytes(b"not a database" * 100)
    _one_line_error(_run("--data-dir", str(corrupt)), "--data-dir", "unusable metadata database")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(str(locked), os.W_OK):  # root can write anywhere
            _one_line_error(_run("--data-dir", str(locked)), "--data-dir", "not writable")
            _one_line_error(_run("--data-dir", str(locked / "new")), "--data-dir", "cannot be created")
    finally:
        locked.chmod(0o700)


def test_port_in_use_is_one_line_and_exit_2():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        _one_line_error(_run("--port", str(port)), f"cannot listen on 127.0.0.1:{port}", "already in use")


def test_fault_flags_and_access_log(tmp_path):
    cli = Cli(
        "--fault",
        "op=GetObject,status=503,code=SlowDown,count=2,key=hot",
        "--fault",
        "kind=latency,ms=1,op=HeadObject",
    )
    try:
        c = CosHttp(cli.port, "examplebucket-1250000000")
        assert [c.request("GET", "hot").error_code() for _ in range(3)] == ["SlowDown", "SlowDown", "NoSuchKey"]
        assert c.request("HEAD", "hot").status == 404
        c.request("GET", "k", params={"prefix": "a b", "sign": "THE-SIGNATURE"})
        c.close()
    finally:
        assert cli.stop() == 0
    # the access log line: method, path and query, status, operation, bucket; signatures masked
    assert '"GET /hot" 503 GetObject bucket=examplebucket-1250000000' in cli.stderr
    assert '"GET /k?prefix=a+b&sign=***" 404 GetObject bucket=examplebucket-1250000000' in cli.stderr
    assert "THE-SIGNATURE" not in cli.stderr


def _statuses(port, n):
    c = CosHttp(port, "examplebucket-1250000000")
    try:
        return [c.request("GET", "nothing").status for _ in range(n)]
    finally:
        c.close()


def test_seed_makes_probabilistic_faults_reproducible():
    runs = []
    for _ in range(2):
        cli = Cli("--seed", "1234", "--fault", "op=GetObject,status=503,p=0.5")
        try:
            runs.append(_statuses(cli.port, 30))
        finally:
            assert cli.stop() == 0
    assert runs[0] == runs[1] and set(runs[0]) == {404, 503}


def test_admin_endpoint_from_another_process():
    import json

    cli = Cli()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", cli.port, timeout=10)
        conn.request("POST", "/-/faults", body=b"op=HeadObject,status=500,code=InternalError")
        r = conn.getresponse()
        assert r.status == 201 and json.loads(r.read())[0]["spec"].startswith("kind=error,op=HeadObject")
        c = CosHttp(cli.port, "examplebucket-1250000000")
        assert c.request("HEAD", "x").status == 500
        assert c.request("PUT", "x", b"1").status == 200
        conn.request("POST", "/-/reset")
        assert conn.getresponse().read() and c.request("HEAD", "x").status == 404  # the state is gone
        conn.close()
        c.close()
    finally:
        assert cli.stop() == 0
    assert '"POST /-/faults" 201 admin' in cli.stderr


def test_no_admin_and_profile_flags():
    cli = Cli("--no-admin", "--profile", "wan", "--latency-ms", "1")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", cli.port, timeout=10)
        conn.request("GET", "/-/faults")
        r = conn.getresponse()
        # off: an ordinary COS request (an IP Host addresses the only bucket; anonymous: denied)
        assert r.status == 403 and b"AccessDenied" in r.read()
        conn.close()
    finally:
        assert cli.stop() == 0
    assert "network: custom 1 ms, 100 Mbit/s per connection" in cli.stderr
    assert "admin endpoint" not in cli.stderr
