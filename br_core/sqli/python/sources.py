"""Name tables for the Python SQL-injection analysis: sources, sanitizers, string methods.

Kept apart from sqli_pyexpr.py so the evaluator reads as logic; extend these sets to teach the
analysis a new source or sanitizer.
"""

from __future__ import annotations

import re

# Free names that are untrusted wherever they appear (Flask's and Bottle's global request).
SOURCE_NAMES = {"request": "the web request"}
SOURCE_ATTRS = {
    "os.environ": "environment variables",
    "environ": "environment variables",
    "sys.argv": "command-line arguments",
    "sys.stdin": "standard input",
    "self.request": "the web request",  # Django class-based views, DRF
    "self.kwargs": "the URL (view kwargs)",  # Django class-based views: captured path parts
}
SOURCE_CALLS = {
    "input": "input()",
    "raw_input": "input()",
    "getenv": "environment variables",
    "os.getenv": "environment variables",
    "os.environ.get": "environment variables",
    "environ.get": "environment variables",
    "parse_args": "command-line arguments",
    "parse_known_args": "command-line arguments",
    "read": "a file or stream read",
    "readline": "a file or stream read",
    "readlines": "a file or stream read",
    "read_text": "a file read",
    "read_bytes": "a file read",
    "recv": "the network",
    "recvfrom": "the network",
    "urlopen": "the network",
    "getpass": "input()",
    "open": "a file read",
    "io.open": "a file read",
    "get_argument": "the web request",
    "get_arguments": "the web request",
    "get_query_argument": "the web request",
    "get_body_argument": "the web request",
    "get_cookie": "the web request",
}
NETWORK_MODULES = {"requests", "httpx", "aiohttp", "urllib3"}
# Calls whose result cannot carry quotes or SQL syntax, or that quote/escape for SQL.
SANITIZERS = {
    "int", "float", "bool", "complex", "len", "abs", "round", "ord", "hash", "id", "hex",
    "oct", "bin", "sum", "UUID", "Decimal", "Fraction", "quote_name", "quote_ident",
    "quote_identifier", "escape_string", "escape_identifier", "escape_literal", "Identifier",
    "Literal", "Placeholder", "literal", "sql_quote", "quote_literal", "strptime",
    "fromisoformat", "fromtimestamp", "isdigit", "isnumeric", "isdecimal", "count", "index",
    "find", "timestamp", "uuid4", "uuid1", "randint", "bindparam", "hexdigest", "digest",
    "isoformat", "get_object_or_404",
}  # fmt: skip
# Reversible encodings: what goes in comes back out by the matching decode, so a call into these
# modules is never a sanitizer, whatever its name (`urllib.parse.quote`, `re.escape`).
ENCODER_MODULES = {
    "base64", "binascii", "codecs", "json", "urllib", "shlex", "re", "pickle", "marshal",
    "html", "xml", "markupsafe", "zlib", "quopri", "uu",
}  # fmt: skip
# Methods that encode reversibly (`p.encode().hex()` comes back with `bytes.fromhex`): a name in
# SANITIZERS (the `hex()` builtin of a number) does not make them one.
ENCODER_METHODS = {"hex"}
# Module-qualified framework sources: `flask.request.args`, `import bottle; bottle.request`.
MODULE_SOURCES = {
    "flask.request": "the web request",
    "flask.globals.request": "the web request",
    "quart.request": "the web request",
    "bottle.request": "the web request",
    "sanic.request": "the web request",
    "sys.argv": "command-line arguments",
    "sys.stdin": "standard input",
    "os.environ": "environment variables",
}
STR_METHODS = {
    "strip", "lstrip", "rstrip", "lower", "upper", "title", "capitalize", "casefold",
    "replace", "encode", "decode", "ljust", "rjust", "center", "zfill", "swapcase",
    "removeprefix", "removesuffix", "expandtabs", "translate",
}  # fmt: skip
STRIP_PATTERN = re.compile(r"\[\^(?:[\w\-]|\\[wd.])+\][+*]?")
# ORM and driver reads: their results come from the database (second-order flows not tracked)
LOOKUPS = {
    "get", "get_or_404", "first_or_404", "one", "one_or_none", "first", "scalar", "scalar_one",
    "scalars", "fetchone", "fetchall", "fetchmany", "find", "find_one", "filter_by", "filter",
    "all", "values_list", "exists", "count", "get_object_or_404",
}  # fmt: skip
# Row reads on a cursor or result: values from the database even when the cursor was passed in
DB_READS = {
    "fetchone", "fetchall", "fetchmany", "fetchval", "fetchrow", "scalar", "scalar_one",
    "scalar_one_or_none", "scalars", "mappings",
}  # fmt: skip
# os.path functions that answer with a bool or a number: no text of the path comes back.
PATH_CHECKS = {f"os.path.{n}" for n in (
    "exists", "lexists", "isfile", "isdir", "islink", "isabs", "ismount", "isjunction",
    "samefile", "getsize", "getmtime", "getatime", "getctime",
)} | {f"posixpath.{n}" for n in ("exists", "isfile", "isdir")}  # fmt: skip
CONTAINER_GETS = {"get", "pop", "setdefault", "getlist", "copy", "values", "items", "keys"}
# Methods that attach bound values to a statement (SQLAlchemy `text(...).bindparams(v=x)`): the
# result is the statement, as constant as before; the values travel apart from the SQL text.
BINDERS = frozenset({"bindparams"})
