"""Round 9 (blind24's false alarms, issue 17): a private module function nothing can call is
dead code; iterating a dict whose keys are all constants yields constants; an argparse option
converted by its `type` (or held to fixed `choices`) is no longer attacker text; ConfigParser `get`
interpolates the options a value names; a pydantic field holds the type it is annotated with, and
an attribute its constructor converts with int() or UUID() holds a number or a UUID, and so does a
numeric field of a marshmallow schema's load()."""

from __future__ import annotations

import ast

import pytest

from br_core.sqli.python import containers
from br_core.sqli.python.analyzer import analyze_source
from br_core.sqli.python.callers import unreachable_defs
from br_core.sqli.python.cli import converted_options
from br_core.sqli.python.containers import interpolated
from br_core.sqli.python.instances import attribute_stores
from br_core.sqli.python.models import constructor_conversions, model_fields, schema_fields
from br_core.sqli.values import Val

DEAD = """\
import sqlite3


def _old(con, name):
    return con.execute("SELECT * FROM t WHERE n = '" + name + "'").fetchall()
"""


def _dead_names(code: str) -> list[str]:
    return [fn.name for fn in unreachable_defs(ast.parse(code))]


@pytest.mark.parametrize(
    ("extra", "dead"),
    [
        ("", ["_old"]),
        ("\n\ndef _older(con):\n    return _old(con, 'x')\n", ["_old", "_older"]),  # a dead caller
        ("\n\ndef lookup(con, n):\n    return _old(con, n)\n", []),  # a live caller
        ("\n\nHANDLERS = {'old': _old}\n", []),  # handed out as a value
        ("\n\n__all__ = ['_old']\n", []),  # exported by name
        ("\n\ndef pick(n):\n    return globals()[n]\n", []),  # looked up by a computed name
    ],
)
def test_a_private_function_is_dead_only_when_nothing_that_runs_names_it(
    extra: str, dead: list[str]
) -> None:
    assert _dead_names(DEAD + extra) == dead


def test_decorated_public_and_recursive_functions() -> None:
    decorated = DEAD.replace("def _old", "@app.get('/old')\ndef _old")
    assert _dead_names(decorated) == []  # a framework calls it
    assert _dead_names(DEAD.replace("_old", "old")) == []  # another module may call it
    recursive = DEAD + "    return _old(con, name[1:])\n"
    assert _dead_names(recursive) == ["_old"]  # calling itself does not make it reachable


def test_findings_in_dead_code_are_dropped_and_public_ones_kept() -> None:
    assert analyze_source(DEAD) == []
    kept = analyze_source(DEAD.replace("_old", "old"))
    assert [(f.line, f.confidence) for f in kept] == [(5, "medium")]


FILTERS = """\
import sqlite3
from flask import request


def search(con):
    where = {{"status": "open"}}
    where["owner"] = request.args["owner"]
    clause = " AND ".join({clause})
    return con.execute("SELECT * FROM tickets WHERE " + clause, {params}).fetchall()
"""


@pytest.mark.parametrize(
    ("clause", "params", "flagged"),
    [
        ('f"{k} = ?" for k in where', "list(where.values())", False),
        ('f"{k} = ?" for k in where.keys()', "list(where.values())", False),
        ('f"{k} = ?" for k, _ in where.items()', "[v for _, v in where.items()]", False),
        ('f"{k} = ?" for k in sorted(where)', "list(where.values())", False),
        # the values stay untrusted, whichever way they are read
        ("f\"{k} = '{v}'\" for k, v in where.items()", "()", True),
        ("f\"x = '{v}'\" for v in where.values()", "()", True),
    ],
)
def test_a_dict_with_constant_keys_yields_constant_keys(
    clause: str, params: str, flagged: bool
) -> None:
    code = FILTERS.format(clause=clause, params=params)
    assert bool(analyze_source(code)) is flagged


def test_a_dict_whose_keys_are_not_all_constants_yields_untrusted_keys() -> None:
    code = FILTERS.format(clause='f"{k} = ?" for k in where', params="()").replace(
        'where["owner"]', 'where[request.args["col"]]'
    )
    assert [f.source for f in analyze_source(code)] == ["the web request"]


def _options(*calls: str) -> set[str]:
    return converted_options(ast.parse("\n".join(calls)))


