"""Secrets in the cells of a document's table, named by the column's header.

Notes and runbooks list accounts in tables (`| Service | User | Password |`, then a row per
account): the header cell is the name and each cell below it a value, so a cell under a
`Password`, `API key` or `Token` column is judged as a literal assigned to that name (a word
built passphrase counts under a password's column), and `<redacted>`, `see vault`, `${PW}` or
`****` are not secrets there as anywhere. Markdown pipe tables (a header row, then `|---|`) and
reStructuredText grid tables (a header row, then `+===+`) are read; a row of a table without a
header names nothing (the prose rule reads a row near a sentence that mentions a password).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from br_core.secrets.generic import (
    Candidate,
    GenericConfig,
    is_password_name,
    is_secret_name,
    value_is_secret,
)

# A table line: a row (`| a | b |`) or an rST border (`+---+---+`), optionally indented.
_TABLE_LINE = re.compile(r"^[ \t]*[|+].*[|+][ \t]*\r?$", re.MULTILINE)
# The line under a header: Markdown's `|---|:--:|` or rST's `+====+====+`.
_HEADER_RULE = re.compile(r"[ \t]*(?:\|(?=[ \t:|]*-)[ \t:|-]*|\+(?=\+*=)[=+]*)\r?")
_BORDER = re.compile(r"[ \t]*\+[-=+]*\r?")
_CELL = re.compile(r"[^|]+")
_HEADER_MAX = 60  # a header is a few words; longer cells are sentences, not names
_QUOTES = ("``", "`", "**", '"', "'")


def find_table_secrets(text: str, config: GenericConfig) -> Iterator[Candidate]:
    """Values in the cells under a secret-named column of every headed table in `text`."""
    lines = _TABLE_LINE.finditer(text)
    block: list[re.Match[str]] = []
    for line in lines:
        if block and text.count("\n", block[-1].end(), line.start()) != 1:
            yield from _block_secrets(block, config)
            block = []
        block.append(line)
    if block:
        yield from _block_secrets(block, config)


def _block_secrets(block: list[re.Match[str]], config: GenericConfig) -> Iterator[Candidate]:
    """The secrets of one table (its consecutive lines): its header row names the columns."""
    if _BORDER.fullmatch(block[0].group()):
        block = block[1:]  # rST: the `+---+` border above the header row
    if len(block) < 3 or not _HEADER_RULE.fullmatch(block[1].group()):
        return
    header_line = block[0]
    columns = {
        index: is_password_name(name, config)
        for index, (_, _, name) in enumerate(_cells(header_line))
        if len(name) <= _HEADER_MAX and is_secret_name(name, config)
    }
    if not columns:
        return
    for row in block[2:]:
        if _BORDER.fullmatch(row.group()):
            continue
        for index, (start, _, cell) in enumerate(_cells(row)):
            if index not in columns:
                continue
            value, offset = _unquoted(cell)
            if value and value_is_secret(
                value, False, config, literal_line=True, passphrase=columns[index]
            ):
                yield Candidate(start + offset, start + offset + len(value), value)


def _cells(row: re.Match[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, stripped text) of each cell of a row, by its `|` separators."""
    line = row.group()
    inner_start = line.index("|") + 1 if "|" in line else len(line)
    inner_end = line.rindex("|")
    for cell in _CELL.finditer(line, inner_start, max(inner_start, inner_end)):
        raw = cell.group()
        stripped = raw.strip()
        start = row.start() + cell.start() + (len(raw) - len(raw.lstrip()))
        yield start, start + len(stripped), stripped


def _unquoted(cell: str) -> tuple[str, int]:
    """The cell's text less one pair of code or emphasis marks or quotes, and its offset."""
    for quote in _QUOTES:
        if len(cell) > 2 * len(quote) and cell.startswith(quote) and cell.endswith(quote):
            return cell[len(quote) : -len(quote)], len(quote)
    return cell, 0
