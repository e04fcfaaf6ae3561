"""The access log line's request target: path and query, secrets masked."""

from __future__ import annotations

from urllib.parse import unquote

__all__ = ["log_target"]

#: query parameters whose values are secrets (a presigned URL's signature, a token, an SSE-C key)
SECRET_PARAMS = frozenset(
    {
        "sign",
        "q-signature",
        "signature",
        "authorization",
        "x-cos-security-token",
        "token",
        "x-cos-server-side-encryption-customer-key",
    }
)


def log_target(path: str, query: str) -> str:
    """``path?query`` as received, with the value of every secret parameter replaced by ``***``."""
    if not query:
        return path
    items = []
    for item in query.split("&"):
        name, eq, _ = item.partition("=")
        if eq and unquote(name).strip().lower() in SECRET_PARAMS:
            item = f"{name}=***"
        items.append(item)
    return f"{path}?{'&'.join(items)}"
