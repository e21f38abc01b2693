"""Data flow through containers: dict entries under constant keys, list items at constant
positions (issue 17).

A container's `Val` always carries `elems`, what any element may be; when every key or position
is known it also carries `keys` (a dict) or `items` (a list or tuple), so reading
`m["keyA"]` after `m["keyB"] = param` gives `keyA`'s value, not the whole dict's. Whenever the
analysis cannot follow a change (a non-constant key or index, a method it does not model, the
container handed to a function, a `del` of a non-constant key), `widen` drops the positions
and keys and keeps `elems`: the whole container is then as tainted as anything stored in it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from br_core.sqli.values import SAFE, Val, literal, merge, splice

# Methods that read a container without changing it: its keys and positions stay known.
READERS = {"get", "keys", "values", "items", "copy", "count", "index"}
# Builtins that read an argument without keeping or changing it.
PURE_CALLS = {"len", "str", "repr", "print", "sorted", "list", "tuple", "set", "dict", "isinstance",
              "int", "bool", "any", "all", "enumerate", "iter", "min", "max", "sum", "zip",
              "reversed", "type", "id", "hash", "bytes", "frozenset"}  # fmt: skip


def precise(val: Val) -> bool:
    """Whether `val` is a container whose keys or positions are known."""
    return val.keys is not None or val.items is not None


def widen(val: Val, *added: Val) -> Val:
    """`val` as a container of unknown shape: as tainted as anything in it, or added to it."""
    return Val(taint=val.taint, unknown=val.unknown, elems=merge(val.elems, *added))


def store_any_key(old: Val, key: Val, val: Val) -> Val:
    """`old[key] = val` with a `key` that is not one constant: the container's shape is lost,
    but a dict whose every key was seen keeps what its keys may be (`for k in d` reads them)."""
    wide = widen(old, val)
    if old.keys is not None:
        seen = merge(*(literal(k) for k, _ in old.keys), key)
    elif old.dict_keys is not None:
        seen = merge(old.dict_keys, key)
    else:
        return wide
    return replace(wide, dict_keys=seen)


def make_dict(entries: list[tuple[object, Val]]) -> Val:
    """A dict whose keys are all constants; a repeated key keeps its last value, as Python."""
    keys: dict[object, Val] = {}
    for key, val in entries:
        keys[key] = val
    return Val(elems=merge(*keys.values()) if keys else SAFE, keys=tuple(keys.items()))


def make_list(items: tuple[Val, ...]) -> Val:
    return Val(elems=merge(*items) if items else SAFE, items=items)


def copied(val: Val, into: str = "") -> Val | None:
    """A shallow copy of a container of known shape (`list(a)`, `a.copy()`, `copy.copy(a)`):
    the same keys or positions in a new object, so a later write to one is not seen in the
    other. `into` "list" lists a dict's keys, "dict" copies only a dict; None when unknown."""
    if val.keys is not None and into == "list":
        return make_list(tuple(literal(k) for k, _ in val.keys))
    if val.keys is not None:
        return make_dict(list(val.keys))
    if val.items is not None and into != "dict":
        return make_list(val.items)
    return None


def read_key(base: Val, key: object) -> Val | None:
    """`base[key]` with a constant `key`, or None when the container's shape is unknown."""
    if base.keys is not None:
        found = [v for k, v in base.keys if _same(k, key)]
        return found[0] if found else None
    at = _position(base, key)
    return base.items[at] if base.items is not None and at is not None else None


def read_slice(base: Val, lower: object, upper: object, step: object) -> Val | None:
    """`base[lower:upper:step]` with constant (or absent) bounds on a list of known items."""
    bounds = [
        b if isinstance(b, int) and not isinstance(b, bool) else None for b in (lower, upper, step)
    ]
    if base.items is None or bounds != [lower, upper, step] or step == 0:
        return None
    return make_list(base.items[slice(*bounds)])


