"""``cos_comm`` helpers and ``CosS3Client.should_switch_domain`` against the official SDK's behaviour.

``tests/interop/comm_cases.py`` calls each helper on a table of inputs; the official SDK's outcomes
are recorded in ``tests/interop/vectors/official-comm-1.9.44.json`` (``make_comm_vectors.py``, black
box; ``tests/interop/test_official_sdk.py`` checks the recording is current).  Ours must give the same
return values, the same in-place changes, the same calls on the body and the same exception classes
(with the same message for ``CosClientError``, whose text callers match on).
"""

import json
import os

import pytest

import qcloud_cos
from tests.interop import comm_cases

VECTORS = os.path.join(os.path.dirname(comm_cases.__file__), "vectors", "official-comm-1.9.44.json")

with open(VECTORS, encoding="utf-8") as _f:
    OFFICIAL = json.load(_f)


def _comparable(outcome):
    """The parts of an outcome that must match: built-in exceptions by class only (their text is
    CPython's wording of the same mistake, e.g. "'NoneType' object has no attribute 'split'")."""
    outcome = dict(outcome)
    if outcome.get("raises") not in (None, "CosClientError", "CosServiceError"):
        outcome.pop("message")
    return outcome


@pytest.fixture(scope="module")
def ours():
    return comm_cases.collect(qcloud_cos)


def test_every_case_compared(ours):
    assert set(ours) == set(OFFICIAL)


@pytest.mark.parametrize("case", sorted(OFFICIAL))
def test_same_as_official(ours, case):
    assert _comparable(ours[case]) == _comparable(OFFICIAL[case])


def test_the_official_test_suite_imports():
    from qcloud_cos.cos_client import CosS3Client
    from qcloud_cos.cos_comm import client_can_retry, format_dict_or_list, format_path  # noqa: F401

    assert callable(CosS3Client.should_switch_domain)


def test_should_switch_domain_reads_the_client_config():
    from qcloud_cos import CosConfig, CosS3Client

    url = "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/k"
    conf = CosConfig(Region="ap-beijing", SecretId="SecretId", SecretKey="SecretKey", AutoSwitchDomainOnRetry=True)
    assert CosS3Client(conf).should_switch_domain(url) is True
    assert CosS3Client(conf).should_switch_domain(url, {"x-cos-request-id": "r"}) is False
