"""Per-user trust in a repository's committed `.buildrunner/config.toml`, like direnv's `allow`.

A committed config comes from whoever last changed the repository. Its settings that run a
command or weaken a check apply only once the user has trusted the exact bytes of the file
(`br config trust`); any edit changes the hash and the trust is gone. Trust is kept in one small
file under BR_HOME (0600): one line per trusted config, `<sha256 of the content> <path>`, the path
only to say where it was granted. Stdlib only and one small read: this sits on the hooks' path.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from br_core.errors import ConfigError
from br_core.store.files import FILE_MODE, private_dir
from br_core.store.paths import br_home

TRUST_FILENAME = "trusted-configs"


def trust_path() -> Path:
    return br_home() / TRUST_FILENAME


def content_digest(content: bytes) -> str:
    """The key trust is granted to: the sha256 of the file's bytes."""
    return hashlib.sha256(content).hexdigest()


def _entries(path: Path) -> dict[str, str]:
    """digest -> the config path it was granted at; {} when nothing is trusted yet."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the trusted configs ({exc.strerror}); check its permissions"
        ) from exc
    entries: dict[str, str] = {}
    for line in text.splitlines():
        digest, _, where = line.partition(" ")
        if len(digest) == 64:
            entries[digest] = where
    return entries


def is_trusted(digest: str) -> bool:
    """True when the user trusted a config with exactly this content."""
    return digest in _entries(trust_path())


def _save(path: Path, entries: dict[str, str]) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        private_dir(path.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # whatever the umask
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(f"{digest} {where}\n" for digest, where in entries.items())
            os.replace(tmp, path)  # atomic: a reader sees the old list or the new one
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot record the trust ({exc.strerror}); check that BR_HOME is writable"
        ) from exc


def grant(config: Path, digest: str) -> None:
    """Trust `digest` (the content of `config`); an older trust granted at `config` is dropped."""
    path = trust_path()
    where = str(config.resolve())
    entries = {d: w for d, w in _entries(path).items() if w != where}
    entries[digest] = where
    _save(path, entries)


def revoke(config: Path, digest: str | None) -> bool:
    """Forget the trust granted at `config` and in `digest`; True when there was one."""
    path = trust_path()
    where = str(config.resolve())
    entries = _entries(path)
    kept = {d: w for d, w in entries.items() if w != where and d != digest}
    if len(kept) == len(entries):
        return False
    _save(path, kept)
    return True
