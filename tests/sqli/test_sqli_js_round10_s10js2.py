"""Units behind js_round10_s10-js2.cases (issue 17, round 10): an array that may be the
request's own is untrusted throughout when joined (expressions.py); an array the statements
before the sink took elements out of holds only the slots left (names.py, arrays.py); a name
destructured from an object literal is its own key's value (names.py); a callback's
parameter holds what the private function it is passed to calls it back with
(continuations.py); a field a Fastify route's JSON schema closes (enum, const, numbers) is
validated (routeschemas.py); a zod object schema's `parse` gives its closed fields as
constants (zodschemas.py)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js

_JOINED = """
const {{ Pool }} = require('pg');
const pool = new Pool();
async function f(req) {{
  const xs = {array};
  const list = xs.map({callback}).join(',');
  return pool.query(`SELECT * FROM t WHERE a IN (${{list}})`);
}}
"""


@pytest.mark.parametrize(
    ("array", "callback", "flagged"),
    [
        ("Array.isArray(req.body.xs) ? req.body.xs : []", "(x) => `'${x}'`", True),
        ("req.body.xs || []", "(x) => `'${x}'`", True),
        ("req.body.xs", "(x) => `'${x}'`", True),
        ("Array.isArray(req.body.xs) ? req.body.xs : []", "Number", False),
        ("Array.isArray(req.body.xs) ? req.body.xs : []", "() => '?'", False),
        ("['a', 'b']", "(x) => `'${x}'`", False),
    ],
)
def test_joined_array_that_may_be_the_requests(array: str, callback: str, flagged: bool) -> None:
    assert bool(analyze_js(_JOINED.format(array=array, callback=callback))) is flagged


_SLOTS = """
const db = require('./db');
function f(req) {{
  const cols = {array};
  {ops}
  return db.query(`SELECT ${{cols.join(', ')}} FROM t`);
}}
"""


@pytest.mark.parametrize(
    ("array", "ops", "flagged"),
    [
        ("[req.query.c, 'id']", "cols.shift();", False),
        ("['id', req.query.c]", "cols.pop();", False),
        ("['id', req.query.c, 'name']", "cols.splice(1, 1);", False),
        ("[req.query.c, 'id']", "cols.pop();", True),
        ("['id', req.query.c]", "cols.shift();", True),
        ("[req.query.c, 'id']", "cols.shift(); cols.push(req.query.d);", True),
        ("[req.query.c, 'id']", "if (req.query.x) cols.shift();", True),
        ("[req.query.c, 'id']", "for (const c of []) cols.shift();", True),
        ("[req.query.c, 'id']", "cols.shift(); other.shift();", False),
    ],
)
def test_elements_taken_out_before_a_join(array: str, ops: str, flagged: bool) -> None:
    assert bool(analyze_js(_SLOTS.format(array=array, ops=ops))) is flagged


_PATTERN = """
const db = require('./db');
const BASE = {{ table: 'logs', who: '' }};
function f(req) {{
  const {{ {names} }} = {literal};
  return db.query(`SELECT * FROM ${{table}} WHERE who = ?`, [who]);
}}
"""


@pytest.mark.parametrize(
    ("names", "literal", "flagged"),
    [
        ("table, who", "{ ...BASE, who: req.body.who }", False),
        ("table, who", "{ who: req.body.who, ...BASE }", False),
        ("table: table, who", "{ ...BASE, who: req.body.who }", False),
        ("table = 'x', who", "{ ...BASE, who: req.body.who }", False),
        ("table, who", "{ ...BASE, ...req.body }", True),
        ("table, who", "{ ...BASE, table: req.body.t, who: 1 }", True),
        ("who: table, table: who", "{ ...BASE, who: req.body.who }", True),
    ],
)
def test_destructured_from_a_literal_reads_its_own_key(
    names: str, literal: str, flagged: bool
) -> None:
    assert bool(analyze_js(_PATTERN.format(names=names, literal=literal))) is flagged


_CALLED_BACK = """
const db = require('./db');
const KINDS = new Set(['a', 'b']);
{helper}
app.get('/k', (req, res) => {{
  {call}(req.query.kind, (err, kind) => {{
    db.all(`SELECT * FROM t WHERE kind = '${{kind}}'`, (e, rows) => res.json(rows));
  }});
}});
"""
_CHECKS = "function check(k, cb) { if (!KINDS.has(k)) return cb(new Error('no')); cb(null, k); }"


@pytest.mark.parametrize(
    ("helper", "call", "flagged"),
    [
        (_CHECKS, "check", False),
        ("const check = (k, cb) => { cb(null, KINDS.has(k) ? k : 'a'); };", "check", False),
        ("function check(k, cb) { cb(null, Number(k)); }", "check", False),
        ("function check(k, cb) { cb(null, k); }", "check", True),
        ("function check(k, cb) { if (!k) return cb(new Error()); cb(null, k); }", "check", True),
        ("function check(k, cb) { cb(null, 'a'); setTimeout(cb, 1); }", "check", True),
        ("function check(k, cb) { cb(null, 'a'); }\nmodule.exports = check;", "check", True),
        ("export " + _CHECKS, "check", True),
        (_CHECKS, "lib.check", True),
    ],
)
def test_callback_parameter_holds_what_the_helper_calls_back_with(
    helper: str, call: str, flagged: bool
) -> None:
    assert bool(analyze_js(_CALLED_BACK.format(helper=helper, call=call))) is flagged


_FASTIFY = """
const fastify = require('fastify')();
const SCHEMA = {{ querystring: {{ properties: {{ v: {field} }} }} }};
fastify.get('/r', {options}, async (request, reply) => {{
  return fastify.pg.query(`SELECT * FROM t ORDER BY ${{request.query.{read}}}`);
}});
"""


@pytest.mark.parametrize(
    ("field", "options", "read", "flagged"),
    [
        ("{ enum: ['a', 'b'] }", "{ schema: SCHEMA }", "v", False),
        ("{ type: 'string', enum: ['a', 'b'] }", "{ schema: SCHEMA }", "v", False),
        ("{ const: 'a' }", "{ schema: SCHEMA }", "v", False),
        ("{ type: 'integer' }", "{ schema: SCHEMA }", "v", False),
        ("{ type: ['number', 'null'] }", "{ schema: SCHEMA }", "v", False),
        ("{ type: 'string' }", "{ schema: SCHEMA }", "v", True),
        ("{ type: 'string', maxLength: 8 }", "{ schema: SCHEMA }", "v", True),
        ("{ type: ['string', 'integer'] }", "{ schema: SCHEMA }", "v", True),
        ("{ enum: ['a', VALUES] }", "{ schema: SCHEMA }", "v", True),
        ("{ enum: ['a', 'b'] }", "{ schema: SCHEMA }", "w", True),
        ("{ enum: ['a', 'b'] }", "{ schema: SCHEMA, attachValidation: true }", "v", True),
        ("{ enum: ['a', 'b'] }", "{ schema: { ...SCHEMA, ...extra } }", "v", True),
        ("{ enum: ['a', 'b'] }", "{}", "v", True),
    ],
)
def test_fastify_route_schema_validates_closed_fields(
    field: str, options: str, read: str, flagged: bool
) -> None:
    src = _FASTIFY.format(field=field, options=options, read=read)
    assert bool(analyze_js(src)) is flagged


def test_fastify_schema_validates_only_the_route_it_is_given_to() -> None:
    src = """
