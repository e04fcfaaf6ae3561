"""The masked forms of a secret: the shortcut for plain values changes nothing."""

import html
import json
import random
import string
from urllib.parse import quote, quote_plus

from qcloud_cos import _redact


def _all_forms(value):
    forms = {
        value,
        quote(value, safe="-_.~"),
        quote(value, safe=""),
        quote(value, safe="/"),
        quote_plus(value),
        html.escape(value),
        html.escape(value, quote=False),
        json.dumps(value)[1:-1],
        repr(value)[1:-1],
    }
    return forms


def test_plain_values_have_one_form_and_it_is_exact():
    rnd = random.Random(3)
    alphabet = string.ascii_letters + string.digits + "-_.~"
    for _ in range(200):
        value = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(4, 64)))
        assert _redact._variants(value) == {value} == _all_forms(value)


def test_other_values_keep_every_encoded_form():
    for value in ("a/b+c=d", "key with space", "<tok&en>", 'quo"te', "back\\slash", "ünïcode-key"):
        forms = _redact._variants(value)
        assert _all_forms(value) <= forms and len(forms) > 1
    secrets = _redact.Secrets(["Abc/Def+Ghi="])
    assert "Abc" not in secrets.scrub("signature=Abc%2FDef%2BGhi%3D and Abc%2fDef%2bGhi%3d")
