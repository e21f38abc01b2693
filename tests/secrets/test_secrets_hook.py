# ruff: noqa: E501  (case tables read best one case per line)
"""`br-secrets` as a pre-commit hook: tables of files in, exit code and masked lines out."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from br_core.scan.files import Skip, read_text_file
from br_core.scan.report.json import finding_record
from br_core.scan.report.text import finding_line
from br_core.secrets.scanner import scan_paths
from br_hooks import secrets
from tests.data.secrets_corpus import make_jwt, make_password, make_pem, rand

R = random.Random(42)
GHP = "ghp_" + rand(R, "alnum", 36)
SK_PROJ = "sk-proj-" + rand(R, "url", 120)
AKIA = "AKIA" + rand(R, "updig", 16)
PASSWORD = make_password(R)
HEX32 = rand(R, "hex", 32)
PEM = make_pem(R)
JWT = make_jwt(R)
UUID = "3f1c2b9e-5d7a-4c8e-9b1f-0a2d4e6f8a1c"

FLAGGED = [
    ("neutral-name.py", f'DEFAULT = "{GHP}"\n', "github-token", 1),
    ("client.py", f'client = OpenAI(api_key="{SK_PROJ}")\n', "openai-api-key", 1),
    ("config.js", f'export const config = {{ region: "eu", key: "{AKIA}" }};\n', "aws-access-key-id", 1),
    ("app.ts", f'const dbPassword: string = "{PASSWORD}";\n', "generic-secret", 1),
    ("values.yaml", f"db:\n  host: db\n  password: {PASSWORD}\n", "generic-secret", 3),
    ("settings.json", json.dumps({"apiKey": HEX32}) + "\n", "generic-secret", 1),
    (".env", f"LOG=info\nAPI_TOKEN={HEX32}\n", "generic-secret", 2),
    ("deploy.sh", f'curl -H "Authorization: Bearer {JWT}" https://x\n', "jwt", 1),
    ("Dockerfile", f"FROM alpine\nENV DB_PASSWORD={PASSWORD}\n", "generic-secret", 2),
    ("main.tf", f'resource "x" "y" {{\n  password = "{PASSWORD}"\n}}\n', "generic-secret", 2),
    ("Config.java", f'class C {{ static final String SECRET = "{HEX32}"; }}\n', "generic-secret", 1),
    ("id_rsa", PEM + "\n", "private-key", 1),
    ("db.env", f"DATABASE_URL=postgres://app:{HEX32}@db.prod.internal/app\n", "url-password", 1),
]  # fmt: skip

NOT_FLAGGED = [
    ("env.py", 'import os\nDB_PASSWORD = os.environ["DB_PASSWORD"]\nkey = os.getenv("API_KEY")\n'),
    ("env.js", "const apiKey = process.env.API_KEY;\n"),
    ("Env.java", 'String password = System.getenv("DB_PASSWORD");\n'),
    ("ci.yml", "env:\n  TOKEN: ${{ secrets.TOKEN }}\n  PASSWORD: ${DB_PASSWORD}\n"),
    ("tmpl.yaml", 'password: "{{ .Values.password }}"\napi_key: "<your-api-key>"\n'),
    ("names.py", "def login(password: str) -> None:\n    token = None\n"),
    (".env.example", "API_KEY=\nSECRET_KEY=changeme\nTOKEN=xxxxxxxxxxxxxxxx\n"),
    ("hashes.txt", f"commit {rand(R, 'hex', 40)}\nsha256: {rand(R, 'hex', 64)}\n"),
    ("sri.html", f'<script integrity="sha384-{rand(R, "b64", 64)}"></script>\n'),
    ("Dockerfile", f"FROM python:3.12@sha256:{rand(R, 'hex', 64)}\n"),
    ("ids.py", f'api_key = "{UUID}"\nrequest_id = "{UUID}"\n'),
    ("users.yaml", f'password: "$2b$12${rand(R, "alnum", 53)}"\n'),
    ("key.pub", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rand(R, 'b64', 43)} me@host\n"),
    ("pk.env", f"STRIPE_PUBLISHABLE_KEY=pk_live_{rand(R, 'alnum', 24)}\n"),
    ("img.css", f".a {{ background: url(data:image/png;base64,iVBORw0KGgo{rand(R, 'b64', 300)}); }}\n"),
    ("arn.tf", 'role_arn = "arn:aws:iam::123456789012:role/deploy"\n'),
    ("compose.yml", "environment:\n  POSTGRES_PASSWORD: postgres\n  RABBITMQ_DEFAULT_PASS: guest\n"),
    ("local.env", "DATABASE_URL=postgres://postgres:postgres@localhost:5432/dev\n"),
    ("package-lock.json", json.dumps({"token": GHP}) + "\n"),
    ("node_modules/lib/index.js", f'const t = "{GHP}";\n'),
    ("vendor/pkg/client.go", f'const token = "{GHP}"\n'),
    ("allowed.py", f'TOKEN = "{GHP}"  # br:allow\n'),
    ("gitleaks.py", f'TOKEN = "{GHP}"  # gitleaks:allow\n'),
    ("ds.py", f'TOKEN = "{GHP}"  # pragma: allowlist secret\n'),
    ("docs_example.md", "stripe.api_key = 'sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc'\n"),
    ("jwt_io.md", "Bearer " + make_jwt(R, {"sub": "1234567890", "name": "John Doe", "iat": 1516239022}) + "\n"),
]  # fmt: skip


def _write(root: Path, name: str, content: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "content", "rule_id", "line"), FLAGGED)
def test_flagged(
    name: str,
    content: str,
    rule_id: str,
    line: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, name, content)
    assert secrets.main([name]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{name}:{line}: {rule_id} ")
    assert "(value: " in out and "How to fix:" in out and "rotate" in out


@pytest.mark.parametrize(("name", "content"), NOT_FLAGGED)
def test_not_flagged(
    name: str,
    content: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, name, content)
    assert secrets.main([name]) == 0
    assert capsys.readouterr().out == ""


def _all_output(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize("fmt", [[], ["--json"], ["--sarif"]])
def test_no_output_format_shows_a_secret(
    fmt: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for index, (_, content, _, _) in enumerate(FLAGGED):
        _write(tmp_path, f"f{index}.txt", content)
    assert secrets.main([*fmt, *(f"f{i}.txt" for i in range(len(FLAGGED)))]) == 1
    output = _all_output(capsys)
    for secret in (GHP, SK_PROJ, AKIA, PASSWORD, HEX32, JWT, PEM.splitlines()[3]):
        assert secret not in output
        assert secret[4:-4] not in output


def test_json_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.py", f'x = 1\nTOKEN = "{GHP}"\n')
    assert secrets.main(["--json", "a.py"]) == 1
    document = json.loads(capsys.readouterr().out)
    (finding,) = document["findings"]
    assert finding["path"] == "a.py" and finding["line"] == 2 and finding["column"] == 10
    assert finding["rule_id"] == "github-token"
    assert finding["value"] == f"{GHP[:4]}…{GHP[-4:]}"
    assert len(finding["fingerprint"]) == 16


def test_sarif_output_is_2_1_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.py", f'TOKEN = "{GHP}"\nKEY = "{AKIA}"\n')
    assert secrets.main(["--sarif", "a.py"]) == 1
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0" and "sarif" in log["$schema"]
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "br-secrets"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {
        "github-token",
        "aws-access-key-id",
    }
    regions = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]
    assert regions == [1, 2]
    assert all(r["level"] == "error" and "…" in r["message"]["text"] for r in run["results"])


def test_json_and_sarif_together_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        secrets.main(["--json", "--sarif", "x"])
    assert exc.value.code == 2


def test_no_files_is_clean() -> None:
    assert secrets.main([]) == 0


# Bad input: each case is (name, how to create it, exit code, text expected on stderr or None).
def _binary(p: Path) -> None:
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + GHP.encode())


def _latin1(p: Path) -> None:
    p.write_bytes(b"caf\xe9 = 1\nTOKEN = '" + GHP.encode() + b"'\n")


def _huge(p: Path) -> None:
    p.write_bytes(b"x = 1\n" * (3 * 1024 * 1024 // 6))


def _symlink(p: Path) -> None:
    target = p.with_name("target.py")
    target.write_text(f'T = "{GHP}"\n', encoding="utf-8")
    os.symlink(target.name, p)


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _directory(p: Path) -> None:
    p.mkdir()


BAD_INPUT = [
    ("blob.png", _binary, 0, None),
    ("latin1.py", _latin1, 1, None),  # still scanned: the secret is ASCII
    # Issue 12 item 15 changed this from exit 0: an unscanned file fails closed.
    ("huge.log", _huge, 2, "exceeds the 2048 KiB limit"),
    ("link.py", _symlink, 0, None),
    ("pipe", _fifo, 0, None),
    ("adir", _directory, 0, None),
]


@pytest.mark.parametrize(("name", "make", "code", "notice"), BAD_INPUT)
def test_bad_input(
    name: str,
    make: object,
    code: int,
    notice: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert callable(make)
    make(tmp_path / name)
    assert secrets.main([name]) == code
    err = capsys.readouterr().err
    if notice:
        assert f"br-secrets: {name}: " in err and notice in err
    else:
        assert err == ""


@pytest.mark.parametrize("name", ["missing.py", "file.txt/child.py"])
def test_missing_or_unreadable_file_is_exit_2(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x\n", encoding="utf-8")
    assert secrets.main([name]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"br-secrets: {name}: ") and "\n" not in err and "Traceback" not in err


def test_findings_win_over_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.py", f'T = "{GHP}"\n')
    assert secrets.main(["a.py", "missing.py"]) == 1


def test_read_text_file_api(tmp_path: Path) -> None:
    good = _write(tmp_path, "a.txt", "hello\n")
    assert read_text_file(good) == "hello\n"
    skip = read_text_file(tmp_path / "nope")
    assert isinstance(skip, Skip) and skip.error and skip.notice
    big = _write(tmp_path, "big.txt", "y" * 100)
    too_big = read_text_file(big, max_bytes=10)
    assert isinstance(too_big, Skip) and too_big.notice and not too_big.error


@pytest.mark.parametrize(
    ("path", "content", "message"),
    [
        (".buildrunner/config.toml", "[secrets\n", "invalid TOML"),
        (".buildrunner/config.toml", "[secrets]\nmax_file_kib = 'big'\n", "max_file_kib"),
        (".buildrunner/config.toml", "[secrets]\nexclude = 'x'\n", "exclude must be a list"),
        (".buildrunner/whitelist.txt", "src/a.py:0\n", "line number >= 1"),
        (".buildrunner/whitelist.txt", "two words\n", "contains spaces"),
        (".buildrunner/secrets-baseline.json", "{not json", "not a BuildRunner secrets baseline"),
        (".buildrunner/secrets-baseline.json", '{"secrets": [{"hash": "zz"}]}', "64-hex"),
    ],
)
def test_malformed_settings_are_exit_2_with_one_line(
    path: str,
    content: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, path, content)
    _write(tmp_path, "a.py", "x = 1\n")
    assert secrets.main(["a.py"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and path in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("entry", "allowed"),
    [
        ("src/a.py:2", True),
        ("src/a.py:3", False),
        ("src/**", True),
        ("*.py", True),
        ("src/", True),
        ("docs/**", False),
        ("FINGERPRINT", True),
        ("fp:FINGERPRINT", True),
        ("0123456789abcdef", False),
    ],
)
def test_whitelist_entries(
    entry: str,
    allowed: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "src/a.py", f'x = 1\nT = "{GHP}"\n')
    assert secrets.main(["--json", "src/a.py"]) == 1
    fingerprint = json.loads(capsys.readouterr().out)["findings"][0]["fingerprint"]
    _write(
        tmp_path,
        ".buildrunner/whitelist.txt",
        "# ok\n" + entry.replace("FINGERPRINT", fingerprint) + "\n",
    )
    assert secrets.main(["src/a.py"]) == (0 if allowed else 1)


def test_baseline_accepts_only_known_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from br_core.scan.baseline import load_baseline, write_baseline

    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "legacy.py", f'T = "{GHP}"\n')
    findings = scan_paths([Path("legacy.py")], tmp_path)
    path = write_baseline(tmp_path, findings)
    text = path.read_text(encoding="utf-8")
    assert GHP not in text and '"line"' not in text
    assert len(load_baseline(tmp_path)) == 1
    # Moving the legacy secret around does not churn: hashes, not line numbers.
    _write(tmp_path, "legacy.py", f'\n\n# moved\nT = "{GHP}"\n')
    assert secrets.main(["legacy.py"]) == 0
    assert secrets.main(["--no-baseline", "legacy.py"]) == 1
    _write(tmp_path, "new.py", f'K = "{AKIA}"\n')
    assert secrets.main(["legacy.py", "new.py"]) == 1


def test_scan_paths_api_returns_masked_dicts(tmp_path: Path) -> None:
    _write(tmp_path, "a.py", f'T = "{GHP}"\n')
    (finding,) = scan_paths([tmp_path / "a.py"], tmp_path)
    data = finding_record(finding)
    assert data["path"] == "a.py" and GHP not in json.dumps(data)
    assert finding_line(finding).startswith("a.py:1: github-token ")


def test_scan_paths_walks_directories_and_skips_vendored(tmp_path: Path) -> None:
    _write(tmp_path, "src/pkg/a.py", f'T = "{GHP}"\n')
    _write(tmp_path, "src/node_modules/dep/index.js", f'T = "{GHP}"\n')
    _write(tmp_path, ".git/config", f"token = {GHP}\n")
    found = scan_paths([Path("src"), tmp_path / ".git"], tmp_path)
    assert [f.path for f in found] == ["src/pkg/a.py"]
