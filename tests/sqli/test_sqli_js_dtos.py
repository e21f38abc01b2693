"""NestJS DTO fields class-validator checks (issue 17 item 6, br_core/sqli/js/dtos.py): a
field of a decorated handler parameter typed with a DTO class of this file is validated when
one of its decorators passes only values that carry no SQL. Labelled end-to-end cases:
tests/data/sqli_cases/js_round9_s9-jsmore.cases."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js

_DTO = """class FilterDto {
  %s
  field: string;

  other: string;
}
class Ctl {
  find(@%s() dto: %s) {
    return this.ds.query(`SELECT * FROM t WHERE c = '${dto.%s}'`);
  }
}
"""


def _flagged(decorators: str, read: str = "field", param: str = "Query", typed: str = "") -> bool:
    return bool(analyze_js(_DTO % (decorators, param, typed or "FilterDto", read)))


@pytest.mark.parametrize(
    "decorators",
    [
        "@IsInt()",
        "@IsUUID('4')",
        "@IsOptional() @IsBoolean()",
        "@IsIn(['open', 'closed'])",
        "@IsEnum(Status)",
        "@IsString() @Matches(/^[a-z0-9_-]{1,20}$/i)",
        "@IsString()\n  @IsIn(STATUSES)",
    ],
)
def test_a_closed_validator_validates_the_field(decorators: str) -> None:
    assert not _flagged(decorators)
    assert _flagged(decorators, read="other")  # the class's other field is not checked


@pytest.mark.parametrize(
    "decorators",
    [
        "@IsString()",
        "@IsString() @MaxLength(20)",
        "@Matches(/[a-z]+/)",  # not anchored: the rest of the text passes
        "@Matches(/^[^;]+$/)",  # any character but one
        "@Matches(/^.{1,40}$/)",
        "@IsIn([req.query.extra, 'a'])",
        "@ValidateIf((o) => o.strict) @IsInt()",
    ],
)
def test_an_open_validator_validates_nothing(decorators: str) -> None:
    assert _flagged(decorators)


def test_only_a_parameter_typed_with_the_dto_class_is_validated() -> None:
    assert _flagged("@IsInt()", typed="OtherDto")
    assert _flagged("@IsInt()", typed="FilterDto[]")