@pytest.mark.parametrize(
    ("call", "converted"),
    [
        ('p.add_argument("--customer-id", type=int, required=True)', {"customer_id"}),
        ('p.add_argument("-c", "--cid", type=uuid.UUID)', {"cid"}),
        ('p.add_argument("-c", type=float)', {"c"}),
        ('p.add_argument("count", type=int)', {"count"}),  # a positional keeps its name
        ('p.add_argument("--who", dest="user", type=int)', {"user"}),
        ('p.add_argument("--fmt", choices=["csv", "json"])', {"fmt"}),
        ('p.add_argument("--page", choices=range(1, 9))', {"page"}),
        ('p.add_argument("--ids", type=int, nargs="+", default=[1])', {"ids"}),
        ('p.add_argument("-v", action="count")', {"v"}),
        ('p.add_option("--days", type="int")', {"days"}),  # optparse
        ('p.add_argument("--name")', set()),
        ('p.add_argument("--name", type=str)', set()),
        ('p.add_argument("--limit", type=int, default=os.environ["LIMIT"])', set()),
        ('p.add_argument("--fmt", choices=FORMATS)', set()),  # not visibly fixed
        ('p.add_argument("--x", type=int, action=Custom)', set()),  # its own Action class
        ('p.add_option("--days", type="string")', set()),
    ],
)
def test_an_option_is_converted_by_its_type_or_fixed_choices(
    call: str, converted: set[str]
) -> None:
    assert _options(call) == converted


def test_every_option_filling_a_destination_must_convert_it() -> None:
    typed = 'p.add_argument("--account", type=int)'
    assert _options(typed, 'q.add_argument("--account")') == set()
    assert _options(typed, "p.set_defaults(account=input())") == set()
    assert _options(typed, "p.set_defaults(account=3)") == {"account"}
    assert _options(typed, "p.add_argument(*FLAGS)") == set()  # could fill any destination


CLI = """\
import argparse
import sqlite3

parser = argparse.ArgumentParser()
parser.add_argument("--shop-id", type=int)
parser.add_argument("--region")
args = parser.parse_args()
con = sqlite3.connect("s.db")
con.execute(f"SELECT * FROM sales WHERE shop = {args.shop_id}")
con.execute(f"SELECT * FROM sales WHERE region = '{args.region}'")
args.shop_id = input()
con.execute(f"SELECT * FROM sales WHERE shop = {args.shop_id}")
"""


def test_only_the_converted_option_of_the_parsed_command_line_is_trusted() -> None:
    found = [(f.line, f.source) for f in analyze_source(CLI)]
    assert found == [(10, "command-line arguments"), (12, "input()")]


CONFIG = """\
import configparser
import sqlite3
from flask import request

cfg = configparser.{made}
cfg.add_section("q")
cfg.set("{section}", "who", request.args["who"])
cfg.set("q", "where", "owner = '%(who)s'")
sqlite3.connect("t.db").execute("SELECT * FROM t WHERE " + cfg.get("q", "where"{extra}))
"""


@pytest.mark.parametrize(
    ("made", "section", "extra", "flagged"),
    [
        ("ConfigParser()", "q", "", True),
        ("ConfigParser()", "DEFAULT", "", True),  # DEFAULT's options fill every section
        ("ConfigParser()", "other", "", False),  # a missing option raises, never splices
        ("ConfigParser()", "q", ", raw=True", False),
        ("ConfigParser(interpolation=None)", "q", "", False),
        ("RawConfigParser()", "q", "", False),
    ],
)
def test_configparser_get_interpolates_the_options_a_value_names(
    made: str, section: str, extra: str, flagged: bool
) -> None:
    code = CONFIG.format(made=made, section=section, extra=extra)
    assert [f.how for f in analyze_source(code)] == (["%"] if flagged else [])


def test_interpolation_follows_references_and_stops_at_the_depth_limit() -> None:
    text = Val(text="%(a)s", is_str=True)
    parser = containers.make_dict([(("s", "a"), text)])  # refers to itself
    assert not interpolated(parser, "s", text, 1).suspect  # ConfigParser raises past depth 10
    tainted = containers.make_dict([(("s", "a"), Val(taint="input()")), (("s", "b"), text)])
    assert interpolated(tainted, "s", text, 7) == Val(
        taint="input()", built="%", line=7, text="%(a)s", is_str=True
    )


