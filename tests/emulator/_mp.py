"""Small helpers for the multipart tests: initiate / upload part / complete over ``CosHttp``."""

from __future__ import annotations

import hashlib
import re
from typing import Iterable, List, Optional, Sequence, Tuple, Union

from ._cos_http import CosHttp, Resp

UPLOAD_ID = re.compile(r"^[0-9]{10}[0-9a-f]{64}$")


def etag_of(data: bytes) -> str:
    return '"%s"' % hashlib.md5(data).hexdigest()


def xml_value(body: bytes, tag: str) -> Optional[str]:
    m = re.search(rb"<%s>(.*?)</%s>" % (tag.encode(), tag.encode()), body, re.S)
    return m.group(1).decode("utf-8") if m else None


def xml_values(body: bytes, tag: str) -> List[str]:
    return [v.decode("utf-8") for v in re.findall(rb"<%s>(.*?)</%s>" % (tag.encode(), tag.encode()), body, re.S)]


def initiate(c: CosHttp, key: str, headers: Optional[dict] = None) -> str:
    r = c.request("POST", key, b"", headers, params={"uploads": ""})
    assert r.status == 200, r
    upload_id = xml_value(r.body, "UploadId")
    assert upload_id and UPLOAD_ID.match(upload_id), r.body
    return upload_id


def upload_part(
    c: CosHttp, key: str, upload_id: str, number: Union[int, str], data: bytes, headers: Optional[dict] = None
) -> Resp:
    return c.request("PUT", key, data, headers, params={"partNumber": str(number), "uploadId": upload_id})


def complete_body(parts: Iterable[Tuple[int, str]]) -> bytes:
    """What the official client sends: minidom output, quotes escaped, no whitespace."""
    items = "".join(
        "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>" % (n, etag.replace('"', "&quot;"))
        for n, etag in parts
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><CompleteMultipartUpload>%s</CompleteMultipartUpload>' % items
    ).encode()


def complete(
    c: CosHttp, key: str, upload_id: str, parts: Sequence[Tuple[int, str]], headers: Optional[dict] = None
) -> Resp:
    return complete_raw(c, key, upload_id, complete_body(parts), headers)


def complete_raw(c: CosHttp, key: str, upload_id: str, body: bytes, headers: Optional[dict] = None) -> Resp:
    return c.request("POST", key, body, headers, params={"uploadId": upload_id})


def list_parts(c: CosHttp, key: str, upload_id: str, **params: str) -> Resp:
    query = {"uploadId": upload_id}
    query.update({k.replace("_", "-"): v for k, v in params.items()})
    return c.request("GET", key, params=query)


def abort(c: CosHttp, key: str, upload_id: str) -> Resp:
    return c.request("DELETE", key, params={"uploadId": upload_id})


def multipart(c: CosHttp, key: str, chunks: Sequence[bytes], headers: Optional[dict] = None) -> Resp:
    """Initiate, upload ``chunks`` as parts 1..N, complete; returns the Complete response."""
    upload_id = initiate(c, key, headers)
    parts = []
    for n, chunk in enumerate(chunks, 1):
        r = upload_part(c, key, upload_id, n, chunk)
        assert r.status == 200, r
        parts.append((n, r.headers["etag"]))
    return complete(c, key, upload_id, parts)
