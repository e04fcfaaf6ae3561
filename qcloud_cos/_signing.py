"""The COS ``q-sign-algorithm=sha1`` request signature, as pure functions.

Nothing here reads the clock, the network or any configuration: callers pass the time window,
the credentials and the exact method, path, params and headers that go on the wire.  Nothing
here logs: the SecretKey and the derived signing key never leave these functions.

Must not import: requests, _http, cos_client.
"""

import hashlib
import hmac
from urllib.parse import quote, urlparse

# Headers the official SDK signs besides every x-cos-* / x-ci-* header.
SIGNED_HEADERS = frozenset(
    (
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-type",
        "content-md5",
        "content-length",
        "expect",
        "expires",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-unmodified-since",
        "origin",
        "range",
        "transfer-encoding",
        "pic-operations",
    )
)


def _encode(value):
    """UTF-8 percent-encoding with only ``-_.~`` left alone (space is %20, never +)."""
    if not isinstance(value, (bytes, bytearray)):
        value = str(value).encode("utf-8")
    return quote(bytes(value), safe="-_.~")


def canonical(pairs):
    """Encode, lower-case the names, keep the last of duplicate names, sort by encoded name.

    Returns ``(name_list, joined)``: the ``;``-joined names and the ``&``-joined ``name=value``.
    """
    encoded = {}
    for name, value in pairs:
        encoded[_encode(name).lower()] = _encode(value)
    names = sorted(encoded)
    return ";".join(names), "&".join("%s=%s" % (n, encoded[n]) for n in names)


def filter_headers(headers):
    """The (name, value) pairs of ``headers`` that COS signatures cover, as the official SDK picks them."""
    kept = []
    for name, value in headers.items():
        lower = str(name).lower()
        if lower in SIGNED_HEADERS or lower.startswith("x-cos-") or lower.startswith("x-ci-"):
            kept.append((name, value))
    return kept


def sign_path(key):
    """The UriPathname of a key: the raw (not percent-encoded) key with a leading ``/``."""
    if key is None:
        return "/"
    key = key.decode("utf-8") if isinstance(key, bytes) else str(key)
    return key if key.startswith("/") else "/" + key


def signed_headers(*, headers, url, sign_host):
    """The headers a request signs: the filtered ones plus ``host`` taken from the URL if absent."""
    kept = filter_headers(headers)
    if sign_host and not any(str(name).lower() == "host" for name, _ in kept):
        kept.append(("host", urlparse(url).hostname or ""))
    return kept


def format_string(*, method, path, params, headers):
    """The HttpString: ``method\\npath\\nparams\\nheaders\\n`` with canonical encodings."""
    _, param_string = canonical(params)
    _, header_string = canonical(headers)
    return "%s\n%s\n%s\n%s\n" % (method.lower(), path, param_string, header_string)


def authorization(*, secret_id, secret_key, method, path, params, headers, start, end):
    """The ``Authorization`` value for one request.

    Args:
        params: (name, value) pairs of the query string that are to be signed.
        headers: (name, value) pairs of the headers that are to be signed (host included).
        start, end: integer Unix times bounding the signature's validity.
    """
    window = "%d;%d" % (start, end)
    param_list, _ = canonical(params)
    header_list, _ = canonical(headers)
    http_string = format_string(method=method, path=path, params=params, headers=headers)
    string_to_sign = "sha1\n%s\n%s\n" % (window, hashlib.sha1(http_string.encode("utf-8")).hexdigest())
    sign_key = hmac.new(secret_key.encode("utf-8"), window.encode("utf-8"), hashlib.sha1).hexdigest()
    signature = hmac.new(sign_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).hexdigest()
    return (
        "q-sign-algorithm=sha1&q-ak=%s&q-sign-time=%s&q-key-time=%s&q-header-list=%s"
        "&q-url-param-list=%s&q-signature=%s" % (secret_id, window, window, header_list, param_list, signature)
    )


def time_window(*, now, expire):
    """The official window: 60 s back-dated, ``expire`` seconds ahead."""
    now = int(now)
    return now - 60, now + int(expire)
