"""Keeping secrets out of every log line, exception message and repr the package produces.

Two nets, used together:

* by NAME (``scrub_names``): the values of headers, query parameters and XML elements whose
  names are secret (``Authorization``, ``q-signature``, ``x-cos-security-token``, the SSE-C key
  headers, ...) are masked wherever they appear in a text, whatever the notation
  (``name=value``, ``name: value``, ``'name': 'value'``, ``<Name>value</Name>``);
* by VALUE (``Secrets``): a request knows the exact secrets it sent (the token, the SSE-C keys,
  the Authorization and its signature, the SecretKey and the signing key derived from it, proxy
  passwords); every occurrence of those values, raw or in the encodings a server or a library
  echoes them in (percent-encoded, XML- or JSON-escaped), is masked.

Nothing here logs, and nothing here keeps a secret beyond the ``Secrets`` value of one request.
"""

import hashlib
import hmac
import html
import json
import re
from typing import Set
from urllib.parse import quote, quote_plus, unquote, urlsplit

MASK = "***"

# Headers (and query parameters) whose values are secrets.
SECRET_HEADERS = frozenset(
    (
        "authorization",
        "x-cos-security-token",
        "x-ci-security-token",
        "x-cos-server-side-encryption-customer-key",
        "x-cos-copy-source-server-side-encryption-customer-key",
    )
)

# Names whose values are masked in any text: the headers above, the signature fields, and the
# XML element / parameter names under which a secret may travel.
_SECRET_NAMES = sorted(
    SECRET_HEADERS
    | {
        "q-signature",
        "q-sign-key",
        "sign_key",
        "signkey",
        "sign-key",
        "signature",
        "securitytoken",
        "security-token",
        "sessiontoken",
        "session-token",
        "token",
        "secretkey",
        "secret_key",
        "secret-key",
        "tmpsecretkey",
        "ssecustomerkey",
        "copysourcessecustomerkey",
    },
    key=len,
    reverse=True,
)

_NAME_ALT = "|".join(re.escape(n) for n in _SECRET_NAMES)
# name=value / name: value / 'name': 'value' / "name"="value"; the name must stand alone (so
# ``x-cos-server-side-encryption-customer-key-MD5`` and ``StringToSign`` are left alone).
_PAIR_RE = re.compile(
    r'(?<![\w-])(?P<name>%s)(?P<sep>["\']?\s*(?:=|:)\s*(?:b(?=["\']))?["\']?)(?P<value>[^\s&"\'<>,;)}\]]+)' % _NAME_ALT,
    re.IGNORECASE,
)
# <Name>value</Name>
_ELEMENT_RE = re.compile(r"<(?P<name>%s)>(?P<value>[^<]*)</(?P=name)>" % _NAME_ALT, re.IGNORECASE)
# user:password@ in URLs (proxies).
_USERINFO_RE = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]*://)(?P<user>[^/\s:@]*):(?P<password>[^/\s@]+)@", re.IGNORECASE
)


def is_secret_name(name):
    return str(name).lower() in SECRET_HEADERS


def scrub_names(text):
    """``text`` with the values of secret-named fields masked."""
    if not isinstance(text, str) or not text:
        return text
    text = _PAIR_RE.sub(lambda m: m.group("name") + m.group("sep") + MASK, text)
    text = _ELEMENT_RE.sub(lambda m: "<%s>%s</%s>" % (m.group("name"), MASK, m.group("name")), text)
    return _USERINFO_RE.sub(lambda m: "%s%s:%s@" % (m.group("scheme"), m.group("user"), MASK), text)


def headers(mapping):
    """A copy of a header mapping (same type where possible) with secret values masked."""
    try:
        result = mapping.copy()
    except AttributeError:
        result = dict(mapping)
    for name in list(result.keys()):
        if is_secret_name(name):
            result[name] = MASK
    return result


# Characters that no percent-encoding, HTML/JSON escaping or repr changes.
_PLAIN_RE = re.compile(r"[A-Za-z0-9_.~-]*")


def _variants(value):
    """The forms in which ``value`` may be echoed back: raw, percent-encoded, escaped."""
    if _PLAIN_RE.fullmatch(value):  # a hex signature, most SecretKeys: every form is the value itself
        return {value}
    forms = {
        value,
        quote(value, safe="-_.~"),
        quote(value, safe=""),
        quote(value, safe="/"),
        quote_plus(value),
        html.escape(value),
        html.escape(value, quote=False),
        json.dumps(value)[1:-1],
        repr(value)[1:-1],
    }
    for form in list(forms):
        if "%" in form:
            forms.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form))
    return forms


