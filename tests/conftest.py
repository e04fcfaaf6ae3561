import pytest

pytest_plugins = ["qcloud_cos.emulator.pytest_plugin"]


@pytest.fixture
def cos_config_kwargs(cos_emulator):
    """CosConfig keyword arguments pointing at the session emulator."""
    return cos_emulator.config_kwargs()


@pytest.fixture
def client(cos_emulator):
    """A client of the session emulator with near-instant retry backoff."""
    from qcloud_cos import CosConfig, CosS3Client

    c = CosS3Client(CosConfig(**cos_emulator.config_kwargs()))
    c._transport.backoff_base = 0.01
    return c


@pytest.fixture
def bucket(cos_emulator_bucket):
    return cos_emulator_bucket
