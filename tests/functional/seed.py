"""Run the reference document's examples (``examples/seed/``) against the emulator.

Scripts are executed exactly as written; the only thing that differs from a user's machine is
``QCLOUD_COS_ENDPOINT_URL``, which every ``CosConfig`` reads.  ``replace`` substitutes a
placeholder value the document uses for something that cannot exist beforehand (an UploadId),
and templates (``*.template``, the "全部参数请求示例" blocks with ``a|b`` alternatives) are
resolved with ``resolve``.
"""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = os.path.join(ROOT, "examples", "seed")


def source(name):
    with open(os.path.join(SEED, name), encoding="utf-8") as f:
        return f.read()


_ALTERNATIVES = re.compile(r"^(\s*)(\w+)=([^#\n]*?\|[^#\n]*?)(,?)(\s*#.*)?$", re.M)


def resolve(template, choices):
    """Pick one alternative of each ``Name=a|b|c`` kwarg line (index from ``choices``, default 0)."""

    def pick(match):
        indent, name, alternatives, comma = match.group(1), match.group(2), match.group(3), match.group(4)
        return "%s%s=%s%s" % (indent, name, alternatives.split("|")[choices.get(name, 0)].strip(), comma)

    return _ALTERNATIVES.sub(pick, template)


#: The templates' placeholder grants (``GrantRead='string'``) are no grantee: COS refuses them
#: (400 InvalidArgument), so runs that should succeed name real ones.
GRANTS = (
    ("GrantFullControl='string'", "GrantFullControl='id=\"100000000001\"'"),
    ("GrantRead='string'", "GrantRead='id=\"100000000011\"'"),
)


def run(code, *, cwd, scope=None, replace=()):
    """Execute example code in ``cwd``; returns its globals (``response`` and friends).

    ``replace`` is a sequence of ``(old, new)`` pairs, each replacing the first occurrence only.
    """
    for old, new in replace:
        assert old in code, old
        code = code.replace(old, new, 1)
    scope = dict(scope or {}, __name__="__seed__")
    here = os.getcwd()
    os.chdir(str(cwd))
    try:
        exec(compile(code, "seed-example", "exec"), scope)  # noqa: S102 - the document's own code
    finally:
        os.chdir(here)
    return scope
