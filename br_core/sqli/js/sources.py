"""Where untrusted text comes from, and how a value the analysis cannot resolve is named.

A taint is a label: a known source (the web request, the environment, the command line) is a
high-confidence finding; a parameter, a name imported or never defined, or any other value not
provably constant is a medium one. These read only the file's index, never evaluate a value.
"""

from __future__ import annotations

import re
from itertools import chain

from br_core.sqli.js.bindings import GLOBAL
from br_core.sqli.js.callbacks import callback_receiver
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.sockets import socket_handlers
from br_core.sqli.js.tokens import Tok

SOURCES = (
    (re.compile(r"^(?:req|request|ctx|context|event|body)\b"), "the web request"),
    # Hono's `c.req.query('q')`, `await c.req.json()`; Koa's `ctx.req`: a context's request
    (re.compile(r"^[\w$]+\s*\.\s*req\s*\.\s*[\w$]"), "the web request"),
    (re.compile(r"^process\.env\b"), "environment variables"),
    (re.compile(r"^process\.argv\b"), "command-line arguments"),
    (re.compile(r"^process\.stdin\b"), "standard input"),
    # `fs.readFileSync(p)`, `await fs.promises.readFile(p)`, `readFile` of fs/promises
    (re.compile(r"^(?:[\w$]+\s*\.\s*){0,2}readFile(?:Sync)?\s*\("), "a file read"),
)

# the patterns above as one: most operands match none, and one search beats six
ANY_SOURCE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in SOURCES))


# a parameter of a handler of a connected client's socket (sockets.py's `socket_handlers`)
CLIENT_MESSAGE = "a client's socket message"
_LABELS = (*(label for _, label in SOURCES), CLIENT_MESSAGE)  # one `startswith`, asked per operand


def from_source(taint: str) -> bool:
    """The taint names a known source (the request, the environment), not an unknown name."""
    return taint.startswith(_LABELS)


THROUGH = ", through "  # `f(req.query.id)`: the request's taint, but not the request itself


def request_itself(taint: str) -> bool:
    """The value is the request's own (`req.query.sort`), not what a call made of it: passed
    whole to a raw API, the client wrote the SQL."""
    return taint.startswith("the web request") and THROUGH not in taint


def unresolved(ctx: Ctx, name: str, text: str) -> str:
    """How to name a value the analysis cannot resolve (a medium-confidence source): a
    parameter of the enclosing function (its callers are unknown), a value imported from
    another module, a name the file never assigns, or any other value not provably constant."""
    shown = text[:40]
    scope = GLOBAL  # a name never declared nor in a parameter list: no scope to look up
    handlers = _route_handlers(ctx.index)  # their `{ params }` need the scopes as well
    if name in ctx.index.introduced or _maybe_parameter(ctx.index, name) or handlers:
        scopes = ctx.index.bindings()
        scope = scopes.resolve(name, max(ctx.sink - 1, 0))
        if (scope, name) in scopes.params and scope in handlers:
            return f"the web request (`{shown}`)"
        streams = socket_handlers(ctx.index)
        if (scope, name) in scopes.params and scope in streams:
            return f"{'the web request' if streams[scope] else CLIENT_MESSAGE} (`{shown}`)"
        if (scope, name) in scopes.params and shown == name:
            return f"parameter `{name}`"
    if scope == GLOBAL and (name in _imported_names(ctx.index) or name == "require"):
        return f"`{shown}` (from another module)"
    if scope == GLOBAL and not _defined(ctx.index, name):
        return f"`{shown}`, never defined in this file"
    return f"`{shown}` (not a constant)"


def shadowed(ctx: Ctx, name: str) -> bool:
    """`name` (spelled like a source: `req`, `body`) is, at the sink, a variable of the file's
    own: an element of an array a callback walks (`JOBS.forEach((req) => …)`) or a local
    declaration (`const request = { … }`). Scope decides what a name holds, not its spelling:
    its value is then that binding's, read like any other name's."""
    key = ("shadowed", f"{name}@{ctx.sink}")
    found = ctx.index.memo.get(key)
    if not isinstance(found, bool):
        found = callback_receiver(ctx, name) is not None
        if not found and name in ctx.index.introduced:
            scopes = ctx.index.bindings()
            scope = scopes.resolve(name, max(ctx.sink - 1, 0))
            found = scope != GLOBAL and (scope, name) not in scopes.params
        ctx.index.memo[key] = found
    return found


