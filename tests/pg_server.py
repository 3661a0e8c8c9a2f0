"""A throw-away PostgreSQL server for the test suite.

The shared-directory features are only proven by running them on a real server, so the suite
starts one itself from Debian's packaged binaries (`/usr/lib/postgresql/*/bin`): a fresh data
directory in a temporary folder, listening on loopback only, on a free port, with `trust`
authentication for the local test role. Durability settings are off (`fsync`, synchronous
commit, full-page writes) because the data is thrown away; that is what keeps a start near two
seconds and a fresh database per test near a few tens of milliseconds.

PostgreSQL refuses to run as root. As root the server runs as the `postgres` system account the
Debian package creates (or `nobody`), via `runuser`, and owns its temporary folder; as a normal
user it runs directly.

Each test database is copied from a template that is migrated once (`CREATE DATABASE ... TEMPLATE`),
which is much cheaper than running the migrations per test.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

SUPERUSER = "directory_test"
TEMPLATE_DB = "directory_template"
#: Settings for a disposable server: no durability, loopback only, no Unix socket.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"
    " -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
    " -c shared_buffers=64MB -c log_min_messages=warning"
)


class PgUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL `bin` folder, else the folder of `pg_ctl` on PATH."""
    candidates = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: _version_key(p.parent.name),
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run_as() -> tuple[list[str], str | None]:
    """The command prefix that drops root (and the account it drops to); empty when not root."""
    if os.geteuid() != 0:
        return [], None
    for account in ("postgres", "nobody"):
        try:
            pwd.getpwnam(account)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", account, "--"], account
        setpriv = shutil.which("setpriv")
        if setpriv:
            entry = pwd.getpwnam(account)
            return [
                setpriv, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups",
            ], account
    raise PgUnavailable("running as root, but there is no unprivileged account to run PostgreSQL")


@dataclass
class PgServer:
    """A running throw-away server; `url(db)` gives a SQLAlchemy URL for one of its databases."""

    bindir: Path
    root: Path
    port: int = 0
    prefix: list[str] = field(default_factory=list)
    _names: count[int] = field(default_factory=lambda: count(1))

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _tool(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, str(self.bindir / name), *args],
            cwd=self.root, capture_output=True, text=True, timeout=120, check=False,
        )

    def start(self) -> None:
        made = self._tool(
            "initdb", "-D", str(self.datadir), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        )
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed: {made.stderr.strip() or made.stdout.strip()}")
        for _attempt in range(3):  # another process may take the free port before us
            self.port = free_port()
            started = self._tool(
                "pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "60",
                "-o", f"{SERVER_OPTIONS} -c port={self.port}", "start",
            )
            if started.returncode == 0:
                return
        log = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr.strip()}\n{log}")

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._tool("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def execute(self, *statements: str) -> None:
        """Run statements on the maintenance database, outside a transaction (as CREATE
        DATABASE requires)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]

    def prepare_template(self) -> None:
        """Create the template database and migrate it to the newest schema, once."""
        from directory_app.core.storage.opening import open_store

        self.execute(f"CREATE DATABASE {TEMPLATE_DB}")
        open_store(self.url(TEMPLATE_DB), seed=False).close()

    def create_database(self, template: str = TEMPLATE_DB) -> str:
        """A new database copied from `template`; returns its name."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class DatabasePool:
    """Hands out a fresh database per test while the next one is being copied in the background.

    Copying the template takes ~0.15 s of server time; done in a worker thread while the
    previous test runs, it costs the suite almost nothing. Errors surface in `take()`, never in
    the thread, and dropping is queued on the same worker so it never races a copy."""

    def __init__(self, server: PgServer) -> None:
        self.server = server
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-databases")
        self._next: Future[str] | None = None

    def take(self) -> str:
        name = self._next.result() if self._next is not None else self.server.create_database()
        self._next = self._worker.submit(self.server.create_database)
        return name

    def give_back(self, name: str) -> None:
        self._worker.submit(self.server.drop_database, name)

    def close(self) -> None:
        if self._next is not None:
            with suppress(Exception):  # the server is about to go; a failed spare copy is moot
                self.give_back(self._next.result())
        self._worker.shutdown(wait=True)


def start_server() -> PgServer:
    """Start a server in a new temporary folder (removed again by `stop_server`)."""
    bindir = find_bindir()
    if bindir is None:
        raise PgUnavailable(
            "PostgreSQL server binaries not found (install the Debian package 'postgresql')"
        )
    prefix, account = _run_as()
    root = Path(tempfile.mkdtemp(prefix="directory-pg-"))
    if account is not None:
        entry = pwd.getpwnam(account)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PgServer(bindir=bindir, root=root, prefix=prefix)
    try:
        server.start()
        deadline = time.monotonic() + 10
        while True:  # pg_ctl -w returns once connections are accepted; one check for safety
            try:
                server.execute("SELECT 1")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: PgServer) -> None:
    try:
        server.stop()
    finally:
        shutil.rmtree(server.root, ignore_errors=True)
