"""pytest fixtures for the COS emulator.

Enable with ``pytest_plugins = ['qcloud_cos.emulator.pytest_plugin']`` in a
top-level ``conftest.py`` (or ``-p qcloud_cos.emulator.pytest_plugin``):

* ``cos_emulator`` (session): a started ``CosEmulator`` on 127.0.0.1 and a
  free port, stopped at the end of the session;
* ``cos_emulator_bucket`` (function): a fresh, uniquely named private bucket
  (``test-<12 hex>-1250000000``) in that emulator; returns its name (cheap:
  about 0.1 ms, so every test can have its own);
* ``cos_clean_emulator`` (function): the session emulator reset before the
  test (no bucket but the default ones, no object, no fault, an empty request
  log; about 0.5 ms);
* ``cos_client`` (function): a ``qcloud_cos.CosS3Client`` configured for the
  session emulator;
* ``cos_env`` (function): for code under test that builds its own client: sets
  ``QCLOUD_COS_ENDPOINT_URL`` (every ``CosConfig`` then connects to the
  emulator), ``COS_SECRET_ID``, ``COS_SECRET_KEY``, ``COS_REGION`` and
  ``COS_BUCKET`` (a fresh bucket) for the test, restored after it; returns
  them as a dict;
* ``cos_faults`` (function): plan faults for one test
  (``cos_faults.add('op=UploadPart,status=503')``, ``cos_faults.inject(op=...)``);
* the marker ``@pytest.mark.cos_fault(spec, ..., seed=None)``: the faults are
  planned before the test (``seed``: the random draws of ``p=`` faults restart
  from it), and
* the marker ``@pytest.mark.cos_network('wan')`` (or ``latency_ms=``,
  ``bandwidth=``): the emulator's network profile for one test.

After every test that uses the emulator, every fault still pending is removed
(whoever planned it) and a ``cos_network`` marker's profile is undone, so one
test's faults never reach the next.

Command-line options: ``--cos-emulator-seed N``, ``--cos-emulator-network
lan|wan|none``, ``--cos-emulator-latency-ms MS``, ``--cos-emulator-bandwidth
RATE`` shape the session emulator.

This module imports the client only when ``cos_client`` is used.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, Iterator, List, Optional, Union

import pytest

from . import CosEmulator, Fault

__all__ = [
    "cos_clean_emulator", "cos_client", "cos_emulator", "cos_emulator_bucket", "cos_env", "cos_faults", "CosFaults",
]  # fmt: skip


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("cos-emulator", "COS emulator (qcloud_cos.emulator.pytest_plugin)")
    group.addoption("--cos-emulator-seed", type=int, default=None, help="seed of the emulator's fault draws")
    group.addoption(
        "--cos-emulator-network", default=None, help="network profile of the session emulator: lan, wan or none"
    )
    group.addoption("--cos-emulator-latency-ms", type=float, default=None, help="latency added to every request")
    group.addoption("--cos-emulator-bandwidth", default=None, help="bandwidth per connection, e.g. 100mbit, 12MB")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        "cos_fault(*specs, seed=None): plan emulator faults (text specs, e.g. "
        "'op=UploadPart,status=503,count=1') for this test only",
    )
    config.addinivalue_line(
        "markers",
        "cos_network(profile=None, latency_ms=None, bandwidth=None): the emulator's network profile for this test",
    )


def _option(config: Any, name: str) -> Any:
    try:
        return config.getoption(name)
    except (ValueError, AttributeError):  # the plugin's options are not registered
        return None


@pytest.fixture(scope="session")
def cos_emulator(request: Any) -> Iterator[CosEmulator]:
    """A running emulator shared by the whole session."""
    config = request.config
    emu = CosEmulator(
        seed=_option(config, "cos_emulator_seed"),
        network=_option(config, "cos_emulator_network"),
        latency_ms=_option(config, "cos_emulator_latency_ms"),
        bandwidth=_option(config, "cos_emulator_bandwidth"),
    ).start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def cos_emulator_bucket(cos_emulator: CosEmulator) -> str:
    """Name of a new empty bucket in ``cos_emulator``."""
    return cos_emulator.create_bucket(f"test-{uuid.uuid4().hex[:12]}-1250000000")


@pytest.fixture
def cos_clean_emulator(cos_emulator: CosEmulator) -> CosEmulator:
    """The session emulator, reset: only the default buckets, empty; no faults; an empty request log.

    (The reset is done by the plugin's autouse fixture, before this test's ``cos_fault`` markers apply.)
    """
    return cos_emulator


@pytest.fixture
def cos_client(cos_emulator: CosEmulator) -> Any:
    """A ``qcloud_cos.CosS3Client`` talking to the session emulator."""
    from qcloud_cos import CosConfig, CosS3Client

    return CosS3Client(CosConfig(**cos_emulator.config_kwargs()))


@pytest.fixture
def cos_env(cos_emulator: CosEmulator, cos_emulator_bucket: str, monkeypatch: Any) -> Dict[str, str]:
    """Environment for code that makes its own client: endpoint, credentials, region and a fresh bucket."""
    kwargs = cos_emulator.config_kwargs()
    values = {
        "QCLOUD_COS_ENDPOINT_URL": cos_emulator.endpoint,
        "COS_SECRET_ID": kwargs["SecretId"],
        "COS_SECRET_KEY": kwargs["SecretKey"],
        "COS_REGION": kwargs["Region"],
        "COS_BUCKET": cos_emulator_bucket,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


class CosFaults:
    """Faults of one test in one emulator; all are removed when the test ends."""

    def __init__(self, emulator: CosEmulator) -> None:
        self.emulator = emulator

    def add(self, *specs: Union[str, Fault]) -> List[Fault]:
        """Plan faults given as text specs (or ``Fault`` objects)."""
        return [self.emulator.add_fault(spec) for spec in specs]

    def inject(self, **kwargs: Any) -> Fault:
        """``CosEmulator.inject_fault`` with keyword arguments."""
        return self.emulator.inject_fault(**kwargs)

    @property
    def pending(self) -> List[Fault]:
        return self.emulator.faults

    def clear(self) -> None:
        self.emulator.clear_faults()


@pytest.fixture
def cos_faults(cos_emulator: CosEmulator) -> Iterator[CosFaults]:
    """Plan faults for this test: ``cos_faults.add('op=GetObject,kind=truncate')``."""
    faults = CosFaults(cos_emulator)
    try:
        yield faults
    finally:
        cos_emulator.clear_faults()


@pytest.fixture(autouse=True)
def _cos_emulator_test_knobs(request: Any) -> Iterator[None]:
    """Apply ``cos_fault`` / ``cos_network`` markers; after the test, no fault survives."""
    specs: List[str] = []
    seed: Optional[int] = None
    for marker in request.node.iter_markers("cos_fault"):
        specs.extend(marker.args)
        if marker.kwargs.get("seed") is not None and seed is None:
            seed = int(marker.kwargs["seed"])
    network_marker = request.node.get_closest_marker("cos_network")
    if not specs and network_marker is None and "cos_emulator" not in request.fixturenames:
        yield
        return
    emu: CosEmulator = request.getfixturevalue("cos_emulator")
    previous_network = emu.network
    previous_seed = emu._faults.seed
    if "cos_clean_emulator" in request.fixturenames:
        emu.reset()
    try:
        if network_marker is not None:
            emu.set_network(*network_marker.args, **network_marker.kwargs)
        if seed is not None:
            emu._faults.reseed(seed)
        for spec in specs:
            try:
                emu.add_fault(spec)
            except ValueError as exc:  # FaultSpecError: a bad marker is this test's error, said plainly
                pytest.fail(f"@pytest.mark.cos_fault: {exc}", pytrace=False)
        yield
    finally:
        emu.clear_faults()
        if seed is not None:
            emu._faults.seed = previous_seed
            emu._faults.reseed()
        if network_marker is not None:
            emu.set_network(previous_network)