def _maybe_parameter(index: Index, name: str) -> bool:
    """`name` stands somewhere a parameter may (after `(`, `,` or `...`, in a pattern after
    `{` or `:`, or before `=>`);
    once per name, so a file of sinks on an undeclared name builds no scopes for it."""
    key = ("parameter?", name)
    found = index.memo.get(key)
    if not isinstance(found, bool):
        toks = index.toks
        found = any(
            (k and toks[k - 1].text in {"(", ",", "...", "{", ":"})
            or (k + 1 < len(toks) and toks[k + 1].text == "=>")
            for k in index.where.get(name, [])
        )
        index.memo[key] = found
    return found


def _defined(index: Index, name: str) -> bool:
    """`name` is declared or assigned somewhere in the file: by its tokens, or declared in the
    source text itself (a declaration the tokens missed must not be reported as never
    defined)."""
    if index.assigns.get(name) or name in index.introduced:
        return True
    key = ("defined", "source")
    found = index.memo.get(key)
    if not isinstance(found, set):  # one pass over the file, not one search per name
        src = index.src  # (none without a word that declares: the regex tries every offset)
        found = set(_DEFINES.findall(src)) if any(w in src for w in _DEFINERS) else set()
        index.memo[key] = found
    return name in found


_DEFINERS = ("let", "const", "var", "function", "class")
_DEFINES = re.compile(rf"\b(?:{'|'.join(_DEFINERS)})\s+([\w$]+)")
_IMPORTS = re.compile(
    r"\bimport\s+(?:type\s+)?(?P<what>[^;'\"]*?)\s+from\s*['\"]"
    r"|\b(?:const|let|var)\s+(?P<bound>\{[^{}]*\}|[\w$]+)\s*=\s*require\("
)


def _imported_names(index: Index) -> set[str]:
    """The names this file binds by `import … from` or `= require(…)`, once per file."""
    key = ("import", "names")
    found = index.memo.get(key)
    if not isinstance(found, set):
        found = set()
        # a regex that starts with a word boundary tries every offset (20 ms per MB): only
        # when the file has the words it needs
        has_words = "import" in index.src or "require(" in index.src
        for m in _IMPORTS.finditer(index.src) if has_words else ():
            bound = m.group("what") or m.group("bound") or ""
            # `{ a, b as c }` and `{ a, b: c }` bind a and c; `* as ns` binds ns
            for part in re.split(r"[{},]", bound):
                words = re.findall(r"[\w$]+", part)
                if words:
                    found.add(words[-1])
        index.memo[key] = found
    return found


# Next.js App Router route handlers (and SvelteKit/Astro endpoints): a module's exported
# function named for an HTTP method gets the request (and the route's `{ params }`).
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_HEAD_TOKENS = 40  # from the method's name to its body's `{`: parameters and a return type


def _route_handlers(index: Index) -> set[int]:
    """The body `{` (token index) of each `export [async] function GET(…) {…}` and `export
    const POST = [async] (…) => {…}` of the file, once per file."""
    key = ("route", "handlers")
    found = index.memo.get(key)
    if not isinstance(found, set):
        found = set[int]()
        toks, ends = index.toks, index.ends
        for k in chain.from_iterable(index.where.get(m, ()) for m in _METHODS):
            head = [t.text for t in toks[max(0, k - 3) : k]]
            at = k + 1  # the parameter list's `(`
            if head[-2:] == ["export", "const"] and _text(toks, at) == "=":
                at += 2 if _text(toks, at + 1) == "async" else 1
            elif not (head[-1:] == ["function"] and "export" in head[:-1]):
                continue
            if _text(toks, at) != "(" or ends[at] < 0:
                continue
            for j in range(ends[at] + 1, min(len(toks), ends[at] + _HEAD_TOKENS)):
                if toks[j].text in {"{", ";", "}"}:  # after a return type or an arrow
                    if toks[j].text == "{":
                        found.add(j)
                    break
        index.memo[key] = found
    return found


def _text(toks: list[Tok], k: int) -> str:
    return toks[k].text if k < len(toks) else ""
