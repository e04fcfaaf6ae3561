"""Credentials, region and endpoint for the CLI: flags > environment > config file.

Credentials (secret id, secret key, token) are taken as one set from the first source that names a
secret id or key (a token from another source would belong to other keys); region and endpoint
URL are resolved one by one.
"""

import configparser
import os
from typing import Any, Dict
from urllib.parse import urlsplit

from ..cos_client import CosConfig, CosS3Client
from ..cos_exception import CosClientError

ENV_SECRET_ID = "COS_SECRET_ID"
ENV_SECRET_KEY = "COS_SECRET_KEY"
ENV_TOKEN = "COS_TOKEN"
ENV_REGION = "COS_REGION"
ENV_ENDPOINT_URL = "QCLOUD_COS_ENDPOINT_URL"  # what every CosConfig of this package honours
ENV_CONFIG = "QCLOUD_COS_CONFIG"
DEFAULT_CONFIG = os.path.join("~", ".qcloud_cos.ini")
DEFAULT_PROFILE = "default"

FILE_KEYS = ("secret_id", "secret_key", "token", "region", "endpoint_url")


class UsageError(Exception):
    """Bad arguments or configuration: exit status 2."""


class Settings:
    def __init__(self, *, secret_id, secret_key, token, region, endpoint_url, sources):
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.token = token
        self.region = region
        self.endpoint_url = endpoint_url
        self.sources = sources  # field -> 'flag' | 'environment' | 'config file PATH [profile]'

    def __repr__(self):  # never the secrets
        return "Settings(region=%r, endpoint_url=%r, sources=%r)" % (self.region, self.endpoint_url, self.sources)


def config_path(args, environ):
    """(path, explicit): ``--config``, else ``$QCLOUD_COS_CONFIG``, else ``~/.qcloud_cos.ini``."""
    if getattr(args, "config", None):
        return os.path.expanduser(args.config), True
    if environ.get(ENV_CONFIG):
        return os.path.expanduser(environ[ENV_CONFIG]), True
    return os.path.expanduser(DEFAULT_CONFIG), False


def read_config(path, explicit, profile, profile_explicit):
    """The ``[profile]`` section of the INI file as a dict (empty when there is none to read)."""
    if not os.path.exists(path):
        if explicit:
            raise UsageError("config file %s does not exist" % path)
        if profile_explicit:
            raise UsageError("--profile %s: there is no config file (%s)" % (profile, path))
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as f:
            parser.read_file(f, source=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError("cannot read config file %s: %s" % (path, getattr(exc, "strerror", None) or exc)) from None
    except configparser.Error as exc:
        raise UsageError("config file %s is not a valid INI file: %s" % (path, " ".join(str(exc).split()))) from None
    if not parser.has_section(profile):
        if profile_explicit:
            raise UsageError("config file %s has no section [%s]" % (path, profile))
        return {}
    section = parser[profile]
    return {k: section.get(k, "").strip() for k in FILE_KEYS if section.get(k, "").strip()}


def resolve(args, environ=None):
    environ = os.environ if environ is None else environ
    profile = getattr(args, "profile", None)
    profile_explicit = bool(profile)
    profile = profile or DEFAULT_PROFILE
    path, explicit = config_path(args, environ)
    from_file = read_config(path, explicit, profile, profile_explicit)
    file_label = "config file %s [%s]" % (path, profile)

    layers = [
        (
            "flag",
            {
                "secret_id": args.secret_id,
                "secret_key": args.secret_key,
                "token": args.token,
                "region": args.region,
                "endpoint_url": args.endpoint_url,
            },
            ("--secret-id", "--secret-key"),
        ),
        (
            "environment",
            {
                "secret_id": environ.get(ENV_SECRET_ID),
                "secret_key": environ.get(ENV_SECRET_KEY),
                "token": environ.get(ENV_TOKEN),
                "region": environ.get(ENV_REGION),
                "endpoint_url": environ.get(ENV_ENDPOINT_URL),
            },
            (ENV_SECRET_ID, ENV_SECRET_KEY),
        ),
        (file_label, from_file, ("secret_id", "secret_key")),
    ]
    values: Dict[str, Any] = {}
    sources: Dict[str, Any] = {}
    for label, layer, names in layers:
        if "secret_id" in values:
            break
        sid, skey = layer.get("secret_id"), layer.get("secret_key")
        if sid or skey:
            if not (sid and skey):
                given, missing = (names[0], names[1]) if sid else (names[1], names[0])
                raise UsageError("%s is given (%s) but %s is not: give both" % (given, label, missing))
            values.update(secret_id=sid, secret_key=skey, token=layer.get("token") or None)
            sources["credentials"] = label
    for name in ("region", "endpoint_url"):
        for label, layer, _ in layers:
            if layer.get(name):
                values[name] = layer[name]
                sources[name] = label
                break
    return Settings(
        secret_id=values.get("secret_id"),
        secret_key=values.get("secret_key"),
        token=values.get("token"),
        region=values.get("region"),
        endpoint_url=values.get("endpoint_url"),
        sources=sources,
    )


def _check_endpoint_url(url, source):
    parts = urlsplit(url)
    try:
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise UsageError("endpoint URL (%s) must look like http://127.0.0.1:9000 (scheme, host and port only)" % source)


def make_client(settings, environ=None):
    """A ``CosS3Client`` for ``settings`` (the endpoint URL goes through ``QCLOUD_COS_ENDPOINT_URL``)."""
    environ = os.environ if environ is None else environ
    if not settings.secret_id:
        raise UsageError(
            "no credentials: pass --secret-id and --secret-key, set %s and %s, or put "
            "secret_id and secret_key in the config file (see --help)" % (ENV_SECRET_ID, ENV_SECRET_KEY)
        )
    if not settings.region:
        raise UsageError("no region: pass --region, set %s, or put region in the config file" % ENV_REGION)
    # CosConfig has no parameter for "connect to this URL, keep the bucket's Host and signature";
    # the package's own environment variable does exactly that, for this process only.
    if settings.endpoint_url:
        _check_endpoint_url(settings.endpoint_url, settings.sources.get("endpoint_url"))
        environ[ENV_ENDPOINT_URL] = settings.endpoint_url
    else:
        environ.pop(ENV_ENDPOINT_URL, None)
    try:
        conf = CosConfig(
            Region=settings.region, SecretId=settings.secret_id, SecretKey=settings.secret_key, Token=settings.token
        )
    except CosClientError as exc:  # a region, key or endpoint CosConfig refuses: configuration
        raise UsageError("bad configuration: %s" % exc) from None
    return CosS3Client(conf)
