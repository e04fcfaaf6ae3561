"""The emulator is standard library only and never imports the client package."""

import ast
import os
import sys

import qcloud_cos.emulator

PKG_DIR = os.path.dirname(qcloud_cos.emulator.__file__)
ALLOWED_THIRD_PARTY = {"fastcrc", "pytest"}  # fastcrc: optional fast CRC; pytest: only in pytest_plugin


def _imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield 0, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node.level, node.module or ""


def test_only_stdlib_and_own_modules():
    stdlib = set(getattr(sys, "stdlib_module_names", ())) or None
    for name in sorted(os.listdir(PKG_DIR)):
        if not name.endswith(".py"):
            continue
        for level, module in _imports(os.path.join(PKG_DIR, name)):
            top = module.split(".")[0]
            if level == 1:
                continue  # from . / from ._x: the emulator's own modules
            assert level == 0, (name, module)  # never `from .. import` (the client)
            if (name, module) == ("pytest_plugin.py", "qcloud_cos"):
                continue  # the cos_client fixture's own import, checked below to be inside it
            assert not module.startswith("qcloud_cos"), (name, module)
            if top in ALLOWED_THIRD_PARTY:
                assert top != "pytest" or name == "pytest_plugin.py", name
                continue
            if stdlib is not None:
                assert top in stdlib or top == "__future__", (name, module)


def test_the_plugin_imports_the_client_only_inside_the_cos_client_fixture():
    tree = ast.parse(open(os.path.join(PKG_DIR, "pytest_plugin.py"), encoding="utf-8").read())
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not any(
        ((n.module or "") if isinstance(n, ast.ImportFrom) else "").startswith("qcloud_cos") for n in top_level
    )
    inside = [
        f.name
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef)
        for n in ast.walk(f)
        if isinstance(n, ast.ImportFrom) and n.module == "qcloud_cos"
    ]
    assert inside == ["cos_client"]
