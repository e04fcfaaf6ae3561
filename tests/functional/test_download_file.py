"""download_file against the emulator: small and ranged paths, progress, overwrite mid-download."""
import os

import pytest

from qcloud_cos.cos_exception import CosClientError
from qcloud_cos._transfer.download import DownloadChanged


def _data(n):
    return (b'0123456789abcdef' * (n // 16 + 1))[:n]


def test_small_object_one_get(client, bucket, tmp_path):
    client.put_object(Bucket=bucket, Body=_data(1000), Key='dl/small')
    seen = []
    dest = tmp_path / 'small'
    client.download_file(bucket, 'dl/small', str(dest), progress_callback=lambda a, b: seen.append((a, b)))
    assert dest.read_bytes() == _data(1000)
    assert seen[-1] == (1000, 1000)
    assert os.listdir(tmp_path) == ['small']


def test_ranged_parallel(client, bucket, tmp_path):
    data = _data(3 * 1024 * 1024 + 17)
    client.put_object(Bucket=bucket, Body=data, Key='dl/big')
    seen = []
    dest = tmp_path / 'big'
    client.download_file(bucket, 'dl/big', str(dest), PartSize=1, MAXThread=3, DumpRecordDir=str(tmp_path / 'r'),
                         progress_callback=lambda a, b: seen.append(a))
    assert dest.read_bytes() == data
    assert seen == sorted(seen) and seen[-1] == len(data) and seen.count(len(data)) == 1
    assert not (tmp_path / 'r').exists() or os.listdir(tmp_path / 'r') == []


def test_overwrite_mid_download_fails_and_leaves_nothing(client, bucket, tmp_path):
    data = _data(3 * 1024 * 1024)
    client.put_object(Bucket=bucket, Body=data, Key='dl/changing')
    state = {'done': False}

    def overwrite(consumed, total):
        if consumed > 1024 * 1024 and not state['done']:
            state['done'] = True
            client.put_object(Bucket=bucket, Body=b'x' * len(data), Key='dl/changing')

    dest = tmp_path / 'changing'
    with pytest.raises(DownloadChanged):
        client.download_file(bucket, 'dl/changing', str(dest), PartSize=1, MAXThread=1,
                             DumpRecordDir=str(tmp_path / 'r'), progress_callback=overwrite)
    assert not dest.exists()
    assert os.listdir(tmp_path) in ([], ['r'])
    assert not (tmp_path / 'r').exists() or os.listdir(tmp_path / 'r') == []


def test_destination_directory_refused(client, bucket, tmp_path):
    with pytest.raises(CosClientError, match='directory'):
        client.download_file(bucket, 'dl/none', str(tmp_path))


def test_bad_part_size_named(client, bucket, tmp_path):
    with pytest.raises(CosClientError, match='PartSize'):
        client.download_file(bucket, 'dl/none', str(tmp_path / 'x'), PartSize=0)
