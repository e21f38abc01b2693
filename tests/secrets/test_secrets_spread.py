"""Secrets spread out (issue 17, blind20's misses, studied): values continued over lines
(Python parentheses and `\\`, `+` at a line's end or start in JS/Go/Java), names glued or
numbered (`jwtsigningkey`, `DbPassword2`), and short credential words in a sentence (`pw for
the grafana admin is …`). Each form has look-alikes that must stay unflagged. Secret-shaped
values are built at run time from a seeded RNG; no complete one is in the repository."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from br_core.secrets.rules import scan_text
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings as _findings

R = random.Random(2020)
KEY = rand(R, "alnum", 40)
HEX = rand(R, "hex", 64)
PW = rand(R, "alnum", 6) + "!" + rand(R, "alnum", 5) + "#4"
PLAIN_PW = rand(R, "alnum", 4) + "_" + rand(R, "alnum", 5) + "_" + rand(R, "alnum", 4) + "7"
UUID = "-".join((HEX[:8], HEX[8:12], HEX[12:16], HEX[16:20], HEX[20:32]))


def _ids(cases: Sequence[tuple[object, ...]]) -> list[str]:
    """Test ids by file name and position: a generated value never shows in a test's name."""
    return [f"{case[0]}-{index}" for index, case in enumerate(cases)]


CONTINUED = [
    # Python: the value on the line after `(` or `\`, and literals joined inside the parentheses.
    ("settings.py", f'API_KEY = (\n    "{KEY}"\n)\n', 2, KEY),
    ("settings.py", f'JWT_SIGNING_KEY = (\n    "{HEX}"\n)\n', 2, HEX),
    ("settings.py", f'DB_PASSWORD = ("{PW}")\n', 1, PW),
    ("settings.py", f'SESSION_SECRET = \\\n    "{KEY}"\n', 2, KEY),
    ("settings.py", f'API_TOKEN = (\n    "{KEY[:20]}"\n    "{KEY[20:]}"\n)\n', 2, None),
    ("settings.py", f'API_TOKEN = "{KEY[:20]}" \\\n    "{KEY[20:]}"\n', 1, None),
    # `+` at the end of a line or the start of the next (JS, Go, Java).
    ("config.js", f"const apiKey =\n  '{KEY[:20]}' +\n  '{KEY[20:]}';\n", 2, None),
    ("config.go", f'var authToken = "{KEY[:20]}"\n\t+ "{KEY[20:]}"\n', 1, None),
    ("Config.java", f'String secret = "{KEY[:20]}" +\n    "{KEY[20:]}";\n', 1, None),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), CONTINUED, ids=_ids(CONTINUED))
def test_values_continued_over_lines_are_found_whole(
    name: str, text: str, line: int, value: str | None, tmp_path: Path
) -> None:
    found = _findings(tmp_path, name, text)
    assert [number for number, _ in found] == [line]
    masked = found[0][1]
    if value is not None:
        assert masked == mask_value(value)
    else:  # joined pieces: the finding spans both, showing the first's start and last's end
        assert masked.startswith(KEY[:4]) and masked.endswith(KEY[-4:])
    assert KEY not in masked and KEY[:20] not in masked and KEY[20:] not in masked


