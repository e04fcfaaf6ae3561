"""Dump the official SDK's public surface (names and signatures) as JSON (black box: ``inspect`` only).

Run it with a Python that has ``cos-python-sdk-v5==1.9.44`` installed and NOT our package::

    /path/to/official-venv/bin/python tests/interop/dump_surface.py [out.json]

It writes ``vectors/official-surface-1.9.44.json``: for each public module, each public name with its
kind, defining module and (for callables) its signature; for each public class of the package, its
public methods with their signatures.  Nothing of the SDK's code or text is copied, only names,
parameter names, kinds and default values.
"""

import importlib
import inspect
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vectors", "official-surface-1.9.44.json")

MODULES = [
    "qcloud_cos",
    "qcloud_cos.cos_client",
    "qcloud_cos.cos_comm",
    "qcloud_cos.cos_exception",
    "qcloud_cos.cos_threadpool",
    "qcloud_cos.cos_auth",
    "qcloud_cos.streambody",
    "qcloud_cos.version",
]
# Classes whose public methods are pinned (module, class).
CLASSES = [
    ("qcloud_cos.cos_client", "CosS3Client"),
    ("qcloud_cos.cos_client", "CosConfig"),
    ("qcloud_cos.cos_auth", "CosS3Auth"),
    ("qcloud_cos.cos_exception", "CosServiceError"),
    ("qcloud_cos.cos_exception", "CosClientError"),
    ("qcloud_cos.cos_threadpool", "SimpleThreadPool"),
    ("qcloud_cos.streambody", "StreamBody"),
    ("qcloud_cos.cos_comm", "ProgressCallback"),
]


def signature(obj):
    """``{'text': str(signature), 'params': [[name, kind, default-repr-or-null], ...]}`` or None."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = [
        [p.name, p.kind.name, None if p.default is p.empty else _repr(p.default)] for p in sig.parameters.values()
    ]
    return {"text": _ADDRESS.sub("", str(sig)), "params": params}


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _repr(value):
    """repr without memory addresses (``<function quote_plus>``), so recordings compare equal."""
    return _ADDRESS.sub("", repr(value))


def describe(obj):
    if inspect.isclass(obj):
        kind = "class"
    elif inspect.isroutine(obj):
        kind = "function"
    else:
        kind = "data"
    entry = {
        "kind": kind,
        "type": type(obj).__name__,
        "module": getattr(obj, "__module__", None) if kind != "data" else None,
    }
    if kind != "data":
        entry["signature"] = signature(obj)
    elif isinstance(obj, (int, str, bytes, float, bool)) or obj is None:
        entry["value"] = repr(obj)
    return entry


def collect():
    out = {"modules": {}, "classes": {}}
    for name in MODULES:
        mod = importlib.import_module(name)
        out["modules"][name] = {
            attr: describe(getattr(mod, attr))
            for attr in sorted(dir(mod))
            if not attr.startswith("_") and not inspect.ismodule(getattr(mod, attr))
        }
        if name == "qcloud_cos.version":
            out["modules"][name]["__version__"] = describe(mod.__version__)
    for mod_name, cls_name in CLASSES:
        cls = getattr(importlib.import_module(mod_name), cls_name)
        methods = {}
        for attr in sorted(dir(cls)):
            if attr.startswith("_") and attr != "__init__":
                continue
            owner = next(k for k in cls.__mro__ if attr in vars(k))
            if owner.__module__ == "builtins":  # inherited from object/Exception: not the SDK's surface
                continue
            value = inspect.getattr_static(cls, attr)
            kind = (
                "staticmethod"
                if isinstance(value, staticmethod)
                else "classmethod"
                if isinstance(value, classmethod)
                else "property"
                if isinstance(value, property)
                else "method"
                if inspect.isroutine(getattr(cls, attr))
                else "data"
            )
            entry = {"kind": kind}
            if kind in ("method", "staticmethod", "classmethod"):
                entry["signature"] = signature(getattr(cls, attr))
            methods[attr] = entry
        out["classes"]["%s.%s" % (mod_name, cls_name)] = methods
    return out


def main(argv):
    import qcloud_cos

    if hasattr(qcloud_cos, "__dropin_version__"):
        sys.exit("refusing: qcloud_cos here is qcloud-cos-dropin, not the official SDK (%s)" % qcloud_cos.__file__)
    out = argv[1] if len(argv) > 1 else OUT
    data = collect()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote the surface of %d modules and %d classes to %s" % (len(data["modules"]), len(data["classes"]), out))


if __name__ == "__main__":
    main(sys.argv)
