"""`br digest [--since 7d] [--format md|html] [--out FILE] [--email TO]`: the weekly summary.

The SMTP connection is opened here (the door), with the user's settings from
`$BR_HOME/config.toml` `[digest.smtp]` and a bounded timeout; any failure is one line, exit 2.
"""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from br_core.errors import ConfigError, UsageError
from br_core.store.connection import Connection

if TYPE_CHECKING:
    from email.message import EmailMessage

    from br_core.learning.digest import SmtpSettings

Format = Literal["md", "html"]


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Deliver `message` through the configured server; every wait bounded by its timeout."""
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.security == "ssl":
            context = ssl.create_default_context()
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise ConfigError(
            f"SMTP {where}: login refused ({exc.smtp_code}); check the credentials' variables"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise ConfigError(
            f'SMTP {where}: the server does not offer this ({exc}); set security = "ssl" or '
            '"none" in [digest.smtp]'
        ) from exc
    except (TimeoutError, smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"SMTP {where}: not sent ({detail[:120]}); check host, port and security in "
            "[digest.smtp]"
        ) from exc


def spend_summary(conn: Connection, root: Path, days: int) -> dict[str, Any]:
    """The digest's spend section from `br model stats`' figures (read here, by the door: the
    cost domain already imports the learning layer, so the learning layer cannot import it)."""
    from br_core.cost.model_stats import model_stats

    stats = model_stats(conn, root, days)
    return {
        "requests": stats.requests,
        "cost_usd": stats.cost_usd,
        "baseline_model": stats.baseline_model,
        "all_sonnet_cost_usd": stats.all_sonnet_cost_usd,
        "savings_usd": stats.savings_usd,
        "savings_pct": stats.savings_pct,
        "tiers": {t.tier: {"requests": t.requests, "cost_usd": t.cost_usd} for t in stats.tiers},
    }


def digest_command(
    since: Annotated[
        str, typer.Option("--since", help="Period ending now: days or weeks, like 7d or 2w.")
    ] = "7d",
    fmt: Annotated[
        str, typer.Option("--format", help="md (Markdown) or html.", show_default=True)
    ] = "md",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write it to this file instead of printing it.")
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            help="Also send it to this address through [digest.smtp] of $BR_HOME/config.toml.",
        ),
    ] = None,
) -> None:
    """A weekly summary: spend vs all-Sonnet, routing savings, hook blocks, predictions and
    their measured accuracy, open suggestions."""
    from br_core.git import project_root
    from br_core.learning.digest import (
        build_digest,
        check_address,
        email_message,
        parse_since,
        render_html,
        render_markdown,
        smtp_settings,
    )
    from br_core.store.db import open_db

    if fmt not in ("md", "html"):
        raise UsageError(f"--format {fmt[:20]!r}: use md or html")
    days = parse_since(since)
    root = project_root()
    settings = None
    if email is not None:
        to = check_address(email, "--email")
        settings = smtp_settings(root)  # before any work: a bad config fails fast
    conn = open_db()
    try:
        digest = build_digest(conn, root, spend_summary(conn, root, days), days)
    finally:
        conn.close()
    text = render_html(digest) if fmt == "html" else render_markdown(digest)
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"--out {out}: cannot write ({exc.strerror}); pick a writable path"
            ) from exc
        print(f"digest written to {out}")
    elif settings is None:
        print(text)
    if settings is not None:
        send(settings, email_message(digest, settings.sender, to))
        print(f"digest sent to {to} through {settings.host}:{settings.port}")
