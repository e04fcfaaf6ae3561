"""delete_objects, ACLs and bucket location against the emulator."""

import pytest

from qcloud_cos.cos_client import LeadingSlashKeyWarning
from qcloud_cos.cos_exception import CosClientError


def test_delete_objects_reports_each_key(client, bucket):
    for key in ("bd/a", "bd/b c", "bd/中文"):
        client.put_object(Bucket=bucket, Body=b"x", Key=key)
    result = client.delete_objects(
        bucket, {"Object": [{"Key": "bd/a"}, {"Key": "bd/b c"}, {"Key": "bd/中文"}, {"Key": "bd/never"}]}
    )
    assert sorted(d["Key"] for d in result["Deleted"]) == ["bd/a", "bd/b c", "bd/never", "bd/中文"]
    assert client.list_objects(bucket, Prefix="bd/").get("Contents") is None
    quiet = client.delete_objects(bucket, {"Object": [{"Key": "bd/a"}], "Quiet": "true"})
    assert "Deleted" not in quiet and "Error" not in quiet


def test_delete_objects_leading_slash_warns_and_deletes_nothing(client, bucket):
    client.put_object(Bucket=bucket, Body=b"x", Key="bd/slash")
    with pytest.warns(LeadingSlashKeyWarning):
        result = client.delete_objects(bucket, {"Object": [{"Key": "/bd/slash"}]})
    assert [d["Key"] for d in result["Deleted"]] == ["/bd/slash"]  # what COS answers ...
    assert client.object_exists(bucket, "bd/slash")  # ... though nothing was deleted


def test_delete_objects_refuses_bad_input_before_sending(client, bucket):
    with pytest.raises(CosClientError, match="must be a dict"):
        client.delete_objects(bucket, None)
    with pytest.raises(CosClientError, match=r"\['Key'\]"):
        client.delete_objects(bucket, {"Object": [{"Key": ""}]})
    with pytest.raises(CosClientError, match="at most 1000"):
        client.delete_objects(bucket, {"Object": [{"Key": "k%d" % i} for i in range(1001)]})


def test_object_and_bucket_acl_round_trip(client, bucket):
    client.put_object(Bucket=bucket, Body=b"x", Key="acl/o")
    client.put_object_acl(bucket, "acl/o", ACL="public-read")
    acl = client.get_object_acl(bucket, "acl/o")
    assert acl["CannedACL"] == "public-read"
    assert isinstance(acl["AccessControlList"]["Grant"], list)
    client.put_object_acl(bucket, "acl/o", ACL="private")
    assert client.get_object_acl(bucket, "acl/o")["CannedACL"] == "private"
    client.put_bucket_acl(bucket, ACL="public-read")
    try:
        assert client.get_bucket_acl(bucket)["CannedACL"] == "public-read"
    finally:
        client.put_bucket_acl(bucket, ACL="private")
    assert client.get_bucket_acl(bucket)["CannedACL"] == "private"


def test_bucket_location(client, bucket, cos_emulator):
    assert client.get_bucket_location(bucket) == {"LocationConstraint": cos_emulator.config_kwargs()["Region"]}
