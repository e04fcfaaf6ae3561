"""COS naming rules (pure): bucket names, regions, bucket Hosts, user-metadata sizes."""

import pytest

from qcloud_cos.emulator import _names
from qcloud_cos.emulator._errors import CosError


def _code(fn, *args):
    with pytest.raises(CosError) as ei:
        fn(*args)
    assert ei.value.status == 400
    return ei.value.code


@pytest.mark.parametrize(
    "name",
    [
        "examplebucket-1250000000",
        "a-1",
        "0-1250000000",
        "a-b-c-1250000000",
        "a--b-1250000000",
        "x" * 50 + "-1250000000",
        "9z-9",
    ],
)
def test_valid_bucket_names(name):
    assert _names.valid_bucket_name(name)
    _names.check_bucket_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "examplebucket",  # no APPID
        "examplebucket-",  # empty APPID
        "-1250000000",  # empty name
        "ExampleBucket-1250000000",  # upper case
        "example_bucket-1250000000",
        "example.bucket-1250000000",
        "-example-1250000000",  # starts with '-'
        "example--1250000000",  # name ends with '-'
        "example-12a0",  # APPID not digits
        "examplé-1250000000",
        "example bucket-1250000000",
    ],
)
def test_invalid_bucket_names(name):
    assert not _names.valid_bucket_name(name)
    assert _code(_names.check_bucket_name, name) == "InvalidBucketName"


def test_bucket_name_too_long():
    name = "x" * 51 + "-1250000000"
    assert not _names.valid_bucket_name(name)
    assert _code(_names.check_bucket_name, name) == "BucketNameTooLong"


@pytest.mark.parametrize("region", sorted(_names.REGIONS))
def test_known_regions(region):
    assert _names.valid_region(region)
    _names.check_region(region)


@pytest.mark.parametrize(
    "region", ["ap-nowhere", "AP-BEIJING", "ap-beijing ", "", "cn-north", "accelerate", "ap-beijing-x"]
)
def test_unknown_regions(region):
    assert not _names.valid_region(region)
    assert _code(_names.check_region, region) == "InvalidRegionName"


def test_region_list_has_the_documented_regions():
    for region in (
        "ap-beijing",
        "ap-nanjing",
        "ap-shanghai",
        "ap-guangzhou",
        "ap-chengdu",
        "ap-chongqing",
        "ap-hongkong",
        "ap-singapore",
        "ap-mumbai",
        "ap-jakarta",
        "ap-seoul",
        "ap-bangkok",
        "ap-tokyo",
        "na-siliconvalley",
        "na-ashburn",
        "na-toronto",
        "sa-saopaulo",
        "eu-frankfurt",
        "ap-shanghai-fsi",
        "ap-shenzhen-fsi",
        "ap-beijing-fsi",
        "ap-beijing-1",
    ):
        assert region in _names.REGIONS


@pytest.mark.parametrize(
    "host",
    [
        "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
        "examplebucket-1250000000.cos.ap-beijing.myqcloud.com:8080",
        "examplebucket-1250000000.cos.ap-beijing.myqcloud.com.",
        "examplebucket-1250000000.COS.AP-BEIJING.MYQCLOUD.COM",  # DNS is case-insensitive
        "examplebucket-1250000000.cos-internal.ap-shanghai.tencentcos.cn",
        "examplebucket-1250000000.cos.ap-beijing.tencentcos.cn",
        "examplebucket-1250000000.cos.accelerate.myqcloud.com",
        "examplebucket-1250000000.cn-north.myqcloud.com",  # legacy form, legacy region
        "examplebucket-1250000000.ap-beijing.myqcloud.com",  # legacy form, region
        # not a bucket Host: left to the router
        "127.0.0.1:9000",
        "cos.ap-beijing.myqcloud.com",
        "service.cos.myqcloud.com",
        "example.com",
        "",
        "examplebucket-1250000000.ci.ap-beijing.myqcloud.com",
        "examplebucket-1250000000.cos.ap-nowhere.example.com",
    ],
)
def test_hosts_accepted_or_left_alone(host):
    _names.check_host(host)


