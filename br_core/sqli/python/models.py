"""Fields a validating model converts before the program reads them, and attributes a
constructor converts.

pydantic parses every field into its annotated type when a model is made from outside data
(`Order(**payload)`, `Order.model_validate(payload)`, a FastAPI body parameter `order: Order`)
and raises otherwise, so `order.quantity` after `quantity: int` is an int whatever the client
sent. A field is trusted only when its annotation is a type that cannot hold SQL text (a
number, a UUID, a date, a `Literal` of constants, or one of these or None) and no validator of
the class may replace the parsed value afterwards. `model_construct()` skips validation and
makes nothing trusted; SQLModel table models do not validate either, so only pydantic counts.

A plain class or a dataclass converts nothing by its annotations, but its `__init__` (or a
dataclass's `__post_init__`) may: `self.limit = int(self.limit)` as a statement of its own body
(not under a branch), when it is the only assignment of that attribute name in the file, leaves
a number in every object of the class.

marshmallow's `Schema().load(data)` returns a dict holding exactly the declared fields (an
unknown key raises by default), each deserialized: `fields.Int()` gives an int, `fields.Str()`
the client's text, unless a `validate.OneOf(...)` validator limits it to the program's choices.
A schema whose `Meta` changes which keys come back (`unknown`, `fields`, `include`...), a field
stored under another name (`attribute=`), or a hook (`@post_load`) is not modelled.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable

from br_core.sqli.python.cli import CONVERTERS as CONVERTING_CALLS
from br_core.sqli.python.guards import dotted, last_name
from br_core.sqli.python.instances import method_of

CONVERTED = {
    "int", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "datetime.date",
    "datetime.datetime", "time", "timedelta", "Decimal", "decimal.Decimal", "PositiveInt",
    "NegativeInt", "NonNegativeInt", "NonPositiveInt", "PositiveFloat", "NonNegativeFloat",
    "StrictInt", "StrictFloat", "StrictBool", "UUID1", "UUID4", "None",
}  # fmt: skip
# Class methods that make a validated instance from outside data.
VALIDATING_MAKERS = {"model_validate", "model_validate_json", "parse_obj", "parse_raw"}


def model_fields(
    classes: list[ast.ClassDef], qualified: Callable[[str], str]
) -> dict[str, set[str]]:
    """Class name -> the fields its validation converts, for the pydantic models of the file."""
    found: dict[str, set[str]] = {}
    for cls in classes:
        if any(qualified(dotted(b) or "").startswith("pydantic.") for b in cls.bases):
            found[cls.name] = _converted_fields(cls)
    return found


def _converted_fields(cls: ast.ClassDef) -> set[str]:
    fields = {
        stmt.target.id
        for stmt in cls.body
        if isinstance(stmt, ast.AnnAssign)
        and isinstance(stmt.target, ast.Name)
        and _converted(stmt.annotation)
    }
    for method in cls.body:
        for deco in getattr(method, "decorator_list", []):
            target = deco.func if isinstance(deco, ast.Call) else deco
            name = last_name(target)
            if name in {"model_validator", "root_validator"}:
                return set()  # may rewrite any field
            if name.endswith("validator") and isinstance(deco, ast.Call):
                if any(not isinstance(a, ast.Constant) or a.value == "*" for a in deco.args):
                    return set()
                fields -= {a.value for a in deco.args if isinstance(a, ast.Constant)}
    return fields


def _converted(hint: ast.expr) -> bool:
    """`int`, `uuid.UUID`, `int | None`, `Optional[date]`, `Literal["asc", "desc"]`."""
    if isinstance(hint, ast.BinOp) and isinstance(hint.op, ast.BitOr):
        return _converted(hint.left) and _converted(hint.right)
    if isinstance(hint, ast.Constant):
        return hint.value is None
    if isinstance(hint, ast.Subscript):
        outer = last_name(hint.value)
        inner = hint.slice.elts if isinstance(hint.slice, ast.Tuple) else [hint.slice]
        if outer == "Literal":
            return all(isinstance(e, ast.Constant) for e in inner)
        if outer in {"Optional", "Union", "list", "List", "set", "Set", "tuple", "Tuple"}:
            return all(_converted(e) for e in inner if not isinstance(e, ast.Constant))
        return False
    return (dotted(hint) or "") in CONVERTED


def model_of(made: ast.expr | None, annotation: ast.expr | None) -> str | None:
    """The class a local name's object was made as: `Cls(...)`, `Cls.model_validate(...)`,
    or, for a parameter never rebound, its annotation."""
    if isinstance(made, ast.Call):
        func = made.func
        if isinstance(func, ast.Name):
            return func.id
        if (
            isinstance(func, ast.Attribute)
            and func.attr in VALIDATING_MAKERS
            and isinstance(func.value, ast.Name)
        ):
            return func.value.id
        return None
    if made is None and isinstance(annotation, ast.Name):
        return annotation.id
    return None


def constructor_conversions(cls: ast.ClassDef, stores: Counter[str] | None) -> set[str]:
    """Attributes every object of `cls` holds as a number or a UUID its constructor made."""
    if stores is None:
        return set()  # the file sets attributes by computed names (`setattr`)
    found: set[str] = set()
    for name in ("__init__", "__post_init__"):
        method = method_of(cls, name)
        stored: set[str] = set()
        for stmt in method.body if method is not None else []:
            attr = _converted_store(stmt)
            if attr is not None:
                found.add(attr)
            checked = _rejected_unless_listed(stmt)
            # A dataclass's fields are set before `__post_init__` runs; `__init__` must have
            # stored the attribute itself before the check.
            if checked is not None and (checked in stored) == (name == "__init__"):
                found.add(checked)
            stored |= _self_stores(stmt)
    return {attr for attr in found if stores[attr] == (attr in _all_stored(cls))}


def _self_stores(stmt: ast.stmt) -> set[str]:
    return {
        t.attr
        for t in (stmt.targets if isinstance(stmt, ast.Assign) else [])
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    }


def _all_stored(cls: ast.ClassDef) -> set[str]:
    """Attributes the constructors of `cls` store by assignment (a dataclass field is not)."""
    found: set[str] = set()
    for name in ("__init__", "__post_init__"):
        method = method_of(cls, name)
        for stmt in method.body if method is not None else []:
            found |= _self_stores(stmt)
    return found


def _rejected_unless_listed(stmt: ast.stmt) -> str | None:
    """`x` for `if self.x not in ALLOWED: raise ...` (a literal collection or a module
    constant), a statement of the constructor's own body: no object holds another value."""
    if not (isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], ast.Raise)):
        return None
    test = stmt.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    target, right = test.left, test.comparators[0]
    if not (
        isinstance(test.ops[0], ast.NotIn)
        and isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    ):
        return None
    if isinstance(right, ast.List | ast.Tuple | ast.Set):
        listed = all(isinstance(e, ast.Constant) for e in right.elts)
    else:
        listed = isinstance(right, ast.Name) and right.id.isupper()
    return target.attr if listed else None


