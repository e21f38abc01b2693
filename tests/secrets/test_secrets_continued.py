"""Values that continue onto the line below their name (issue 17 item 9): an XML element's
text or `<value>` child under `<property name="password">` or `<entry key="…">`, a YAML key
whose plain value sits alone on the next line, a shell flag (`--password \\`) whose value opens
the continued line; and punctuated passwords whose `{}` or `{!x}` only looks like a format
field. Each is reported on the line holding the value; the same layouts holding references,
placeholders, nested keys or another flag stay quiet. Values are built at run time."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings

R = random.Random(2209)
PW = rand(R, "alnum", 6) + "#" + rand(R, "alnum", 5) + "7"
# Word-built, as people make them: a word, a number, a symbol, a word and a digit.
HUMAN = "Harbor" + str(R.randint(10, 99)) + "%lantern" + str(R.randint(1, 9))
# Random passwords holding brackets that pair with nothing: not a format string's fields.
BRACED = rand(R, "alnum", 5) + ".M)4(" + rand(R, "alnum", 3) + "{}s,"
CONVERSION = rand(R, "alnum", 4) + "!F!{!3F}" + rand(R, "alnum", 3) + "}"

FOUND = [
    (
        "applicationContext.xml",
        '<bean id="mail">\n  <property name="password">\n'
        f"    <value>{HUMAN}</value>\n  </property>\n</bean>\n",
        3,
        HUMAN,
    ),
    (
        "beans.xml",
        f'<property name="password"><value>{PW}</value></property>\n',
        1,
        PW,
    ),
    ("app.xml", f'<entry key="db.password">\n    {PW}\n</entry>\n', 2, PW),
    ("settings.xml", f"<server>\n  <password>\n    {PW}\n  </password>\n</server>\n", 3, PW),
    ("values.yaml", f"postgresql:\n  auth:\n    password:\n      {PW}\n    user: app\n", 4, PW),
    (
        "deploy.sh",
        f"mysql --user=app \\\n  --password \\\n  {PW} \\\n  -h db.internal\n",
        3,
        PW,
    ),
    ("deploy.sh", f"psql \\\n  --password='{BRACED}' \\\n  -f latest.sql\n", 2, BRACED),
    ("values.yaml", f'postgresql:\n  auth:\n    password: "{CONVERSION}"\n', 3, CONVERSION),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), FOUND, ids=[c[0] for c in FOUND])
def test_a_value_below_its_name_is_found(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    found = findings(tmp_path, name, text)
    assert found == [(line, mask_value(value))]
    assert value not in repr(found)


NOT_FOUND = [
    ("beans.xml", '<property name="password">\n  <value>${jdbc.password}</value>\n</property>\n'),
    ("beans.xml", '<property name="passwordEncoder">\n  <bean class="x.Encoder"/>\n</property>\n'),
    ("strings.xml", '<string name="password_hint">\n  Password\n</string>\n'),
    ("app.xml", '<entry key="db.password">\n    changeme\n</entry>\n'),
    # A key opening a mapping or a list, a value running over lines, a sibling key below.
    ("values.yaml", "auth:\n  password:\n    secretKeyRef: db-credentials\n"),
    ("values.yaml", f"auth:\n  password:\n  {PW}: 1\n"),
    ("values.yaml", f"auth:\n  password:\n    - {PW}\n"),
    ("values.yaml", f"notes:\n  password:\n    {PW}\n    rotated on Monday\n"),
    ("values.yaml", "auth:\n  password:\n    ${DB_PASSWORD}\n"),
    # The flag is followed by another flag (a prompt) or a reference.
    ("deploy.sh", "mysql --user=app \\\n  --password \\\n  --host=db.internal\n"),
    ("deploy.sh", 'mysql --user=app \\\n  --password \\\n  "$DB_PASSWORD" \\\n  -h db\n'),
    # Format strings: their brackets pair.
    ("fmt.py", 'password = "{}-{}-{0}"\ntoken = "{name!r}:{0:>8}"\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_look_alikes_below_a_name_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert findings(tmp_path, name, text) == []