def store_key(old: Val, key: object, val: Val) -> Val:
    """`old[key] = val` with a constant `key`: that entry or position changes, nothing else."""
    if old.keys is not None:
        kept = [(k, v) for k, v in old.keys if not _same(k, key)]
        return make_dict([*kept, (key, val)])
    at = _position(old, key)
    if old.items is not None and at is not None:
        items = list(old.items)
        items[at] = val
        return make_list(tuple(items))
    return widen(old, val)


def delete_key(old: Val, key: object) -> Val | None:
    """`del old[key]` with a constant `key`: that entry goes (the later positions shift down),
    or None when the container's shape is unknown or the key is not there."""
    if old.keys is not None:
        kept = [(k, v) for k, v in old.keys if not _same(k, key)]
        return make_dict(kept) if len(kept) < len(old.keys) else None
    at = _position(old, key)
    if old.items is None or at is None:
        return None
    items = list(old.items)
    del items[at]
    return make_list(tuple(items))


def delete_slice(old: Val, lower: object, upper: object, step: object) -> Val | None:
    """`del old[lower:upper:step]` with constant (or absent) bounds on a list of known items."""
    bounds = [
        b if isinstance(b, int) and not isinstance(b, bool) else None for b in (lower, upper, step)
    ]
    if old.items is None or bounds != [lower, upper, step] or step == 0:
        return None
    items = list(old.items)
    del items[slice(*bounds)]
    return make_list(tuple(items))


def call_method(
    old: Val, method: str, args: list[Val], consts: list[object | None]
) -> tuple[Val, Val] | None:
    """(the container after `old.method(*args)`, the call's result) for the methods modelled
    with constant keys or positions, or None: the caller widens the container."""
    if method == "copy" and not args:
        return old, copied(old) or old
    if old.keys is not None:
        return _dict_method(old, method, args, consts)
    if old.items is not None:
        return _list_method(old, method, args, consts)
    return None


def key_of(val: Val) -> Val:
    """Any one key of a dict whose keys are all constants, or all seen: what `for k in d`
    binds."""
    if val.dict_keys is not None:
        return val.dict_keys
    return merge(*(literal(k) for k, _ in val.keys or ()))


def _views(old: Val, method: str) -> Val | None:
    """`d.keys()`, `d.values()`, `d.items()` of a dict whose keys are all constants, as lists
    of known items: the keys stay constants even when the values are untrusted."""
    entries = old.keys or ()
    if method == "keys":
        return make_list(tuple(literal(k) for k, _ in entries))
    if method == "values":
        return make_list(tuple(v for _, v in entries))
    if method == "items":
        pairs = [(literal(k), v) for k, v in entries]
        return make_list(tuple(Val(elems=merge(k, v), items=(k, v)) for k, v in pairs))
    return None


def _dict_method(
    old: Val, method: str, args: list[Val], consts: list[object | None]
) -> tuple[Val, Val] | None:
    view = _views(old, method) if not args else None
    if view is not None:
        return old, view
    if method in {"get", "pop", "setdefault"} and args and consts[0] is not None:
        found = read_key(old, consts[0])
        default = args[1] if len(args) > 1 else SAFE
        result = found if found is not None else default
        if method == "get":
            return old, result
        if method == "pop":
            kept = [(k, v) for k, v in old.keys or () if not _same(k, consts[0])]
            return make_dict(kept), result
        return (old if found is not None else store_key(old, consts[0], default)), result
    if method == "update" and len(args) == 1 and args[0].keys is not None:
        new = old
        for key, val in args[0].keys:
            new = store_key(new, key, val)
        return new, SAFE
    return None


