"""The pytest plugin's knobs, run in a separate pytest session (pytester)."""

import os

import pytest

pytest_plugins = ["pytester"]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def _this_checkout(monkeypatch):
    # the inner session imports the package of this checkout
    monkeypatch.setenv("PYTHONPATH", REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))


CONFTEST = """
pytest_plugins = ['qcloud_cos.emulator.pytest_plugin']
"""

TESTS = r"""
import http.client

import pytest


def get(emu, key="k"):
    # an unsigned GET: a fault fires before the signature check, otherwise 403
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    try:
        conn.request("GET", "/" + key, headers={"Host": "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


@pytest.mark.cos_fault("op=GetObject,status=503,count=1", "op=GetObject,status=500,code=InternalError,key=other")
def test_marker_plans_faults(cos_emulator):
    assert len(cos_emulator.faults) == 2
    assert get(cos_emulator) == 503
    assert get(cos_emulator) == 403
    assert get(cos_emulator, "other") == 500


def test_next_test_sees_no_fault(cos_emulator):
    assert cos_emulator.faults == []
    assert get(cos_emulator) == 403


def test_faults_left_by_hand_are_cleared_too(cos_emulator):
    cos_emulator.add_fault("op=GetObject,status=503,count=5")


def test_and_are_gone(cos_emulator):
    assert cos_emulator.faults == [] and get(cos_emulator) == 403


def test_fixture(cos_faults, cos_emulator):
    cos_faults.add("op=GetObject,status=502,code=BadGateway")
    cos_faults.inject(op="GetObject", status=504, code="GatewayTimeout")
    assert [f.status for f in cos_faults.pending] == [502, 504]
    assert get(cos_emulator) == 502 and get(cos_emulator) == 504 and get(cos_emulator) == 403


@pytest.mark.cos_fault("op=GetObject,status=503,p=0.5", seed=99)
def test_seeded_marker_a(cos_emulator):
    pytest.pattern_a = [get(cos_emulator) for _ in range(20)]


@pytest.mark.cos_fault("op=GetObject,status=503,p=0.5", seed=99)
def test_seeded_marker_b(cos_emulator):
    assert [get(cos_emulator) for _ in range(20)] == pytest.pattern_a
    assert set(pytest.pattern_a) == {403, 503}


@pytest.mark.cos_network("wan")
def test_network_marker(cos_emulator):
    assert cos_emulator.network.name == "wan" and cos_emulator._server.network.latency_ms == 30


def test_network_marker_undone(cos_emulator):
    assert cos_emulator.network is None


@pytest.mark.cos_fault("op=GetObject,nonsense=1")
def test_bad_marker_spec_is_an_error(cos_emulator):
    pass


def test_untouched_tests_do_not_start_the_emulator(request):
    assert "cos_emulator" not in request.fixturenames
"""


def test_plugin_markers_and_fixtures(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_knobs=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=10, errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.cos_fault: fault spec 'op=GetObject,nonsense=1': unknown field 'nonsense'*"]
    )


def test_plugin_options_shape_the_session_emulator(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_opts="""
def test_options(cos_emulator):
    assert cos_emulator.seed == 5
    assert cos_emulator.network.latency_ms == 2 and cos_emulator.network.bandwidth == 96e6
"""
    )
    result = pytester.runpytest_subprocess(
        "--cos-emulator-seed",
        "5",
        "--cos-emulator-network",
        "lan",
        "--cos-emulator-latency-ms",
        "2",
        "--cos-emulator-bandwidth",
        "12MB",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1)


def test_clean_emulator_keeps_the_tests_own_faults_and_env_is_restored(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_clean="""
import os

import pytest


def test_dirty(cos_emulator):
    cos_emulator.create_bucket('leftover-1250000000')


@pytest.mark.cos_fault('op=GetObject,status=503,count=1')
def test_clean(cos_clean_emulator):
    assert 'leftover-1250000000' not in cos_clean_emulator.store.bucket_names()
    assert len(cos_clean_emulator.faults) == 1              # reset first, then this test's marker
    assert list(cos_clean_emulator.requests) == []


def test_env(cos_env, cos_emulator):
    assert os.environ['QCLOUD_COS_ENDPOINT_URL'] == cos_emulator.endpoint
    assert os.environ['COS_BUCKET'] == cos_env['COS_BUCKET']
    assert cos_emulator.store.get_bucket(cos_env['COS_BUCKET']) is not None


def test_env_restored():
    assert 'COS_BUCKET' not in os.environ


def test_client(cos_client, cos_emulator_bucket):
    cos_client.put_object(Bucket=cos_emulator_bucket, Key='k', Body=b'v')
    assert cos_client.get_object(Bucket=cos_emulator_bucket, Key='k')['Body'].read() == b'v'
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
