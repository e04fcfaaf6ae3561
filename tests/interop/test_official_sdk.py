"""Comparison with the official SDK, installed in a private virtualenv (``conftest.official_python``).

Part of the default ``python -m pytest`` (the package index must be reachable; ``QCLOUD_COS_INTEROP=0``
skips them when offline, and a failed install fails them):

1. The official SDK regenerates the golden vectors, the surface dump and the cos_comm vectors; they must
   equal the committed ones.
2. The official SDK, unmodified, uploads to our emulator and reads back (the emulator speaks COS).
3. Our upload_file resumes an upload the official SDK's upload_file left behind.
4. The official ACL calls (get/put_object_acl, get/put_bucket_acl) work against our emulator.
"""

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

pytestmark = pytest.mark.interop


def _regenerated(official_python, script, tmp_path):
    out = tmp_path / ("%s.json" % script)
    subprocess.run([official_python, os.path.join(HERE, script), str(out)], check=True, cwd=str(tmp_path))
    return json.loads(out.read_text(encoding="utf-8"))


def _committed(name):
    with open(os.path.join(HERE, "vectors", name), encoding="utf-8") as f:
        return json.load(f)


def test_vectors_are_current(official_python, tmp_path):
    assert _regenerated(official_python, "make_vectors.py", tmp_path) == _committed("official-1.9.44.json")


def test_family_vectors_are_current(official_python, tmp_path):
    """copy, batch delete, versions, ACLs, buckets and download_file (``tests/unit/test_family_vectors.py``)."""
    assert _regenerated(official_python, "make_family_vectors.py", tmp_path) == _committed(
        "official-family-1.9.44.json"
    )


# The surface and cos_comm recordings were made on this Python; on another one, inspect's and CPython's
# wording may differ, so only what cannot depend on the interpreter is compared there.
RECORDED_ON = (3, 11)


def test_surface_dump_is_current(official_python, tmp_path):
    """Names and signatures of the official SDK (``tests/unit/test_official_surface.py`` reads them)."""
    fresh, committed = (
        _regenerated(official_python, "dump_surface.py", tmp_path),
        _committed("official-surface-1.9.44.json"),
    )
    if sys.version_info[:2] == RECORDED_ON:
        assert fresh == committed
    else:
        names = lambda d: {k: sorted(v) for part in ("modules", "classes") for k, v in d[part].items()}  # noqa: E731
        assert names(fresh) == names(committed)


def test_comm_vectors_are_current(official_python, tmp_path):
    """cos_comm helpers / should_switch_domain outcomes (``tests/unit/test_cos_comm.py`` reads them)."""
    from tests.unit.test_cos_comm import _comparable

    fresh, committed = (
        _regenerated(official_python, "make_comm_vectors.py", tmp_path),
        _committed("official-comm-1.9.44.json"),
    )
    if sys.version_info[:2] == RECORDED_ON:
        assert fresh == committed
    else:
        assert {k: _comparable(v) for k, v in fresh.items()} == {k: _comparable(v) for k, v in committed.items()}