def _fields(body: str, base: str = "BaseModel") -> set[str]:
    code = f"from pydantic import BaseModel\nimport uuid\n\nclass M({base}):\n{body}"
    tree = ast.parse(code)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    imports = {"BaseModel": "pydantic.BaseModel"}
    found = model_fields(classes, lambda n: imports.get(n, n))
    return found.get("M", set())


@pytest.mark.parametrize(
    ("body", "converted"),
    [
        ("    a: int\n    b: str\n", {"a"}),
        ("    a: uuid.UUID | None = None\n", {"a"}),
        ("    a: Optional[float]\n", {"a"}),
        ('    a: Literal["x", "y"]\n', {"a"}),
        ("    a: list[int]\n", {"a"}),
        ("    a: dict[str, int]\n", set()),  # its keys are text
        ("    a: int | str\n", set()),
        # a validator of the field may return anything after parsing; a model-wide one, any
        (
            "    a: int\n    b: int\n    @field_validator('a')\n    def v(cls, x):\n"
            "        return x\n",
            {"b"},
        ),
        (
            "    a: int\n    @model_validator(mode='after')\n    def v(self):\n"
            "        return self\n",
            set(),
        ),
    ],
)
def test_a_pydantic_field_is_converted_by_its_annotation(body: str, converted: set[str]) -> None:
    assert _fields(body) == converted


def test_only_pydantic_models_validate() -> None:
    assert _fields("    a: int\n", base="object") == set()  # a plain class (or a dataclass)


MODEL = """\
import sqlite3
from flask import request
from pydantic import BaseModel

class Q(BaseModel):
    n: int

def view():
    q = Q.{make}(request.get_json())
    sqlite3.connect("t.db").execute(f"SELECT * FROM t LIMIT {{q.n}}")
"""


@pytest.mark.parametrize(
    ("make", "flagged"),
    [("model_validate", False), ("parse_obj", False), ("model_construct", True)],
)
def test_a_model_made_without_validation_is_not_trusted(make: str, flagged: bool) -> None:
    assert bool(analyze_source(MODEL.format(make=make))) is flagged


def _conversions(init: str, extra: str = "") -> set[str]:
    tree = ast.parse(f"class C:\n{init}\n{extra}")
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    return constructor_conversions(cls, attribute_stores(tree))


@pytest.mark.parametrize(
    ("init", "extra", "converted"),
    [
        ("    def __init__(self, n):\n        self.n = int(n)", "", {"n"}),
        ("    def __post_init__(self):\n        self.r = uuid.UUID(self.r)", "", {"r"}),
        ("    def __init__(self, n):\n        self.n = n.strip()", "", set()),
        ("    def __init__(self, n):\n        if n:\n            self.n = int(n)", "", set()),
        # another store of the name anywhere in the file may put text back
        ("    def __init__(self, n):\n        self.n = int(n)", "c.n = input()", set()),
        ("    def __init__(self, n):\n        self.n = int(n)", "setattr(c, k, v)", set()),
    ],
)
def test_a_constructor_converts_an_attribute_only_unconditionally_and_alone(
    init: str, extra: str, converted: set[str]
) -> None:
    assert _conversions(init, extra) == converted


def _schema(body: str) -> dict[str, bool] | None:
    tree = ast.parse(f"class S(Schema):\n{body}")
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    return schema_fields(cls, lambda n: {"Schema": "marshmallow.Schema"}.get(n, n))


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ("    n = fields.Int()\n    s = fields.Str()\n", {"n": True, "s": False}),
        ("    d = fields.DateTime()\n    u = fields.UUID()\n", {"d": True, "u": True}),
        ("    class Meta:\n        ordered = True\n    n = fields.Int()\n", {"n": True}),
        ("    class Meta:\n        unknown = INCLUDE\n    n = fields.Int()\n", None),
        ("    n = fields.Int(attribute='count')\n", None),  # stored under another key
        (
            "    n = fields.Int()\n    @post_load\n    def make(self, data, **kw):\n        pass\n",
            None,
        ),
    ],
)
def test_a_marshmallow_schema_loads_its_declared_fields_converted(
    body: str, fields: dict[str, bool] | None
) -> None:
    assert _schema(body) == fields
