"""Secrets written inside other strings and in the arguments of a call (issue 17, blind25's
misses): a JAAS line or JSON inside a Java or JS literal, whose own quotes are escaped (`\\"`),
a notebook's code cell stored as JSON strings, and a bare `key` given to a sign-in call
(`wandb.login(key=…)`). Each form has its look-alikes that must stay unflagged. Secret-shaped
values are built at run time from a seeded RNG; no complete one is in the repository."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings as _findings

R = random.Random(2517)
PW = rand(R, "alnum", 7) + "." + rand(R, "alnum", 5) + "@" + rand(R, "alnum", 4)
HEX = rand(R, "hex", 40)
TOKEN = rand(R, "alnum", 26)
JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"


FOUND = [
    (
        "DbConfig.java",
        f'String JAAS =\n    "{JAAS} username=\\"orders\\" password=\\"{PW}\\";";\n',
        2,
        PW,
    ),
    ("client.js", f'const body = "{{\\"token\\": \\"{TOKEN}\\", \\"ttl\\": 60}}";\n', 1, TOKEN),
    ("client.py", f"cfg = 'password=\\'{PW}\\''\n", 1, PW),
    ("train.py", f'wandb.login(key="{HEX}")\n', 1, HEX),
    ("auth.ts", f'await client.signIn(user, key="{HEX}")\n', 1, HEX),
    (
        "analysis.ipynb",
        f'   "source": [\n    "import wandb\\n",\n    "wandb.login(key=\\"{HEX}\\")\\n"\n   ]\n',
        3,
        HEX,
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), FOUND, ids=[c[0] for c in FOUND])
def test_embedded_and_call_forms_are_found(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(line, mask_value(value))]


NOT_FOUND = [
    # Escaped values that are references, placeholders or names, not secrets.
    ("DbConfig.java", f'String J = "{JAAS} password=\\"${{KAFKA_PASSWORD}}\\";";\n'),
    ("client.js", 'const body = "{\\"token\\": \\"<your-token-here>\\"}";\n'),
    ("client.js", 'const body = "{\\"password\\": \\"\\"}";\n'),
    ("client.js", 'const body = "{\\"password_hint\\": \\"' + TOKEN + '\\"}";\n'),
    # An escaped quote after the name that opens nothing before it.
    ("client.js", 'const s = "password\\": \\"' + TOKEN + '\\"";\n'),
    # A `key` given to a call that is no sign-in is a lookup's.
    ("cache.py", f'cache.get(key="{HEX}")\n'),
    ("sort.py", f'rows = sorted(rows, key="{HEX}")\n'),
    ("train.py", 'wandb.login(key=os.environ["WANDB_API_KEY"])\n'),
    ("train.py", 'wandb.login(key="your-wandb-api-key")\n'),
    ("analysis.ipynb", f'    "cache.set(key=\\"{HEX}\\")\\n",\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_embedded_look_alikes_are_not_flagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []
