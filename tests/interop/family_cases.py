"""Black-box cases for the rest of the transfer family: copy, batch delete, versions, ACLs, buckets.

``collect(qcloud_cos)`` calls each method of the given package (ours or the official SDK) with a
frozen clock and a recording transport answering canned COS responses, and returns
``{case id: {'result' or 'error', 'wire': [requests]}}``.  ``make_family_vectors.py`` records the
official outcomes in ``vectors/official-family-1.9.44.json``; ``tests/unit/test_family_vectors.py``
replays them against ours.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cases import B, _client, _err, _frozen, _plain  # noqa: E402

SRC = {"Bucket": "src-1250000000", "Key": "dir/a b+c.txt", "Region": "ap-guangzhou"}
SRC_OTHER_REGION = {"Bucket": "src-1250000000", "Key": "/中文.txt", "Region": "ap-beijing", "VersionId": "v1"}
INITIATE = (
    b"<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket><Key>k</Key>"
    b"<UploadId>UID</UploadId></InitiateMultipartUploadResult>"
)
COMPLETE = (
    b"<CompleteMultipartUploadResult><Location>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/k"
    b"</Location><Bucket>examplebucket-1250000000</Bucket><Key>k</Key>"
    b"<ETag>&quot;3a0f1fd698c235af9cf098cb74aa25bc-7&quot;</ETag></CompleteMultipartUploadResult>"
)
COPY_PART = (
    b"<CopyPartResult><ETag>&quot;ba82b57cfdfda8bd17ad4e5879ebb4fe&quot;</ETag>"
    b"<LastModified>2017-09-04T04:45:45.000Z</LastModified></CopyPartResult>"
)
XML = {"Content-Type": "application/xml", "x-cos-request-id": "r-fam"}

COPY_RESULT = (
    b'<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult>'
    b"<ETag>&quot;ba82b57cfdfda8bd17ad4e5879ebb4fe&quot;</ETag>"
    b"<LastModified>2017-08-04T02:41:45.000Z</LastModified>"
    b"<CRC64>16749565679157681890</CRC64><VersionId>MTg0NDUxNTc</VersionId></CopyObjectResult>"
)
COPY_ERROR_200 = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
    b"<Message>We encountered an internal error. Please try again.</Message>"
    b"<Resource>b/k</Resource><RequestId>r-err</RequestId><TraceId>t</TraceId></Error>"
)
DELETE_RESULT = (
    b'<?xml version="1.0" encoding="UTF-8"?><DeleteResult>'
    b"<Deleted><Key>a%20b.txt</Key></Deleted>"
    b"<Deleted><Key>v.txt</Key><VersionId>v1</VersionId><DeleteMarker>true</DeleteMarker>"
    b"<DeleteMarkerVersionId>dm1</DeleteMarkerVersionId></Deleted>"
    b"<Error><Key>locked</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    b"</DeleteResult>"
)
DELETE_ONE = b"<DeleteResult><Deleted><Key>only</Key></Deleted></DeleteResult>"
DELETE_QUIET = b"<DeleteResult/>"
VERSIONS_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult><EncodingType>url</EncodingType>'
    b"<Name>examplebucket-1250000000</Name><Prefix>a%20b%2F</Prefix><KeyMarker>a%20b%2Fc</KeyMarker>"
    b"<VersionIdMarker>v0</VersionIdMarker><MaxKeys>2</MaxKeys><Delimiter>%2F</Delimiter>"
    b"<IsTruncated>true</IsTruncated><NextKeyMarker>a%20b%2Fz%2B1</NextKeyMarker>"
    b"<NextVersionIdMarker>v9</NextVersionIdMarker>"
    b"<Version><Key>a%20b%2Fc%2Bd.txt</Key><VersionId>v2</VersionId><IsLatest>true</IsLatest>"
    b"<LastModified>2020-03-25T10:07:14.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>5</Size>"
    b"<StorageClass>STANDARD</StorageClass><Owner><UID>1250000000</UID></Owner></Version>"
    b"<DeleteMarker><Key>a%20b%2Fgone.txt</Key><VersionId>dm</VersionId><IsLatest>true</IsLatest>"
    b"<LastModified>2020-03-25T10:07:15.000Z</LastModified><Owner><UID>1</UID></Owner></DeleteMarker>"
    b"<CommonPrefixes><Prefix>a%20b%2Fx%2F</Prefix></CommonPrefixes></ListVersionsResult>"
)
VERSIONS_EMPTY = (
    b"<ListVersionsResult><Name>examplebucket-1250000000</Name><Prefix/><KeyMarker/>"
    b"<VersionIdMarker/><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListVersionsResult>"
)
SERVICE_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner><ID>qcs::cam::uin/1:uin/1</ID>'
    b"<DisplayName>1</DisplayName></Owner><Buckets><Bucket><Name>examplebucket-1250000000</Name>"
    b"<Location>ap-guangzhou</Location><CreationDate>2019-05-24T11:20:10Z</CreationDate>"
    b"<BucketType>cos</BucketType></Bucket></Buckets><Marker/><IsTruncated>false</IsTruncated>"
    b"</ListAllMyBucketsResult>"
)
SERVICE_TWO = (
    b"<ListAllMyBucketsResult><Owner><ID>o</ID><DisplayName>d</DisplayName></Owner><Buckets>"
    b"<Bucket><Name>a-1</Name><Location>ap-guangzhou</Location><CreationDate>x</CreationDate></Bucket>"
    b"<Bucket><Name>b-1</Name><Location>ap-beijing</Location><CreationDate>y</CreationDate></Bucket>"
    b"</Buckets></ListAllMyBucketsResult>"
)
SERVICE_NONE = (
    b"<ListAllMyBucketsResult><Owner><ID>o</ID><DisplayName>d</DisplayName></Owner><Buckets/></ListAllMyBucketsResult>"
)
ACL_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><AccessControlPolicy><Owner><ID>qcs::cam::uin/1:uin/1</ID>'
    b"<DisplayName>qcs::cam::uin/1:uin/1</DisplayName></Owner><AccessControlList>"
    b'<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">'
    b"<ID>qcs::cam::uin/1:uin/1</ID><DisplayName>qcs::cam::uin/1:uin/1</DisplayName></Grantee>"
    b"<Permission>FULL_CONTROL</Permission></Grant>"
    b'<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">'
    b"<URI>http://cam.qcloud.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>"
    b"</AccessControlList></AccessControlPolicy>"
)
ACL_ONE = (
    b"<AccessControlPolicy><Owner><ID>o</ID><DisplayName>o</DisplayName></Owner><AccessControlList>"
    b'<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">'
    b"<ID>o</ID><DisplayName>o</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>"
    b"</AccessControlList></AccessControlPolicy>"
)


def _acl(*grants):
    inner = b"".join(
        b'<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>%s</URI>'
        b"</Grantee><Permission>%s</Permission></Grant>" % (uri, perm)
        for uri, perm in grants
    )
    return (
        b"<AccessControlPolicy><Owner><ID>o</ID><DisplayName>o</DisplayName></Owner><AccessControlList>"
        b'<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">'
        b"<ID>o</ID><DisplayName>o</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>"
        + inner
        + b"</AccessControlList></AccessControlPolicy>"
    )


ALL = b"http://cam.qcloud.com/groups/global/AllUsers"
ACL_VARIANTS = {
    "rw": _acl((ALL, b"READ"), (ALL, b"WRITE")),
    "w": _acl((ALL, b"WRITE")),
    "full": _acl((ALL, b"FULL_CONTROL")),
    "other": _acl((b"http://cam.qcloud.com/groups/global/Other", b"READ")),
    "readacp": _acl((ALL, b"READ_ACP")),
    "noacl": b"<AccessControlPolicy><Owner><ID>o</ID></Owner></AccessControlPolicy>",
}
VERSIONING_XML = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
VERSIONING_NEVER = b"<VersioningConfiguration/>"
LOCATION_XML = b'<?xml version="1.0" encoding="UTF-8"?><LocationConstraint>ap-guangzhou</LocationConstraint>'


BIG = 6 * 1024**3 + 1  # over the 5 GiB copy_object limit: copy goes multipart


DL_SIZES = {"dl-small": 1000, "dl-big": 3 * 1024 * 1024 + 5, "dl-empty": 0}
DL_ETAG = '"dl-etag"'


def _dl_data(size):
    return (bytes(range(256)) * (size // 256 + 1))[:size]


def _download_responder(request, name):
    """HEAD and (ranged) GET of the download cases' objects."""
    size = DL_SIZES[name]
    headers = {
        "ETag": DL_ETAG,
        "Last-Modified": "Wed, 28 Oct 2020 07:28:00 GMT",
        "x-cos-request-id": "r-dl",
        "Content-Type": "application/octet-stream",
        "Accept-Ranges": "bytes",
    }
    if request.method == "HEAD":
        return 200, dict(headers, **{"Content-Length": str(size)}), b""
    data = _dl_data(size)
    wanted = request.headers.get("Range")
    if isinstance(wanted, bytes):  # the official SDK sends its header values as bytes
        wanted = wanted.decode("ascii")
    if not wanted:
        return 200, dict(headers, **{"Content-Length": str(size)}), data
    first, last = (int(n) for n in wanted.split("=", 1)[1].split("-"))
    body = data[first : last + 1]
    return (
        206,
        dict(headers, **{"Content-Length": str(len(body)), "Content-Range": "bytes %d-%d/%d" % (first, last, size)}),
        body,
    )


