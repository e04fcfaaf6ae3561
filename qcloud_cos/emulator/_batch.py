"""DELETE Multiple Objects: the request document, as a pure function (no I/O)."""

from __future__ import annotations

from typing import List, NamedTuple, Optional

from ._errors import CosError
from ._xml import local_name as _local_name
from ._xml import parse_request_document

#: Keys one DELETE Multiple Objects request may name.
MAX_DELETE_KEYS = 1000


class DeleteRequest(NamedTuple):
    quiet: bool
    objects: List["DeleteTarget"]


class DeleteTarget(NamedTuple):
    key: str
    version_id: Optional[str]


def parse_delete_body(data: bytes) -> DeleteRequest:
    """The ``<Delete>`` document: ``Quiet`` (true/false, default false) and each ``Object``'s
    ``Key`` (kept exactly, a leading ``/`` included) and ``VersionId``.

    Not well-formed, a DTD, another root, an Object without a Key, a Quiet other than
    true/false, no Object or more than ``MAX_DELETE_KEYS`` -> 400 ``MalformedXML``.
    """
    root = parse_request_document(data, "Delete")
    quiet = False
    objects: List[DeleteTarget] = []
    for child in root:
        name = _local_name(child.tag)
        if name == "Quiet":
            text = (child.text or "").strip().lower()
            if text not in ("true", "false"):
                raise CosError("MalformedXML")
            quiet = text == "true"
        elif name == "Object":
            fields = {_local_name(item.tag): item.text or "" for item in child}
            if not fields.get("Key"):
                raise CosError("MalformedXML")
            version = fields.get("VersionId")
            objects.append(DeleteTarget(fields["Key"], version.strip() if version is not None else None))
    if not objects or len(objects) > MAX_DELETE_KEYS:
        raise CosError(
            "MalformedXML",
            f"The Delete document must name from 1 to {MAX_DELETE_KEYS} objects; it names {len(objects)}.",
        )
    return DeleteRequest(quiet, objects)
