"""Passwords given to `chpasswd`: `user:password` lines, with no name for the assignment rule.

chpasswd(8) reads one `user:password` pair a line, and two places hand it those lines:
cloud-init's `chpasswd:` module (its `list:`, a block string or a YAML list of pairs) and a shell
line piping a pair into it (`echo 'deploy:…' | chpasswd`, `chpasswd <<< "root:…"`, in a script
or a Dockerfile's `RUN`). The text after the first `:` is a password, judged as a password's
literal value is anywhere: a crypt hash (`$6$…`, what `chpasswd -e` takes), cloud-init's
`RANDOM`, a reference (`${DEPLOY_PW}`) or a placeholder is no secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from br_core.secrets.generic import Candidate, GenericConfig, value_is_secret

# cloud-init: `chpasswd:` alone on its line, then (indented below it) `list: |` or `list:`.
_MODULE = re.compile(r"(?m)^(?P<indent>[ \t]*)chpasswd:[ \t]*(?:#.*)?\r?$")
_LIST = re.compile(r"list:[ \t]*(?P<block>[|>][-+]?)?[ \t]*(?:#.*)?\r?")
# One pair: a login name (as useradd(8) allows one), `:`, and the password to the line's end.
_PAIR = re.compile(r"[A-Za-z_][\w.-]{0,31}\$?:(?P<password>\S{1,500})")
_ITEM = re.compile(r"-[ \t]+(?P<q>[\"']?)(?P<pair>[^\s\"']{3,540})(?P=q)[ \t]*(?:#.*)?\r?")
# Shell: a quoted or bare pair echoed or printed into `[sudo] chpasswd`, or given as its
# here-string. The pair is one word: a blank, a quote or `|` ends it.
_PIPED = re.compile(
    r"""\b(?:echo|printf)[ \t]+(?:-[a-zA-Z]{1,3}[ \t]+)?(?P<q>["']?)"""
    r"""(?P<pair>[A-Za-z_][\w.-]{0,31}:[^\s"'|;]{1,500})(?P=q)[ \t]*\|[ \t]*"""
    r"""(?:sudo[ \t]+(?:-\S+[ \t]+)*)?chpasswd\b"""
)
_HERE_STRING = re.compile(
    r"""\bchpasswd[ \t]*<<<[ \t]*(?P<q>["']?)"""
    r"""(?P<pair>[A-Za-z_][\w.-]{0,31}:[^\s"'|;]{1,500})(?P=q)"""
)
_LINE_MAX = 2000  # a shell line longer than this is no command line to read
_LIST_LINES = 1000  # a module's list longer than this is no account list


def find_chpasswd_secrets(text: str, config: GenericConfig) -> Iterator[Candidate]:
    """The passwords of `user:password` pairs handed to chpasswd in `text`."""
    for module in _MODULE.finditer(text):
        yield from _module_pairs(text, module, config)
    at = text.find("chpasswd")  # a command's name: lowercase
    while at >= 0:
        start = text.rfind("\n", max(0, at - _LINE_MAX), at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        if end - start <= _LINE_MAX:
            for shape in (_PIPED, _HERE_STRING):
                for piped in shape.finditer(text, start, end):
                    yield from _judged(text, piped.start("pair"), piped.group("pair"), config)
        at = text.find("chpasswd", end)


def _module_pairs(text: str, module: re.Match[str], config: GenericConfig) -> Iterator[Candidate]:
    """The pairs of the `list:` of one cloud-init `chpasswd:` map."""
    depth = len(module.group("indent"))
    for start, end, indent in _lines_below(text, module.end(), depth):
        entry = _LIST.fullmatch(text, start, end)
        if entry is None:
            continue
        for first, item_end, _ in _lines_below(text, end, indent):
            if entry.group("block"):
                pair = text[first:item_end].rstrip(" \t\r")
                yield from _judged(text, first, pair, config)
            else:
                item = _ITEM.fullmatch(text, first, item_end)
                if item is not None:
                    yield from _judged(text, item.start("pair"), item.group("pair"), config)
        return


def _lines_below(text: str, after: int, depth: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, indent) of the text (its indent aside) of the lines after offset `after`
    (the end of a line) indented deeper than `depth`, blank lines among them skipped; they end
    at the first line indented less."""
    pos = after + 1
    for _ in range(_LIST_LINES):
        if pos > len(text):
            return
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        content = line.lstrip(" \t")
        if content.strip():
            indent = len(line) - len(content)
            if indent <= depth:
                return
            yield end - len(content), end, indent
        pos = end + 1


def _judged(text: str, start: int, pair: str, config: GenericConfig) -> Iterator[Candidate]:
    """The password of `pair` (at `start` in `text`) when it is a secret."""
    found = _PAIR.fullmatch(pair)
    if found is None:
        return
    password = found.group("password")
    if value_is_secret(password, False, config, literal_line=True, passphrase=True):
        at = start + found.start("password")
        yield Candidate(at, at + len(password), password)
