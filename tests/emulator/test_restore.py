"""POST Object restore for ARCHIVE / DEEP_ARCHIVE objects: the state machine on a test clock, errors,
the ``restore_delay`` knob (constructor, attribute, command line)."""

import time
from email.utils import parsedate_to_datetime

import pytest

from qcloud_cos.emulator import CosEmulator
from qcloud_cos.emulator.__main__ import _parser
from qcloud_cos.emulator._errors import CosError
from qcloud_cos.emulator._restore import RestoreRequest, parse_restore_body

from ._cos_http import CosHttp
from .test_copy_part import source_header
from .test_versioning import set_versioning

BUCKET = "restore-1250000000"
DAY = 86400


class Clock:
    def __init__(self):
        self.now = float(int(time.time()))

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def emu(clock):
    with CosEmulator(buckets=(BUCKET,), clock=clock, restore_delay=30) as e:
        yield e


@pytest.fixture
def c(emu, clock):
    client = CosHttp(emu.port, BUCKET, clock=clock)
    yield client
    client.close()


def _body(days=1, tier="Standard"):
    job = f"<CASJobParameters><Tier>{tier}</Tier></CASJobParameters>" if tier is not None else ""
    return f"<RestoreRequest><Days>{days}</Days>{job}</RestoreRequest>".encode()


def _restore(c, key, body=None, params=None):
    return c.request("POST", key, body if body is not None else _body(), params={"restore": "", **(params or {})})


def _archive(c, key="cold", data=b"frozen bytes", storage_class="ARCHIVE"):
    r = c.request("PUT", key, data, {"x-cos-storage-class": storage_class})
    assert r.status == 200, r
    return r


def test_restore_document_rules():
    assert parse_restore_body(_body(3, "Bulk")) == RestoreRequest(3, "Bulk")
    assert parse_restore_body(_body(1, None)) == RestoreRequest(1, "Standard")
    for bad in (
        b"x",
        b"<Other/>",
        _body(0),
        _body("two"),
        _body(366),
        _body(1, "Fast"),
        b"<RestoreRequest><CASJobParameters><Tier>Bulk</Tier></CASJobParameters></RestoreRequest>",
    ):
        with pytest.raises(CosError) as info:
            parse_restore_body(bad)
        assert info.value.code == "MalformedXML"


def test_archived_object_restores_after_the_delay(emu, c, clock):
    _archive(c)
    r = c.request("GET", "cold")
    assert r.status == 403 and r.error_code() == "InvalidObjectState"
    h = c.request("HEAD", "cold")
    assert h.status == 200 and h.headers["x-cos-storage-class"] == "ARCHIVE" and "x-cos-restore" not in h.headers
    r = _restore(c, "cold", _body(2, "Expedited"))
    assert r.status == 202, r
    assert emu.requests[-1]["op"] == "PostObjectRestore"
    assert c.request("HEAD", "cold").headers["x-cos-restore"] == 'ongoing-request="true"'
    assert c.request("GET", "cold").status == 403
    r = _restore(c, "cold")
    assert r.status == 409 and r.error_code() == "RestoreAlreadyInProgress"
    clock.advance(31)
    restore = c.request("HEAD", "cold").headers["x-cos-restore"]
    assert restore.startswith('ongoing-request="false", expiry-date="')
    expiry = parsedate_to_datetime(restore.split('expiry-date="')[1].rstrip('"')).timestamp()
    assert expiry == clock.now - 1 + 2 * DAY
    r = c.request("GET", "cold")
    assert (r.status, r.body) == (200, b"frozen bytes")
    assert r.headers["x-cos-restore"] == restore


def test_restoring_again_moves_the_expiry_and_expiry_archives_again(emu, c, clock):
    emu.restore_delay = 0
    _archive(c)
    assert _restore(c, "cold", _body(1)).status == 202
    assert c.request("GET", "cold").status == 200  # delay 0: readable at once
    clock.advance(DAY / 2)
    assert _restore(c, "cold", _body(3)).status == 200
    restore = c.request("HEAD", "cold").headers["x-cos-restore"]
    expiry = parsedate_to_datetime(restore.split('expiry-date="')[1].rstrip('"')).timestamp()
    assert expiry == clock.now + 3 * DAY
    clock.advance(3 * DAY + 1)
    r = c.request("GET", "cold")
    assert r.status == 403 and r.error_code() == "InvalidObjectState"
    assert "x-cos-restore" not in c.request("HEAD", "cold").headers
    assert _restore(c, "cold").status == 202  # a new job


def test_restore_errors(c):
    r = _restore(c, "missing")
    assert r.status == 404 and r.error_code() == "NoSuchKey"
    assert c.request("PUT", "warm", b"x").status == 200
    r = _restore(c, "warm")
    assert r.status == 403 and r.error_code() == "InvalidObjectState"
    _archive(c, "deep", storage_class="DEEP_ARCHIVE")
    r = _restore(c, "deep", _body(1, "Expedited"))
    assert r.status == 400 and r.error_code() == "InvalidArgument"
    assert _restore(c, "deep", _body(1, "Bulk")).status == 202
    for body in (b"<RestoreRequest>", _body(1, "Instant")):
        r = _restore(c, "deep", body)
        assert r.status == 400 and r.error_code() == "MalformedXML"
    r = _restore(c, "deep", b"")
    assert r.status == 400 and r.error_code() == "MissingRequestBodyError"
    r = c.request("POST", "deep", _body(), params={"restore": ""}, sign_request=False)
    assert r.status == 403 and r.error_code() == "AccessDenied"


def test_an_archived_copy_source_must_be_restored(emu, c):
    emu.restore_delay = 0
    _archive(c)
    r = c.request("PUT", "dst", b"", {"x-cos-copy-source": source_header(c, key="cold")})
    assert r.status == 403 and r.error_code() == "InvalidObjectState"
    assert _restore(c, "cold").status == 202
    r = c.request("PUT", "dst", b"", {"x-cos-copy-source": source_header(c, key="cold")})
    assert r.status == 200 and c.request("GET", "dst").body == b"frozen bytes"


def test_restore_a_noncurrent_version(emu, c):
    emu.restore_delay = 0
    set_versioning(c, "Enabled")
    v1 = _archive(c, data=b"old").headers["x-cos-version-id"]
    _archive(c, data=b"new")
    assert _restore(c, "cold", params={"versionId": v1}).status == 202
    assert c.request("GET", "cold", params={"versionId": v1}).body == b"old"
    assert c.request("GET", "cold").status == 403  # the current version is still archived
    r = _restore(c, "cold", params={"versionId": "MDAwMDAwMDAwMDAwMDAwMDAwMDAx"})
    assert r.status == 404 and r.error_code() == "NoSuchVersion"


def test_restore_delay_knob():
    assert _parser().parse_args([]).restore_delay == 1.0
    assert _parser().parse_args(["--restore-delay", "0"]).restore_delay == 0.0
    with pytest.raises(SystemExit):
        _parser().parse_args(["--restore-delay", "-1"])
    with pytest.raises(ValueError):
        CosEmulator(restore_delay=-1)
    emu = CosEmulator(restore_delay=2.5)
    assert emu.restore_delay == 2.5
    emu.restore_delay = 0
    assert emu.restore_delay == 0.0
