"""Fixtures for the emulator's own tests (standard library clients only)."""

from __future__ import annotations

import pytest

# Re-exported here so these tests get their own session emulator (and do not depend on
# the top-level conftest enabling the plugin).
from qcloud_cos.emulator.pytest_plugin import cos_emulator, cos_emulator_bucket  # noqa: F401

from ._cos_http import CosHttp


@pytest.fixture
def cos(cos_emulator, cos_emulator_bucket):  # noqa: F811
    """A signed raw-HTTP client bound to a fresh bucket of the shared emulator."""
    client = CosHttp(cos_emulator.port, cos_emulator_bucket)
    yield client
    client.close()
