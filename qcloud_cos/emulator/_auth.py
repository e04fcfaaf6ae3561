"""Server-side verifier of the COS ``q-sign-*`` signature (XML API, sha1).

A second, independent implementation of the algorithm in
research/cos-protocol.md section 2: it never imports the client's signer, so a
canonicalisation bug cannot hide on both sides.  Everything here is pure: the
current time is passed in as ``now`` and credentials come from a lookup
callable.  Nothing here logs; the secret key and the signing key never leave
these functions.

Rules implemented (``verify``):

* credentials come from the ``Authorization`` header, else from the ``q-*``
  query parameters of a pre-signed URL; neither (or an empty header) means
  anonymous and ``verify`` returns ``None``;
* fields are looked up by name; a missing field, an algorithm other than
  ``sha1`` or unparsable times -> 403 ``AccessDenied``;
* unknown ``q-ak`` -> 403 ``InvalidAccessKeyId``;
* ``now`` past the end of ``q-sign-time`` or ``q-key-time`` -> 403
  ``AccessDenied`` "Request has expired"; a start more than ``skew`` seconds
  (900) in the future -> 403 ``RequestTimeTooSkewed``; start > end -> 403
  ``AccessDenied``;
* a key pair registered with a session token requires ``x-cos-security-token``
  (header, or query parameter for pre-signed URLs) equal to it -> else 403
  ``AccessDenied``;
* the FormatString is rebuilt from the request: the decoded path, the query
  parameters named in ``q-url-param-list``, the headers named in
  ``q-header-list``.  The lists hold canonical names (UrlEncoded, then
  lower-cased: ``x%21y``) and are never decoded; a received parameter or
  header matches an entry when its decoded name, encoded the same way, equals
  it (the doc's extra lower-casing before encoding is accepted too).  Parameter
  values are form-decoded then re-encoded; header values are taken as
  received, surrounding whitespace stripped, percent-encoded as UTF-8 bytes; a
  listed but absent entry counts as the empty string;
* ``host`` is compared as received first; if that fails and the Host value
  carries a ``:port``, the check is retried with the port removed (the Python
  SDK signs ``urlparse(url).hostname`` while the wire Host keeps the port);
* a mismatch -> 403 ``SignatureDoesNotMatch`` with ``<StringToSign>`` and
  ``<FormatString>`` elements, as real COS sends; the renderer
  (``_errors.render_error``) masks secret values in them (security token,
  SSE-C keys: ``x-cos-security-token=***``), so the FormatString shown is not
  the one hashed into the StringToSign when such a header was signed.

Accounts (``owns`` / ``account_credential``, applied by ``CosApp.dispatch``): a
key registered with an APPID belongs to that account; a key without one to the
default account, which owns every APPID no key claims.  On another account's
bucket a key has only the rights everyone has (the public ACLs), as on COS.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote, unquote_to_bytes

from ._errors import CosError

__all__ = [
    "AuthFields",
    "Credential",
    "canonical_name",
    "account_credential",
    "bucket_appid",
    "owns",
    "cos_quote",
    "format_string",
    "parse_authorization",
    "parse_query",
    "sign_key",
    "signature",
    "string_to_sign",
    "strip_port",
    "verify",
]

SKEW_SECONDS = 900
_FIELDS = (
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
)

BytesLike = Union[str, bytes]


@dataclass(frozen=True)
class Credential:
    """A key pair; ``token`` set means a temporary key that needs the session token.

    ``appid`` is the account that owns the key (see ``owns``); ``None`` is the
    emulator's default account.
    """

    secret_id: str
    secret_key: str
    token: Optional[str] = None
    appid: Optional[str] = None

    def __repr__(self) -> str:  # never show the secret
        return f"Credential(secret_id={self.secret_id!r}, token={'set' if self.token else None}, appid={self.appid!r})"


@dataclass(frozen=True)
class AuthFields:
    """The seven ``q-*`` fields of one request, and where they came from."""

    algorithm: str
    ak: str
    sign_time: str
    key_time: str
    header_list: Tuple[str, ...]
    url_param_list: Tuple[str, ...]
    signature: str
    source: str  # "header" or "query"


# -- the algorithm ----------------------------------------------------------------


def cos_quote(value: BytesLike) -> str:
    """UrlEncode of the COS doc: UTF-8, ``A-Za-z0-9-_.~`` kept, uppercase ``%XX``."""
    return quote(value if isinstance(value, bytes) else value.encode("utf-8"), safe="-_.~")


def _canonical(pairs: Mapping[str, bytes]) -> str:
    return "&".join(f"{name}={cos_quote(pairs[name])}" for name in sorted(pairs))


def format_string(method: str, path: str, params: Mapping[str, bytes], headers: Mapping[str, bytes]) -> str:
    """``HttpString``: method, decoded path, then params and headers keyed by their
    encoded lower-cased names (values raw; they are encoded here)."""
    return f"{method.lower()}\n{path}\n{_canonical(params)}\n{_canonical(headers)}\n"


def string_to_sign(sign_time: str, fmt: str) -> str:
    """``sha1\\n<q-sign-time>\\n<hex sha1(FormatString)>\\n``."""
    return f"sha1\n{sign_time}\n{hashlib.sha1(fmt.encode('utf-8')).hexdigest()}\n"


def sign_key(secret_key: str, key_time: str) -> str:
    """``hex(HMAC-SHA1(SecretKey, KeyTime))``, used as ASCII bytes by ``signature``."""
    return hmac.new(secret_key.encode("utf-8"), key_time.encode("utf-8"), hashlib.sha1).hexdigest()


def signature(secret_key: str, key_time: str, sts: str) -> str:
    """``hex(HMAC-SHA1(SignKey, StringToSign))``."""
    key = sign_key(secret_key, key_time).encode("ascii")
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha1).hexdigest()


# -- parsing ------------------------------------------------------------------------


def canonical_name(name: BytesLike) -> str:
    """A parameter or header name as COS signs it: UrlEncoded, then lower-cased.

    This is the form the names take in ``HttpParameters`` / ``HttpHeaders`` and
    in ``q-url-param-list`` / ``q-header-list`` (``x!y`` -> ``x%21y``,
    ``名`` -> ``%e5%90%8d``); the lists are compared in this form, never decoded.
    """
    return cos_quote(name).lower()


def _name_forms(name: bytes) -> Tuple[str, ...]:
    """The canonical forms a received name may have been signed under.

    The doc lower-cases the name before encoding it as well as after; the SDKs
    lower-case only after (an upper-case non-ASCII letter keeps its bytes).  For
    ASCII names the two agree.
    """
    first = canonical_name(name)
    try:
        lowered = canonical_name(name.decode("utf-8").lower())
    except UnicodeDecodeError:
        return (first,)
    return (first,) if lowered == first else (first, lowered)


def parse_query(query: str) -> List[Tuple[str, bytes]]:
    """Split a raw query string into (canonical name, decoded value bytes).

    The canonical name is ``canonical_name`` of the decoded name.  ``+``
    decodes to a space (what ``requests``/Go send for spaces); a valueless
    parameter (``?uploads``) has the value ``b''``.
    """
    return [(canonical_name(raw), value) for raw, value in _raw_query(query)]


def _raw_query(query: str) -> List[Tuple[bytes, bytes]]:
    out: List[Tuple[bytes, bytes]] = []
    for item in query.split("&"):
        if not item:
            continue
        raw_name, _, raw_value = item.partition("=")
        out.append((unquote_to_bytes(raw_name.replace("+", " ")), unquote_to_bytes(raw_value.replace("+", " "))))
    return out


def _split_list(value: str) -> Tuple[str, ...]:
    """``q-header-list`` / ``q-url-param-list``: ``;``-separated canonical names, as given."""
    return tuple(item.strip().lower() for item in value.split(";") if item.strip())


def parse_authorization(value: str, *, source: str = "header") -> AuthFields:
    """Parse an ``Authorization`` header value; fields by name.  Garbled -> AccessDenied.

    In the header the value is not URL-encoded (research/cos-protocol.md 2.1), so
    nothing is decoded: the name lists keep their ``%XX`` names as signed.
    """
    fields: Dict[str, str] = {}
    for item in value.strip().split("&"):
        name, sep, val = item.partition("=")
        if sep:
            fields[name.strip().lower()] = val.strip()
    return _fields_from(fields, source)


def _fields_from(fields: Mapping[str, str], source: str) -> AuthFields:
    missing = [name for name in _FIELDS if name not in fields]
    if missing:
        raise CosError("AccessDenied", f"Authorization field missing: {missing[0]}.")
    if fields["q-sign-algorithm"].lower() != "sha1":
        raise CosError("AccessDenied", "Unsupported q-sign-algorithm, only sha1 is supported.")
    return AuthFields(
        algorithm="sha1",
        ak=fields["q-ak"],
        sign_time=fields["q-sign-time"],
        key_time=fields["q-key-time"],
        header_list=_split_list(fields["q-header-list"]),
        url_param_list=_split_list(fields["q-url-param-list"]),
        signature=fields["q-signature"].strip().lower(),
        source=source,
    )


def _parse_window(value: str) -> Tuple[int, int]:
    start, sep, end = value.partition(";")
    try:
        if not sep:
            raise ValueError
        return int(start), int(end)
    except ValueError:
        raise CosError("AccessDenied", "Invalid q-sign-time or q-key-time.") from None


def strip_port(host: str) -> str:
    """``'example.com:8080'`` -> ``'example.com'``; ``'[::1]:80'`` -> ``'[::1]'``."""
    if host.startswith("["):
        end = host.find("]")
        if end != -1 and host[end + 1 : end + 2] == ":" and host[end + 2 :].isdigit():
            return host[: end + 1]
        return host
    head, sep, tail = host.rpartition(":")
    if sep and tail.isdigit() and ":" not in head:
        return head
    return host


# -- verification -----------------------------------------------------------------


def _to_bytes(value: BytesLike) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def verify(
    *,
    method: str,
    path: str,
    query: str,
    headers: Sequence[Tuple[str, BytesLike]],
    lookup: Callable[[str], Optional[Credential]],
    now: float,
    skew: int = SKEW_SECONDS,
) -> Optional[Credential]:
    """Check the request's signature; return the credential, or ``None`` if anonymous.

    Args:
        method: request method.
        path: the percent-decoded request path (``'/' + key``), UTF-8 text.
        query: the raw query string (without ``?``).
        headers: the request headers as received; ``bytes`` values are the raw
            wire bytes, ``str`` values are taken as UTF-8.
        lookup: SecretId -> ``Credential`` or ``None``.
        now: the server time, Unix seconds.
        skew: how far in the future a signature may start.

    Raises:
        CosError: AccessDenied, InvalidAccessKeyId, RequestTimeTooSkewed,
            SignatureDoesNotMatch.
    """
    header_map: Dict[str, bytes] = {}  # lower-cased name as received -> value
    for name, value in headers:
        lname = name.strip().lower()
        raw = _to_bytes(value).strip()
        header_map[lname] = header_map[lname] + b"," + raw if lname in header_map else raw
    headers_signed_as: Dict[str, bytes] = {}  # canonical name -> value
    for lname, raw in header_map.items():
        for form in _name_forms(lname.encode("latin-1")):
            headers_signed_as.setdefault(form, raw)
    raw_query = _raw_query(query)
    query_pairs = [(canonical_name(name), value) for name, value in raw_query]

    auth_value = header_map.get("authorization", b"").strip()
    if auth_value:
        fields = parse_authorization(auth_value.decode("latin-1"), source="header")
        param_pairs = raw_query
    elif any(name == "q-sign-algorithm" for name, _ in query_pairs):
        query_fields = {name: value.decode("utf-8", "replace") for name, value in query_pairs}
        fields = _fields_from(query_fields, "query")
        param_pairs = [(n, v) for n, v in raw_query if canonical_name(n) not in _FIELDS]
    else:
        return None

    credential = lookup(fields.ak)
    if credential is None:
        raise CosError("InvalidAccessKeyId")

    for window in (fields.sign_time, fields.key_time):
        start, end = _parse_window(window)
        if start > end:
            raise CosError("AccessDenied", "Invalid q-sign-time: start is after end.")
        if now > end:
            raise CosError("AccessDenied", "Request has expired")
        if start > now + skew:
            raise CosError("RequestTimeTooSkewed")

    if credential.token is not None:
        token = header_map.get("x-cos-security-token")
        if token is None:
            token = dict(query_pairs).get("x-cos-security-token")
        if token is None:
            raise CosError("AccessDenied", "The security token is missing for a temporary key.")
        if not hmac.compare_digest(token, credential.token.encode("utf-8")):
            raise CosError("AccessDenied", "The security token you provided is invalid.")

    params_by_name: Dict[str, bytes] = {}
    for raw_name, value in param_pairs:  # last one wins, as in the SDK signers
        for form in _name_forms(raw_name):
            params_by_name[form] = value
    params = {name: params_by_name.get(name, b"") for name in fields.url_param_list}
    signed_headers = {name: headers_signed_as.get(name, b"") for name in fields.header_list}

    fmt = format_string(method, path, params, signed_headers)
    sts = string_to_sign(fields.sign_time, fmt)
    if _same(signature(credential.secret_key, fields.key_time, sts), fields.signature):
        return credential

    host = signed_headers.get("host")
    if host is not None:
        bare = strip_port(host.decode("latin-1")).encode("latin-1")
        if bare != host:
            alt_fmt = format_string(method, path, params, {**signed_headers, "host": bare})
            alt_sts = string_to_sign(fields.sign_time, alt_fmt)
            expected = signature(credential.secret_key, fields.key_time, alt_sts)
            if _same(expected, fields.signature):
                return credential

    raise CosError("SignatureDoesNotMatch", extra={"StringToSign": sts, "FormatString": fmt})


# -- accounts -----------------------------------------------------------------------


def bucket_appid(bucket: str) -> str:
    """``'examplebucket-1250000000'`` -> ``'1250000000'``."""
    return bucket.rsplit("-", 1)[-1]


def owns(credential: Credential, appid: str, credentials: Iterable[Credential]) -> bool:
    """Whether ``credential``'s account owns the buckets of ``appid``.

    A key registered with an APPID belongs to that account only.  A key without
    one (the default key of ``CosEmulator()``) belongs to the default account,
    which owns every APPID that no registered key claims: a default start keeps
    serving every bucket, and registering ``appid='1300000000'`` for a second key
    makes that account's buckets another account's for the default key.

    Args:
        credential: the key that signed the request.
        appid: the APPID of the bucket addressed.
        credentials: every registered key (the claims are read from them).
    """
    if credential.appid is not None:
        return credential.appid == appid
    return all(other.appid != appid for other in credentials)


def account_credential(
    credential: Optional[Credential], *, bucket: str, credentials: Iterable[Credential]
) -> Optional[Credential]:
    """The credential a request acts with on ``bucket``: its own, or ``None``.

    A key of another account has only the rights everyone has (COS's
    ``public-read`` / ``public-read-write`` ACLs grant all users, signed or
    not), so it is returned as ``None`` and the anonymous rules decide: a
    private bucket, or a write to a public-read one, is 403 ``AccessDenied``.
    Sub-users and bucket policies are not modelled.
    """
    if credential is not None and not owns(credential, bucket_appid(bucket), credentials):
        return None
    return credential
