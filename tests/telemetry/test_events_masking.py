"""Issue 12 items 5 and 7: telemetry's free-text sanitizer masks short random tokens and AWS key
ids glued to a path, keeps ordinary words and identifiers, and is linear in its input."""

from __future__ import annotations

import random
import time

import pytest

from br_core.telemetry.events import clean_data, clean_text
from tests.data.secrets_corpus import rand

R = random.Random(512)
AKIA = "AKIA" + rand(R, "updig", 16)


def _token(length: int) -> str:
    """A random token with upper, lower and digits, as a leaked credential would be."""
    while True:
        token = rand(R, "alnum", length)
        classes = (str.isupper, str.islower, str.isdigit)
        if all(any(test(c) for c in token) for test in classes):
            return token


@pytest.mark.parametrize("text", ["feat/{key}", "s3://bucket/{key}", "fix_{key}_now"])
def test_aws_key_ids_glued_to_a_path_are_masked(text: str) -> None:
    cleaned = clean_text(text.format(key=AKIA))
    assert AKIA not in cleaned and "AKIA…" in cleaned


@pytest.mark.parametrize("length", [12, 14, 16, 19])
def test_short_random_tokens_are_masked(length: int) -> None:
    token = _token(length)
    cleaned = clean_data("commit", {"scope": token, "branch": f"fix/{token}"})
    assert token not in cleaned["scope"] and token not in cleaned["branch"]  # type: ignore[operator]


@pytest.mark.parametrize(
    "text",
    [
        "auth",
        "getUserById",
        "OAuth2Client",
        "XMLHttpRequest2",
        "iPhone15ProMax",
        "feature/JIRA-1234-add-login",
        "release-2024-01-15",
        "v1.2.3-rc.1",
        "TestCase123",
        "Base64Encoder",
        "useState",
        "fix/PROJ-42-login-page",
        "ISO8601Parser",
        "Sha256Digest",
        "deadbeefcafe1234",
        "x86_64-linux-gnu",
        "py311-macos-arm64",
        "Win32Api",
        "S3Bucket",
        "Ec2Instance",
        "K8sDeployV2",
    ],
)
def test_ordinary_words_and_identifiers_are_kept(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "password=" * 120_000,  # ~1 MB: a keyword hit every nine characters
        "a/" * 500_000,  # a path that never reaches `.env`
        "x" * 1_000_000,
        ("deploy " + rand(R, "alnum", 40) + " ") * 20_000,
    ],
    ids=["keywords", "path", "run", "tokens"],
)
def test_clean_text_is_linear(text: str) -> None:
    """1 MB in well under the bound (quadratic code took minutes); the bound is generous for
    slow shared CI machines."""
    started = time.perf_counter()
    clean_text(text)
    assert time.perf_counter() - started < 5.0
