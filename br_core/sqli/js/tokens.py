"""A small JavaScript/TypeScript tokenizer: enough to find calls, strings and template literals.

Comments are dropped; regular-expression literals are recognised by what precedes `/`; template
literals keep their literal parts and the source of each `${...}` expression (nested strings and
templates inside an expression are skipped over correctly). Never raises on malformed input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass

_PUNCT3 = ("===", "!==", "...", "**=", "<<=", ">>=", "&&=", "||=", "??=", ">>>")
_PUNCT2 = ("=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "+=", "-=", "*=", "/=", "++", "--")
_REGEX_AFTER = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void"}


_NONE: tuple[()] = ()  # shared by every token that has no parts: one allocation, not three


@dataclass(slots=True)
class Tok:
    kind: str  # ident, num, str, tmpl, punct, regex
    text: str
    line: int
    pos: int
    parts: Sequence[str] = _NONE  # template: literal pieces; string: its content
    exprs: Sequence[str] = _NONE  # template: ${} sources
    tagged: bool = False
    expr_pos: Sequence[int] = _NONE  # template: where each ${} source starts


# A string's body up to its closing quote or the end of its line; a backslash escapes the next
# character, a newline included.
_STRING_BODY = {q: re.compile(rf"(?:[^{q}\\\n]|\\[\s\S])*") for q in "'\""}


def _skip_string(src: str, i: int) -> int:
    """The offset just past the string opening at `src[i]`: past its closing quote or the
    newline that ends it (or, at the end of the text, one past it; two past a lone trailing
    backslash, as the escape steps over it)."""
    match = _STRING_BODY[src[i]].match(src, i + 1)
    j = match.end() if match else i + 1
    return j + 3 if j < len(src) and src[j] == "\\" else j + 1


def _template(src: str, i: int) -> tuple[int, list[str], list[str], list[int]]:
    """From the opening backtick: (end, literal parts, expression sources, their offsets)."""
    parts: list[str] = []
    exprs: list[str] = []
    starts: list[int] = []
    buf: list[str] = []
    i += 1
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            buf.append(src[i : i + 2])
            i += 2
        elif ch == "`":
            parts.append("".join(buf))
            return i + 1, parts, exprs, starts
        elif src.startswith("${", i):
            parts.append("".join(buf))
            buf = []
            end = _expr_end(src, i + 2)
            exprs.append(src[i + 2 : end])
            starts.append(i + 2)
            i = end + 1
        elif ch == "$":
            buf.append(ch)
            i += 1
        else:  # a run of plain characters at once
            j = _TEMPLATE_TEXT.match(src, i).end()  # type: ignore[union-attr]
            buf.append(src[i:j])
            i = j
    parts.append("".join(buf))
    return i, parts, exprs, starts


_TEMPLATE_TEXT = re.compile(r"[^\\`$]+")


def _expr_end(src: str, i: int) -> int:
    depth = 0
    while i < len(src):
        ch = src[i]
        if ch in "'\"":
            i = _skip_string(src, i)
            continue
        if ch == "`":
            i = _template(src, i)[0]
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return i


# Keywords that may precede a template literal without tagging it: `return `...${x}``.
_NOT_TAGS = {
    "return",
    "await",
    "yield",
    "typeof",
    "case",
    "in",
    "of",
    "throw",
    "void",
    "new",
    "else",
}


# The common tokens in one regex, matched once per token: blanks, newlines, `//` comments,
# ASCII names (a private `#name` too) and numbers (their rest may be any word character, as
# `\w` is `isalnum()` or `_`), punctuation, longest first, and strings closed on their line.
# Everything else (templates, `/`, block comments, non-ASCII starts, a string left open or
# continued on the next line) takes the character-by-character path below, unchanged.
# (Not `/=`: a `/` may open a regex literal, which depends on the token before it.)
_PUNCT = sorted({p for p in (*_PUNCT3, *_PUNCT2) if p[0] != "/"}, key=len, reverse=True)
# The alternatives start with distinct characters, so their order is only speed: the most
# frequent first (names, then punctuation) saves a failed try on most tokens.
_SIMPLE = re.compile(
    r"(?P<ident>#?[A-Za-z_$][\w$]*)"  # `#name`: a private class member is one name
    r"|(?P<punct>" + "|".join(map(re.escape, _PUNCT)) + r"|[!#%&()*+,\-.:;<=>?@\[\\\]^{|}~])"
    r"|(?P<nl>\n)|(?P<num>[0-9][\w.]*)|(?P<ws>[^\S\n]+)|(?P<comment>//[^\n]*)"
    # a string closed on its own line; one that spans or ends a line takes the path below
    r"|(?P<str>'(?:[^'\\\n]|\\[^\n])*'|\"(?:[^\"\\\n]|\\[^\n])*\")"
)
# ... and every other character, which hands over to `_other_token`. The blanks after a
# token are taken with it (`[^\S\n]*` outside the groups): one match less per space.
_TOKENS = re.compile(r"(?:" + _SIMPLE.pattern + r"|(?P<other>[\s\S]))[^\S\n]*")
_SPACE = re.compile(r"[^\S\n]+")
_WORD = re.compile(r"[\w$]*")
_NUMBER = re.compile(r"[\w.]*")


def _run(pattern: re.Pattern[str], src: str, i: int, n: int) -> int:
    m = pattern.match(src, i, n)
    return m.end() if m else i + 1


def tokenize(src: str, start: int = 0, end: int | None = None, line: int = 1) -> list[Tok]:
    """Tokens of `src[start:end]`; positions stay offsets into `src`."""
    toks: list[Tok] = []
    append = toks.append
    i, n = start, len(src) if end is None else end
    near_end = n - 3 if n < len(src) else n  # a punctuator there is measured past `end`
    while i < n:
        # this loop runs once per token of the file: one lookup decides, and `m[index]` and
        # `m.start()` are read once
        for m in _TOKENS.finditer(src, i, n):
            kind = m.lastgroup
            if kind in _KEPT:
                pos = m.start()
                if pos <= near_end or kind != "punct":
                    append(Tok(kind, m[m.lastindex], line, pos))  # type: ignore[index]
                    continue
            elif kind == "str":
                text = m["str"]
                append(Tok(kind, text, line, m.start(), parts=[text[1:-1]]))
                continue
            elif kind == "nl":
                line += 1
                continue
            elif kind == "ws" or kind == "comment":
                continue
            i, line = _other_token(src, m.start(), n, line, toks)  # the slow path, then on
            break
        else:
            break
    return toks


_KEPT = frozenset({"ident", "punct", "num"})  # what `_SIMPLE` matches and a token is made of


def _other_token(src: str, i: int, n: int, line: int, toks: list[Tok]) -> tuple[int, int]:
    """The token at `src[i]` that `_SIMPLE` does not take: (where the next starts, its line)."""
    ch = src[i]
    if ch.isspace():
        i = _run(_SPACE, src, i, n)  # a run of blanks, not a character at a time
    elif ch == "/" and src.startswith("//", i):
        newline = src.find("\n", i, n)
        i = n if newline < 0 else newline
    elif ch == "/" and src.startswith("/*", i):
        end = src.find("*/", i + 2)
        end = n if end < 0 else end + 2
        line += src.count("\n", i, end)
        i = end
    elif ch in "'\"":
        end = _skip_string(src, i)
        toks.append(Tok("str", src[i:end], line, i, parts=[src[i + 1 : end - 1]]))
        i = end
    elif ch == "`":
        end, parts, exprs, starts = _template(src, i)
        prev = toks[-1] if toks else None
        tagged = prev is not None and (
            (prev.kind == "ident" and prev.text not in _NOT_TAGS) or prev.text in {")", "]"}
        )
        toks.append(Tok("tmpl", src[i:end], line, i, parts, exprs, tagged, starts))
        line += src.count("\n", i, end)
        i = end
    elif ch.isalpha() or ch in "_$":
        j = _run(_WORD, src, i + 1, n)
        toks.append(Tok("ident", src[i:j], line, i))
        i = j
    elif ch.isdigit():
        j = _run(_NUMBER, src, i + 1, n)
        toks.append(Tok("num", src[i:j], line, i))
        i = j
    elif ch == "/" and _regex_allowed(toks):
        j = _regex_end(src, i, n)
        toks.append(Tok("regex", src[i:j], line, i))
        i = j
    else:
        width = 3 if src.startswith(_PUNCT3, i) else 2 if src.startswith(_PUNCT2, i) else 1
        toks.append(Tok("punct", src[i : i + width], line, i))
        i += width
    return i, line


def _regex_end(src: str, i: int, n: int) -> int:
    """The end of the regex literal starting at `src[i]` ("/"), flags included."""
    j = i + 1
    in_class = False
    while j < n and src[j] != "\n" and (src[j] != "/" or in_class):
        if src[j] == "\\":
            j += 1
        elif src[j] == "[":
            in_class = True
        elif src[j] == "]":
            in_class = False
        j += 1
    j += 1
    while j < n and src[j].isalpha():
        j += 1
    return j


def _regex_allowed(toks: list[Tok]) -> bool:
    if not toks:
        return True
    prev = toks[-1]
    if prev.kind in {"num", "str", "tmpl", "regex"}:
        return False
    if prev.kind == "ident":
        return prev.text in _REGEX_AFTER
    return prev.text not in {")", "]", "}"}


# Expression slicing over tokens, shared by the analysis and the rewrite.
def split_top(toks: list[Tok], ops: Set[str], holes: bool = False) -> list[list[Tok]]:
    """`toks` cut at the operators in `ops` outside brackets; an empty part (a hole) is dropped
    unless `holes`."""
    part: list[Tok] = []
    parts = [part]
    depth = 0
    for tok in toks:  # the analysis slices every expression it reads: the kind is read once
        if tok.kind == "punct":
            text = tok.text
            if text in _OPENERS:
                depth += 1
            elif text in _CLOSERS:
                depth -= 1
            elif depth == 0 and text in ops and (holes or part):
                part = []
                parts.append(part)
                continue
        part.append(tok)
    return parts


_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")


def slots(toks: list[Tok]) -> list[list[Tok]]:
    """The comma-separated items of an array literal or pattern, holes kept as empty lists:
    `[, col]` is two slots, the second `col`."""
    return split_top(toks, {","}, holes=True)


def ternary(toks: list[Tok]) -> tuple[list[Tok], list[Tok], list[Tok]] | None:
    depth = 0
    q = -1
    nested = 0
    for k, tok in enumerate(toks):
        if tok.kind != "punct":  # (only a punctuator's text is a bracket, `?` or `:`)
            continue
        text = tok.text
        if text in _OPENERS:
            depth += 1
        elif text in _CLOSERS:
            depth -= 1
        elif depth == 0 and text == "?":
            if q < 0:
                q = k
            else:
                nested += 1
        elif depth == 0 and text == ":" and q >= 0:
            if nested:
                nested -= 1
            else:
                return toks[:q], toks[q + 1 : k], toks[k + 1 :]
    return None


_CONTINUES_AFTER = {"+", "=", "(", "?", ":"}
_CONTINUES_WITH = {"+", ".", "?", ":", "||", "??"}


def until_end(toks: list[Tok], i: int, ends: list[int] | None = None) -> list[Tok]:
    """The expression starting at `i`, up to the end of its statement. With `ends` (from
    `closers(toks)`) each bracketed group is stepped over, not walked through."""
    out: list[Tok] = []
    depth = 0
    line = toks[i].line if i < len(toks) else 0
    k, stop = i, min(len(toks), i + ARG_TOKENS)
    while k < stop:
        tok = toks[k]
        if ends is not None and depth == 0 and ends[k] >= 0:
            end = ends[k]
            if end >= len(toks) or toks[end].text in "([{":  # never closes: runs to the end
                out.extend(toks[k:end])
                break
            before = toks[end - 1]
            # a trailing comma (`{\n  a: 1,\n}`) does not end the group before its closer
            if before.line != toks[end].line and before.text not in _CONTINUES_AFTER | {","}:
                out.extend(toks[k:end])  # as below: a closer on a new line ends the statement
                break
            out.extend(toks[k : end + 1])
            line = toks[end].line
            k = end + 1
            continue
        k += 1
        if tok.kind == "punct" and tok.text in "([{":
            depth += 1
        elif tok.kind == "punct" and tok.text in ")]}":
            if depth == 0:
                break
            depth -= 1
        if depth == 0 and (tok.text in {";", ","} and tok.kind == "punct"):
            break
        if (
            depth == 0
            and out
            and tok.line != line
            and out[-1].text not in _CONTINUES_AFTER
            and tok.text not in _CONTINUES_WITH
        ):
            break  # a new line that does not continue the expression ends the statement
        line = tok.line
        out.append(tok)
    return out


def closers(toks: list[Tok]) -> list[int]:
    """For each opening bracket in `toks`, the index of its closing partner, found in one pass
    over the stream; -1 for every other token. A bracket that never closes gets the index where
    the next bracket that never closes opens (or the end): its contents run to the end of the
    file, and reading them in full for every unclosed call was quadratic."""
    ends = [-1] * len(toks)
    stack: list[int] = []
    for k, tok in enumerate(toks):
        if tok.kind != "punct":
            continue
        if tok.text in "([{":
            stack.append(k)
        elif tok.text in ")]}" and stack:
            ends[stack.pop()] = k
    for here, after in zip(stack, [*stack[1:], len(toks)], strict=False):
        ends[here] = after
    return ends


ARG_TOKENS = 5_000  # a call's arguments are read this far at most: nested calls stay linear


def until_close(toks: list[Tok], i: int, ends: list[int] | None = None) -> list[Tok]:
    """The tokens from `i` up to the bracket that closes the one at `i - 1`. With `ends` (from
    `closers(toks)`) the partner is looked up, not searched for."""
    if ends is not None and i > 0 and ends[i - 1] >= 0:
        return toks[i : min(ends[i - 1], i + ARG_TOKENS)]
    depth = 0
    out: list[Tok] = []
    for k in range(i, min(len(toks), i + ARG_TOKENS)):  # not `toks[i:]`: a copy is quadratic
        tok = toks[k]
        if tok.kind == "punct" and tok.text in "([{":
            depth += 1
        elif tok.kind == "punct" and tok.text in ")]}":
            if depth == 0:
                break
            depth -= 1
        out.append(tok)
    return out
