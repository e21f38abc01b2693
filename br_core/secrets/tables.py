"""Secrets in the cells of a document's table, named by the column's header.

Notes and runbooks list accounts in tables (`| Service | User | Password |`, then a row per
account): the header cell is the name and each cell below it a value, so a cell under a
`Password`, `API key` or `Token` column is judged as a literal assigned to that name (a word
built passphrase counts under a password's column), and `<redacted>`, `see vault`, `${PW}` or
`****` are not secrets there as anywhere. Markdown pipe tables (a header row, then `|---|`, the
outer pipes optional: `a | b`, then `--- | ---`), reStructuredText grid tables (a header row,
then `+===+`) and simple tables (`===  ===` borders above and below the header row; the
columns are the `=` runs) are read; a row of a table without a header names nothing (the prose
rule reads a row near a sentence that mentions a password).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator

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
# A Markdown table without outer pipes: its header rule is dash runs joined by `|`.
_BARE_RULE = re.compile(r"(?m)^[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\r?$")
# An rST simple table's border: runs of `=` apart by blanks, one run per column.
_SIMPLE_BORDER = re.compile(r"(?m)^[ \t]*={2,}(?:[ \t]+={2,})+[ \t]*\r?$")
_RUN = re.compile(r"=+")
_ROWS_MAX = 1000  # a table longer than this is data, read no further
_ROW_MAX = 2000  # a line longer than this is no table row


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
    if "|" in text:
        read_to = 0  # the end of the last table read: a rule line among its rows opens none
        for rule in _BARE_RULE.finditer(text):
            if rule.start() >= read_to:
                read_to = yield from _bare_table_secrets(text, rule, config)
    if "==" in text:
        yield from _simple_table_secrets(text, config)


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


def _line_at(text: str, start: int) -> tuple[int, int]:
    """(start, end) of the line starting at `start`, its `\r` aside."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return start, end - 1 if end > start and text[end - 1] == "\r" else end


def _bare_cells(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """(start, stripped text) of the `|`-separated cells of a row, outer pipes or none."""
    cells = []
    at = start
    for raw in text[start:end].split("|"):
        cells.append((at + len(raw) - len(raw.lstrip()), raw.strip()))
        at += len(raw) + 1
    line = text[start:end].strip()
    if line.startswith("|"):
        cells = cells[1:]
    if line.endswith("|"):
        cells = cells[:-1]
    return cells


def _bare_table_secrets(
    text: str, rule: re.Match[str], config: GenericConfig
) -> Generator[Candidate, None, int]:
    """The secrets of a Markdown table without outer pipes: the line above `rule` is the
    header, and the rows run below it to the first line holding no `|`. Returns where the
    table ends."""
    floor = max(0, rule.start() - 1 - _ROW_MAX)
    newline = text.rfind("\n", floor, rule.start() - 1)
    if rule.start() == 0 or (newline < 0 and floor > 0):
        return rule.end()  # no header line, or one longer than a table row
    header = _bare_cells(text, *_line_at(text, newline + 1))
    columns = _secret_columns([name for _, name in header], config)
    pos = rule.end() + 1
    for _ in range(_ROWS_MAX if columns else 0):
        if pos >= len(text):
            break
        start, end = _line_at(text, pos)
        if "|" not in text[start:end] or end - start > _ROW_MAX:
            break
        for index, (cell_start, cell) in enumerate(_bare_cells(text, start, end)):
            if index in columns:
                yield from _cell_secret(cell_start, cell, columns[index], config)
        pos = text.find("\n", start) + 1 or len(text)
    return pos


def _simple_table_secrets(text: str, config: GenericConfig) -> Iterator[Candidate]:
    """The secrets of every rST simple table: a border, the header row, a border, the rows up
    to the next border; each column spans its `=` run and the blanks after it."""
    read_to = 0  # the end of the last table read: its own borders open no table
    for top in _SIMPLE_BORDER.finditer(text):
        if top.start() < read_to:
            continue
        header_start, header_end = _line_at(text, top.end() + 1)
        below = _SIMPLE_BORDER.match(text, header_end + 1) if header_end < len(text) else None
        if below is None or not text[header_start:header_end].strip():
            continue
        line_start = top.start()
        spans = [
            (run.start() - line_start, run.end() - line_start)
            for run in _RUN.finditer(text, top.start(), top.end())
        ]
        names = [text[header_start:header_end][a:b].strip() for a, b in _open_ended(spans)]
        columns = _secret_columns(names, config)
        pos = below.end() + 1
        for _ in range(_ROWS_MAX):
            if pos >= len(text) or _SIMPLE_BORDER.match(text, pos):
                break
            start, end = _line_at(text, pos)
            if columns:
                for index, (a, b) in enumerate(_open_ended(spans)):
                    if index in columns and start + a < end:
                        raw = text[start + a : min(end, start + b)]
                        offset = start + a + len(raw) - len(raw.lstrip())
                        yield from _cell_secret(offset, raw.strip(), columns[index], config)
            pos = text.find("\n", start) + 1 or len(text)
        read_to = pos + 1  # past the bottom border's start


def _open_ended(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each column from its run's start to the next one's; the last to the line's end."""
    starts = [a for a, _ in spans]
    return [(a, b) for a, b in zip(starts, [*starts[1:], _ROW_MAX], strict=True)]


def _secret_columns(names: list[str], config: GenericConfig) -> dict[int, bool]:
    """Index -> the column's name is a password's, for the header cells naming a secret."""
    return {
        index: is_password_name(name, config)
        for index, name in enumerate(names)
        if name and len(name) <= _HEADER_MAX and is_secret_name(name, config)
    }


def _cell_secret(
    start: int, cell: str, password: bool, config: GenericConfig
) -> Iterator[Candidate]:
    """The cell's value (at `start`) when it is a secret."""
    value, offset = _unquoted(cell)
    if value and value_is_secret(value, False, config, literal_line=True, passphrase=password):
        yield Candidate(start + offset, start + offset + len(value), value)
