"""The container tracker (br_core/sqli/python/containers.py): constant keys and positions stay
apart, and every change it cannot follow widens the container to "as tainted as any element"."""

from __future__ import annotations

from br_core.sqli.python import containers
from br_core.sqli.values import SAFE, Val, literal

TAINTED = Val(taint="the web request")


def test_dict_keys_stay_apart_and_a_missing_key_is_unknown() -> None:
    m = containers.make_dict([("a", literal("safe")), ("b", TAINTED)])
    assert containers.read_key(m, "a") == literal("safe")
    assert containers.read_key(m, "b") == TAINTED
    assert containers.read_key(m, "c") is None  # not a guess: the caller falls back
    assert m.elems is not None and m.elems.taint  # the whole dict still knows what it holds


def test_store_overwrites_one_key_only() -> None:
    m = containers.store_key(containers.make_dict([("a", TAINTED)]), "a", literal("x"))
    assert containers.read_key(m, "a") == literal("x")
    assert not (m.elems or SAFE).taint


def test_list_positions_pop_insert_remove_and_negative_indices() -> None:
    values = containers.make_list((literal("safe"), TAINTED, literal("more")))
    assert containers.read_key(values, -2) == TAINTED
    assert containers.read_key(values, 3) is None
    done = containers.call_method(values, "pop", [literal(0)], [0])
    assert done is not None
    after, popped = done
    assert popped == literal("safe") and containers.read_key(after, 0) == TAINTED
    done = containers.call_method(after, "insert", [literal(0), literal("x")], [0, "x"])
    assert done is not None and containers.read_key(done[0], 1) == TAINTED
    done = containers.call_method(done[0], "remove", [literal("x")], ["x"])
    assert done is not None and containers.read_key(done[0], 0) == TAINTED


def test_remove_past_a_non_constant_item_is_not_followed() -> None:
    values = containers.make_list((TAINTED, literal("a")))
    assert containers.call_method(values, "remove", [literal("a")], ["a"]) is None


def test_widen_keeps_every_taint_and_drops_the_shape() -> None:
    values = containers.make_list((literal("safe"), TAINTED))
    wide = containers.widen(values, literal("y"))
    assert not containers.precise(wide)
    assert wide.elems is not None and wide.elems.taint == "the web request"


def test_slices_with_constant_bounds() -> None:
    values = containers.make_list((TAINTED, literal("a"), literal("b")))
    tail = containers.read_slice(values, 1, None, None)
    assert tail is not None and containers.read_key(tail, 0) == literal("a")
    assert containers.read_slice(values, None, None, 0) is None


def test_a_copy_keeps_the_shape_in_a_new_object() -> None:
    m = containers.make_dict([("a", literal("safe")), ("b", TAINTED)])
    copy = containers.copied(m)
    assert copy is not None and copy is not m
    assert containers.read_key(copy, "a") == literal("safe")
    keys = containers.copied(m, "list")  # list(d) lists the keys, constants
    assert keys is not None and containers.read_key(keys, 1) == literal("b")
    values = containers.make_list((literal("x"), TAINTED))
    assert containers.copied(values, "dict") is None  # dict(list) is not followed
    assert containers.copied(containers.widen(values)) is None


def test_deque_ends() -> None:
    values = containers.make_list((literal("safe"),))
    done = containers.call_method(values, "appendleft", [TAINTED], [None])
    assert done is not None and containers.read_key(done[0], 0) == TAINTED
    done = containers.call_method(done[0], "popleft", [], [])
    assert done is not None and done[1] == TAINTED
    assert containers.read_key(done[0], 0) == literal("safe")


def test_config_parser_options_are_apart_and_case_insensitive() -> None:
    conf = containers.make_dict([])
    done = containers.config_method(
        conf, "set", [literal("s"), literal("Key"), TAINTED], ["s", "Key", None]
    )
    assert done is not None
    conf = done[0]
    done = containers.config_method(
        conf, "set", [literal("s"), literal("other"), literal("x")], ["s", "other", "x"]
    )
    assert done is not None
    conf = done[0]
    got = containers.config_method(conf, "get", [literal("s"), literal("KEY")], ["s", "KEY"])
    assert got is not None and got[1] == TAINTED
    got = containers.config_method(conf, "get", [literal("s"), literal("other")], ["s", "other"])
    assert got is not None and not got[1].taint
    number = containers.config_method(conf, "getint", [literal("s"), literal("key")], ["s", "key"])
    assert number is not None and not number[1].taint  # an int or it raises
    # what it cannot follow (reading a file, a computed option) widens: None to the caller
    assert containers.config_method(conf, "read", [TAINTED], [None]) is None
    assert containers.config_method(conf, "get", [literal("s"), TAINTED], ["s", None]) is None


def test_del_with_a_constant_index_or_key_keeps_the_rest_exact() -> None:
    values = containers.make_list((literal("a"), TAINTED, literal("b")))
    after = containers.delete_key(values, 1)
    assert after is not None and after.items == (literal("a"), literal("b"))
    assert not (after.elems or SAFE).taint  # the request value is gone, not merged in
    last = containers.delete_key(values, -1)
    assert last is not None and containers.read_key(last, -1) == TAINTED
    m = containers.make_dict([("sort", literal("name")), ("q", TAINTED)])
    kept = containers.delete_key(m, "sort")
    assert kept is not None and containers.read_key(kept, "q") == TAINTED
    assert containers.read_key(kept, "sort") is None


def test_del_that_cannot_be_followed_returns_none_for_the_caller_to_widen() -> None:
    values = containers.make_list((literal("a"), TAINTED))
    assert containers.delete_key(values, 2) is None  # IndexError at run time: not a guess
    assert containers.delete_key(containers.make_dict([("a", TAINTED)]), "b") is None
    assert containers.delete_key(containers.widen(values), 0) is None


def test_del_of_a_constant_slice() -> None:
    values = containers.make_list((literal("a"), TAINTED, literal("b"), literal("c")))
    head_gone = containers.delete_slice(values, None, 2, None)
    assert head_gone is not None and head_gone.items == (literal("b"), literal("c"))
    odd_gone = containers.delete_slice(values, 1, None, 2)
    assert odd_gone is not None and odd_gone.items == (literal("a"), literal("b"))
    assert containers.delete_slice(values, None, None, 0) is None
