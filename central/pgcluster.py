"""A throwaway PostgreSQL server for tests and benches: Debian's ``postgresql`` binaries
(``/usr/lib/postgresql/<version>/bin``), a cluster in a temporary folder, reachable only
through a unix socket in that folder, gone when stopped. No system service, no port.

PostgreSQL refuses to run as root: under root the cluster's folder is given to ``nobody``
and its programs run as that user (``runuser``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

USER = "kiosk"


def binaries() -> Path | None:
    """The newest installed version's bin folder, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    return found[-1].parent if found else None


class PgCluster:
    """``with PgCluster() as pg: PlatformStore(..., url=pg.url())``. ``durable=False``
    (tests): no fsync at all, which a throwaway cluster can afford."""

    def __init__(self, durable: bool = True, max_connections: int = 200) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise FileNotFoundError("no PostgreSQL server installed (Debian: apt-get install "
                                    "postgresql)")
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody")
            self._as = ["runuser", "-u", "nobody", "--"]
        self.data = self.dir / "data"
        self._run("initdb", "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        settings = [f"-k {self.dir}", "-c listen_addresses=''",
                    f"-c max_connections={max_connections}"]
        if not durable:
            settings += ["-c fsync=off", "-c synchronous_commit=off",
                         "-c full_page_writes=off"]
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w",
                  "-o", " ".join(settings), "start")
        self.database = "postgres"

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bin / program), *args], capture_output=True,
                              text=True, cwd=self.dir)
        if done.returncode != 0:
            log = self.dir / "server.log"
            raise RuntimeError(f"{program} failed: {done.stderr.strip()} "
                               f"{log.read_text() if log.exists() else ''}".strip())

    def url(self, schema: str | None = None) -> str:
        """The cluster's database; with ``schema``, one whose tables live in that schema
        (see ``new_schema``)."""
        url = f"postgresql://{USER}@/{self.database}?host={quote(str(self.dir), safe='/')}"
        if schema:
            url += "&options=" + quote(f"-c search_path={schema}")
        return url

    def new_schema(self) -> str:
        """A fresh, empty schema (a test's own database, at a fraction of CREATE DATABASE's
        cost)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return name

    def drop_schema(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