def _download(client, key, **kwargs):
    """download_file into a private folder; the result and the md5 of the file written."""
    import hashlib
    import shutil
    import tempfile

    folder = tempfile.mkdtemp()
    try:
        dest = os.path.join(folder, "out.bin")
        result = client.download_file(B, key, dest, DumpRecordDir=os.path.join(folder, "records"), **kwargs)
        with open(dest, "rb") as f:
            return {"returned": result, "md5": hashlib.md5(f.read()).hexdigest(), "left": sorted(os.listdir(folder))}
    finally:
        shutil.rmtree(folder)


def _responder(request):
    url = request.url
    query = url.split("?", 1)[1] if "?" in url else ""
    method = request.method
    path = url.split("?")[0].rsplit("/", 1)[-1]
    if path in DL_SIZES:
        return _download_responder(request, path)
    if method == "HEAD":
        size = BIG if "big" in url else 1000
        headers = {
            "Content-Length": str(size),
            "ETag": '"src-etag"',
            "Content-Type": "image/png",
            "Last-Modified": "Wed, 28 Oct 2020 07:28:00 GMT",
            "x-cos-request-id": "r-head",
            "x-cos-meta-color": "red",
            "Cache-Control": "max-age=60",
            "Content-Disposition": "inline",
            "x-cos-hash-crc64ecma": "123",
        }
        if "archive" in url:
            headers["x-cos-storage-class"] = "ARCHIVE"
        return 200, headers, b""
    if method == "POST" and query.startswith("uploads"):
        return 200, XML, INITIATE
    if method == "POST" and "uploadId=" in query:
        return 200, XML, COMPLETE
    if "x-cos-copy-source" in request.headers and "partNumber" in query:
        return 200, XML, COPY_PART
    if "x-cos-copy-source" in request.headers:
        body = COPY_ERROR_200 if "/error200" in url else COPY_RESULT
        return 200, dict(XML, **{"x-cos-version-id": "vid-h", "ETag": '"hdr"'}), body
    if method == "POST" and query.startswith("delete"):
        if b"only" in (request.body or b""):
            return 200, XML, DELETE_ONE
        if b"<Quiet>true" in (request.body or b""):
            return 200, XML, DELETE_QUIET
        return 200, XML, DELETE_RESULT
    if "versions" in query:
        return 200, XML, VERSIONS_EMPTY if "prefix=empty" in query else VERSIONS_XML
    if "acl" in query and method == "GET":
        if "/dflt" in url:
            return 200, dict(XML, **{"x-cos-acl": "default"}), ACL_VARIANTS["rw"]
        for name, body in ACL_VARIANTS.items():
            if "/" + name in url:
                return 200, XML, body
        return 200, XML, ACL_ONE if "/one" in url else ACL_XML
    if "versioning" in query and method == "GET":
        return 200, XML, VERSIONING_NEVER if "never-" in url else VERSIONING_XML
    if "location" in query:
        return 200, XML, LOCATION_XML
    if "restore" in query:
        return 202, {"x-cos-request-id": "r-restore"}, b""
    service = "service" in url.split("?")[0] or b"service" in _bytes(request.headers.get("Host", b""))
    if method == "GET" and (service or url.split("?")[0].endswith("myqcloud.com/")):
        if "marker=two" in query:
            return 200, XML, SERVICE_TWO
        if "marker=none" in query:
            return 200, XML, SERVICE_NONE
        return 200, XML, SERVICE_XML
    return 200, {"x-cos-request-id": "r-ok", "ETag": '"e"'}, b""


