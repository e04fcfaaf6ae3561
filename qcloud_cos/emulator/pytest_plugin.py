"""pytest fixtures for the COS emulator.

Enable with ``pytest_plugins = ['qcloud_cos.emulator.pytest_plugin']`` in a
top-level ``conftest.py`` (or ``-p qcloud_cos.emulator.pytest_plugin``):

* ``cos_emulator`` (session): a started ``CosEmulator`` on 127.0.0.1 and a
  free port, stopped at the end of the session;
* ``cos_emulator_bucket`` (function): a fresh, uniquely named private bucket
  (``test-<12 hex>-1250000000``) in that emulator; returns its name.

This module never imports the client.
"""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from . import CosEmulator

__all__ = ["cos_emulator", "cos_emulator_bucket"]


@pytest.fixture(scope="session")
def cos_emulator() -> Iterator[CosEmulator]:
    """A running emulator shared by the whole session."""
    emu = CosEmulator().start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def cos_emulator_bucket(cos_emulator: CosEmulator) -> str:
    """Name of a new empty bucket in ``cos_emulator``."""
    return cos_emulator.create_bucket(f"test-{uuid.uuid4().hex[:12]}-1250000000")
