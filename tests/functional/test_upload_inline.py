"""A transfer whose only task is one request (a small file's PUT) runs it on the calling thread, and a
Ctrl-C still stops it at once."""

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

MIB = 1024 * 1024
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_a_single_put_runs_on_the_calling_thread(client, bucket, tmp_path):
    path = tmp_path / "small.bin"
    path.write_bytes(os.urandom(100 * 1024))
    threads = set()
    client.upload_file(
        bucket, "inline/small", str(path), progress_callback=lambda c, t: threads.add(threading.get_ident())
    )
    assert threads == {threading.get_ident()}
    assert client.get_object(bucket, "inline/small")["Body"].read() == path.read_bytes()


def test_a_multipart_upload_still_uses_workers(client, bucket, tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(21 * MIB))
    seen = []
    client.upload_file(
        bucket, "inline/big", str(path), MAXThread=3, progress_callback=lambda c, t: seen.append(threading.get_ident())
    )
    assert any(ident != threading.get_ident() for ident in seen)  # parts were read (and sent) by workers
    assert client.head_object(bucket, "inline/big")["Content-Length"] == str(21 * MIB)


SLOW_SINGLE_PUT = textwrap.dedent("""
    import sys, time
    from qcloud_cos import CosConfig, CosS3Client
    port, bucket, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    client = CosS3Client(CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                                   IP='127.0.0.1', Port=port, Scheme='http'))
    said = []
    def progress(done, total):
        if done > total // 3 and not said:
            said.append(1)
            print('ONE THIRD', flush=True)
        time.sleep(0.1)
    client.upload_file(bucket, 'inline/ctrl-c', path, progress_callback=progress)
    print('FINISHED', flush=True)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_ctrl_c_stops_a_single_put_on_the_main_thread(client, bucket, cos_emulator, tmp_path):
    path = tmp_path / "single.bin"
    path.write_bytes(os.urandom(15 * MIB))  # one PUT (up to 20 MiB), 1.5 s of progress sleeps
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_SINGLE_PUT, str(cos_emulator.port), bucket, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=ROOT),
    )
    assert proc.stdout.readline().strip() == "ONE THIRD"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "FINISHED" not in out
    assert "KeyboardInterrupt" in err
    assert not client.object_exists(bucket, "inline/ctrl-c")  # stopped before the body was all sent