ACP = {
    "Grant": [
        {
            "Grantee": {"ID": "qcs::cam::uin/1:uin/2", "DisplayName": "qcs::cam::uin/1:uin/2", "Type": "CanonicalUser"},
            "Permission": "READ",
        },
        {"Grantee": {"URI": "http://cam.qcloud.com/groups/global/AllUsers", "Type": "Group"}, "Permission": "READ"},
    ],
    "Owner": {"ID": "qcs::cam::uin/1:uin/1", "DisplayName": "qcs::cam::uin/1:uin/1"},
}


def _cases():
    return {
        # copy_object
        "copy": lambda c: c.copy_object(B, "dst key.txt", SRC),
        "copy_other_region_version": lambda c: c.copy_object(B, "k", SRC_OTHER_REGION),
        "copy_endpoint_appid": lambda c: c.copy_object(
            B, "k", {"Bucket": "src", "Appid": "1250000000", "Key": "a", "Endpoint": "cos.example.com"}
        ),
        "copy_replaced": lambda c: c.copy_object(
            B,
            "k",
            SRC,
            CopyStatus="Replaced",
            ContentType="text/plain",
            Metadata={"x-cos-meta-a": "1"},
            CacheControl="no-cache",
            StorageClass="STANDARD_IA",
        ),
        "copy_kwargs": lambda c: c.copy_object(
            B,
            "k",
            SRC,
            ACL="private",
            GrantRead='id="1"',
            CopySourceIfMatch='"e"',
            CopySourceIfNoneMatch='"f"',
            CopySourceIfModifiedSince="Wed, 21 Oct 2015 07:28:00 GMT",
            CopySourceIfUnmodifiedSince="Wed, 21 Oct 2037 07:28:00 GMT",
            ServerSideEncryption="AES256",
            TrafficLimit="819200",
            Tagging="a=b",
        ),
        "copy_copy_status_lower": lambda c: c.copy_object(B, "k", SRC, CopyStatus="copy"),
        "copy_bad_status": lambda c: c.copy_object(B, "k", SRC, CopyStatus="Move"),
        "copy_no_bucket": lambda c: c.copy_object(B, "k", {"Key": "a", "Region": "ap-guangzhou"}),
        "copy_no_key": lambda c: c.copy_object(B, "k", {"Bucket": "b-1", "Region": "ap-guangzhou"}),
        "copy_no_region": lambda c: c.copy_object(B, "k", {"Bucket": "b-1", "Key": "a"}),
        "copy_error_in_200": lambda c: c.copy_object(B, "error200", SRC),
        # delete_objects
        "delete_objects": lambda c: c.delete_objects(
            B,
            {"Object": [{"Key": "a b.txt"}, {"Key": "v.txt", "VersionId": "v1"}, {"Key": "locked"}], "Quiet": "false"},
        ),
        "delete_objects_quiet": lambda c: c.delete_objects(B, {"Object": [{"Key": "x"}], "Quiet": "true"}),
        "delete_objects_one_dict": lambda c: c.delete_objects(B, {"Object": {"Key": "only"}}),
        "delete_objects_leading_slash": lambda c: c.delete_objects(B, {"Object": [{"Key": "/only"}]}),
        "delete_objects_xml_chars": lambda c: c.delete_objects(B, {"Object": [{"Key": "a<&>\"'.txt"}]}),
        "delete_objects_empty": lambda c: c.delete_objects(B, {}),
        "delete_objects_kw": lambda c: c.delete_objects(Bucket=B, Delete={"Object": [{"Key": "only"}]}),
        # list_objects_versions
        "versions": lambda c: c.list_objects_versions(B),
        "versions_args": lambda c: c.list_objects_versions(
            B, Prefix="a b/", Delimiter="/", KeyMarker="a b/c", VersionIdMarker="v0", MaxKeys=2
        ),
        "versions_encoded": lambda c: c.list_objects_versions(B, EncodingType="url"),
        "versions_empty": lambda c: c.list_objects_versions(B, Prefix="empty"),
        "versions_bad_encoding": lambda c: c.list_objects_versions(B, EncodingType="x"),
        # list_buckets
        "buckets": lambda c: c.list_buckets(),
        "buckets_args": lambda c: c.list_buckets(
            TagKey="k", TagValue="v", Region="ap-beijing", CreateTime=1700000000, Range="gt", Marker="two", MaxKeys=10
        ),
        "buckets_none": lambda c: c.list_buckets(Marker="none"),
        "buckets_create_time_only": lambda c: c.list_buckets(CreateTime=1700000000),
        "buckets_range_only": lambda c: c.list_buckets(Range="lt"),
        "buckets_tagkey_only": lambda c: c.list_buckets(TagKey="k"),
        "buckets_region_only": lambda c: c.list_buckets(Region="ap-beijing"),
        "buckets_kwargs": lambda c: c.list_buckets(MaxKeys="5", Foo="bar"),
        "buckets@ip_port": lambda c: c.list_buckets(),
        "buckets@endpoint": lambda c: c.list_buckets(),
        "buckets@domain": lambda c: c.list_buckets(),
        "buckets@token": lambda c: c.list_buckets(),
        "buckets@service_domain": lambda c: c.list_buckets(),
        "buckets@new_domain": lambda c: c.list_buckets(),
        "buckets@anonymous": lambda c: c.list_buckets(),
        # restore
        "restore": lambda c: c.restore_object(B, "a b.txt", {"Days": 1, "CASJobParameters": {"Tier": "Expedited"}}),
        "restore_version": lambda c: c.restore_object(B, "k", {"Days": 3}, VersionId="v1"),
        # ACLs
        "put_object_acl_canned": lambda c: c.put_object_acl(B, "a b.txt", ACL="public-read"),
        "put_object_acl_grants": lambda c: c.put_object_acl(
            B, "k", GrantRead='id="qcs::cam::uin/1:uin/2"', GrantFullControl='id="qcs::cam::uin/1:uin/1"'
        ),
        "put_object_acl_body": lambda c: c.put_object_acl(B, "k", AccessControlPolicy=ACP),
        "get_object_acl": lambda c: c.get_object_acl(B, "a b.txt"),
        "get_object_acl_one": lambda c: c.get_object_acl(B, "one"),
        "get_object_acl_default_header": lambda c: c.get_object_acl(B, "dflt"),
        "get_bucket_acl_default_header": lambda c: c.get_bucket_acl("dflt-1250000000"),
        "put_object_acl_none": lambda c: c.put_object_acl(B, "k"),
        "put_object_acl_bad_kwarg": lambda c: c.put_object_acl(B, "k", Foo="x"),
        "put_bucket_versioning_bad": lambda c: c.put_bucket_versioning(B, "enabled"),
        "restore_empty": lambda c: c.restore_object(B, "k"),
        "copy_object_empty_key": lambda c: c.copy_object(B, "", SRC),
        "copy_source_not_dict": lambda c: c.copy_object(B, "k", "src-1250000000.cos.ap-guangzhou.myqcloud.com/a"),
        "delete_objects_not_dict": lambda c: c.delete_objects(B, [{"Key": "a"}]),
        "put_bucket_acl_canned": lambda c: c.put_bucket_acl(B, ACL="public-read"),
        "put_bucket_acl_body": lambda c: c.put_bucket_acl(B, AccessControlPolicy=ACP),
        "get_bucket_acl": lambda c: c.get_bucket_acl(B),
        **{"get_object_acl_" + n: (lambda c, n=n: c.get_object_acl(B, n)) for n in ACL_VARIANTS},
        **{"get_bucket_acl_" + n: (lambda c, n=n: c.get_bucket_acl("%s-1250000000" % n)) for n in ACL_VARIANTS},
        # managed copy: HEAD of the source, then copy_object or a multipart copy
        "managed_small": lambda c: c.copy(B, "k", SRC),
        "managed_big_same_region": lambda c: c.copy(B, "k", dict(SRC, Key="big.bin")),
        "managed_big_same_class": lambda c: c.copy(B, "k", dict(SRC, Key="big.bin"), StorageClass="STANDARD"),
        "managed_big_other_class": lambda c: c.copy(B, "k", dict(SRC, Key="big.bin"), StorageClass="STANDARD_IA"),
        "managed_big_archive": lambda c: c.copy(B, "k", dict(SRC, Key="big-archive.bin"), StorageClass="ARCHIVE"),
        "managed_big_other_region": lambda c: c.copy(B, "k", dict(SRC_OTHER_REGION, Key="big.bin"), PartSize=1024),
        "managed_big_replaced": lambda c: c.copy(
            B,
            "k",
            dict(SRC_OTHER_REGION, Key="big.bin"),
            CopyStatus="Replaced",
            PartSize=2048,
            ContentType="text/plain",
            Metadata={"x-cos-meta-a": "1"},
        ),
        "managed_big_kwargs": lambda c: c.copy(
            B,
            "k",
            dict(SRC, Key="big.bin", Region="ap-beijing"),
            PartSize=4096,
            MAXThread=2,
            ACL="private",
            CopySourceIfMatch='"src-etag"',
            TrafficLimit="819200",
        ),
        "managed_small_other_region_kwargs": lambda c: c.copy(
            B, "k", SRC_OTHER_REGION, CopyStatus="Replaced", ContentType="text/plain"
        ),
        "managed_bad_status": lambda c: c.copy(B, "k", SRC, CopyStatus="x"),
        "managed_no_bucket": lambda c: c.copy(B, "k", {"Key": "a"}),
        # download_file: HEAD, then one GET or ranged GETs
        "download_small": lambda c: _download(c, "dl-small"),
        "download_empty": lambda c: _download(c, "dl-empty"),
        "download_ranged": lambda c: _download(c, "dl-big", PartSize=1, MAXThread=2),
        "download_ranged_one_thread": lambda c: _download(c, "dl-big", PartSize=1, MAXThread=1),
        "download_big_part_size": lambda c: _download(c, "dl-big"),
        "download_max_part_count": lambda c: _download(c, "dl-big", PartSize=1, MaxPartCount=2),
        "download_kwargs": lambda c: _download(
            c,
            "dl-big",
            PartSize=1,
            VersionId="v1",
            TrafficLimit="819200",
            SSECustomerAlgorithm="AES256",
            SSECustomerKey="a2V5",
            SSECustomerKeyMD5="bWQ1",
        ),
        "download_small_kwargs": lambda c: _download(c, "dl-small", VersionId="v1", ResponseContentType="a/b"),
        "download_ranged_response_params": lambda c: _download(
            c, "dl-big", PartSize=1, ResponseContentType="a/b", ResponseCacheControl="no-cache"
        ),
        "download_bad_kwarg": lambda c: _download(c, "dl-small", Foo="x"),
        "download_no_temp": lambda c: _download(c, "dl-big", PartSize=1, DisableTempDestFilePath=True),
        "download_key_root": lambda c: _download(c, "/"),
        "download_key_dots": lambda c: _download(c, "../"),
        "download_no_simplify": lambda c: _download(c, "dl-small", KeySimplifyCheck=False),
        # versioning and location
        "put_versioning_enabled": lambda c: c.put_bucket_versioning(B, "Enabled"),
        "put_versioning_suspended": lambda c: c.put_bucket_versioning(B, "Suspended"),
        "get_versioning": lambda c: c.get_bucket_versioning(B),
        "get_versioning_never": lambda c: c.get_bucket_versioning("never-1250000000"),
        "get_location": lambda c: c.get_bucket_location(B),
    }