def _list_method(
    old: Val, method: str, args: list[Val], consts: list[object | None]
) -> tuple[Val, Val] | None:
    items = list(old.items or ())
    if method == "append" and len(args) == 1:
        return make_list((*items, args[0])), SAFE
    if method == "appendleft" and len(args) == 1:  # collections.deque
        return make_list((args[0], *items)), SAFE
    if method == "popleft" and not args and items:
        return make_list(tuple(items[1:])), items[0]
    if method == "extend" and len(args) == 1 and args[0].items is not None:
        return make_list((*items, *args[0].items)), SAFE
    if method == "insert" and len(args) == 2 and _int(consts[0]):
        items.insert(int(consts[0]), args[1])  # type: ignore[call-overload]
        return make_list(tuple(items)), SAFE
    at = _position(old, consts[0] if args else -1)
    if method == "pop" and len(args) <= 1 and at is not None:
        result = items.pop(at)
        return make_list(tuple(items)), result
    if method == "remove" and len(args) == 1 and consts[0] is not None:
        for i, item in enumerate(items):
            if not item.has_const:
                return None  # this one might equal the value: which goes is unknown
            if _same(item.const, consts[0]):
                del items[i]
                return make_list(tuple(items)), SAFE
    return None


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def _position(val: Val, index: object) -> int | None:
    """`index` as a position inside `val`'s known items (negative counts from the end)."""
    if val.items is None or not isinstance(index, int) or isinstance(index, bool):
        return None
    return index if -len(val.items) <= index < len(val.items) else None


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def constant_of(val: Val) -> object | None:
    """The constant a key or index argument holds, when it is a str or an int literal."""
    if val.has_const and isinstance(val.const, str | int) and not isinstance(val.const, bool):
        return val.const
    return None


# configparser: entries under (section, option); options are lower-cased, as its optionxform does.
CONFIG_PARSERS = {"configparser.ConfigParser", "configparser.RawConfigParser",
                  "configparser.SafeConfigParser"}  # fmt: skip
_CONFIG_READERS = {"add_section", "has_section", "has_option", "sections", "options"}
_CONFIG_NUMBERS = {"getint", "getfloat", "getboolean"}


def config_method(
    old: Val, method: str, args: list[Val], consts: list[object | None]
) -> tuple[Val, Val] | None:
    """`conf.set(s, o, v)`, `conf.get(s, o)` on a ConfigParser made in this function: each
    option keeps its own value. None for what is not modelled (read(), read_dict()...)."""
    if method in _CONFIG_READERS:
        return old, SAFE
    if method in _CONFIG_NUMBERS:
        return old, SAFE  # converted to a number or a bool, or it raises
    key = _option(consts)
    if key is None or old.keys is None:
        return None
    if method == "set" and len(args) == 3:
        return store_key(old, key, args[2]), SAFE
    if method == "get" and len(args) == 2:
        return old, read_key(old, key) or SAFE  # a missing option raises NoOptionError
    if method == "remove_option" and len(args) == 2:
        return make_dict([(k, v) for k, v in old.keys if not _same(k, key)]), SAFE
    return None


# ConfigParser's BasicInterpolation (its default): `%(name)s` in a value read through `get`
# is replaced by option `name` of the same section, or of DEFAULT, itself interpolated.
INTERPOLATING = {"configparser.ConfigParser", "configparser.SafeConfigParser"}
_REFERENCE = re.compile(r"%\((\w+)\)s")
_MAX_DEPTH = 10  # configparser.MAX_INTERPOLATION_DEPTH: deeper raises


def interpolated(parser: Val, section: str, value: Val, line: int, depth: int = 0) -> Val:
    """`value`, read from `section` through `get`, with the options it refers to spliced in:
    a constant template that names an untrusted option is built from it."""
    names = _REFERENCE.findall(value.text) if "%(" in value.text else []
    if not names or depth >= _MAX_DEPTH:
        return value
    parts = [value]
    for name in names:
        found = read_key(parser, (section, name.lower()))
        found = found if found is not None else read_key(parser, ("DEFAULT", name.lower()))
        if found is not None:  # a missing option raises InterpolationMissingOptionError
            parts.append(interpolated(parser, section, found, line, depth + 1))
    return splice("%", parts, line) if len(parts) > 1 else value


def _option(consts: list[object | None]) -> tuple[str, str] | None:
    if len(consts) < 2 or not isinstance(consts[0], str) or not isinstance(consts[1], str):
        return None
    return consts[0], consts[1].lower()
