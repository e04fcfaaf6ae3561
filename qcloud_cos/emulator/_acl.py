"""ACLs of buckets and objects: the canned ACL, grant headers, AccessControlPolicy documents.

No I/O.  An ACL is held as an ``Acl``: the canned ACL (the one value the anonymous-access
checks read: ``default`` -- objects only, inherit the bucket's --, ``private``,
``public-read``, ``public-read-write``) plus the explicit grants beyond it, each a
``(permission, grantee)`` pair.  A grantee is a CAM id ``qcs::cam::uin/<uin>:uin/<sub>``
or the ``ALL_USERS`` group URI.  What GET ``?acl`` answers (``policy_grants``) is the
owner's FULL_CONTROL, the all-users grants the canned ACL implies, then the explicit grants.

Rules (research/cos-protocol.md section 4.6; choices where COS documents none are marked):

* ``x-cos-acl``: objects ``default`` / ``private`` / ``public-read`` / ``public-read-write``,
  buckets the last three; anything else -> 400 ``InvalidArgument``;
* ``x-cos-grant-read`` / ``-write`` / ``-read-acp`` / ``-write-acp`` / ``-full-control``: a
  comma-separated list of ``id="<uin>"``, ``id="<uin>/<sub uin>"``,
  ``id="qcs::cam::uin/<uin>:uin/<sub>"``, ``id="qcs::cam::anyone:anyone"`` or
  ``uri="http://cam.qcloud.com/groups/global/AllUsers"`` (both: all users); any other
  value -> 400 ``InvalidArgument`` naming the header (an empty one is no header);
* all-users READ / WRITE / FULL_CONTROL grants fold into the canned ACL (READ ->
  ``public-read``, WRITE with READ or FULL_CONTROL -> ``public-read-write``), so that a
  grant to everyone is what the anonymous checks see; an all-users WRITE alone stays an
  explicit grant and is not enforced (a choice: COS has no canned write-only ACL);
* an AccessControlPolicy body (PUT ``?acl``): not well-formed, a DTD, another root, no
  AccessControlList, a Grant without a Grantee (``ID`` or ``URI``) or with a Permission
  other than the five -> 400 ``InvalidArgument`` "AccessControlPolicy is not well-formed"
  (what COS answers a ``<xml/>`` body: github.com/overtrue/qcloud-cos-client issue 11); a
  grantee id not of the forms above, or an ``Owner/ID`` other than the bucket owner -> 400
  ``InvalidArgument`` too (choices).  The
  owner's own FULL_CONTROL grant is implied (always listed), so it is not stored; a body
  makes an object's ACL explicit (``private`` unless it grants all users), no longer
  ``default``.

Grants to other accounts are stored and returned, not enforced: another account's key
has everyone's rights (``_auth.account_credential``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from ._errors import CosError

__all__ = [
    "ALL_USERS",
    "Acl",
    "BUCKET_ACLS",
    "GRANT_HEADERS",
    "OBJECT_ACLS",
    "PERMISSIONS",
    "PUBLIC_READ_ACLS",
    "cam_id",
    "from_headers",
    "parse_policy",
    "policy_grants",
    "stored_grants",
]

OBJECT_ACLS = frozenset({"default", "private", "public-read", "public-read-write"})
BUCKET_ACLS = frozenset({"private", "public-read", "public-read-write"})
#: canned ACLs that let anyone read
PUBLIC_READ_ACLS = ("public-read", "public-read-write")
PERMISSIONS = ("FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP")
#: request header -> permission it grants
GRANT_HEADERS = {
    "x-cos-grant-read": "READ",
    "x-cos-grant-write": "WRITE",
    "x-cos-grant-read-acp": "READ_ACP",
    "x-cos-grant-write-acp": "WRITE_ACP",
    "x-cos-grant-full-control": "FULL_CONTROL",
}
ALL_USERS = "http://cam.qcloud.com/groups/global/AllUsers"
_ANYONE = "qcs::cam::anyone:anyone"

Grant = Tuple[str, str]  # (permission, grantee: a CAM id or ALL_USERS)

_CAM_RE = re.compile(r"^qcs::cam::uin/([0-9]+):uin/([0-9]+)$")
_UIN_RE = re.compile(r"^([0-9]+)(?:/([0-9]+))?$")
_ITEM_RE = re.compile(r'^\s*(id|uri)\s*=\s*"([^"]*)"\s*$', re.IGNORECASE)


@dataclass(frozen=True)
class Acl:
    """A canned ACL and the explicit grants beyond it."""

    canned: str
    grants: Tuple[Grant, ...] = ()


def cam_id(uin: str, sub: Optional[str] = None) -> str:
    """``qcs::cam::uin/<uin>:uin/<sub or uin>``: how an account (here: an APPID) is named."""
    return f"qcs::cam::uin/{uin}:uin/{sub or uin}"


def grantee(value: str) -> Optional[str]:
    """The normal form of a grantee id or URI (a CAM id or ``ALL_USERS``); ``None`` if invalid."""
    value = value.strip()
    if value in (ALL_USERS, _ANYONE):
        return ALL_USERS
    if _CAM_RE.match(value):
        return value
    m = _UIN_RE.match(value)
    return cam_id(m.group(1), m.group(2)) if m else None


def _parse_grant_header(name: str, value: str) -> List[str]:
    items = value.split(",")
    out = []
    for item in items:
        m = _ITEM_RE.match(item)
        normal = grantee(m.group(2)) if m else None
        if normal is None or (m is not None and m.group(1).lower() == "uri" and normal != ALL_USERS):
            raise CosError("InvalidArgument", f"Invalid {name} value: {value}.")
        out.append(normal)
    return out


def _fold(base: str, grants: Iterable[Grant]) -> Acl:
    """Fold the all-users READ / WRITE / FULL_CONTROL grants of ``grants`` into the canned ``base``."""
    read = base in PUBLIC_READ_ACLS
    write = base == "public-read-write"
    explicit: List[Grant] = []
    public_write: List[Grant] = []
    for permission, who in grants:
        if who == ALL_USERS and permission in ("READ", "FULL_CONTROL"):
            read = True
            write = write or permission == "FULL_CONTROL"
        elif who == ALL_USERS and permission == "WRITE":
            public_write.append((permission, who))
        elif (permission, who) not in explicit:
            explicit.append((permission, who))
    if public_write and read:
        write = True
    elif public_write:
        explicit.extend(public_write)  # write-only for everyone: kept, not enforced
    canned = "public-read-write" if read and write else "public-read" if read else base
    return Acl(canned, tuple(explicit))


def from_headers(headers: Mapping[str, Optional[str]], *, default: str, allowed: Iterable[str]) -> Optional[Acl]:
    """The ACL set by ``x-cos-acl`` and the ``x-cos-grant-*`` headers (``headers``: lower-cased
    names -> values, absent ones ``None``; an empty value counts as absent, as the emulator
    always took an empty ``x-cos-acl``); ``None`` when none of them is present.

    ``default`` is the canned ACL when ``x-cos-acl`` is absent; an ``x-cos-acl`` not in
    ``allowed`` or a malformed grant header -> 400 ``InvalidArgument``.
    """
    sent = {name: value for name, value in headers.items() if value is not None and value.strip()}
    canned = sent.get("x-cos-acl", default).strip()
    if canned not in allowed:
        raise CosError("InvalidArgument", f"Invalid x-cos-acl value: {canned}.")
    grants: List[Grant] = []
    for name, permission in GRANT_HEADERS.items():
        value = sent.get(name)
        if value is not None:
            grants.extend((permission, who) for who in _parse_grant_header(name, value))
    return _fold(canned, grants) if sent.keys() & {"x-cos-acl", *GRANT_HEADERS} else None


def _not_well_formed() -> CosError:
    return CosError("InvalidArgument", "AccessControlPolicy is not well-formed.")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_policy(data: bytes, *, owner: str, base: str) -> Acl:
    """The ACL an AccessControlPolicy document sets (rules: module docstring).

    ``owner`` is the bucket owner's CAM id (the implied FULL_CONTROL grantee); ``base``
    the canned ACL when the document grants nothing to all users (``private``).
    """
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise _not_well_formed()
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise _not_well_formed() from None
    if _local(root.tag) != "AccessControlPolicy":
        raise _not_well_formed()
    owners = [child for child in root if _local(child.tag) == "Owner"]
    for element in owners:
        ids = [(c.text or "").strip() for c in element if _local(c.tag) == "ID"]
        if ids and grantee(ids[0]) != owner:
            raise CosError("InvalidArgument", "The Owner ID is not the bucket owner.")
    lists = [child for child in root if _local(child.tag) == "AccessControlList"]
    if len(lists) != 1:
        raise _not_well_formed()
    grants: List[Grant] = []
    for element in lists[0]:
        if _local(element.tag) != "Grant":
            continue
        fields = {_local(c.tag): c for c in element}
        permission = (fields["Permission"].text or "").strip() if "Permission" in fields else ""
        if permission not in PERMISSIONS or "Grantee" not in fields:
            raise _not_well_formed()
        who_fields = {_local(c.tag): (c.text or "").strip() for c in fields["Grantee"]}
        if "ID" in who_fields:
            who = grantee(who_fields["ID"])
        elif "URI" in who_fields:
            who = ALL_USERS if who_fields["URI"] == ALL_USERS else None
        else:
            raise _not_well_formed()
        if who is None:
            raise CosError("InvalidArgument", "Invalid Grantee in the AccessControlPolicy.")
        if (permission, who) != ("FULL_CONTROL", owner):  # implied
            grants.append((permission, who))
    return _fold(base, grants)


def policy_grants(acl: Acl, *, owner: str) -> List[Grant]:
    """Every grant GET ``?acl`` lists: the owner's FULL_CONTROL, the canned ACL's all-users
    grants, the explicit grants (in the order they were given)."""
    out: List[Grant] = [("FULL_CONTROL", owner)]
    if acl.canned in PUBLIC_READ_ACLS:
        out.append(("READ", ALL_USERS))
    if acl.canned == "public-read-write":
        out.append(("WRITE", ALL_USERS))
    out.extend(g for g in acl.grants if g not in out)
    return out


def stored_grants(value: Any) -> Tuple[Grant, ...]:
    """Grants as stored (a list of ``[permission, grantee]``), or -- a data directory written
    before ACLs were served -- the raw ``x-cos-grant-*`` header values (a dict); entries that
    do not parse are dropped, never an error."""
    if isinstance(value, Mapping):
        out: List[Grant] = []
        for name, permission in GRANT_HEADERS.items():
            raw = value.get(name)
            if isinstance(raw, str):
                try:
                    out.extend((permission, who) for who in _parse_grant_header(name, raw))
                except CosError:
                    continue
        return tuple(out)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return tuple(
            (str(item[0]), str(item[1]))
            for item in value
            if isinstance(item, Sequence) and len(item) == 2 and item[0] in PERMISSIONS
        )
    return ()
