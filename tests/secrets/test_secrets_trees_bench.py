"""bench/secrets_trees.py, the false-alarm bench over directory trees: what it reads (each tree
once, as a hook reads a file), what it prints (one masked line per finding, totals apart) and
when it fails. The secret-shaped value is built at run time; none is in the repository."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.conftest import REPO_ROOT
from tests.data.secrets_corpus import rand

# Appended, not prepended: bench/queue.py must not shadow the stdlib `queue` for later tests.
sys.path.append(str(REPO_ROOT / "bench"))
from secrets_trees import main, walk

R = random.Random(77)
# A generated passphrase (`maple-otter-canyon42`): pronounceable words, then digits.
WORDS = ["".join(R.choice("bdfgklmnprstvz") + R.choice("aeiou") for _ in range(3)) for _ in "abc"]
PHRASE = "-".join(WORDS) + rand(R, "digits", 2)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_finding_is_one_masked_line_and_its_harmless_twin_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "app" / "gradle.properties", f"ossrhPassword={PHRASE}\n")
    _write(tmp_path / "app" / "settings.py", 'PASSWORD = os.environ["DB_PASSWORD"]\n')
    assert main([str(tmp_path / "app")]) == 0
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert line.startswith(f"{tmp_path / 'app' / 'gradle.properties'}:1 ")
    assert line.endswith(f" {mask_value(PHRASE)}")
    assert PHRASE not in out + err
    assert f"# 2 files ({tmp_path / 'app'} 2), 2 lines" in err
    assert "1 findings, 50000.00 per 100k lines" in err


def test_a_tree_named_twice_or_inside_another_is_read_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outer = tmp_path / "outer"
    _write(outer / "a.json", "{}\n")
    _write(outer / "inner" / "b.yaml", "x: 1\n")
    assert main([str(outer), str(outer / "inner"), str(outer)]) == 0
    err = capsys.readouterr().err
    assert f"# 2 files ({outer} 1, {outer / 'inner'} 1)" in err


def test_links_binaries_and_other_suffixes_are_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = _write(tmp_path / "t" / "real.toml", "a = 1\n")
    (tmp_path / "t" / "link.toml").symlink_to(real)
    (tmp_path / "t" / "blob.json").write_bytes(b"\0\1\2")
    _write(tmp_path / "t" / "image.png", f"password={PHRASE}\n")
    assert main([str(tmp_path / "t")]) == 0
    err = capsys.readouterr().err
    assert "# 1 files" in err
    assert "2 skipped" in err


def test_left_out_directories_are_not_entered(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    _write(lib / "os.py", "x = 1\n")
    _write(lib / "site-packages" / "pkg" / "m.py", "y = 2\n")
    found = [path for *_, path in walk([("stdlib", lib)], [lib / "site-packages"])]
    assert found == [lib / "os.py"]


def test_a_run_that_reads_nothing_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "empty" / "notes.bin", "x")
    assert main([str(tmp_path / "empty")]) == 2
    assert "no file read under" in capsys.readouterr().err
    assert main([str(tmp_path / "missing")]) == 2
    assert "not a directory" in capsys.readouterr().err