@pytest.mark.parametrize(
    "host,code",
    [
        ("examplebucket-1250000000.cos.ap-nowhere.myqcloud.com", "InvalidRegionName"),
        ("examplebucket-1250000000.cos-internal.ap-nowhere.tencentcos.cn", "InvalidRegionName"),
        ("examplebucket-1250000000.cos-internal.accelerate.myqcloud.com", "InvalidRegionName"),
        ("examplebucket-1250000000.nowhere.myqcloud.com", "InvalidRegionName"),
        ("examplebucket-1250000000.cos.ap-beijing-x.myqcloud.com:80", "InvalidRegionName"),
        ("ExampleBucket-1250000000.cos.ap-beijing.myqcloud.com", "InvalidBucketName"),
        ("EXAMPLEBUCKET-1250000000.COS.AP-BEIJING.MYQCLOUD.COM", "InvalidBucketName"),
        ("example_bucket-1250000000.cos.ap-beijing.myqcloud.com", "InvalidBucketName"),
        ("example--1250000000.cos.ap-beijing.myqcloud.com", "InvalidBucketName"),
        ("-x-1250000000.cos.ap-beijing.myqcloud.com", "InvalidBucketName"),
        ("x" * 51 + "-1250000000.cos.ap-beijing.myqcloud.com", "BucketNameTooLong"),
        ("Bad_Bucket-1250000000.cos.ap-nowhere.myqcloud.com", "InvalidBucketName"),  # the bucket first
    ],
)
def test_hosts_refused(host, code):
    assert _code(_names.check_host, host) == code


def test_check_bucket_region():
    _names.check_bucket_region("ap-beijing", "ap-beijing")
    _names.check_bucket_region("ap-beijing", None)
    _names.check_bucket_region("ap-beijing", "accelerate")
    assert _code(_names.check_bucket_region, "ap-beijing", "ap-guangzhou") == "InvalidRegionName"


# -- user metadata ----------------------------------------------------------------------------


def _meta(n_headers, value_len, prefix="x-cos-meta-k"):
    return [(f"{prefix}{i}", "v" * value_len) for i in range(n_headers)]


def test_metadata_sizes_count_name_and_value_bytes():
    assert _names.user_metadata_size([("x-cos-meta-a", "bc"), ("Content-Type", "x" * 9999)]) == (14, 14)
    assert _names.user_metadata_size([("X-Cos-Meta-A", " 中 ")]) == (15, 15)  # utf-8 bytes, stripped
    assert _names.user_metadata_size([("x-cos-meta-a", b"\xe4\xb8\xad")]) == (15, 15)
    assert _names.user_metadata_size([("x-cos-meta-a", "\xe4\xb8\xad")]) == (15, 15)  # latin-1 as received
    assert _names.user_metadata_size([]) == (0, 0)


def test_metadata_within_limits():
    name = "x-cos-meta-k"
    _names.check_user_metadata([(name, "v" * (2048 - len(name)))])  # exactly 2 KB
    _names.check_user_metadata([(name, "v" * (2048 - len(name))), (name + "2", "v" * (2048 - len(name) - 1))])  # 4 KB
    _names.check_user_metadata([("x-cos-acl", "v" * 100000)])  # not metadata


def test_one_header_over_2k():
    name = "x-cos-meta-k"
    assert _code(_names.check_user_metadata, [(name, "v" * (2049 - len(name)))]) == "MetadataTooLarge"


def test_total_over_4k():
    headers = _meta(3, 1400)  # each 1413 bytes, total 4239
    assert _names.user_metadata_size(headers)[0] <= _names.MAX_META_HEADER
    with pytest.raises(CosError) as ei:
        _names.check_user_metadata(headers)
    assert ei.value.code == "MetadataTooLarge" and "4096" in ei.value.message


def test_the_store_uses_the_same_rule():
    """The store had its own copy of the rule, whose ``$`` let a trailing newline through."""
    from qcloud_cos.emulator import CosEmulator

    with CosEmulator() as emu:
        with pytest.raises(CosError) as info:
            emu.create_bucket("abc-1250000000\n")
        assert info.value.code == "InvalidBucketName"
        assert emu.create_bucket("abc-1250000000") == "abc-1250000000"