class Secrets:
    """The secret values of one request, and a ``scrub`` that masks them in any text.

    Values are only collected while the request is sent; their masked forms (encodings, escapes)
    are worked out the first time something is scrubbed, so a request that logs nothing and fails
    nowhere pays next to nothing.
    """

    MIN_LENGTH = 4  # shorter values would mask ordinary text; no real secret is that short

    def __init__(self, values=()):
        self._values = []
        self._forms = None  # every form of every value, longest first; built on first use
        for value in values:
            self.add(value)

    def add(self, value):
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if not isinstance(value, str) or len(value) < self.MIN_LENGTH:
            return
        self._values.append(value)
        self._forms = None

    def __bool__(self):
        return bool(self._values)

    def _known_forms(self):
        if self._forms is None:
            forms: Set[str] = set()
            for value in self._values:
                forms.update(f for f in _variants(value) if len(f) >= self.MIN_LENGTH)
            self._forms = sorted(forms, key=len, reverse=True)
        return self._forms

    def scrub(self, text):
        """``text`` with every known secret value masked, then secret-named fields masked."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if not isinstance(text, str):
            text = str(text)
        for form in self._known_forms():
            if form in text:
                text = text.replace(form, MASK)
        return scrub_names(text)

    def scrub_value(self, value):
        """Scrub a str, or each str value of a mapping (keeping its type), else return as is."""
        if isinstance(value, str):
            return self.scrub(value)
        if hasattr(value, "items"):
            result = headers(value)
            for name, item in list(result.items()):
                if isinstance(item, str):
                    result[name] = self.scrub(item)
            return result
        return value

    def scrub_exception(self, exc, *, depth=8):
        """Mask secrets in the args of ``exc`` and its cause/context chain, in place.

        The exception objects stay what they are (type, attributes, chain); only text args that
        contain a secret are replaced, so ``traceback.format_exception`` shows no secret.
        """
        seen = set()
        while exc is not None and depth > 0 and id(exc) not in seen:
            seen.add(id(exc))
            depth -= 1
            try:
                args = exc.args
                clean = tuple(self.scrub(a) if isinstance(a, str) else a for a in args)
                if clean != args:
                    exc.args = clean
            except Exception:  # an exception whose args cannot be set: leave it alone
                pass
            for arg in getattr(exc, "args", ()):
                if isinstance(arg, BaseException):
                    self.scrub_exception(arg, depth=depth)
            exc = exc.__cause__ or exc.__context__


def add_request(secrets, *, headers=None, secret_key=None, proxies=None):
    """Add the secrets of one request to ``secrets`` (a ``Secrets``); return it.

    ``headers``: the headers sent (the token, SSE-C keys and Authorization are taken from them by
    name); ``secret_key``: the SecretKey the request is signed with (the signing key is derived
    from it and the Authorization's ``q-key-time``); ``proxies``: the proxy URLs in use (their
    passwords).
    """
    authorization = None
    for name, value in (headers or {}).items():
        if is_secret_name(name):
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            secrets.add(value)
            if str(name).lower() == "authorization":
                authorization = value
    if secret_key:
        secrets.add(secret_key)
    if isinstance(authorization, str):
        fields = dict(part.partition("=")[::2] for part in authorization.split("&"))
        secrets.add(fields.get("q-signature"))
        key_time = fields.get("q-key-time")
        if secret_key and key_time:
            secrets.add(hmac.new(str(secret_key).encode("utf-8"), key_time.encode("utf-8"), hashlib.sha1).hexdigest())
    for url in proxies.values() if hasattr(proxies, "values") else ():
        if isinstance(url, str):
            try:
                password = urlsplit(url).password
            except ValueError:
                password = None
            if password:
                secrets.add(password)
                secrets.add(unquote(password))
    return secrets


class LogFilter:
    """A logging filter that masks secret-named fields in every record of the package's loggers.

    The sources already mask what they log (by value and by name); this is the net under them,
    for any log line that quotes a server text or an exception.
    """

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own error handling
            return True
        clean = scrub_names(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


# The loggers of the package (logging keeps one object per name, whoever creates it first).
LOGGER_NAMES = (
    "qcloud_cos",
    "qcloud_cos.cos_client",
    "qcloud_cos.cos_auth",
    "qcloud_cos.transfer",
    "qcloud_cos.cos_threadpool",
    "qcloud_cos.streambody",
)
_LOG_FILTER = LogFilter()


def install_log_filter():
    import logging

    for name in LOGGER_NAMES:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)