const fastify = require('fastify')();
const SCHEMA = { querystring: { properties: { v: { enum: ['a'] } } } };
fastify.get('/a', { schema: SCHEMA }, async (request) => 1);
fastify.get('/b', async (request) => {
  return fastify.pg.query(`SELECT * FROM t ORDER BY ${request.query.v}`);
});
"""
    assert analyze_js(src)


_ZOD = """
import {{ z }} from 'zod';
import {{ Pool }} from 'pg';
const pool = new Pool();
const S = z.object({{ v: {field}, w: z.string() }}){tail};
export async function f(req) {{
  const got = S.parse(req.query);
  return pool.query(`SELECT * FROM t ORDER BY ${{got.{read}}}`);
}}
"""


@pytest.mark.parametrize(
    ("field", "tail", "read", "flagged"),
    [
        ("z.enum(['a', 'b'])", "", "v", False),
        ("z.enum(['a', 'b']).optional().default('a')", ".strict()", "v", False),
        ("z.coerce.number().int().min(1, { message: 'x' })", "", "v", False),
        ("z.literal('a')", "", "v", False),
        ("z.nativeEnum(Sort)", "", "v", False),
        ("z.string().uuid()", "", "v", False),
        ("z.boolean()", "", "v", False),
        ("z.string()", "", "v", True),
        ("z.string().email()", "", "v", True),
        ("z.enum(['a', 'b']).transform((s) => s + req.query.x)", "", "v", True),
        ("z.number().or(z.string())", "", "v", True),
        ("z.enum(['a', 'b']).default(req.query.x)", "", "v", True),
        ("z.enum(['a', 'b'])", "", "w", True),
        ("z.enum(['a', 'b'])", ".passthrough()", "v", True),
        ("z.enum(['a', 'b'])", "", "x", True),
    ],
)
def test_zod_parse_gives_the_schemas_checked_fields(
    field: str, tail: str, read: str, flagged: bool
) -> None:
    assert bool(analyze_js(_ZOD.format(field=field, tail=tail, read=read))) is flagged


def test_zod_parse_needs_the_schema_bound_once() -> None:
    src = _ZOD.format(field="z.enum(['a'])", tail="", read="v").replace(
        "export async", "if (process.env.LOOSE) S = z.object({ v: z.string() });\nexport async"
    )
    assert analyze_js(src.replace("const S", "let S"))
