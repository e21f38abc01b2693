"""Issue 12 (survive hostile input): the secret scanner's items, each pinned by a test."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from br_cli.app import main as br_main
from br_core.scan.baseline import write_baseline
from br_core.secrets.scanner import scan_files
from br_hooks import secrets
from tests.conftest import git
from tests.data.secrets_corpus import make_pem, rand

R = random.Random(1215)
GHP = "ghp_" + rand(R, "alnum", 36)
AKIA = "AKIA" + rand(R, "updig", 16)


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# Item 15: a file over the size cap is never passed silently.


def test_an_oversized_file_fails_closed_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "big.log", "x = 1\n" * 400_000 + f'T = "{GHP}"\n')
    assert secrets.main(["big.log"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "big.log" in err and "[secrets] max_file_kib" in err
    _write(tmp_path, ".buildrunner/config.toml", "[secrets]\nmax_file_kib = 4096\n")
    assert secrets.main(["big.log"]) == 1
    assert GHP not in capsys.readouterr().out


# Item 16: the baseline accepts a secret in its file under its rule, nowhere else.


def test_a_baselined_secret_copied_into_a_new_file_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "legacy.py", f'T = "{GHP}"\n')
    write_baseline(tmp_path, scan_files([Path("legacy.py")], tmp_path).findings)
    assert secrets.main(["legacy.py"]) == 0
    _write(tmp_path, "new.py", f'COPY = "{GHP}"\n')
    assert secrets.main(["new.py"]) == 1
    assert secrets.main(["legacy.py", "new.py"]) == 1


def test_a_baseline_entry_matches_its_rule_too(tmp_path: Path) -> None:
    _write(tmp_path, "legacy.py", f'T = "{GHP}"\n')
    (finding,) = scan_files([Path("legacy.py")], tmp_path).findings
    path = write_baseline(tmp_path, [finding])
    data = json.loads(path.read_text(encoding="utf-8"))
    data["secrets"][0]["rule"] = "generic-secret"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert len(scan_files([Path("legacy.py")], tmp_path).findings) == 1


def test_a_baseline_written_before_the_change_still_reads(tmp_path: Path) -> None:
    """The file format did not change (path, rule, hash since the first version): an existing
    baseline keeps working, now matched on all three."""
    _write(tmp_path, "legacy.py", f'T = "{GHP}"\n')
    (finding,) = scan_files([Path("legacy.py")], tmp_path).findings
    old = {
        "version": 1,
        "tool": "br-secrets",
        "note": "SHA-256 hashes of accepted legacy secrets; no values, no line numbers.",
        "secrets": [{"path": "legacy.py", "rule": "github-token", "hash": finding.secret_hash}],
    }
    _write(tmp_path, ".buildrunner/secrets-baseline.json", json.dumps(old))
    assert scan_files([Path("legacy.py")], tmp_path).findings == []


def test_a_hash_only_baseline_entry_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.py", "x = 1\n")
    entry = {"hash": "0" * 64}
    _write(tmp_path, ".buildrunner/secrets-baseline.json", json.dumps({"secrets": [entry]}))
    assert secrets.main(["a.py"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "br security baseline" in err


def test_history_honours_no_baseline(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(git_repo, "a.py", f'T = "{GHP}"\n')
    git(git_repo, "add", "a.py")
    git(git_repo, "commit", "-q", "-m", "legacy")
    assert br_main(["security", "baseline"]) == 0
    assert br_main(["security", "scan", "--history"]) == 0
    capsys.readouterr()
    assert br_main(["security", "scan", "--history", "--no-baseline"]) == 1
    out = capsys.readouterr().out
    assert "a.py:1: github-token" in out and GHP not in out


# Item 14: a bare PEM header is no private key, and hides nothing after it.

BARE_HEADERS = [
    'KEY_MARKER = "-----BEGIN EC PRIVATE KEY-----"  # br:allow\n',
    'MARKERS = ("-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----")\n',
    "if line.startswith('-----BEGIN PRIVATE KEY-----'):  # br:allow\n",
]


@pytest.mark.parametrize("header", BARE_HEADERS, ids=["ec", "tuple", "startswith"])
def test_a_bare_pem_header_hides_no_secret_after_it(
    header: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # What follows a bare header: base64-looking values the old body rule swallowed.
    after = "".join(f'K{i} = "{rand(R, "b64", 40)}"\n' for i in range(4))
    _write(tmp_path, "keys.py", header + after + f'AWS = "{AKIA}"\nT = "{GHP}"\n')
    result = scan_files([Path("keys.py")], tmp_path)
    assert sorted(f.rule_id for f in result.findings) == ["aws-access-key-id", "github-token"]
    assert secrets.main(["keys.py"]) == 1


@pytest.mark.parametrize("header", BARE_HEADERS, ids=["ec", "tuple", "startswith"])
def test_a_bare_pem_header_is_not_reported(header: str, tmp_path: Path) -> None:
    _write(tmp_path, "keys.py", header + "x = 1\n")
    assert scan_files([Path("keys.py")], tmp_path).findings == []


def test_a_real_key_after_a_bare_header_is_reported(tmp_path: Path) -> None:
    pem = make_pem(R)
    _write(tmp_path, "keys.py", BARE_HEADERS[0] + f'PEM = """{pem}"""\n')
    (finding,) = scan_files([Path("keys.py")], tmp_path).findings
    assert finding.rule_id == "private-key" and finding.line == 2


# Item 5: an AWS key id glued to a path or a name is still one.


@pytest.mark.parametrize(
    "line",
    [
        "aws s3 cp s3://bucket/{key} .\n",
        "git checkout -b feat/{key}\n",
        "LEGACY_{key} = 1\n",
        'url = "https://s3.amazonaws.com/{key}/object"\n',
    ],
    ids=["s3", "branch", "underscore", "path-segment"],
)
def test_aws_key_ids_after_a_slash_or_underscore_are_found(line: str, tmp_path: Path) -> None:
    _write(tmp_path, "a.sh", line.format(key=AKIA))
    (finding,) = scan_files([Path("a.sh")], tmp_path).findings
    assert finding.rule_id == "aws-access-key-id" and AKIA not in finding.message


@pytest.mark.parametrize(
    "line",
    [
        f"blob = {rand(R, 'b64', 30)}/AKIA{rand(R, 'updig', 16)}{rand(R, 'alnum', 9)}\n",
        "role = arn:aws:iam::123456789012:role/AKIAFAKEROLE\n",
        "key = AKIAIOSFODNN7EXAMPLE\n",
    ],
    ids=["in-base64", "short", "documented-example"],
)
def test_aws_key_id_lookalikes_are_not_flagged(line: str, tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", line)
    assert [f.rule_id for f in scan_files([Path("a.txt")], tmp_path).findings] == []


# Item 7: linear in the input, line length included. Quadratic code took 29 s for 320 KB of
# `password=`; these 256 KB inputs take a fraction of a second on an idle machine, so the
# bounds (generous: the suite runs under coverage beside other jobs) only catch a regression.

SIZE = 256_000


@pytest.mark.parametrize(
    "unit",
    ["password=", "eyJ", "sk-ant-", "-----BEGIN RSA PRIVATE KEY-----", "a/b.env/", "api_key: "],
)
@pytest.mark.parametrize("newline", [False, True], ids=["one-line", "many-lines"])
def test_br_secrets_is_linear_in_line_length(
    unit: str, newline: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.chdir(tmp_path)
    unit += "\n" if newline else ""
    _write(tmp_path, "big.txt", unit * (SIZE // len(unit)))
    started = time.perf_counter()
    assert secrets.main(["big.txt"]) in (0, 1)
    assert time.perf_counter() - started < 5.0


def _scan_seconds(tmp_path: Path, count: int) -> float:
    """CPU seconds to scan `count` AWS key ids on one line (the best of two runs): CPU time of
    this process, so other work on a shared machine does not skew the ratio."""
    import time

    keys = " ".join("AKIA" + rand(R, "updig", 16) for _ in range(count))
    _write(tmp_path, "keys.txt", keys)
    best = float("inf")
    for _ in range(2):
        started = time.process_time()
        result = scan_files([Path("keys.txt")], tmp_path)
        best = min(best, time.process_time() - started)
    assert len(result.findings) > count * 0.97  # a few random ids fall to the entropy floor
    assert all(keys.startswith("AKIA", f.column - 1) for f in result.findings)
    return best


def test_many_findings_on_one_line_stay_linear(tmp_path: Path) -> None:
    """Four times the findings on one line cost about four times as long (16 when each finding
    re-read its line: 35 s for 40,000); the ratio does not depend on the machine's speed."""
    assert _scan_seconds(tmp_path, 20_000) < 8 * _scan_seconds(tmp_path, 5_000)
