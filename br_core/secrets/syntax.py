"""Where an unquoted value ends, by the file's syntax.

In code an unquoted value is an expression that `,`, `;` or `)` ends. In a .env file, an INI or
properties file and a YAML block it is a literal running to the end of the line (minus a ` #`
comment), so `DB_PASSWORD=Xk9,q#2;m` is one value there, and masking must cover all of it. In a
shell script a word ends at blanks and at `;`, `|`, `<`, `>`, `)`, not at `,` (nor at `&`: a
password holding one is more common in scripts than a job started with no space before `&`).
In a .netrc file tokens are separated by blanks only (`password` may open its own line). A
commit message is prose: `(pw: …)`, `old secret was …`, read by generic.py's prose rule.
Documents (Markdown, reStructuredText, AsciiDoc, .txt) are TEXT: read as code, since they quote
code and config, and also by the prose rule where a sentence says `the password is …`.
Quoted values already follow their quotes (escapes included) in every syntax.
"""

from __future__ import annotations

import re

CODE, ENV, INI, YAML, SHELL, NETRC, PROSE = "code", "env", "ini", "yaml", "shell", "netrc", "prose"
TEXT = "text"

_BY_SUFFIX = {
    ".log": TEXT,  # chat logs and transcripts: people's sentences, read by prose.py too
    ".env": ENV,
    ".ini": INI,
    ".cfg": INI,
    ".conf": INI,
    ".properties": INI,
    ".yaml": YAML,
    ".yml": YAML,
    ".sh": SHELL,
    ".bash": SHELL,
    ".zsh": SHELL,
    ".ksh": SHELL,
    ".md": TEXT,
    ".markdown": TEXT,
    ".mdx": TEXT,
    ".rst": TEXT,
    ".adoc": TEXT,
    ".txt": TEXT,
    ".text": TEXT,
}
_BY_NAME = {
    ".envrc": SHELL,
    ".bashrc": SHELL,
    ".zshrc": SHELL,
    ".profile": SHELL,
    # Credential files of package tools: `key = value` and `key=value` lines, like INI.
    ".pypirc": INI,
    ".npmrc": INI,
    ".yarnrc": INI,
    ".netrc": NETRC,
    "_netrc": NETRC,
}
# Git's message files (`COMMIT_EDITMSG`, and numbered copies of it as the hook is handed them).
_MESSAGE_FILES = ("commit_editmsg", "merge_msg", "tag_editmsg", "squash_msg")
_VALUE_MAX = 501  # as in generic.py: longer values are never secrets
SYNTAXES = frozenset({CODE, ENV, INI, YAML, SHELL, NETRC, PROSE, TEXT})  # a rule may name them
_COMMENT = {ENV: re.compile(r"[ \t]#"), YAML: re.compile(r"[ \t]#"), INI: re.compile(r"[ \t][#;]")}
_SHELL_END = re.compile(r"[\s;|<>)`]")
_BLANK = re.compile(r"\s")
_FLOW_END = re.compile(r"[,}\]]")
_FIELD_END = re.compile(r"[;\"'\n]")
_CONNINFO_END = re.compile(r"[\s\"'`]")


def syntax_of(rel: str) -> str:
    """The syntax of the file at repository path `rel`: `.env`, `.env.local`, `prod.env` are
    ENV; unknown suffixes are CODE (the cautious reading: a bare word there is a name)."""
    name = rel.rsplit("/", 1)[-1].lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name == ".env" or name.startswith(".env."):
        return ENV
    if name.startswith(_MESSAGE_FILES):
        return PROSE
    dot = name.rfind(".")
    return _BY_SUFFIX.get(name[dot:], CODE) if dot >= 0 else CODE


def bare_value(text: str, start: int, syntax: str, line_start: int) -> str | None:
    """The unquoted value starting at `start` read by `syntax`'s rules, or None for CODE (the
    caller's expression rules apply). `line_start` is the offset of the line holding the name:
    a YAML value inside `{…}` or `[…]` on that line ends at `,`, `}` or `]` as well."""
    if syntax in (CODE, PROSE, TEXT):
        return None
    end = text.find("\n", start, start + _VALUE_MAX)
    value = text[start : end if end >= 0 else start + _VALUE_MAX]
    if syntax in (SHELL, NETRC):
        cut = (_SHELL_END if syntax == SHELL else _BLANK).search(value)
        return value[: cut.start()] if cut else value
    comment = _COMMENT[syntax].search(value)
    if comment:
        value = value[: comment.start()]
    prefix = text[line_start:start]
    if syntax == YAML and _in_flow(prefix):
        cut = _FLOW_END.search(value)
        value = value[: cut.start()] if cut else value
    quote = _open_quote(prefix)
    if quote:  # `"{{ lookup('vault', 'secret=kv/db:password') }}"`: the string ends the value
        value = value.split(quote, 1)[0]
    return value.rstrip(" \t\r")


def connection_field(text: str, name_start: int, start: int) -> str | None:
    """The value at `start` when its name follows a `;` (`Server=db;User Id=app;Password=…;`):
    ADO.NET, ODBC and JDBC connection strings end a field only at `;` or the string's quote,
    in any file type, so `,`, `)` and `}` belong to the password. None for other names."""
    before = text[max(0, name_start - 8) : name_start].rstrip(" \t")
    if not before.endswith(";"):
        return None
    end = _FIELD_END.search(text, start, start + _VALUE_MAX)
    return text[start : end.start() if end else start + _VALUE_MAX]


def conninfo_value(text: str, start: int) -> str:
    """The unquoted value at `start` of a libpq-style `keyword=value` connection string
    (`host=db user=app password=… sslmode=require`): it ends at a blank, or at the quote that
    closes the string holding it (`dsn: "host=… password=…"` in YAML, INI, .env), wherever
    the file's own syntax would run a bare value to the end of the line."""
    end = _CONNINFO_END.search(text, start, start + _VALUE_MAX)
    return text[start : end.start() if end else min(len(text), start + _VALUE_MAX)]


def _open_quote(prefix: str) -> str:
    """The quote of the innermost string still open at the end of `prefix` (a line up to a
    value), or "". A quote opens a string only after a blank, an operator or a bracket, so an
    apostrophe (`don't`) opens none; inside a string another kind of quote nests (a Jinja
    lookup's `'…'` inside YAML's `"…"`)."""
    if not _QUOTES.search(prefix):
        return ""  # most lines: no quote before the value
    opened: list[str] = []
    previous = " "
    for ch in prefix:
        if ch in "\"'`":
            if opened and opened[-1] == ch:
                opened.pop()
            elif previous in _OPENS_STRING:
                opened.append(ch)
        previous = ch
    return opened[-1] if opened else ""


_OPENS_STRING = frozenset(" \t=:,([{")
_QUOTES = re.compile("[\"'`]")


def _in_flow(prefix: str) -> bool:
    """An unclosed `{` or `[` before the value on its line: a YAML flow collection."""
    depth = 0
    for ch in prefix:
        if ch in "{[":
            depth += 1
        elif ch in "}]" and depth:
            depth -= 1
    return depth > 0
