"""``CosS3Client`` methods on many objects and on bucket settings (batch delete, versions, ACLs, ...)."""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any, Dict, Optional, Set
from urllib.parse import urlencode

import requests

from . import _http
from ._body import Body, make_body
from ._endpoint import object_key
from ._headers import request_headers, split_params
from ._params import BUCKET, encoding_type, integer, text_param
from ._types import IntParam, ObjectKey
from ._xml import decode_result, format_dict, format_xml, xml_to_dict
from .cos_exception import CosClientError

if TYPE_CHECKING:
    from ._client_core import ClientCore
else:
    ClientCore = object  # the type checker sees the client's own members (see _client_core)

logger = logging.getLogger("qcloud_cos.cos_client")

ALL_USERS = "http://cam.qcloud.com/groups/global/AllUsers"


class LeadingSlashKeyWarning(UserWarning):
    """``delete_objects`` got a key that starts with ``/``.

    COS takes the key verbatim: ``/a`` is not ``a``, and COS reports the key that does not exist as
    Deleted, so nothing is deleted and nothing says so (official SDK issue #242).  ``delete_object``,
    unlike ``delete_objects``, strips one leading ``/``.
    """


def _public_grants(acl: Dict[str, Any]) -> Set[Any]:
    """The permissions the AllUsers group has in a parsed ACL."""
    grants = acl.get("AccessControlList", {}).get("Grant") if isinstance(acl.get("AccessControlList"), dict) else []
    found = set()
    for grant in grants or []:
        grantee = grant.get("Grantee") if isinstance(grant, dict) else None
        if isinstance(grantee, dict) and grantee.get("URI") == ALL_USERS:
            found.add(grant.get("Permission"))
    return found


def _acl_result(response: requests.Response, *, bucket_level: bool) -> Dict[str, Any]:
    """GET ?acl: ``Grant`` always a list, plus the official ``CannedACL`` summary."""
    data = xml_to_dict(response.content, "type", "Type")  # xsi:type="Group" → 'Type': 'Group'
    if isinstance(data.get("AccessControlList"), dict):
        format_dict(data["AccessControlList"], ["Grant"])
    public = _public_grants(data)
    if not bucket_level and response.headers.get("x-cos-acl") == "default":
        data["CannedACL"] = "default"
    elif bucket_level and {"READ", "WRITE"} <= public:
        data["CannedACL"] = "public-read-write"
    elif "READ" in public:
        data["CannedACL"] = "public-read"
    else:
        data["CannedACL"] = "private"
    return data


def _check_delete(delete: Any) -> None:
    """The ``Delete`` of delete_objects: a dict whose ``Object`` entries each name a ``Key``."""
    if not isinstance(delete, dict):
        raise CosClientError(
            "Delete must be a dict {'Object': [{'Key': ...}, ...], 'Quiet': 'true'|'false'}, "
            "not %s" % type(delete).__name__
        )
    objects = delete.get("Object", [])
    if isinstance(objects, dict):
        objects = [objects]
    if not isinstance(objects, (list, tuple)):
        raise CosClientError("Delete['Object'] must be a list of {'Key': ...} dicts, not %s" % type(objects).__name__)
    if len(objects) > 1000:
        raise CosClientError(
            "Delete['Object'] has %d keys; COS takes at most 1000 in one request "
            "(CosS3Client.delete_prefix deletes a whole prefix in batches)" % len(objects)
        )
    slashed = []
    for index, entry in enumerate(objects):
        if not isinstance(entry, dict) or "Key" not in entry:
            raise CosClientError("Delete['Object'][%d] must be a dict with a 'Key', not %r" % (index, entry))
        key = entry["Key"]
        if not isinstance(key, (str, bytes)) or not key:
            raise CosClientError("Delete['Object'][%d]['Key'] must be a non-empty string, not %r" % (index, key))
        if key.startswith("/") if isinstance(key, str) else key.startswith(b"/"):
            slashed.append(key)
    if slashed:
        message = (
            'delete_objects: %d key(s) start with "/" (first: %r). COS takes keys verbatim, so "/a" '
            'is not the object "a"; COS will report it Deleted and delete nothing. Strip the leading '
            '"/" to delete the object.' % (len(slashed), slashed[0])
        )
        logger.warning(message)
        warnings.warn(message, LeadingSlashKeyWarning, stacklevel=3)


