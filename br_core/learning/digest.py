"""The weekly digest: spend against the all-Sonnet baseline, routing, hook blocks, predictions
with their measured accuracy, open suggestions; as Markdown or HTML, and as an e-mail message.

Every text that came from the user's data (task titles, branches, areas, paths) is masked as
telemetry masks it (`clean_text`) before it is written, so a key pasted into a task title never
reaches the page or the mail. SMTP settings are read from the user's own `$BR_HOME/config.toml`
only, credentials from environment variables it names: a committed repository config cannot send
mail anywhere. The door opens the SMTP connection; this module only builds what is sent.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Literal

from br_core.config import config_path, load_config
from br_core.errors import ConfigError, UsageError
from br_core.git import project_id
from br_core.learning.suggestions import Suggestion, list_suggestions
from br_core.store.connection import Connection
from br_core.store.paths import br_home
from br_core.telemetry.events import clean_text

DAY = 86_400.0
USER_CONFIG = "config.toml"
_SINCE = re.compile(r"(\d{1,4})([dw])")
_ADDRESS = re.compile(r"[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
Security = Literal["starttls", "ssl", "none"]


def parse_since(text: str) -> int:
    """`7d` or `2w` -> days (1..3650); anything else is a UsageError naming the argument."""
    match = _SINCE.fullmatch(text.strip().lower())
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1) if match else 0
    if not 1 <= days <= 3650:
        raise UsageError(
            f"--since {text[:20]!r}: not a period; use days or weeks like 7d or 2w (at most 3650d)"
        )
    return days


def check_address(value: str, what: str) -> str:
    """One e-mail address (no display name, no list), or a UsageError naming `what`."""
    if not _ADDRESS.fullmatch(value.strip()):
        raise UsageError(
            f"{what} {value[:60]!r}: not an e-mail address; write it as name@example.org"
        )
    return value.strip()


@dataclass
class SmtpSettings:
    host: str
    port: int
    sender: str
    security: Security
    username: str | None
    password: str | None
    timeout: float


def user_config_path() -> Path:
    return br_home() / USER_CONFIG


def smtp_settings(root: Path | None, env: dict[str, str] | None = None) -> SmtpSettings:
    """`[digest.smtp]` of `$BR_HOME/config.toml`; ConfigError (one line, the file, the fix) when
    missing or malformed. A repository config's `[digest]` is refused, never used."""
    env = dict(os.environ) if env is None else env
    if root is not None and "digest" in load_config(root):
        raise ConfigError(
            f"{config_path(root)}: [digest] is not read from a repository's config (it would let "
            f"a commit send mail); move it to {user_config_path()}"
        )
    path = user_config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: no SMTP settings; add [digest.smtp] with host, port and from"
        ) from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it as TOML ({exc}); fix the file") from exc
    table = data.get("digest", {}).get("smtp") if isinstance(data.get("digest"), dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: no [digest.smtp] table; add one with host, port and from")
    return _validated(path, table, env)


def _validated(path: Path, table: dict[str, Any], env: dict[str, str]) -> SmtpSettings:
    where = f"{path}: [digest.smtp]"
    host, port = table.get("host"), table.get("port", 587)
    if not isinstance(host, str) or not host.strip() or len(host) > 253:
        raise ConfigError(f"{where} host must be a host name like smtp.example.org")
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise ConfigError(f"{where} port must be a whole number from 1 to 65535")
    security = table.get("security", "starttls")
    if security not in ("starttls", "ssl", "none"):
        raise ConfigError(f'{where} security must be "starttls", "ssl" or "none"')
    timeout = table.get("timeout", 20)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 120:
        raise ConfigError(f"{where} timeout must be seconds between 0 and 120")
    if "password" in table:
        raise ConfigError(
            f"{where} password must not be in a file; name its environment variable: password_env"
        )
    sender = check_address(str(table.get("from", "")), f"{where} from")
    username = password = None
    user_env, pass_env = table.get("username_env"), table.get("password_env")
    if user_env is not None or pass_env is not None:
        if not isinstance(user_env, str) or not isinstance(pass_env, str):
            raise ConfigError(f"{where} needs both username_env and password_env, or neither")
        username, password = env.get(user_env), env.get(pass_env)
        if not username or not password:
            raise ConfigError(
                f"{where}: set the environment variables {user_env} and {pass_env} "
                "(the SMTP credentials)"
            )
    return SmtpSettings(host.strip(), port, sender, security, username, password, float(timeout))


@dataclass
class Digest:
    project: str
    since: str
    until: str
    days: int
    spend: dict[str, Any] = field(default_factory=dict)
    routing: dict[str, Any] = field(default_factory=dict)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    tasks: dict[str, Any] = field(default_factory=dict)
    predictions: list[dict[str, Any]] = field(default_factory=list)
    predictions_note: str = ""
    suggestions: list[Suggestion] = field(default_factory=list)

    def model_dump(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["suggestions"] = [s.model_dump() for s in self.suggestions]
        return out


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _routing(conn: Connection, project: str, since: float) -> dict[str, Any]:
    row = conn.execute(
        "SELECT COUNT(*), COUNT(resolved), TOTAL(resolved), TOTAL(cost_usd) FROM routing_decisions"
        " WHERE project_id = ? AND ts >= ?",
        (project, since),
    ).fetchone()
    tiers = Counter(
        dict(
            conn.execute(
                "SELECT tier, COUNT(*) FROM routing_decisions WHERE project_id = ? AND ts >= ?"
                " GROUP BY tier",
                (project, since),
            ).fetchall()
        )
    )
    return {"decisions": row[0], "outcomes": row[1], "resolved": int(row[2]),
            "reported_cost_usd": row[3], "tiers": dict(tiers)}  # fmt: skip


def _blocks(conn: Connection, project: str, since: float) -> list[dict[str, Any]]:
    per: dict[str, list[Any]] = {}
    for (data,) in conn.execute(
        "SELECT data FROM events WHERE project_id = ? AND type = 'check' AND ts >= ?",
        (project, since),
    ):
        doc = json.loads(data)
        if doc.get("blocked") is not True:
            continue
        entry = per.setdefault(clean_text(doc.get("hook", "")), [0, Counter()])
        entry[0] += 1
        entry[1].update(d for d in str(doc.get("dirs", "")).split(",") if d)
    return [
        {"hook": hook, "blocks": n, "where": [clean_text(d) for d, _ in dirs.most_common(3)]}
        for hook, (n, dirs) in sorted(per.items(), key=lambda kv: -kv[1][0])
    ]


def _tasks(conn: Connection, project: str, since: float) -> dict[str, Any]:
    done = conn.execute(
        "SELECT t.title, t.stream FROM task_events e JOIN tasks t"
        " ON t.project_id = e.project_id AND t.id = e.task_id"
        " WHERE e.project_id = ? AND e.kind = 'done' AND e.ts >= ? ORDER BY e.id DESC",
        (project, since),
    ).fetchall()
    failed = conn.execute(
        "SELECT COUNT(*) FROM task_events WHERE project_id = ? AND kind = 'failed' AND ts >= ?",
        (project, since),
    ).fetchone()[0]
    branches = [
        clean_text(json.loads(d).get("branch", ""))
        for (d,) in conn.execute(
            "SELECT data FROM events WHERE project_id = ? AND type = 'commit' AND ts >= ?",
            (project, since),
        )
    ]
    return {
        "done": len(done),
        "failed": int(failed),
        "recent": [clean_text(title) for title, _ in done[:5]],
        "branches": sorted({b for b in branches if b})[:10],
    }


def _predictions(conn: Connection, project: str) -> tuple[list[dict[str, Any]], str]:
    """Each prediction's backtest on this project's history, from the prediction API."""
    from br_core.learning import predict

    rows = []
    for acc in predict.accuracy(conn, project):
        bt = acc.result
        rows.append({"name": acc.name, "samples": acc.samples, "predicted": bt.predicted,
                     "coverage": bt.coverage, "nominal": bt.nominal, "mae": bt.mae,
                     "naive_mae": bt.naive_mae, "skill": bt.skill})  # fmt: skip
    note = (
        ""
        if any(r["predicted"] for r in rows)
        else (f"no prediction has an interval yet: each needs {predict.MIN_SAMPLES} outcomes")
    )
    return rows, note


def build_digest(
    conn: Connection,
    root: Path,
    spend: dict[str, Any],
    days: int = 7,
    now: float | None = None,
) -> Digest:
    """The digest of the repository at `root` for the last `days` days. `spend` is the door's
    reading of br_core.cost (`br model stats`' figures: requests, cost_usd, baseline_model,
    all_sonnet_cost_usd, savings_usd, savings_pct, tiers): the cost domain already uses the
    learning layer's predictions, so this module does not import it back."""
    now = time.time() if now is None else now
    since = now - days * DAY
    project = project_id(root)
    digest = Digest(project, _day(since), _day(now), days)
    digest.spend = spend
    digest.routing = _routing(conn, project, since)
    digest.blocks = _blocks(conn, project, since)
    digest.tasks = _tasks(conn, project, since)
    digest.predictions, digest.predictions_note = _predictions(conn, project)
    digest.suggestions = list_suggestions(conn, project, "open")
    return digest


def _usd(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _accuracy_line(p: dict[str, Any]) -> str:
    name = p["name"].replace("_", " ")
    if not p["predicted"]:
        return f"{name}: nothing predicted yet ({p['samples']} outcomes recorded)"
    return (
        f"{name}: {p['predicted']} held-out outcomes; the 80% intervals covered "
        f"{_pct(p['coverage'])} (nominal {_pct(p['nominal'])}); mean absolute error "
        f"{_number(p['mae'])} against the running mean's {_number(p['naive_mae'])}"
    )


def _sections(d: Digest) -> list[tuple[str, list[str]]]:
    """(heading, lines) in order; both renderers write these, so they say the same."""
    s = d.spend
    saved = s.get("savings_usd", 0.0)
    spend = [
        f"Spent {_usd(s.get('cost_usd'))} on {s.get('requests', 0):,} requests; all on "
        f"{s.get('baseline_model', 'Sonnet')} would have cost {_usd(s.get('all_sonnet_cost_usd'))}",
        (f"Routing saved {_usd(saved)} ({_pct(s.get('savings_pct'))})" if saved >= 0
         else f"Routing cost {_usd(-saved)} more than all-Sonnet"),
    ] + [f"{tier}: {v['requests']:,} requests, {_usd(v['cost_usd'])}"
         for tier, v in s.get("tiers", {}).items()]  # fmt: skip
    r = d.routing
    routing = [
        f"{r.get('decisions', 0)} routing decisions, {r.get('outcomes', 0)} with an outcome, "
        f"{r.get('resolved', 0)} resolved",
    ] + [f"{tier}: {n}" for tier, n in sorted(r.get("tiers", {}).items())]
    blocks = [
        f"{b['hook']}: {b['blocks']} blocked commits (most in {', '.join(b['where']) or '-'})"
        for b in d.blocks
    ] or ["No commit was blocked."]
    t = d.tasks
    tasks = [f"{t.get('done', 0)} tasks done, {t.get('failed', 0)} failed"]
    tasks += [f"done: {title}" for title in t.get("recent", [])]
    if t.get("branches"):
        tasks.append(f"branches committed to: {', '.join(t['branches'])}")
    predictions = [_accuracy_line(p) for p in d.predictions]
    if d.predictions_note:
        predictions.append(d.predictions_note)
    suggestions = [
        f"{x.id}: {x.action} ({x.evidence.get('text', '')}). Apply: {x.command}"
        for x in d.suggestions
    ] or ["No open suggestion."]
    return [
        ("Spend", spend),
        ("Routing", routing),
        ("Blocks by the hooks", blocks),
        ("Tasks", tasks),
        ("Predictions and their measured accuracy", predictions),
        ("Open suggestions", suggestions),
    ]


def title(d: Digest) -> str:
    return f"BuildRunner digest {d.since} .. {d.until}"


def render_markdown(d: Digest) -> str:
    out = [f"# {title(d)}", "", f"Project `{d.project}`, the last {d.days} days.", ""]
    for heading, lines in _sections(d):
        out += [f"## {heading}", ""] + [f"- {line}" for line in lines] + [""]
    return "\n".join(out)


def render_html(d: Digest) -> str:
    esc = html.escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title(d))}</title></head><body>",
        f"<h1>{esc(title(d))}</h1>",
        f"<p>Project <code>{esc(d.project)}</code>, the last {d.days} days.</p>",
    ]
    for heading, lines in _sections(d):
        out.append(f"<h2>{esc(heading)}</h2><ul>")
        out += [f"<li>{esc(line)}</li>" for line in lines]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def email_message(d: Digest, sender: str, to: str) -> EmailMessage:
    """The digest as a multipart/alternative message: Markdown as the text part, HTML beside."""
    msg = EmailMessage()
    msg["Subject"] = title(d)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg.set_content(render_markdown(d))
    msg.add_alternative(render_html(d), subtype="html")
    return msg
