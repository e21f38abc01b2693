"""The labeled SQL-injection corpus: tests/data/sqli_cases/*.cases, one snippet per case.

A case starts with `### <vuln|safe> [ext] | <title>`; `ext` is `py` (default), `py312` (Python
3.12-only syntax, written as .py), `js` or `ts`. Shared by the tests and bench/sqli.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CASES_DIR = Path(__file__).resolve().parent / "sqli_cases"
_HEADER = re.compile(r"^### (?P<label>vuln|safe)(?: (?P<ext>py312|py|js|ts))? \| (?P<title>.+)$")


@dataclass(frozen=True)
class Case:
    id: str
    label: str
    ext: str
    title: str
    code: str

    @property
    def vulnerable(self) -> bool:
        return self.label == "vuln"

    @property
    def suffix(self) -> str:
        return ".py" if self.ext.startswith("py") else f".{self.ext}"


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CASES_DIR.glob("*.cases")):
        current: dict[str, str] | None = None
        lines: list[str] = []
        for line in [*path.read_text(encoding="utf-8").splitlines(), "### end"]:
            match = _HEADER.match(line)
            if match or line == "### end":
                if current is not None:
                    n = sum(1 for c in cases if c.id.startswith(path.stem + "-")) + 1
                    cases.append(
                        Case(
                            id=f"{path.stem}-{n:03d}",
                            label=current["label"],
                            ext=current["ext"] or "py",
                            title=current["title"],
                            code="\n".join(lines).strip() + "\n",
                        )
                    )
                current = match.groupdict() if match else None
                lines = []
            else:
                lines.append(line)
    return cases