def _range_start(value):
    """The first byte of a ``Range: bytes=a-b`` header, for ordering parallel ranged GETs."""
    if not value:
        return -1
    return int(_bytes(value).split(b"=", 1)[1].split(b"-", 1)[0])


def _bytes(value):
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _body_text(body):
    if body is None or hasattr(body, "read"):
        return None
    if isinstance(body, str):
        return body
    return bytes(body).decode("utf-8", "replace")


def collect(qcloud_cos):
    return {name: collect_one(qcloud_cos, name) for name in _cases()}


def collect_one(qcloud_cos, name):
    """The outcome of one case: its result or error, and the requests it sent."""
    call = _cases()[name]
    config = name.split("@")[1] if "@" in name else "default"
    box = []

    def responder(request, box=box):
        box[0].requests[-1]["body"] = _body_text(request.body)  # the XML bodies, compared as text
        return _responder(request)

    client, adapter = _client(qcloud_cos, config, responder)
    box.append(adapter)
    with _frozen():
        try:
            res = {"result": _plain(call(client))}
        except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
            res = _err(exc)
            if isinstance(exc, qcloud_cos.CosServiceError):
                res["digest"] = _plain(exc.get_digest_msg())
                res["status"] = exc.get_status_code()
    # Parts go out in parallel: compare them in a stable order.
    res["wire"] = sorted(
        adapter.requests,
        key=lambda r: (
            r["method"] != "HEAD",
            r["url"],
            str(r["headers"].get("x-cos-copy-source-range")),
            _range_start(r["headers"].get("Range")),
        ),
    )
    return _plain(res)
