"""The prose-password rule: a password pasted into a conversation, with no name beside it.

In a chat log, a transcript, a commit message or a Markdown note people write `can you share the
staging db password?` and, a line or two later, `just use <the password> for now`: no `name =
value` for the assignment rule to read, no `password is …` for its sentence reading. This rule
reads the words of the line that mentions a password and of the two lines after it, and reports
a word only when it is shaped as a generated password is: 10-64 characters mixing lower case,
upper case, digits and a symbol (`!#$%&*+,;=?@^|~`), random (few English-like runs; the
assignment rule's entropy floor), and not an address, path, URL, template or `key=value` pair.
A word-built one (`FalconQuartz49@`, `copper-Falcon71`, `Nimbus294!`: a symbol optional, but
mixed case) counts only as the answer: after the mention on its line, a table's cell, or the
last word of a later line in the window after a reply's cue (`carol: lol it's …`). Prose
rarely holds such a word that is not a password; docs/SECURITY.md gives the false-alarm count
on real projects' READMEs and docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from br_core.secrets.filters import base64_text, is_word_identifier, is_word_password, wordiness
from br_core.secrets.generic import Candidate, GenericConfig, value_is_secret

_FOLLOWING_LINES = 2  # an answer comes on the line of the question or within the next two
_WORD = re.compile(r"(?<!\S)\S{10,80}(?!\S)")  # whole blank-separated words, bounded
_OPENERS = "\"'`([{<*_"
_CLOSERS = "\"'`)]}>*_.,;:"
# Symbols of password generators that prose does not put inside a word (`,` and `;` are
# followed by a blank in a sentence); `-`, `_`, `.`, `'` and `:` join words, and brackets
# belong to code.
_SYMBOLS = frozenset("!#$%&*+,;=?@^|~")
_KEY = re.compile(r"[A-Za-z_][\w.-]{2,}(?=[=:])")  # `name=value`: the assignment rule's to judge
_NOT_SECRET_MARKS = ("://", "/", "\\", "](", "**", "__")
_NOT_SECRET_MARK = re.compile("|".join(map(re.escape, _NOT_SECRET_MARKS)))  # one search, not six
# 40+ characters of the base64 alphabet alone: a certificate or key line, not a typed password
# (the private-key rule judges key blocks whole).
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/=]{40,}")
# A rule or a description of passwords in general (`must be 12+ characters`, `human-style
# passwords (…)`): its words are examples, not a password given.
_POLICY = re.compile(
    r"\b(?:must|should|at least|at most|minimum|characters|e\.g\.|for example|such as"
    r"|passwords)\b"
)
# The word right after a mention (`pass …`, `pw: …`, `password is …`), as group 1.
_DIRECT = re.compile(r"(?:[ \t]*[:=]|[ \t]+(?:is|was))?[ \t]*(\S{10,80})(?!\S)")
# A reply giving a value on a line after the question: the words right before it.
_REPLY_CUE = re.compile(r"(?:\b(?:it'?s|it is|is|use|try)|[:=])[ \t]+$", re.IGNORECASE)
_CUE_REACH = 12
# A login given as a pair on the mention's line (`creds: admin / …`, `user ops / pass …`): the
# word after the user's name and its slash is the password, whatever its shape.
_LOGIN_PAIR = re.compile(
    r"(?<![\w.@-])[\w.@-]{1,40}[ \t]+/[ \t]+(?:(?:pass(?:word)?|passwd|pwd?)[ \t]*:?[ \t]+)?$",
    re.IGNORECASE,
)
_PAIR_REACH = 64
_LINE_END = re.compile(r"[ \t]*(?:\r?\n|$)")
# A password people make to satisfy a policy: a capitalised word, a number, a symbol
# (`Nimbus294!`). Read only as a reply's answer: in prose at large it is an example.
_WORD_NUMBER_SYMBOL = re.compile(r"[A-Z][a-z]{2,11}[0-9]{2,4}[!#$%&*+=?@^~]")
_ROW_MAX = 2000  # a table row longer than this is not read as one
_CELL_PAD = 40  # blanks aligning a table's cells, looked at either side of a word
_BLANKS = re.compile(r"[ \t]+")
_ROW_OPEN = re.compile(r"[ \t]*\|")


def find_prose_passwords(
    text: str, lowered: str, context: re.Pattern[str], config: GenericConfig
) -> Iterator[Candidate]:
    """Password-shaped words on a line where `context` (in `lowered`) mentions a password, or
    on the two lines after it. Each character is read once however many mentions there are,
    but for the word right after a mention on a line an earlier window read (`creds?`, then
    `pass …` on the next line): read again, as the answer it is there."""
    reader = _Reader(text, lowered, config)
    scanned = 0  # where the last window ended: nothing before it is read again
    line_end = 0  # the end of the last mention's line: a mention before it has the same window
    for hit in context.finditer(lowered):
        if hit.start() < line_end:
            continue  # not a search to the line's end per mention: 1 MB of them on one line
        line_start = text.rfind("\n", 0, hit.start()) + 1  # one look back per mention line
        line_end = text.find("\n", hit.start()) + 1 or len(text)
        end = _window_end(text, line_end)
        if hit.start() < scanned:  # the word after the mention was read, as no answer: a
            direct = _DIRECT.match(text, hit.end())  # random one was found, a word-built not
            if direct and is_word_password(
                direct.group(1).lstrip(_OPENERS).rstrip(_CLOSERS), config.secret_words
            ):
                given = (line_start, line_end, *direct.span(1))
                yield from reader.password_words(*direct.span(1), given)
        mention = (line_start, line_end, hit.end(), line_end)
        yield from reader.password_words(max(line_start, scanned), end, mention)
        scanned = end


# A mention's line (start, end) and the span where a word answers it (after it on its line):
# a plain tuple, made for every mention line of a file dense with them.
_Mention = tuple[int, int, int, int]


class _Reader:
    """Reads the words of one text's windows. Whether a mention's line is a rule about
    passwords (`must be 12+ characters, e.g. …`: examples, not a password given) is looked
    for only when a word needs it, and remembered for the line."""

    __slots__ = ("config", "lowered", "policy", "policy_line", "text")

    def __init__(self, text: str, lowered: str, config: GenericConfig) -> None:
        self.text, self.lowered, self.config = text, lowered, config
        self.policy_line, self.policy = -1, False

    def password_words(self, start: int, end: int, mention: _Mention) -> Iterator[Candidate]:
        """The password words between `start` and `end`."""
        for word in _WORD.finditer(self.text, start, end):
            value = word.group().lstrip(_OPENERS).rstrip(_CLOSERS)
            if _is_password_word(value, self.config, self, word, mention):
                at = word.start() + word.group().index(value)
                yield Candidate(at, at + len(value), value)

    def answers(self, word: re.Match[str], mention: _Mention, reply_only: bool = False) -> bool:
        """`word` answers the mention: after it on its line (`the login is admin / …`), a
        whole cell of a table row (`| staging | admin | … |`: a table gives values), or a
        reply on a later line (`carol: it's …`), on a line that is no rule about passwords.
        `reply_only`: only a reply counts (a word with no generator's symbol, which a
        sentence on the mention's line more often names than gives)."""
        line_start, line_end, answer_from, answer_to = mention
        reply = word.start() >= line_end and _is_reply(self.text, word)
        if not reply and (
            not self.after_login_pair(word, mention)
            if reply_only
            else not (answer_from <= word.start() < answer_to or _is_cell(self.text, word))
        ):
            return False
        if self.policy_line != line_start:
            found = _POLICY.search(self.lowered, line_start, line_end)
            self.policy_line, self.policy = line_start, found is not None
        return not self.policy

    def after_login_pair(self, word: re.Match[str], mention: _Mention) -> bool:
        """`word` follows a user's name and a slash after the mention on its line (`creds:
        admin / …`, `user ops / pass …`): a login given, not a password described."""
        line_start, _, answer_from, answer_to = mention
        if not answer_from <= word.start() < answer_to:
            return False
        floor = max(line_start, word.start() - _PAIR_REACH)  # the mention may be the pair's
        return _LOGIN_PAIR.search(self.text, floor, word.start()) is not None


def _is_reply(text: str, word: re.Match[str]) -> bool:
    """`word` ends a line after the mention's and a reply's cue comes right before it
    (`carol: lol it's …`, `bob: try …`): the line answers the question with it."""
    if _LINE_END.match(text, word.end()) is None:
        return False
    floor = max(0, word.start() - _CUE_REACH)
    return _REPLY_CUE.search(text, floor, word.start()) is not None


def _window_end(text: str, line_end: int) -> int:
    """The end of the line `_FOLLOWING_LINES` lines after the one ending at `line_end`."""
    end = line_end
    for _ in range(_FOLLOWING_LINES):
        end = text.find("\n", end) + 1
        if not end:
            return len(text)
    return end


def _is_cell(text: str, word: re.Match[str]) -> bool:
    """`word` is a whole cell of a table row (`| … |`): the row opens its line, and only
    blanks stand between the word and the `|` on each side."""
    before = text[max(0, word.start() - _CELL_PAD) : word.start()].rstrip(" \t")
    if not before.endswith("|") or not text.startswith("|", word.end() + _pad(text, word.end())):
        return False
    floor = max(0, word.start() - _ROW_MAX)  # bounded: a long line's words stay linear
    newline = text.rfind("\n", floor, word.start())
    if newline < 0 and floor > 0:
        return False  # a line longer than a table row
    return _ROW_OPEN.match(text, newline + 1) is not None


def _pad(text: str, at: int) -> int:
    """How many blanks follow `at` (up to `_CELL_PAD`)."""
    run = _BLANKS.match(text, at, at + _CELL_PAD)
    return run.end() - at if run else 0


@lru_cache(maxsize=256)
def _is_word_key(key: str) -> bool:
    """`is_word_identifier` for the `name` of a `name=value` word, remembered: a log or a
    document dense with `password="…"` lines asks it of the same few names on every line."""
    return is_word_identifier(key)


def _is_base64_text(value: str) -> bool:
    """`dXNlcm5hbWU6cGFzc3dvcmQ=` (`username:password`): base64 of printable text, as docs show
    a Basic header. A typed password decodes so by chance about once in 10^8 (every byte of
    random data printable ASCII), and most hold a symbol base64 has not."""
    decoded = base64_text(value)
    return decoded is not None and decoded.isprintable()


def _is_password_word(
    value: str, config: GenericConfig, reader: _Reader, word: re.Match[str], mention: _Mention
) -> bool:
    """`value` (of `word`) is a password; a word-built one only where it answers the mention
    (`reader.answers`), where a sentence gives a password: before the mention or on the lines
    after it a sentence rather describes one (`human-style (Falcon12@) passwords`)."""
    if not 10 <= len(value) <= 64 or _NOT_SECRET_MARK.search(value):
        return False
    if _BASE64_LINE.fullmatch(value):
        return False
    key = _KEY.match(value)
    if key and _is_word_key(key.group()):
        return False
    worded = False
    symbol_less = _SYMBOLS.isdisjoint(value)
    if symbol_less or wordiness(value) >= 0.5:
        # `Correct-Horse-Battery-9!`: an example in prose; a generated one is random, or words
        # run together with a number given as the answer (`is admin / FalconQuartz49@`). A
        # reply on a later line gives one with no generator's symbol (`it's copper-Falcon71`)
        # or a policy's word, number and symbol (`it's Nimbus294!`), which a sentence on the
        # mention's line rather shows as an example (`human-style passwords (Summer2024!)`).
        if is_word_password(value, config.secret_words):
            worded = reader.answers(word, mention, reply_only=symbol_less)
        elif _WORD_NUMBER_SYMBOL.fullmatch(value):
            worded = reader.answers(word, mention, reply_only=True)
        if not worded:
            return False
    # Mixed case, but for words a login pair gives (`user ops / pass maple-otter-canyon-28`).
    if not (
        any(ch.islower() for ch in value)
        and any(ch.isdigit() for ch in value)
        and (
            any(ch.isupper() for ch in value) or (worded and reader.after_login_pair(word, mention))
        )
    ):
        return False
    # Last: decoding is the dearest test, and few words get this far.
    return value_is_secret(
        value, False, config, literal_line=True, passphrase=worded
    ) and not _is_base64_text(value)
