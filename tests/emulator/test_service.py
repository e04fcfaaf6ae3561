"""GET Service (list buckets): the service hosts, signatures, the account's buckets, filters, paging."""

import uuid
import xml.etree.ElementTree as ET

import pytest

from qcloud_cos.emulator import CosEmulator

from ._cos_http import CosHttp

SERVICE = "service.cos.myqcloud.com"


@pytest.fixture(scope="module")
def emu():
    with CosEmulator(buckets=("alpha-1250000000", "beta-1250000000")) as e:
        e.create_bucket("gamma-1250000000", region="ap-guangzhou")
        e.add_credentials("OtherId", "OtherKey", appid="1300000000")
        e.create_bucket("other-1300000000")
        yield e


def _service(emu, host=SERVICE, params=None, secret_id="SecretId", secret_key="SecretKey", **kwargs):
    c = CosHttp(emu.port, "unused-1", secret_id=secret_id, secret_key=secret_key)
    try:
        return c.request("GET", "", params=params, host=host, **kwargs)
    finally:
        c.close()


def _names(r):
    assert r.status == 200, r
    return [b.findtext("Name") for b in ET.fromstring(r.body).iter("Bucket")]


@pytest.mark.parametrize("host", [SERVICE, "service.cos.tencentcos.cn", SERVICE + ":80"])
def test_lists_the_accounts_buckets(emu, host):
    r = _service(emu, host=host, params={"marker": "", "max-keys": "2000"})
    assert _names(r) == ["alpha-1250000000", "beta-1250000000", "gamma-1250000000"]
    root = ET.fromstring(r.body)
    assert root.tag == "ListAllMyBucketsResult"
    assert (root.findtext("Owner/ID"), root.findtext("Owner/DisplayName")) == (
        "qcs::cam::uin/1250000000:uin/1250000000",
        "1250000000",
    )
    first = root.find("Buckets/Bucket")
    assert (first.findtext("Location"), first.findtext("BucketType")) == ("ap-beijing", "cos")
    assert first.findtext("CreationDate").endswith("Z") and "T" in first.findtext("CreationDate")
    assert root.findtext("IsTruncated") == "false"
    assert emu.requests[-1]["op"] == "GetService"


def test_a_key_of_another_account_sees_only_its_buckets(emu):
    r = _service(emu, secret_id="OtherId", secret_key="OtherKey")
    assert _names(r) == ["other-1300000000"]
    assert ET.fromstring(r.body).findtext("Owner/ID") == "qcs::cam::uin/1300000000:uin/1300000000"


def test_anonymous_is_denied(emu):
    r = _service(emu, sign_request=False)
    assert r.status == 403 and r.error_code() == "AccessDenied"
    r = _service(emu, secret_key="wrong")
    assert r.status == 403 and r.error_code() == "SignatureDoesNotMatch"


def test_region_filters(emu):
    assert _names(_service(emu, host="cos.ap-guangzhou.myqcloud.com")) == ["gamma-1250000000"]
    assert _names(_service(emu, params={"region": "ap-beijing"})) == ["alpha-1250000000", "beta-1250000000"]
    r = _service(emu, host="cos.ap-nowhere.myqcloud.com")
    assert r.status == 400 and r.error_code() == "InvalidRegionName"


def test_create_time_and_tag_filters(emu):
    assert len(_names(_service(emu, params={"create-time": "1", "range": "gt"}))) == 3
    assert _names(_service(emu, params={"create-time": "1", "range": "lt"})) == []
    assert _names(_service(emu, params={"tagkey": "k", "tagvalue": "v"})) == []
    r = _service(emu, params={"create-time": "1", "range": "eq"})
    assert r.status == 400 and r.error_code() == "InvalidArgument"


def test_paging_with_marker_and_max_keys(emu):
    r = _service(emu, params={"max-keys": "2"})
    root = ET.fromstring(r.body)
    assert _names(r) == ["alpha-1250000000", "beta-1250000000"]
    assert (root.findtext("IsTruncated"), root.findtext("NextMarker")) == ("true", "beta-1250000000")
    r = _service(emu, params={"max-keys": "2", "marker": "beta-1250000000"})
    assert _names(r) == ["gamma-1250000000"] and ET.fromstring(r.body).findtext("IsTruncated") == "false"
    r = _service(emu, params={"max-keys": "many"})
    assert r.status == 400 and r.error_code() == "InvalidArgument"


def test_only_get_slash_is_the_service(emu):
    for method, key in (("PUT", ""), ("GET", "k")):
        c = CosHttp(emu.port, "unused-1")
        r = c.request(method, key, b"" if method == "PUT" else None, host=SERVICE)
        c.close()
        assert r.status == 400 and r.error_code() == "InvalidURI"


def test_the_client_lists_buckets_through_an_ip_config(emu):
    from qcloud_cos import CosConfig, CosS3Client

    client = CosS3Client(CosConfig(**emu.config_kwargs()))
    name = emu.create_bucket(f"viaclient-{uuid.uuid4().hex[:8]}-1250000000")
    result = client.list_buckets()
    assert name in [b["Name"] for b in result["Buckets"]["Bucket"]]
    assert result["Owner"]["ID"] == "qcs::cam::uin/1250000000:uin/1250000000"
    assert [b["Name"] for b in client.list_buckets(Region="ap-guangzhou")["Buckets"]["Bucket"]] == ["gamma-1250000000"]