class BucketMethods(ClientCore):
    """Methods of ``CosS3Client`` for listing, batch deletes and bucket/object settings."""

    # -- many objects ----------------------------------------------------------------------
    def delete_objects(
        self,
        Bucket: str,
        Delete: Dict[str, Any] = {},  # noqa: B006 - never mutated; the official signature
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Delete up to 1000 objects in one request.

        :param Delete(dict): ``{'Object': [{'Key': 'a'}, {'Key': 'b', 'VersionId': 'v'}], 'Quiet': 'false'}``.
        :return(dict): ``{'Deleted': [...], 'Error': [{'Key', 'Code', 'Message'}]}`` (each a list when present).

        A key starting with ``/`` is sent verbatim (as the official SDK does) and raises a
        ``LeadingSlashKeyWarning``: COS would report it Deleted without deleting the object ``key``.
        """
        _check_delete(Delete)
        headers = request_headers(kwargs)
        body = make_body(format_xml(Delete, "Delete"))
        headers["Content-MD5"] = body.content_md5()
        headers["Content-Type"] = "application/xml"
        response = self._send(
            method="POST",
            bucket=Bucket,
            key=BUCKET,
            params={"delete": ""},
            headers=headers,
            body=body,
            log="delete objects",
        )
        data = xml_to_dict(response.content)
        format_dict(data, ["Deleted", "Error"])
        return data

    def list_objects_versions(
        self,
        Bucket: str,
        Prefix: str = "",
        Delimiter: str = "",
        KeyMarker: str = "",
        VersionIdMarker: str = "",
        MaxKeys: IntParam = 1000,
        EncodingType: str = "",
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """One page of the bucket's object versions and delete markers.

        ``Version``, ``DeleteMarker`` and ``CommonPrefixes`` are lists when present; keys come back
        decoded unless ``EncodingType='url'``.
        """
        encoding_type(EncodingType)
        params = {
            "versions": "",
            "prefix": text_param(Prefix, "Prefix"),
            "delimiter": text_param(Delimiter, "Delimiter"),
            "key-marker": text_param(KeyMarker, "KeyMarker"),
            "version-id-marker": text_param(VersionIdMarker, "VersionIdMarker"),
            "max-keys": integer(MaxKeys, "MaxKeys", low=0, optional=True),
            "encoding-type": "url",
        }
        response = self._send(method="GET", bucket=Bucket, key=BUCKET, params=params, headers=request_headers(kwargs))
        data = xml_to_dict(response.content)
        format_dict(data, ["Version", "DeleteMarker", "CommonPrefixes"])
        if not EncodingType:
            decode_result(
                data,
                ["Prefix", "KeyMarker", "NextKeyMarker"],
                [["Version", "Key"], ["DeleteMarker", "Key"], ["CommonPrefixes", "Prefix"]],
            )
        return data

    def list_buckets(
        self,
        TagKey: Optional[str] = None,
        TagValue: Optional[str] = None,
        Region: Optional[str] = None,
        CreateTime: Optional[IntParam] = None,
        Range: Optional[str] = None,
        Marker: str = "",
        MaxKeys: IntParam = 2000,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """The account's buckets (GET Service): ``{'Owner': ..., 'Buckets': {'Bucket': [...]}}``.

        Filters: ``Region``; ``TagKey`` with ``TagValue``; ``CreateTime`` (a Unix time) with ``Range``
        (``'lt'``/``'gt'``).  The request goes to ``service.cos.myqcloud.com`` (``ServiceDomain`` in
        CosConfig overrides it); a client configured with an IP (or ``QCLOUD_COS_ENDPOINT_URL``)
        sends it there, with that Host.
        """
        params = {"marker": text_param(Marker, "Marker"), "max-keys": integer(MaxKeys, "MaxKeys", low=0, optional=True)}
        if TagKey is not None and TagValue is not None:
            params["tagkey"] = text_param(TagKey, "TagKey")
            params["tagvalue"] = text_param(TagValue, "TagValue")
        if Region is not None:
            params["region"] = text_param(Region, "Region")
        if CreateTime is not None and Range is not None:
            params["create-time"] = integer(CreateTime, "CreateTime", low=0)
            params["range"] = text_param(Range, "Range")
        headers = request_headers(kwargs)
        response = self._send_service(params=params, headers=headers)
        data = xml_to_dict(response.content)
        if isinstance(data.get("Buckets"), dict):
            format_dict(data["Buckets"], ["Bucket"])
        return data

    def _send_service(self, *, params: Dict[str, Any], headers: Dict[str, Any]) -> requests.Response:
        """GET Service.  Its query is not signed (as the official SDK signs it)."""
        conf = self._conf
        host = conf._service_domain or (
            "service.cos.myqcloud.com" if conf._enable_old_domain else "service.cos.tencentcos.cn"
        )
        authority = host
        if conf._ip is not None:
            authority = conf._ip if conf._port is None else "%s:%s" % (conf._ip, conf._port)
        query = urlencode({k: v for k, v in params.items() if v is not None})
        url = "%s://%s/?%s" % (conf._scheme, authority, query)
        logger.info("list buckets, url=:%s ,headers=:%s", url, headers)
        request = _http.Request(method="GET", url=url, host=host if conf._ip is not None else None, headers=headers)
        return self._transport.send(request)

    # -- object settings -------------------------------------------------------------------
    def restore_object(
        self,
        Bucket: str,
        Key: ObjectKey,
        RestoreRequest: Dict[str, Any] = {},  # noqa: B006 - the official signature
        **kwargs: Any,
    ) -> None:
        """Restore an ARCHIVE / DEEP_ARCHIVE object for ``Days`` days.

        :param RestoreRequest(dict): ``{'Days': 1, 'CASJobParameters': {'Tier': 'Standard'}}``.
        """
        object_key(Key)
        headers = request_headers(kwargs)
        params = {"restore": ""}
        params.update(split_params(headers, names=("versionId",)))
        body = make_body(format_xml(RestoreRequest, "RestoreRequest"))
        self._send(
            method="POST", bucket=Bucket, key=Key, params=params, headers=headers, body=body, log="restore object"
        )
        return None

    def put_object_acl(
        self,
        Bucket: str,
        Key: ObjectKey,
        AccessControlPolicy: Dict[str, Any] = {},  # noqa: B006 - the official signature
        **kwargs: Any,
    ) -> None:
        """Set an object's ACL: ``ACL='public-read'``, ``Grant*`` kwargs, or a full ``AccessControlPolicy``."""
        object_key(Key)
        headers = request_headers(kwargs)
        params = {"acl": ""}
        params.update(split_params(headers, names=("versionId",)))
        self._send(
            method="PUT",
            bucket=Bucket,
            key=Key,
            params=params,
            headers=headers,
            body=self._acl_body(AccessControlPolicy),
            log="put object acl",
        )
        return None

    def get_object_acl(self, Bucket: str, Key: ObjectKey, **kwargs: Any) -> Dict[str, Any]:
        """An object's ACL: ``Owner``, ``AccessControlList`` (``Grant`` a list) and ``CannedACL``."""
        object_key(Key)
        headers = request_headers(kwargs)
        params = {"acl": ""}
        params.update(split_params(headers, names=("versionId",)))
        response = self._send(method="GET", bucket=Bucket, key=Key, params=params, headers=headers)
        return _acl_result(response, bucket_level=False)

    # -- bucket settings -------------------------------------------------------------------
    def put_bucket_acl(
        self,
        Bucket: str,
        AccessControlPolicy: Dict[str, Any] = {},  # noqa: B006 - the official signature
        **kwargs: Any,
    ) -> None:
        """Set a bucket's ACL: ``ACL='public-read'``, ``Grant*`` kwargs, or a full ``AccessControlPolicy``."""
        self._send(
            method="PUT",
            bucket=Bucket,
            key=BUCKET,
            params={"acl": ""},
            headers=request_headers(kwargs),
            body=self._acl_body(AccessControlPolicy),
            log="put bucket acl",
        )
        return None

    def get_bucket_acl(self, Bucket: str, **kwargs: Any) -> Dict[str, Any]:
        """A bucket's ACL: ``Owner``, ``AccessControlList`` (``Grant`` a list) and ``CannedACL``."""
        response = self._send(
            method="GET", bucket=Bucket, key=BUCKET, params={"acl": ""}, headers=request_headers(kwargs)
        )
        return _acl_result(response, bucket_level=True)

    @staticmethod
    def _acl_body(policy: Any) -> Body:
        if policy in (None, {}):
            return make_body(b"")
        return make_body(format_xml(policy, "AccessControlPolicy"))

    def put_bucket_versioning(self, Bucket: str, Status: str, **kwargs: Any) -> None:
        """Turn versioning on (``'Enabled'``) or pause it (``'Suspended'``); it cannot be turned off."""
        if Status not in ("Enabled", "Suspended"):
            raise CosClientError("versioning status must be set to Enabled or Suspended!")
        body = make_body(format_xml({"Status": Status}, "VersioningConfiguration"))
        self._send(
            method="PUT",
            bucket=Bucket,
            key=BUCKET,
            params={"versioning": ""},
            headers=request_headers(kwargs),
            body=body,
            log="put bucket versioning",
        )
        return None

    def get_bucket_versioning(self, Bucket: str, **kwargs: Any) -> Dict[str, Any]:
        """``{'Status': 'Enabled'|'Suspended'}``; a bucket never versioned gives ``{'VersioningConfiguration': None}``."""
        response = self._send(
            method="GET", bucket=Bucket, key=BUCKET, params={"versioning": ""}, headers=request_headers(kwargs)
        )
        return xml_to_dict(response.content)

    def get_bucket_location(self, Bucket: str, **kwargs: Any) -> Dict[str, Any]:
        """``{'LocationConstraint': '<region>'}``."""
        response = self._send(
            method="GET", bucket=Bucket, key=BUCKET, params={"location": ""}, headers=request_headers(kwargs)
        )
        return xml_to_dict(response.content)