NOT_CONTINUED = [
    # A tuple or an expression in the parentheses: not one literal value.
    ("settings.py", f'DB_PASSWORD = ("admin", "{PW}")\n'),
    ("settings.py", f'DB_PASSWORD = (\n    "{PW}" if DEBUG else os.environ["PW"]\n)\n'),
    ("settings.py", f'API_KEYS = (\n    "{KEY[:20]}",\n    "{KEY[20:]}",\n)\n'),
    # Look-ups, placeholders, hashes and ids, continued the same way.
    ("settings.py", 'DB_PASSWORD = (\n    os.environ["DB_PASSWORD"]\n)\n'),
    ("settings.py", 'SLACK_TOKEN = (\n    "$SLACK_TOKEN"\n)\n'),
    ("settings.py", f'API_KEY = (\n    "{KEY[:20]}"\n    "-your-key-here"\n)\n'),
    ("settings.py", f'checksum = (\n    "{HEX}"\n)\ncommit = (\n    "{HEX[:40]}"\n)\n'),
    ("settings.py", f'api_key = (\n    "{UUID}"\n)\n'),
    ("config.js", "const token =\n  'Bearer ' +\n  accessToken;\n"),
    # A name in `::` parts (botocore's endpoint parameters), however it is continued.
    ("regions.py", 'SESSION_AUTH = (\n    "AWS::S3::DisableS3ExpressSessionAuth"\n)\n'),
    ("regions.py", 'SESSION_AUTH = "AWS::S3::DisableS3ExpressSessionAuth"\n'),
    # Adjacent literals outside parentheses and with no `\` are two statements, not one value.
    ("settings.py", f'API_TOKEN = "short"\n"{KEY}"\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_CONTINUED, ids=_ids(NOT_CONTINUED))
def test_continued_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


NAMES = [
    # All-lowercase names glued from words (JS object keys, Go and env names).
    ("config.js", f"module.exports = {{\n  jwtsigningkey: '{HEX}',\n}};\n", 2, HEX),
    ("config.js", f"module.exports = {{\n  stripesecretkey: '{KEY}',\n}};\n", 2, KEY),
    # A number after the secret word: a second secret of the same kind.
    ("config.go", f'var (\n\tDbPassword2 = "{PW}"\n)\n', 2, PW),
    ("config.js", f"const apiKey2 = '{KEY}';\n", 1, KEY),
    ("settings.py", f'token_1 = "{KEY}"\n', 1, KEY),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), NAMES, ids=_ids(NAMES))
def test_glued_and_numbered_names_are_secret_names(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(line, mask_value(value))]


NOT_NAMES = [
    # Glued names whose qualifier changes the meaning, or that only end in `key`.
    ("config.js", f"module.exports = {{\n  publicsigningkey: '{HEX}',\n}};\n"),
    ("config.js", f"module.exports = {{\n  monkey: '{KEY}',\n  sortkey: '{KEY[::-1]}',\n}};\n"),
    ("config.js", "module.exports = {\n  passwordminlength: '9',\n}};\n"),
    # Numbered names that are no secret: a provider called Auth0, a digest, a limit.
    ("settings.py", f'AUTH0_DOMAIN = "{KEY[:12]}.eu.auth0.com"\nAUTH0_TENANT = "{KEY[:16]}"\n'),
    ("settings.py", f'sha256 = "{HEX}"\nmd5 = "{HEX[:32]}"\n'),
    ("config.go", 'var (\n\tPasswordMinLength2 = "10"\n)\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_NAMES, ids=_ids(NOT_NAMES))
def test_names_that_only_look_glued_or_numbered_stay_unflagged(
    name: str, text: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == []


PROSE = [
    # A short credential word, what it belongs to, then `is`, `:` or `=` and the value.
    ("logs/chat-export.txt", f"[09:17] omar: pw for the grafana admin is {PLAIN_PW}\n", PLAIN_PW),
    ("notes.md", f"The pwd for root on db-2: {PLAIN_PW}\n", PLAIN_PW),
    ("chat.log", f"pass for the wifi is `{PLAIN_PW}` btw\n", PLAIN_PW),
    ("chat.log", f"omar: pw for the grafana admin is {PW}\n", PW),
]


@pytest.mark.parametrize(("name", "text", "value"), PROSE, ids=_ids(PROSE))
def test_short_credential_words_in_a_sentence(
    name: str, text: str, value: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(1, mask_value(value))]


def test_a_commit_message_reads_the_same_sentence(tmp_path: Path) -> None:
    message = f"Rotate grafana\n\npw for the grafana admin is {PLAIN_PW}\n"
    assert _findings(tmp_path, "COMMIT_EDITMSG", message) == [(3, mask_value(PLAIN_PW))]


NOT_PROSE = [
    # Prose that only names a password, or says where it is.
    ("chat.log", "pw for the grafana admin is in the vault, ask ops\n"),
    ("notes.md", "The password for each account is generated at first login.\n"),
    ("notes.md", "The pass for the wifi is on the fridge.\n"),
    ("notes.md", "pw for prod is $DB_PASSWORD (see .env.example)\n"),
    ("notes.md", "The pwd for the admin is ******** in this doc.\n"),
    ("notes.md", f"The token for the job is {UUID}.\n"),
    # `pw` inside ordinary words, and a hash named as one.
    ("notes.md", f"The PWA for the shop is {PLAIN_PW[:8]}Installer, we got pwned for a day.\n"),
    ("notes.md", f"The password hash for root is {HEX}\n"),
    # A value too far from the word: more than four words between them.
    ("notes.md", f"pw for the old grafana admin box in the lab is {PLAIN_PW}\n"),
]


@pytest.mark.parametrize(("name", "text"), NOT_PROSE, ids=_ids(NOT_PROSE))
def test_sentences_without_a_credential_stay_unflagged(
    name: str, text: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == []


def _seconds(text: str, syntax: str) -> float:
    """CPU seconds (best of three) of the rules over `text` read as `syntax`."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        scan_text(text, None, syntax)
        best = min(best, time.process_time() - start)
    return best


HOSTILE = [
    ("password = (\n" + '    "token1234"\n' * 20 + ")\n", "code"),  # every piece a keyword
    (f'api_key = "{KEY[:10]}"' + f' +\n  "{KEY[10:20]}"' * 20 + ";\n", "code"),
    ("pw for the admin " * 20 + "\n", "text"),  # a clause opened at every mention
    ("pw for the admin " * 20 + "\n", "prose"),
]


@pytest.mark.parametrize(("unit", "syntax"), HOSTILE, ids=["parens", "plus", "text", "prose"])
def test_spread_forms_stay_linear(unit: str, syntax: str) -> None:
    """A generous bound against quadratic behaviour: four times the text, not sixteen times
    the time (each join and clause is bounded: 16 pieces, four words)."""
    assert _seconds(unit * 4000, syntax) < 8 * _seconds(unit * 1000, syntax)