def _converted_store(stmt: ast.stmt) -> str | None:
    """`x` for `self.x = int(...)` (or another converter), else None."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return None
    target, value = stmt.targets[0], stmt.value
    if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
        return None
    converted = isinstance(value, ast.Call) and last_name(value.func) in CONVERTING_CALLS
    return target.attr if target.value.id == "self" and converted else None


SCHEMA_CONVERTED = {
    "Int", "Integer", "Float", "Decimal", "Bool", "Boolean", "UUID", "Date", "DateTime",
    "NaiveDateTime", "AwareDateTime", "Time", "TimeDelta", "Number",
}  # fmt: skip
_META_KEYS = {"unknown", "fields", "additional", "include", "exclude", "load_only", "dump_only"}


def schema_fields(cls: ast.ClassDef, qualified: Callable[[str], str]) -> dict[str, bool] | None:
    """Field name -> whether `load()` converts it, for a marshmallow schema of known shape."""
    if not any(qualified(dotted(b) or "").startswith("marshmallow.") for b in cls.bases):
        return None
    fields: dict[str, bool] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            stored = {t.id for s in ast.walk(stmt) if isinstance(s, ast.Assign) for t in s.targets
                      if isinstance(t, ast.Name)}  # fmt: skip
            if stored & _META_KEYS:
                return None
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            if stmt.decorator_list or stmt.name == "load":
                return None  # a hook may return anything
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            if any(kw.arg == "attribute" or kw.arg is None for kw in stmt.value.keywords):
                return None
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    fields[target.id] = _schema_converts(stmt.value)
    return fields or None


def _schema_converts(field: ast.Call) -> bool:
    """`fields.Int()`, or any field whose `validate=` holds a `OneOf(...)`: `load()` raises
    unless the value is one of the choices the program wrote, so the text is one of those."""
    if last_name(field.func) in SCHEMA_CONVERTED:
        return True
    validators = [kw.value for kw in field.keywords if kw.arg == "validate"]
    for value in validators:
        listed = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
        if any(isinstance(v, ast.Call) and last_name(v.func) == "OneOf" for v in listed):
            return True
    return False
