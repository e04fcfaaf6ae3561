"""Network profiles: the pacing math on a fake clock, and the profile applied to real requests.

No wall-clock timing: every sleep goes through an injected sleeper that records it and
moves a fake clock (DEVELOPERS.md: timing never goes into a test).
"""

import os

import pytest

from qcloud_cos.emulator import PROFILES, CosEmulator, NetworkProfile
from qcloud_cos.emulator._faults import Fault
from qcloud_cos.emulator._network import BodyShaper, parse_bandwidth, resolve_network
from qcloud_cos.emulator._throttle import Pacer

from ._cos_http import CosHttp
from ._fake_time import FakeTime


@pytest.mark.parametrize(
    "text, bits",
    [
        ("100mbit", 100e6),
        ("1gbit", 1e9),
        ("1Gbit/s", 1e9),
        ("800kbps", 800e3),
        ("12MB", 96e6),
        ("12MB/s", 96e6),
        ("1.5MiB", 1.5 * 1024 * 1024 * 8),
        ("500KiB", 500 * 1024 * 8),
        ("64B", 512),
        ("1000", 1000),
        (2_000_000, 2e6),
    ],
)
def test_parse_bandwidth(text, bits):
    assert parse_bandwidth(text) == pytest.approx(bits)


@pytest.mark.parametrize(
    "text, words",
    [("100mb", "ambiguous"), ("fast", "write a rate"), ("0mbit", "> 0"), ("10m", "needs a unit"), ("", "write a rate")],
)
def test_bad_bandwidth_is_refused_clearly(text, words):
    with pytest.raises(ValueError) as ei:
        parse_bandwidth(text)
    assert words in str(ei.value)


def test_pacer_allows_rate_per_second_after_a_burst():
    fake = FakeTime(50.0)
    pacer = Pacer(1000.0, burst=100, monotonic=fake.monotonic, sleep=fake.sleep)
    pacer.consume(100)  # the burst goes out at once
    assert fake.sleeps == []
    pacer.consume(50)  # 50 bytes in debt at 1000 B/s: 50 ms
    assert fake.sleeps == [pytest.approx(0.05)]
    for _ in range(20):
        pacer.consume(100)
    assert sum(fake.sleeps) == pytest.approx((100 + 50 + 20 * 100 - 100) / 1000.0)
    assert pacer.slept == pytest.approx(sum(fake.sleeps))


def test_pacer_does_not_save_up_idle_time_beyond_the_burst():
    fake = FakeTime(50.0)
    pacer = Pacer(1000.0, burst=100, monotonic=fake.monotonic, sleep=fake.sleep)
    fake.now += 3600  # an hour idle on a keep-alive connection
    pacer.consume(1100)
    assert fake.sleeps == [pytest.approx(1.0)]  # only the burst was free


def test_pacer_chunk_size_is_about_ten_milliseconds():
    assert Pacer(12.5e6).chunk_size() == 125_000  # 100 Mbit/s
    assert Pacer(125e6).chunk_size() == 256 * 1024  # 1 Gbit/s: capped
    assert Pacer(10).chunk_size() == 1  # a drip
    with pytest.raises(ValueError):
        Pacer(0)


def test_named_profiles_and_overrides():
    assert PROFILES["lan"] == {"latency_ms": 1.0, "bandwidth": 1e9}
    assert PROFILES["wan"] == {"latency_ms": 30.0, "bandwidth": 100e6}
    wan = resolve_network("wan")
    assert (wan.name, wan.latency_ms, wan.bandwidth, wan.bytes_per_second) == ("wan", 30.0, 100e6, 12.5e6)
    assert (
        resolve_network("WAN", latency_ms=5).latency_ms == 5 and resolve_network("wan", latency_ms=5).bandwidth == 100e6
    )
    assert resolve_network(None, bandwidth="12MB").bandwidth == 96e6
    assert resolve_network({"latency_ms": 2}).latency_ms == 2
    assert resolve_network("none") is None and resolve_network(None) is None
    with pytest.raises(ValueError, match="unknown network profile 'moon'"):
        resolve_network("moon")
    with pytest.raises(ValueError):
        NetworkProfile(latency_ms=-1)
    with pytest.raises(ValueError):
        CosEmulator(network="wan", bandwidth="100mb")


def test_body_shaper_truncates_and_flips():
    out = []
    shaper = BodyShaper(out.append, length=10, faults={"truncate": Fault(truncate_after=4)})
    shaper.write(b"0123456789")
    assert b"".join(out) == b"0123" and shaper.cut
    out.clear()
    cut = []
    shaper = BodyShaper(
        out.append, length=10, faults={"truncate": Fault(truncate_after=-1)}, on_cut=lambda: cut.append(1)
    )
    for piece in (b"01", b"23", b"45", b"67"):
        shaper.write(piece)
    assert b"".join(out) == b"01234" and cut == [1]
    out.clear()
    shaper = BodyShaper(out.append, length=6, faults={"flip": Fault(flip_at=4)})
    shaper.write(b"abc")
    shaper.write(b"def")
    assert b"".join(out) == b"abcd" + bytes([ord("e") ^ 0xFF]) + b"f" and not shaper.cut


def test_body_shaper_paces_in_pacer_sized_steps():
    fake = FakeTime(50.0)
    out = []
    pacer = Pacer(1000.0, burst=10, monotonic=fake.monotonic, sleep=fake.sleep)
    BodyShaper(out.append, length=100, pacer=pacer).write(b"x" * 100)
    assert [len(p) for p in out] == [10] * 10  # 10 ms of data per step
    assert sum(fake.sleeps) == pytest.approx(0.09)


def test_profile_applies_latency_once_per_request_and_bandwidth_both_ways():
    fake = FakeTime(50.0)
    profile = NetworkProfile(latency_ms=20, bandwidth="8mbit", monotonic=fake.monotonic, sleep=fake.sleep)
    rate = 1_000_000.0  # 8 Mbit/s in bytes per second
    burst = profile.pacer().burst
    size = 300_000
    data = os.urandom(size)
    with CosEmulator(network=profile) as emu:
        assert emu.network is profile
        c = CosHttp(emu.port, "examplebucket-1250000000")
        assert c.request("HEAD", "nothing").status == 404
        assert fake.sleeps == [0.02]  # latency, once; no body either way
        fake.sleeps.clear()
        assert c.request("PUT", "n.bin", data).status == 200  # request body received at 8 Mbit/s
        received = sum(fake.sleeps) - 0.02
        assert received == pytest.approx((size - burst) / rate, rel=1e-6)
        assert fake.sleeps.count(0.02) == 1
        fake.sleeps.clear()
        assert c.request("GET", "n.bin").body == data  # response body sent at 8 Mbit/s
        assert fake.sleeps[0] == 0.02 and fake.sleeps.count(0.02) == 1
        assert sum(fake.sleeps) - 0.02 == pytest.approx((size - burst) / rate, rel=1e-6)
        # changed at runtime (the plugin's cos_network marker uses this)
        emu.set_network(None)
        fake.sleeps.clear()
        c.close()
        assert c.request("GET", "n.bin").body == data and fake.sleeps == []
        c.close()


def test_unshaped_by_default():
    with CosEmulator() as emu:
        assert emu.network is None and emu._server.network is None
