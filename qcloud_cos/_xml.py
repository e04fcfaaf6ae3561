"""XML bodies ↔ the dict shapes the official SDK returns.  Parsing goes through xmltodict (expat,
entities disabled); nothing is ever evaluated."""

from __future__ import annotations

from typing import Any, Dict, Sequence, Union
from urllib.parse import unquote
from xml.sax.saxutils import escape

import xmltodict

from .cos_exception import CosClientError

# Namespaces the official SDK strips from tag names.
STRIPPED_NAMESPACES = {
    "http://www.qcloud.com/document/product/436/7751": None,
    "https://cloud.tencent.com/document/product/436": None,
    "http://doc.s3.amazonaws.com/2006-03-01": None,
    "http://s3.amazonaws.com/doc/2006-03-01/": None,
    "http://www.w3.org/2001/XMLSchema-instance": None,
}


def _shape(tag, node):
    """Turn one xmltodict node into the official shape: attributes as plain keys, text under the tag."""
    if isinstance(node, list):
        return [_shape(tag, item) for item in node]
    if not isinstance(node, dict):
        return node
    shaped = {}
    for key, value in node.items():
        if key == "@xmlns" or key.startswith("@xmlns:"):
            continue
        if key == "#text":
            shaped[tag] = value
            continue
        name = key[1:] if key.startswith("@") else key
        if "}" in name and not name.startswith("{"):
            name = "{" + name
        shaped[name] = _shape(name, value)
    return shaped


def xml_to_dict(data: Union[str, bytes], origin_str: str = "", replace_str: str = "") -> Dict[str, Any]:
    """Parse an XML body; the root element is dropped, repeated siblings become lists.

    ``<R><A>1</A><A>2</A><B/></R>`` → ``{'A': ['1', '2'], 'B': None}``; a root with no
    children gives ``{root: text}``.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data.lstrip()  # COS may stream whitespace before a Complete result
    try:
        parsed = xmltodict.parse(
            data,
            process_namespaces=True,
            namespaces=STRIPPED_NAMESPACES,
            namespace_separator="}",
            disable_entities=True,
        )
    except Exception as exc:  # expat errors and friends: a malformed body from the server
        raise CosClientError("invalid XML in response: %s" % exc) from exc
    ((root, body),) = parsed.items()
    if "}" in root and not root.startswith("{"):
        root = "{" + root
    if not isinstance(body, dict):
        return {root: body}
    shaped = _shape(root, body)
    if origin_str:
        shaped = _replace_keys(shaped, origin_str, replace_str)
    return shaped


def _replace_keys(node, origin, replacement):
    if isinstance(node, list):
        return [_replace_keys(item, origin, replacement) for item in node]
    if isinstance(node, dict):
        return {k.replace(origin, replacement): _replace_keys(v, origin, replacement) for k, v in node.items()}
    return node


def format_dict(data: Dict[str, Any], key_lst: Sequence[str]) -> Dict[str, Any]:
    """Normalise the listed top-level keys to lists: a dict/str → [it], None → []."""
    for key in key_lst:
        if key in data:
            value = data[key]
            if isinstance(value, (dict, str)):
                data[key] = [value]
            elif value is None:
                data[key] = []
    return data


def decode_result(
    data: Dict[str, Any], key_lst: Sequence[str], multi_key_list: Sequence[Sequence[str]]
) -> Dict[str, Any]:
    """URL-decode the listed scalar keys and the listed ``[list_key, sub_key]`` entries in place."""
    for key in key_lst:
        if data.get(key):
            data[key] = unquote(data[key])
    for list_key, sub_key in multi_key_list:
        for item in data.get(list_key) or []:
            if isinstance(item, dict) and item.get(sub_key):
                item[sub_key] = unquote(item[sub_key])
    return data


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return escape(str(value), {'"': "&quot;"})


def dict_to_xml(data: Dict[str, Any]) -> bytes:
    """The CompleteMultipartUpload body, byte for byte as the official SDK writes it."""
    if "Part" not in data:
        raise CosClientError("Invalid Parameter, Part Is Required!")
    parts = data["Part"]
    if isinstance(parts, dict):
        parts = [parts]
    chunks = []
    for part in parts:
        if "PartNumber" not in part:
            raise CosClientError("Invalid Parameter, PartNumber Is Required!")
        if "ETag" not in part:
            raise CosClientError("Invalid Parameter, ETag Is Required!")
        chunks.append(
            "<Part><PartNumber>%s</PartNumber><ETag>%s</ETag></Part>" % (_text(part["PartNumber"]), _text(part["ETag"]))
        )
    head = '<?xml version="1.0" encoding="utf-8"?>'
    if not chunks:
        return (head + "<CompleteMultipartUpload/>").encode("utf-8")
    return (head + "<CompleteMultipartUpload>" + "".join(chunks) + "</CompleteMultipartUpload>").encode("utf-8")


def _element_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return escape(str(value))


def _elements(name, value, out):
    if isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, (list, tuple)):  # the official writes a nested list as its repr
                out.append("<%s>%s</%s>" % (name, escape(str(list(item))), name))
            else:
                _elements(name, item, out)
        return
    out.append("<%s>" % name)
    if isinstance(value, dict):
        for key, item in value.items():
            _elements(key, item, out)
    else:
        out.append(_element_text(value))
    out.append("</%s>" % name)


def format_xml(data: Dict[str, Any], root: str) -> bytes:
    """A request body ``<root>...</root>`` from a dict, as the official SDK writes it: a list value repeats
    its element, a dict nests, ``True``/``False`` are ``true``/``false``, ``None`` an empty element."""
    if not isinstance(data, dict):
        raise CosClientError("the %s body must be a dict, not %s" % (root, type(data).__name__))
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<%s>' % root]
    for key, value in data.items():
        _elements(key, value, out)
    out.append("</%s>" % root)
    return "".join(out).encode("utf-8")
