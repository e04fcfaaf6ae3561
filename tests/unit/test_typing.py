"""The package is typed (PEP 561): it ships ``py.typed`` and its public API is annotated.

mypy itself runs in CI (.ci/run, ``[tool.mypy]`` in pyproject.toml); these checks need no type checker.
"""

import inspect
import os
import typing

import pytest

import qcloud_cos
from qcloud_cos import CosConfig, CosS3Client, cos_comm, progress, transfer
from qcloud_cos.cos_auth import CosS3Auth
from qcloud_cos.cos_exception import CosClientError, CosException, CosServiceError
from qcloud_cos.cos_threadpool import SimpleThreadPool
from qcloud_cos.streambody import StreamBody

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# CosS3Client methods not annotated yet (their signatures are being changed elsewhere); once one is
# annotated, remove it from here.
NOT_ANNOTATED_YET: set = set()


def test_py_typed_marker_is_in_the_package():
    marker = os.path.join(os.path.dirname(qcloud_cos.__file__), "py.typed")
    assert os.path.isfile(marker)
    with open(marker, "rb") as f:
        assert f.read() == b""


def test_the_wheel_takes_the_whole_package_directory():
    """hatchling puts every file of the listed package (py.typed too) into the wheel."""
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        pyproject = f.read()
    assert '[tool.hatch.build.targets.wheel]\npackages = ["qcloud_cos"]' in pyproject
    assert '"Typing :: Typed"' in pyproject


def _public_methods(cls):
    for name, value in vars(cls).items():
        if (not name.startswith("_") or name == "__init__") and inspect.isfunction(value):
            yield name, value
        elif isinstance(value, staticmethod) and not name.startswith("_"):
            yield name, value.__func__


def _classes():
    classes = [CosConfig, CosS3Auth, CosException, CosClientError, CosServiceError, SimpleThreadPool, StreamBody]
    classes += [progress.ProgressBarCallback, cos_comm.ProgressCallback, cos_comm.CiDetectType]
    classes += [transfer.CheckpointStore]
    classes += [cls for cls in CosS3Client.__mro__ if cls.__module__.startswith("qcloud_cos")]
    return classes


def _unannotated(func):
    """The parameters (and ``return``) of ``func`` without an annotation (``self``/``cls`` need none)."""
    sig = inspect.signature(func)
    missing = [
        name
        for index, (name, p) in enumerate(sig.parameters.items())
        if p.annotation is p.empty and not (index == 0 and name in ("self", "cls"))
    ]
    if sig.return_annotation is sig.empty:
        missing.append("return")
    return missing


@pytest.mark.parametrize("cls", _classes(), ids=lambda cls: cls.__qualname__)
def test_public_methods_are_annotated(cls):
    missing = {}
    for name, func in _public_methods(cls):
        if cls in CosS3Client.__mro__ and name in NOT_ANNOTATED_YET:
            assert _unannotated(func), "%s is annotated now: remove it from NOT_ANNOTATED_YET" % name
            continue
        if _unannotated(func):
            missing[name] = _unannotated(func)
    assert missing == {}


@pytest.mark.parametrize("cls", _classes(), ids=lambda cls: cls.__qualname__)
def test_annotations_evaluate_at_run_time(cls):
    """``typing.get_type_hints`` (documentation tools, run-time checkers) works on this Python: no
    name imported only for the type checker, no ``list[int]``/``X | Y`` before they exist."""
    for _, func in _public_methods(cls):
        typing.get_type_hints(func)


def test_not_annotated_yet_names_client_methods():
    assert NOT_ANNOTATED_YET <= {name for name in dir(CosS3Client) if not name.startswith("_")}


def test_cos_comm_functions_are_annotated():
    missing = {}
    for name in cos_comm.__all__:
        value = getattr(cos_comm, name)
        if inspect.isfunction(value) and _unannotated(value):
            missing[name] = _unannotated(value)
    assert missing == {}


def test_transfer_functions_are_annotated():
    for name in transfer.__all__:
        value = getattr(transfer, name)
        if inspect.isfunction(value):
            assert _unannotated(value) == [], name