def test_official_sdk_against_our_emulator(official_python, cos_emulator, cos_emulator_bucket, tmp_path):
    script = textwrap.dedent("""
        import sys
        from qcloud_cos import CosConfig, CosS3Client, CosServiceError
        port, bucket = int(sys.argv[1]), sys.argv[2]
        conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                         IP='127.0.0.1', Port=port, Scheme='http')
        c = CosS3Client(conf)
        r = c.put_object(Bucket=bucket, Body=b'from the official sdk', Key='dir/a b+c.txt',
                         Metadata={'x-cos-meta-k': 'v'}, ContentType='text/plain', EnableMD5=True)
        print(r['ETag'])
        print(c.get_object(Bucket=bucket, Key='dir/a b+c.txt')['Body'].get_raw_stream().read().decode())
        print(c.list_objects(Bucket=bucket)['Contents'][0]['Key'])
        try:
            c.head_object(Bucket=bucket, Key='missing')
        except CosServiceError as e:
            print(e.get_status_code())
    """)
    path = tmp_path / "official.py"
    path.write_text(script)
    proc = subprocess.run(
        [official_python, str(path), str(cos_emulator.port), cos_emulator_bucket],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(tmp_path),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().split("\n")[:4] == [
        '"%s"' % hashlib.md5(b"from the official sdk").hexdigest(),
        "from the official sdk",
        "dir/a b+c.txt",
        "404",
    ]
    head = cos_emulator.requests[-1]
    assert head["headers"]["User-Agent"].startswith("cos-python-sdk-v5")


def test_upload_begun_by_the_official_sdk_is_resumed_by_ours(
    official_python, cos_emulator, cos_emulator_bucket, tmp_path
):
    """The official upload_file fails on one part and leaves its upload; ours adopts it and sends the rest."""
    from qcloud_cos import CosConfig, CosS3Client

    bucket = cos_emulator_bucket
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(25 * 1024 * 1024))
    script = textwrap.dedent("""
        import sys
        from qcloud_cos import CosConfig, CosS3Client, CosClientError
        conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                         IP='127.0.0.1', Port=int(sys.argv[1]), Scheme='http')
        try:
            CosS3Client(conf, retry=0).upload_file(sys.argv[2], 'shared.bin', sys.argv[3], MAXThread=2)
            print('completed')
        except CosClientError as e:
            print('failed:', e)
    """)
    cos_emulator.inject_fault(status=403, code="AccessDenied", op="UploadPart", bucket=bucket, count=1)
    proc = subprocess.run(
        [official_python, "-c", script, str(cos_emulator.port), bucket, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(tmp_path),
        timeout=300,
    )
    assert proc.stdout.decode().startswith("failed:"), proc.stdout + proc.stderr

    def ops(op):
        return [r for r in cos_emulator.requests if r.get("op") == op and r.get("bucket") == bucket]

    official_parts = len(ops("UploadPart"))

    client = CosS3Client(CosConfig(**cos_emulator.config_kwargs()))
    client.upload_file(bucket, "shared.bin", str(path), CheckpointDir=str(tmp_path / "ck"))
    assert len(ops("InitiateMultipartUpload")) == 1  # the official SDK's upload was adopted
    assert len(ops("UploadPart")) - official_parts == 1  # only the part that failed was sent
    body = client.get_object(bucket, "shared.bin")["Body"].get_raw_stream().read()
    assert body == path.read_bytes()


def test_official_sdk_acl_calls_against_our_emulator(official_python, cos_emulator, cos_emulator_bucket, tmp_path):
    """The official get/put_object_acl and get/put_bucket_acl (issue 8): canned ACLs, grant headers and an
    AccessControlPolicy body as that SDK writes it (Type as an element) round-trip, and public-read opens
    the object to anonymous readers."""
    script = textwrap.dedent("""
        import json, sys
        from qcloud_cos import CosConfig, CosS3Client
        port, bucket = int(sys.argv[1]), sys.argv[2]
        c = CosS3Client(CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                                  IP='127.0.0.1', Port=port, Scheme='http'))
        def grants(acl):
            listed = acl['AccessControlList']['Grant']
            listed = listed if isinstance(listed, list) else [listed]
            return [[g['Permission'], g['Grantee'].get('ID') or g['Grantee'].get('URI')] for g in listed]
        c.put_object(Bucket=bucket, Body=b'acl', Key='acl.txt', GrantRead='id="100000000011"')
        out = {'created': grants(c.get_object_acl(Bucket=bucket, Key='acl.txt'))}
        c.put_object_acl(Bucket=bucket, Key='acl.txt', ACL='public-read')
        acl = c.get_object_acl(Bucket=bucket, Key='acl.txt')
        out['owner'] = acl['Owner']['ID']
        out['public'] = grants(acl)
        sys.stdout.write(json.dumps(out) + '\\n')
        sys.stdout.flush()
        sys.stdin.readline()  # the test reads the object anonymously meanwhile
        c.put_object_acl(Bucket=bucket, Key='acl.txt', AccessControlPolicy={
            'Owner': {'ID': 'qcs::cam::uin/1250000000:uin/1250000000'},
            'AccessControlList': {'Grant': [
                {'Grantee': {'ID': 'qcs::cam::uin/100000000012:uin/100000000012', 'Type': 'CanonicalUser'},
                 'Permission': 'READ_ACP'}]}})
        out = {'policy': grants(c.get_object_acl(Bucket=bucket, Key='acl.txt'))}
        c.put_bucket_acl(Bucket=bucket, ACL='public-read', GrantFullControl='id="100000000013"')
        out['bucket'] = grants(c.get_bucket_acl(Bucket=bucket))
        c.put_bucket_acl(Bucket=bucket, ACL='private')
        sys.stdout.write(json.dumps(out) + '\\n')
    """)
    path = tmp_path / "official_acl.py"
    path.write_text(script)
    owner = "qcs::cam::uin/1250000000:uin/1250000000"
    all_users = "http://cam.qcloud.com/groups/global/AllUsers"
    anon = "http://127.0.0.1:%d/acl.txt" % cos_emulator.port
    host = {"Host": "%s.cos.%s.myqcloud.com" % (cos_emulator_bucket, cos_emulator.region)}
    import urllib.error
    import urllib.request

    def anonymous_get():
        try:
            return urllib.request.urlopen(urllib.request.Request(anon, headers=host), timeout=30).status
        except urllib.error.HTTPError as e:
            return e.code

    proc = subprocess.Popen(
        [official_python, str(path), str(cos_emulator.port), cos_emulator_bucket],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(tmp_path),
    )
    try:
        first = json.loads(proc.stdout.readline() or "{}")
        status = anonymous_get()
        try:
            proc.stdin.write(b"\n")
            proc.stdin.flush()
        except BrokenPipeError:  # the script has failed: its stderr is shown below
            pass
        rest, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert first == {
        "created": [["FULL_CONTROL", owner], ["READ", "qcs::cam::uin/100000000011:uin/100000000011"]],
        "owner": owner,
        "public": [["FULL_CONTROL", owner], ["READ", all_users]],
    }
    assert status == 200
    assert json.loads(rest.decode().strip().splitlines()[-1]) == {
        "policy": [["FULL_CONTROL", owner], ["READ_ACP", "qcs::cam::uin/100000000012:uin/100000000012"]],
        "bucket": [
            ["FULL_CONTROL", owner],
            ["READ", all_users],
            ["FULL_CONTROL", "qcs::cam::uin/100000000013:uin/100000000013"],
        ],
    }
    assert anonymous_get() == 403  # the policy made it private again


def test_official_sdk_copy_object_and_delete_objects_against_our_emulator(
    official_python, cos_emulator, cos_emulator_bucket, tmp_path
):
    """The official copy_object (PUT Object - Copy, metadata kept) and delete_objects (DELETE Multiple
    Objects; a leading '/' names another key, official issue #242) run against our emulator (issue 9)."""
    script = textwrap.dedent("""
        import json, sys
        from qcloud_cos import CosConfig, CosS3Client
        port, bucket = int(sys.argv[1]), sys.argv[2]
        c = CosS3Client(CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                                  IP='127.0.0.1', Port=port, Scheme='http'))
        c.put_object(Bucket=bucket, Key='cp/src', Body=b'copy me', ContentType='text/x-copy', Metadata={'x-cos-meta-a': '1'})
        r = c.copy_object(Bucket=bucket, Key='cp/dst', CopySource={'Bucket': bucket, 'Key': 'cp/src', 'Region': 'ap-beijing'})
        got = c.get_object(Bucket=bucket, Key='cp/dst')
        out = {'etag': r['ETag'], 'crc': r['CRC64'], 'body': got['Body'].get_raw_stream().read().decode(),
               'type': got['Content-Type'], 'meta': got.get('x-cos-meta-a')}
        c.put_object(Bucket=bucket, Key='del/1', Body=b'1')
        c.put_object(Bucket=bucket, Key='del/2', Body=b'2')
        out['deleted'] = c.delete_objects(Bucket=bucket, Delete={'Object': [{'Key': 'del/1'}, {'Key': '/del/2'}],
                                                                  'Quiet': 'false'})
        out['left'] = [o['Key'] for o in c.list_objects(Bucket=bucket, Prefix='del/').get('Contents', [])]
        sys.stdout.write(json.dumps(out) + '\\n')
    """)
    path = tmp_path / "official_copy_delete.py"
    path.write_text(script)
    out = subprocess.run(
        [official_python, str(path), str(cos_emulator.port), cos_emulator_bucket],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["body"] == "copy me" and result["type"] == "text/x-copy" and result["meta"] == "1"
    assert result["etag"] == '"%s"' % hashlib.md5(b"copy me").hexdigest()
    assert result["deleted"] == {"Deleted": [{"Key": "del/1"}, {"Key": "/del/2"}]}
    assert result["left"] == ["del/2"]


def test_download_begun_by_the_official_sdk_is_resumed_by_ours(
    official_python, cos_emulator, cos_emulator_bucket, tmp_path
):
    """The official download_file dies half-way (its record and temp file left); ours fetches only the rest."""
    from qcloud_cos import CosConfig, CosS3Client

    bucket = cos_emulator_bucket
    data = os.urandom(10 * 1024 * 1024 + 5)
    client = CosS3Client(CosConfig(**cos_emulator.config_kwargs()))
    client.put_object(Bucket=bucket, Body=data, Key="official-dl.bin")
    dest, records = tmp_path / "dest.bin", tmp_path / "records"
    records.mkdir()
    script = textwrap.dedent("""
        import os, sys
        from qcloud_cos import CosConfig, CosS3Client
        conf = CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                         IP='127.0.0.1', Port=int(sys.argv[1]), Scheme='http')
        def die_half_way(done, total):
            if done >= total // 2:
                os._exit(7)
        CosS3Client(conf).download_file(sys.argv[2], 'official-dl.bin', sys.argv[3], PartSize=1, MAXThread=2,
                                        DumpRecordDir=sys.argv[4], progress_callback=die_half_way)
    """)
    proc = subprocess.run(
        [official_python, "-c", script, str(cos_emulator.port), bucket, str(dest), str(records)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(tmp_path),
        timeout=300,
    )
    assert proc.returncode == 7, proc.stdout + proc.stderr
    [record] = os.listdir(str(records))
    official = json.loads((records / record).read_text())
    done = {part["part_id"] for part in official["parts"]}
    assert 0 < len(done) < 11 and not dest.exists()
    already = len(cos_emulator.requests)

    seen = []
    client.download_file(
        bucket,
        "official-dl.bin",
        str(dest),
        PartSize=1,
        MAXThread=2,
        DumpRecordDir=str(records),
        progress_callback=lambda consumed, total: seen.append(consumed),
    )
    assert dest.read_bytes() == data
    ranges = sorted(r["headers"].get("Range") for r in cos_emulator.requests[already:] if r.get("op") == "GetObject")
    expected = sorted(
        "bytes=%d-%d" % ((i - 1) * 1024 * 1024, min(i * 1024 * 1024, len(data)) - 1)
        for i in range(1, 12)
        if i not in done
    )
    assert ranges == expected  # the official SDK's parts were not fetched again
    assert seen[0] >= len(done) * 1024 * 1024 - 1024 * 1024 and seen[-1] == len(data)
    assert os.listdir(str(records)) == [] and sorted(os.listdir(str(tmp_path))) == ["dest.bin", "records"]


def test_official_sdk_versioning_restore_and_service_against_our_emulator(official_python, cos_emulator, tmp_path):
    """The official versioning, list_objects_versions, restore_object, list_buckets and download_file calls
    against our emulator (issue 9): what that SDK parses out of our answers is what COS would give it."""
    bucket = cos_emulator.create_bucket("officialversions-1250000000")
    cos_emulator.restore_delay = 0
    script = textwrap.dedent("""
        import json, sys
        from qcloud_cos import CosConfig, CosS3Client
        port, bucket, dest = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        c = CosS3Client(CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey',
                                  IP='127.0.0.1', Port=port, Scheme='http'))
        out = {'before': c.get_bucket_versioning(Bucket=bucket)}
        c.put_bucket_versioning(Bucket=bucket, Status='Enabled')
        out['after'] = c.get_bucket_versioning(Bucket=bucket)
        v1 = c.put_object(Bucket=bucket, Key='v/k', Body=b'one')['x-cos-version-id']
        c.put_object(Bucket=bucket, Key='v/k', Body=b'two')
        c.delete_object(Bucket=bucket, Key='v/k')
        listed = c.list_objects_versions(Bucket=bucket, Prefix='v/')
        out['versions'] = [(v['Key'], v['IsLatest'], v['Size']) for v in listed.get('Version', [])]
        out['markers'] = [(m['Key'], m['IsLatest']) for m in listed.get('DeleteMarker', [])]
        c.download_file(bucket, 'v/k', dest, VersionId=v1)
        out['v1'] = open(dest, 'rb').read().decode()
        c.put_object(Bucket=bucket, Key='cold', Body=b'frozen', StorageClass='ARCHIVE')
        try:
            c.get_object(Bucket=bucket, Key='cold')
        except Exception as e:
            out['cold_get'] = e.get_error_code()
        c.restore_object(Bucket=bucket, Key='cold', RestoreRequest={'Days': 1, 'CASJobParameters': {'Tier': 'Expedited'}})
        out['restore'] = c.head_object(Bucket=bucket, Key='cold').get('x-cos-restore')
        out['thawed'] = c.get_object(Bucket=bucket, Key='cold')['Body'].get_raw_stream().read().decode()
        proxied = CosS3Client(CosConfig(Region='ap-beijing', SecretId='SecretId', SecretKey='SecretKey', Scheme='http',
                                        Proxies={'http': 'http://127.0.0.1:%d' % port}))
        out['buckets'] = [b['Name'] for b in proxied.list_buckets()['Buckets']['Bucket']]
        sys.stdout.write(json.dumps(out) + '\\n')
    """)
    path = tmp_path / "official_versions.py"
    path.write_text(script)
    out = subprocess.run(
        [official_python, str(path), str(cos_emulator.port), bucket, str(tmp_path / "v1")],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "Status" not in result["before"] and result["after"]["Status"] == "Enabled"
    assert result["versions"] == [["v/k", "false", "3"], ["v/k", "false", "3"]]
    assert result["markers"] == [["v/k", "true"]]
    assert result["v1"] == "one"
    assert result["cold_get"] == "InvalidObjectState"
    assert result["restore"].startswith('ongoing-request="false"')
    assert result["thawed"] == "frozen"
    assert bucket in result["buckets"]
