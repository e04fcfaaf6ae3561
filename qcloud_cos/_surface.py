"""What ``CosS3Client`` offers of the official SDK's surface beyond the methods of ``cos_client``.

- ``should_switch_domain``, the official predicate of the retry host fallback;
- for every other public name of the official ``CosS3Client`` that this package does not implement,
  ``client.<name>`` raises ``NotImplementedInDropin`` (an ``AttributeError``, so ``hasattr`` and
  ``getattr(client, name, default)`` keep answering "absent"), saying so and where it exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NoReturn
from urllib.parse import urlparse

from . import _official_names
from .version import __dropin_version__, __official_sdk_version__

if TYPE_CHECKING:
    from ._config import CosConfig

__all__ = ["NotImplementedInDropin", "OfficialSurface", "missing_attribute", "missing_module_attribute"]


class NotImplementedInDropin(AttributeError, NotImplementedError):
    """An official SDK name that qcloud-cos-dropin does not implement yet.

    It is an ``AttributeError`` (feature detection with ``hasattr`` keeps working) and a
    ``NotImplementedError``.  ``name`` is the attribute, ``owner`` the class name.
    """

    def __init__(self, owner: str, name: str) -> None:
        super().__init__(
            "%s.%s is not implemented yet in qcloud-cos-dropin %s; it is available in the official "
            "cos-python-sdk-v5 %s (pip install cos-python-sdk-v5==%s, in a separate environment: the two "
            "packages share the import name qcloud_cos)"
            % (owner, name, __dropin_version__, __official_sdk_version__, __official_sdk_version__)
        )
        self.name = name
        self.owner = owner

    def __reduce__(self) -> Any:
        return type(self), (self.owner, self.name)


def missing_attribute(owner: str, official_names: Iterable[str]) -> Callable[[Any, str], NoReturn]:
    """A ``__getattr__`` raising ``NotImplementedInDropin`` for the official names (``owner`` names the
    class in its message), the usual ``AttributeError`` for the others."""
    names = frozenset(official_names)

    def __getattr__(self: Any, name: str) -> NoReturn:
        if name in names:
            raise NotImplementedInDropin(owner, name)
        raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))

    return __getattr__


def missing_module_attribute(module: str, official_names: Iterable[str]) -> Callable[[str], NoReturn]:
    """A module-level ``__getattr__`` (PEP 562) raising ``NotImplementedInDropin`` for the official
    names ``module`` lacks, the usual ``AttributeError`` for the others."""
    names = frozenset(official_names)

    def __getattr__(name: str) -> NoReturn:
        if name in names:
            raise NotImplementedInDropin(module, name)
        raise AttributeError("module %r has no attribute %r" % (module, name))

    return __getattr__


class OfficialSurface:
    """Mixin of ``CosS3Client``: the official extras and the not-implemented-yet errors."""

    # Only reached when normal lookup fails, so implemented methods never pass through it.
    __getattr__ = missing_attribute("CosS3Client", _official_names.COS_S3_CLIENT)

    if TYPE_CHECKING:  # CosS3Client's

        def get_conf(self) -> CosConfig: ...

    def should_switch_domain(self, url: str, headers: Mapping[str, Any] = {}) -> bool:  # noqa: B006 - never mutated; the official signature
        """Whether a retry of a request to ``url`` that got an answer with these ``headers`` should go to
        the ``tencentcos.cn`` name of the bucket instead: ``CosConfig(AutoSwitchDomainOnRetry=True)``, no
        ``x-cos-request-id`` in the answer (it did not come from COS), and ``url``'s host a default
        ``<bucket>-<appid>.cos.<region>.myqcloud.com`` domain."""
        from .cos_comm import _OLD_HOST  # cos_comm imports this module

        if "x-cos-request-id" in headers:
            return False
        if not self.get_conf()._auto_switch_domain_on_retry:
            return False
        # A URL without a host raises TypeError here, as in the official SDK (tests/unit/test_cos_comm.py).
        return bool(_OLD_HOST.match(urlparse(url).hostname))  # type: ignore[arg-type]
