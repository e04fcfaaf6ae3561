"""download_file and copy killed with SIGKILL (no cleanup runs) resume without redoing finished parts,
and two processes downloading to one destination both succeed."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

MIB = 1024 * 1024
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

# The child dies by os._exit from its progress callback: no finally, no atexit, like a SIGKILL.
_CHILD = textwrap.dedent("""
    import json, os, sys
    from qcloud_cos import CosConfig, CosS3Client
    args = json.loads(sys.argv[1])
    conf = CosConfig(**args['conf'])
    conf.set_copy_part_threshold_size(1024 * 1024)
    client = CosS3Client(conf)

    def die(consumed, total):
        if consumed >= args['die_at']:
            os._exit(9)

    if args['op'] == 'download':
        client.download_file(args['bucket'], args['key'], args['dest'], PartSize=1, MAXThread=1,
                             DumpRecordDir=args['records'], progress_callback=die)
    else:
        client.copy(args['bucket'], args['dest'], args['source'], PartSize=1, MAXThread=1,
                    StorageClass='STANDARD_IA', CheckpointDir=args['records'], progress_callback=die)
    print('finished')
""")


def _child(cos_emulator, **args):
    args["conf"] = cos_emulator.config_kwargs()
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=120,
    )


def _ops(cos_emulator, since, op, key):
    return [r for r in cos_emulator.requests[since:] if r.get("op") == op and r.get("key") == key]


@pytest.mark.parametrize("die_at_parts", [0, 3])
def test_download_killed_resumes_every_finished_part(client, bucket, tmp_path, cos_emulator, die_at_parts):
    key = "kill/dl-%d" % die_at_parts
    data = os.urandom(6 * MIB + 7)
    client.put_object(Bucket=bucket, Body=data, Key=key)
    dest, records = tmp_path / "dest", tmp_path / "records"
    # die_at 1 byte: killed inside the first part, before any part is done
    proc = _child(
        cos_emulator,
        op="download",
        bucket=bucket,
        key=key,
        dest=str(dest),
        records=str(records),
        die_at=die_at_parts * MIB + 1,
    )  # inside part die_at_parts + 1
    assert proc.returncode == 9, proc.stderr
    assert len(os.listdir(str(records))) == 1  # the record exists from the start and names the temp file
    since = len(cos_emulator.requests)
    client.download_file(bucket, key, str(dest), PartSize=1, MAXThread=2, DumpRecordDir=str(records))
    assert dest.read_bytes() == data
    assert len(_ops(cos_emulator, since, "GetObject", key)) == 7 - die_at_parts
    assert sorted(os.listdir(str(tmp_path))) == ["dest", "records"] and os.listdir(str(records)) == []


def test_copy_killed_resumes_every_finished_part(client, bucket, tmp_path, cos_emulator):
    from qcloud_cos import CosConfig, CosS3Client

    data = os.urandom(5 * MIB)
    client.put_object(Bucket=bucket, Body=data, Key="kill/src")
    source = {"Bucket": bucket, "Key": "kill/src", "Region": "ap-guangzhou"}
    records = tmp_path / "records"
    proc = _child(
        cos_emulator, op="copy", bucket=bucket, dest="kill/copy", source=source, records=str(records), die_at=3 * MIB
    )
    assert proc.returncode == 9, proc.stderr
    since = len(cos_emulator.requests)
    conf = CosConfig(**cos_emulator.config_kwargs())
    conf.set_copy_part_threshold_size(MIB)
    CosS3Client(conf).copy(
        bucket, "kill/copy", source, PartSize=1, MAXThread=2, StorageClass="STANDARD_IA", CheckpointDir=str(records)
    )
    assert client.get_object(bucket, "kill/copy")["Body"].get_raw_stream().read() == data
    # the checkpoint was written before the first part; List Parts supplies the 3 parts done since
    assert len(_ops(cos_emulator, since, "UploadPartCopy", "kill/copy")) == 2
    assert _ops(cos_emulator, since, "InitiateMultipartUpload", "kill/copy") == []
    assert os.listdir(str(records)) == []


def test_two_processes_downloading_to_one_destination(client, bucket, tmp_path, cos_emulator):
    data = os.urandom(4 * MIB + 1)
    client.put_object(Bucket=bucket, Body=data, Key="kill/shared")
    dest, records = tmp_path / "dest", tmp_path / "records"
    cos_emulator.inject_fault(op="GetObject", key="kill/shared", latency_ms=300, count=5)
    script = textwrap.dedent("""
        import json, sys
        from qcloud_cos import CosConfig, CosS3Client
        conf, bucket, dest, records = json.loads(sys.argv[1])
        CosS3Client(CosConfig(**conf)).download_file(bucket, 'kill/shared', dest, PartSize=1, MAXThread=1,
                                                     DumpRecordDir=records)
        print('finished')
    """)
    env = dict(os.environ, PYTHONPATH=ROOT)
    other = subprocess.Popen(
        [sys.executable, "-c", script, json.dumps([cos_emulator.config_kwargs(), bucket, str(dest), str(records)])],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not (records.exists() and os.listdir(str(records))) and time.monotonic() < deadline:
            time.sleep(0.02)
        client.download_file(bucket, "kill/shared", str(dest), PartSize=1, MAXThread=2, DumpRecordDir=str(records))
        assert dest.read_bytes() == data
    finally:
        out, err = other.communicate(timeout=60)
    assert other.returncode == 0 and b"finished" in out, err
    assert dest.read_bytes() == data
    assert sorted(os.listdir(str(tmp_path))) == ["dest", "records"] and os.listdir(str(records)) == []
