"""Fields a file's own middleware puts on the request, for br_core/sqli/js/expressions.py
(issue 17, round 7).

`app.use((req, res, next) => { req.tenant = TENANTS[req.headers['x-tenant']] || 'public';
next(); })` and, later in the file, `… WHERE tenant = '${req.tenant}'`: the framework never
fills `req.tenant`, so it holds what the file's writes put there. Those writes are found for
every binding of the request's name (a middleware's `req` is another parameter than the
handler's, but the same object), `Object.assign(req, …)` and `req[key] = …` included. The
caller trusts the field only when a write comes before the read and every write is constant,
and one of them replaces the field on every path through its function (a default written
only when the field is empty, `if (!req.tenant) req.tenant = 'public'`, says another module
sets it). A field the framework or a common middleware fills (`req.query`, `req.user`) stays
the request's. Express's `res.locals.key` (a per-request store only the app's own code
fills) is read the same way, unless the file writes `res.locals` whole or by a computed key.
"""

from __future__ import annotations

from br_core.sqli.js.bindings import GLOBAL
from br_core.sqli.js.fields import Write, write_at
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.order import dominates, replaces
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import Tok

# filled by Express, Koa, Fastify, Hapi, Next.js, AWS Lambda or a common middleware (body
# parsers, cookie-parser, express-session, passport, multer)
_FILLED = frozenset({
    "query", "body", "params", "param", "headers", "header", "cookies", "signedCookies", "url",
    "originalUrl", "path", "baseUrl", "hostname", "host", "ip", "ips", "protocol", "method",
    "files", "file", "session", "user", "subdomains", "request", "req", "raw", "rawBody",
    "payload", "state", "auth", "get", "search", "querystring", "href", "origin", "data",
    "pathParameters", "queryStringParameters", "multiValueQueryStringParameters", "fields",
    "form", "args", "input", "socket", "connection", "route", "app", "res", "response",
})  # fmt: skip
_LIMIT = 500  # occurrences of the request's name examined: a huge router stays linear


def set_by_file(index: Index, toks: list[Tok]) -> list[Write] | None:
    """The writes anywhere in the file that may set `toks` (`req.tenant`, exactly a name and
    one field the framework does not fill); None when `toks` is anything else, the file never
    writes the field, or it writes the request in a way that may set any field."""
    path = _field_path(toks)
    if path is None or (len(path) == 1 and path[0] in _FILLED):
        return None
    name = toks[0].text
    memo = ("request field", f"{name}.{'.'.join(path)}")
    if memo not in index.memo:
        index.memo[memo] = _writes(index, name, path)
    found = index.memo[memo]
    return found if isinstance(found, list) else None


def _field_path(toks: list[Tok]) -> list[str] | None:
    """`req.tenant`: [tenant]; `res.locals.tenant` (Express's per-request store, which only
    the app's own code fills): [locals, tenant]; None for anything else."""
    texts = [t.text for t in toks]
    if len(toks) == 3 and texts[1] in {".", "?."} and toks[2].kind == "ident":
        return [texts[2]]
    if len(toks) == 5 and texts[1:4] == [".", "locals", "."] and toks[4].kind == "ident":
        return ["locals", texts[4]]
    return None


def _writes(index: Index, name: str, path: list[str]) -> list[Write] | None:
    all_toks = index.toks
    where = index.where.get(name, [])
    if len(where) > _LIMIT:
        return None
    out: list[Write] = []
    for k in where:
        if k and all_toks[k - 1].text in {".", "?."}:
            continue  # `x.req`: another object's field
        if len(path) > 1 and _store_whole(all_toks, k, path[0]):
            return None  # `Object.assign(res.locals, …)`, `res.locals = …`: any field, unseen
        found = write_at(all_toks, k, path, index.ends)
        if found is None or dead_at(index, all_toks[k].pos):
            continue
        if any(kind == "object" for _, kind, _ in found):
            return None  # `Object.assign(req, …)`, `req[key] = …`: any field, unseen
        out.extend(found)
    if not any(_sets_always(index, k, path) for k, _, _ in out):
        return None  # `if (!req.tenant) req.tenant = 'public'`: a default for a value set upstream
    return out


def _store_whole(toks: list[Tok], k: int, store: str) -> bool:
    """Token k starts `res.<store>` used other than by reading or writing one named field of
    it (`res.locals.x`): passed whole, assigned, or indexed by a computed key."""
    if k + 3 >= len(toks) or toks[k + 1].text not in {".", "?."} or toks[k + 2].text != store:
        return False
    return toks[k + 3].text not in {".", "?."} or k + 4 >= len(toks) or toks[k + 4].kind != "ident"


def _sets_always(index: Index, k: int, path: list[str]) -> bool:
    """Token k starts `req.key = …` as a statement that runs on every path through its
    function: the middleware replaces whatever was there before it."""
    function = index.bindings().function_of.get(index.block[k], GLOBAL)
    if function == GLOBAL or not replaces(index, k, path):
        return False
    return dominates(index, k, index.ends[function])
