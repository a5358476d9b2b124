"""Real, throw-away backing services for the test suite.

The product meets a TLS-only, password-authenticated PostgreSQL (Neon), a transaction-mode
PgBouncer in front of it (Neon's pooler) and an IAM-enforcing S3.  The classes here start
local equivalents that behave the same way in the respects that matter to the application:

* :class:`PostgresCluster` - a private ``initdb`` cluster, SCRAM everywhere, TCP only over TLS,
  every statement logged with ``user@database``.
* :class:`PgBouncer` - transaction pooling, TLS on both sides, SCRAM client auth.
* :class:`MotoS3` - an in-process moto server with IAM authentication switched on.

Everything listens on 127.0.0.1 only.  PostgreSQL and PgBouncer refuse to run as root, so when
the tests run as root their processes are started as the ``postgres`` system user.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import boto3
import psycopg
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from psycopg import sql
from psycopg.abc import Query

LOCALHOST = "127.0.0.1"
# OS account that runs postgres/pgbouncer when the suite itself runs as root.
SERVICE_ACCOUNT = "postgres"
START_TIMEOUT_S = 30.0
INSTALL_HINT = "install them with .ci/install-system-packages"


@dataclass(frozen=True)
class PgDatabase:
    """A fresh database owned by a fresh login role, reachable directly and via PgBouncer."""

    user: str
    password: str
    dbname: str
    direct_url: str  # PostgreSQL itself: sslmode=require&channel_binding=require
    pooled_url: str  # PgBouncer (transaction pooling): sslmode=require


@dataclass(frozen=True)
class S3Bucket:
    """A fresh bucket and an IAM user allowed only what MLflow needs under ``prefix``."""

    bucket: str
    prefix: str
    artifact_root: str  # s3://bucket/prefix
    access_key_id: str
    secret_access_key: str
    region: str
    endpoint_url: str


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now (the caller binds it soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def _log_tail(path: Path, lines: int = 40) -> str:
    """Last lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


class _ServiceUser:
    """Who the server processes run as: the current user, or ``postgres`` when we are root."""

    def __init__(self) -> None:
        self.uid: int | None = None
        self.gid: int | None = None
        if os.geteuid() != 0:
            return
        try:
            entry = pwd.getpwnam(SERVICE_ACCOUNT)
        except KeyError as exc:
            raise RuntimeError(
                f"running as root needs a '{SERVICE_ACCOUNT}' system user to run PostgreSQL "
                f"and PgBouncer ({INSTALL_HINT})"
            ) from exc
        self.uid, self.gid = entry.pw_uid, entry.pw_gid

    def popen_kwargs(self) -> dict[str, Any]:
        """``subprocess`` arguments dropping root privileges (no ``runuser`` wrapper process,
        so signals we send reach the server itself)."""
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def hand_over(self, *paths: Path) -> None:
        """Give files/directories we created to the service user and make sure it can reach them."""
        if self.uid is None or self.gid is None:
            return
        for path in paths:
            _make_parents_traversable(path)
            for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
                os.chown(item, self.uid, self.gid, follow_symlinks=False)


def _make_parents_traversable(path: Path) -> None:
    """Add o+x (search only, not listing) to ancestors, e.g. a 0700 temp dir owned by root,
    so the unprivileged service user can reach ``path``."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def _run(
    cmd: Sequence[str | Path], user: _ServiceUser, cwd: Path, what: str
) -> subprocess.CompletedProcess[str]:
    """Run a short-lived command as the service user; raise with its output on failure."""
    result = subprocess.run(
        [str(part) for part in cmd],
        cwd=cwd,  # the service user may not be allowed into our cwd (e.g. /root)
        capture_output=True,
        text=True,
        check=False,
        timeout=START_TIMEOUT_S + 30,
        **user.popen_kwargs(),
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {result.returncode}): {' '.join(map(str, cmd))}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def find_postgres_bindir() -> Path:
    """Directory holding ``initdb``/``pg_ctl``: ``pg_config --bindir`` if it has them (on Debian
    ``pg_config`` may come from libpq-dev and point at /usr/bin), else the newest
    ``/usr/lib/postgresql/*/bin``, else ``PATH``."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out:
            candidates.append(Path(out))
    versioned = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(versioned, key=lambda p: int(p.parent.name), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise RuntimeError(f"PostgreSQL server binaries (initdb, pg_ctl) not found; {INSTALL_HINT}")


def find_pgbouncer() -> Path:
    """The ``pgbouncer`` binary (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("pgbouncer")
    candidates = [Path(found)] if found else []
    candidates += [Path("/usr/sbin/pgbouncer"), Path("/usr/bin/pgbouncer")]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RuntimeError(f"pgbouncer not found; {INSTALL_HINT}")


def write_self_signed_cert(cert_path: Path, key_path: Path) -> None:
    """Self-signed server certificate for CN=localhost, SAN localhost + 127.0.0.1.

    It is its own CA (CA:TRUE), so clients can use it as ``sslrootcert`` with
    ``sslmode=verify-full``.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # tolerate clock skew
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOCALHOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)  # postgres refuses a group/world-readable key


def _pg_url(
    host: str, port: int, user: str, password: str, dbname: str, query: dict[str, Any]
) -> str:
    """libpq connection URL with every component percent-encoded."""
    url = (
        f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}"
        f"@{host}:{port}/{quote(dbname, safe='')}"
    )
    if query:
        url += "?" + urlencode({key: str(value) for key, value in query.items()})
    return url


class PostgresCluster:
    """A private PostgreSQL cluster in ``base_dir`` configured like a managed (Neon) server.

    * SCRAM-SHA-256 password auth for everything, including the local socket;
    * TCP on 127.0.0.1 only and only over TLS (``hostnossl ... reject``);
    * ``log_statement = 'all'`` with ``user@database`` in each line, in :attr:`log_path`.
    """

    def __init__(self, base_dir: Path, *, superuser: str = "postgres") -> None:
        self.base_dir = Path(base_dir).resolve()
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "socket"
        self.tls_dir = self.base_dir / "tls"
        self._superuser = superuser
        self._superuser_password = secrets.token_urlsafe(24)
        self._port: int | None = None
        self._bindir: Path | None = None
        self._user = _ServiceUser()

    # -- properties ---------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return LOCALHOST

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("PostgresCluster is not started")
        return self._port

    @property
    def superuser(self) -> str:
        return self._superuser

    @property
    def superuser_password(self) -> str:
        return self._superuser_password

    @property
    def log_path(self) -> Path:
        return self.base_dir / "postgres.log"

    @property
    def cert_path(self) -> Path:
        """Server certificate (self-signed, usable as ``sslrootcert``)."""
        return self.tls_dir / "server.crt"

    @property
    def key_path(self) -> Path:
        return self.tls_dir / "server.key"

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Create the cluster (first call only) and start it; return once it accepts logins."""
        if self._port is not None and self._is_running():
            return
        self._bindir = find_postgres_bindir()
        if not self.data_dir.exists():
            self._init_cluster()
        self._pg_ctl("start")
        self._wait_until_ready()

    def restart(self) -> None:
        """Fast restart (drops all sessions), same port and data."""
        self._pg_ctl("restart", "-m", "fast")
        self._wait_until_ready()

    def stop(self) -> None:
        """Fast shutdown; a no-op when not running."""
        if self._bindir is not None and self._is_running():
            self._pg_ctl("stop", "-m", "fast")

    def _init_cluster(self) -> None:
        for directory in (self.base_dir, self.socket_dir, self.tls_dir):
            directory.mkdir(parents=True, exist_ok=True)
        write_self_signed_cert(self.cert_path, self.key_path)
        pwfile = self.base_dir / "superuser-password"
        pwfile.write_text(self._superuser_password + "\n")
        pwfile.chmod(0o600)
        self.log_path.touch()
        self._user.hand_over(self.base_dir)
        assert self._bindir is not None
        _run(
            [
                self._bindir / "initdb",
                "--pgdata",
                self.data_dir,
                "--auth=scram-sha-256",
                "--username",
                self._superuser,
                "--pwfile",
                pwfile,
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",  # throw-away cluster: skip fsync for speed
            ],
            self._user,
            self.base_dir,
            "initdb",
        )
        pwfile.unlink()
        self._port = free_port()
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self._port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "max_connections": "300",  # many per-test databases, each with pooled connections
            "password_encryption": "'scram-sha-256'",
            "ssl": "on",
            "ssl_cert_file": f"'{self.cert_path}'",
            "ssl_key_file": f"'{self.key_path}'",
            "logging_collector": "off",  # stderr goes to postgres.log via pg_ctl -l
            "log_statement": "'all'",
            "log_line_prefix": "'%m [%p] %u@%d '",
            "log_connections": "on",
            "log_disconnections": "on",
            # Durability is pointless for a throw-away cluster and costs seconds.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# --- test-suite overrides (later lines win) ---\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        (self.data_dir / "pg_hba.conf").write_text(
            "# TYPE    DATABASE USER ADDRESS       METHOD\n"
            "local     all      all                scram-sha-256\n"
            "hostssl   all      all  127.0.0.1/32  scram-sha-256\n"
            "hostnossl all      all  127.0.0.1/32  reject\n"
        )

    def _pg_ctl(self, action: str, *extra: str) -> None:
        assert self._bindir is not None
        try:
            _run(
                [
                    self._bindir / "pg_ctl",
                    "--pgdata",
                    self.data_dir,
                    "--log",
                    self.log_path,
                    "--wait",
                    "--timeout",
                    str(int(START_TIMEOUT_S)),
                    action,
                    *extra,
                ],
                self._user,
                self.base_dir,
                f"pg_ctl {action}",
            )
        except RuntimeError as exc:
            raise RuntimeError(
                f"{exc}\n--- {self.log_path} (tail) ---\n{_log_tail(self.log_path)}"
            ) from None

    def _is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def _wait_until_ready(self) -> None:
        """pg_ctl --wait only sees the postmaster up; wait for a real TLS + SCRAM login."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with psycopg.connect(self.admin_dsn(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL on {self.host}:{self.port} did not accept connections within "
                        f"{START_TIMEOUT_S:.0f}s: {exc}\n--- {self.log_path} (tail) ---\n"
                        f"{_log_tail(self.log_path)}"
                    ) from exc
                time.sleep(0.1)

    # -- connections and administration ------------------------------------------------------
    def url(self, user: str, password: str, dbname: str, **query: Any) -> str:
        """``postgresql://user:pw@127.0.0.1:port/db?query`` with URL-quoting of every part."""
        return _pg_url(self.host, self.port, user, password, dbname, query)

    def admin_dsn(self, dbname: str = "postgres") -> str:
        """Superuser connection URL (TLS required)."""
        return self.url(self._superuser, self._superuser_password, dbname, sslmode="require")

    def execute(
        self, query: Query, dbname: str = "postgres", params: Sequence[Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run one statement as superuser in autocommit mode; return its rows (if any)."""
        with psycopg.connect(self.admin_dsn(dbname), autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def create_role(
        self, name: str, password: str, *, login: bool = True, createdb: bool = False
    ) -> None:
        """Create a role.  The password is sent as a SCRAM verifier computed client side, so the
        plain text never appears in the statement log."""
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            verifier = conn.pgconn.encrypt_password(
                password.encode(), name.encode(), b"scram-sha-256"
            ).decode()
            conn.execute(
                sql.SQL("CREATE ROLE {} WITH {} {} PASSWORD {}").format(
                    sql.Identifier(name),
                    sql.SQL("LOGIN" if login else "NOLOGIN"),
                    sql.SQL("CREATEDB" if createdb else "NOCREATEDB"),
                    sql.Literal(verifier),
                )
            )

    def create_database(self, name: str, owner: str) -> None:
        self.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(owner)
            )
        )

    def drop_database(self, name: str) -> None:
        """Drop a database, terminating its sessions (including PgBouncer's server links)."""
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def drop_role(self, name: str) -> None:
        self.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))

    def log_text(self) -> str:
        """Whole server log so far (statements, connections, errors)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


class PgBouncer:
    """PgBouncer in front of a :class:`PostgresCluster`, configured like Neon's pooler.

    Transaction pooling, TLS required from clients and to the server, SCRAM client auth against
    an ``auth_file``, any database name routed to the cluster.  (No ``max_prepared_statements``:
    PgBouncer 1.18 lacks it, so protocol-level prepared statements break, as on older poolers.)
    """

    admin_user = "pgbouncer_admin"

    def __init__(self, base_dir: Path, cluster: PostgresCluster) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.cluster = cluster
        self.config_path = self.base_dir / "pgbouncer.ini"
        self.userlist_path = self.base_dir / "userlist.txt"
        self._admin_password = secrets.token_urlsafe(24)
        self._users: dict[str, str] = {self.admin_user: self._admin_password}
        self._port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._user = _ServiceUser()

    @property
    def host(self) -> str:
        return LOCALHOST

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("PgBouncer is not started")
        return self._port

    @property
    def log_path(self) -> Path:
        return self.base_dir / "pgbouncer.log"

    def url(self, user: str, password: str, dbname: str, **query: Any) -> str:
        """``postgresql://user:pw@127.0.0.1:<pgbouncer port>/db?query``, URL-quoted."""
        return _pg_url(self.host, self.port, user, password, dbname, query)

    def start(self) -> None:
        """Write config, start pgbouncer, return once its admin console answers over TLS."""
        if self._process is not None and self._process.poll() is None:
            return
        binary = find_pgbouncer()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        # Own copies of the cluster's cert/key: the originals sit in a dir we don't want to share.
        cert, key = self.base_dir / "server.crt", self.base_dir / "server.key"
        shutil.copyfile(self.cluster.cert_path, cert)
        shutil.copyfile(self.cluster.key_path, key)
        key.chmod(0o600)
        self._port = self._port or free_port()
        self._write_userlist()
        self.config_path.write_text(self._config(cert, key))
        self.log_path.touch()
        self._user.hand_over(self.base_dir)
        # Foreground process; stderr is its log (config errors before start-up land there too).
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(binary), str(self.config_path)],
                cwd=self.base_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                **self._user.popen_kwargs(),
            )
        self._wait_until_ready()

    def stop(self) -> None:
        """Immediate shutdown (SIGTERM in 1.18; SIGINT would wait for clients)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def add_user(self, name: str, password: str) -> None:
        """Allow ``name`` to log in (the same password is used towards PostgreSQL)."""
        self._users[name] = password
        self._reload_users()

    def remove_user(self, name: str) -> None:
        self._users.pop(name, None)
        self._reload_users()

    def admin_command(self, command: str) -> list[dict[str, str | None]]:
        """Run an admin-console command (``SHOW POOLS``, ``RELOAD``...) and return its rows.

        The console only speaks the simple query protocol, hence the low-level ``exec_``.
        """
        url = self.url(self.admin_user, self._admin_password, "pgbouncer", sslmode="require")
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            result = conn.pgconn.exec_(command.encode())
            if result.status not in (
                psycopg.pq.ExecStatus.COMMAND_OK,
                psycopg.pq.ExecStatus.TUPLES_OK,
            ):
                message = (result.error_message or b"").decode(errors="replace")
                raise RuntimeError(f"pgbouncer admin command {command!r} failed: {message}")
            names = [(result.fname(i) or b"").decode() for i in range(result.nfields)]
            rows: list[dict[str, str | None]] = []
            for row in range(result.ntuples):
                values = [result.get_value(row, col) for col in range(result.nfields)]
                rows.append(
                    {
                        n: None if v is None else v.decode()
                        for n, v in zip(names, values, strict=True)
                    }
                )
            return rows

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _config(self, cert: Path, key: Path) -> str:
        return "\n".join(
            [
                "[databases]",
                # Wildcard: every database name goes to the cluster, logging in as the client user.
                f"* = host={self.cluster.host} port={self.cluster.port}",
                "",
                "[pgbouncer]",
                f"listen_addr = {LOCALHOST}",
                f"listen_port = {self._port}",
                "unix_socket_dir =",  # TCP only, like the real pooler
                "auth_type = scram-sha-256",
                f"auth_file = {self.userlist_path}",
                f"admin_users = {self.admin_user}",
                "pool_mode = transaction",
                "max_client_conn = 200",
                "default_pool_size = 20",
                "ignore_startup_parameters = extra_float_digits,options,search_path",
                "client_tls_sslmode = require",
                f"client_tls_cert_file = {cert}",
                f"client_tls_key_file = {key}",
                "server_tls_sslmode = require",
                "log_connections = 1",
                "log_disconnections = 1",
                "log_pooler_errors = 1",
                "",
            ]
        )

    def _write_userlist(self) -> None:
        # auth_file format: "user" "password", with '"' doubled.  Plain-text passwords let 1.18 do
        # SCRAM towards clients and towards the server.
        def q(value: str) -> str:
            return '"' + value.replace('"', '""') + '"'

        tmp = self.userlist_path.with_suffix(".tmp")
        tmp.write_text("".join(f"{q(u)} {q(p)}\n" for u, p in self._users.items()))
        tmp.chmod(0o600)
        self._user.hand_over(tmp)
        tmp.replace(self.userlist_path)  # atomic: pgbouncer never reads a half-written file

    def _reload_users(self) -> None:
        self._write_userlist()
        if self._process is not None and self._process.poll() is None:
            # RELOAD on the console is synchronous, unlike SIGHUP: the user works once it returns.
            self.admin_command("RELOAD")

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"pgbouncer exited with {self._process.returncode}\n--- {self.log_path} "
                    f"(tail) ---\n{_log_tail(self.log_path)}"
                )
            try:
                self.admin_command("SHOW VERSION")
                return
            except (psycopg.OperationalError, RuntimeError) as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"pgbouncer on {self.host}:{self.port} did not accept connections within "
                        f"{START_TIMEOUT_S:.0f}s: {exc}\n--- {self.log_path} (tail) ---\n"
                        f"{_log_tail(self.log_path)}"
                    ) from exc
                time.sleep(0.1)


# IAM actions MLflow's S3 artifact repository needs.  ``s3:HeadBucket`` is not a real IAM action
# (AWS authorises HeadBucket with s3:ListBucket) but moto checks it, so test policies include it.
MLFLOW_S3_ACTIONS: tuple[str, ...] = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:HeadBucket",
)
_BUCKET_LEVEL_ACTIONS = frozenset(
    {"s3:ListBucket", "s3:HeadBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"}
)


class MotoS3:
    """moto's server (S3, IAM, STS...) in a thread of this process, with IAM auth enforced.

    Bootstrap happens while moto still accepts anything: an ``admin`` IAM user with ``*`` on
    ``*`` is created (:attr:`admin_keys`), then ``/moto-api/reset-auth`` sets moto's
    ``INITIAL_NO_AUTH_ACTION_COUNT`` to 0 so that every later request is signature-checked and
    policy-checked.  Caveat: that setting and all moto backends are process-global, so an
    in-process ``moto.mock_aws`` in the same pytest process would see (and reset) this state.
    """

    def __init__(self, *, region: str = "eu-west-3") -> None:
        self.region = region
        self._server: Any = None
        self._endpoint_url: str | None = None
        self._admin_keys: tuple[str, str] | None = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("MotoS3 is not started")
        return self._endpoint_url

    @property
    def admin_keys(self) -> tuple[str, str]:
        """(access_key_id, secret_access_key) of a user allowed everything."""
        if self._admin_keys is None:
            raise RuntimeError("MotoS3 is not started")
        return self._admin_keys

    def start(self) -> None:
        if self._server is not None:
            return
        from moto.server import ThreadedMotoServer  # heavy import, only when used

        # Port 0: the OS picks a free port, no race (and a taken port would hang start()).
        self._server = ThreadedMotoServer(ip_address=LOCALHOST, port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self._endpoint_url = f"http://{host}:{port}"

        iam = self.client("iam", access_key_id="bootstrap", secret_access_key="bootstrap")
        iam.create_user(UserName="admin")
        iam.put_user_policy(
            UserName="admin",
            PolicyName="admin-all",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        self._admin_keys = (key["AccessKeyId"], key["SecretAccessKey"])
        self._set_no_auth_action_count("0")
        self._check_auth_enforced()

    def stop(self) -> None:
        if self._server is None:
            return
        # Restore moto's process-global default so nothing else in this process inherits auth.
        self._set_no_auth_action_count("inf")
        self._server.stop()
        self._server = None

    def client(
        self,
        service: str,
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str | None = None,
    ) -> Any:
        """boto3 client for the moto endpoint (admin keys unless others are given)."""
        if access_key_id is None or secret_access_key is None:
            access_key_id, secret_access_key = self.admin_keys
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=region or self.region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=client_config(),
        )

    def create_bucket(self, name: str, region: str = "eu-west-3") -> None:
        s3 = self.client("s3", region=region)
        if region == "us-east-1":  # the one region that rejects an explicit LocationConstraint
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})

    def create_user(self, name: str, policy: dict[str, Any]) -> tuple[str, str]:
        """IAM user with ``policy`` inline; returns (access_key_id, secret_access_key)."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy)
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    @staticmethod
    def s3_policy(
        bucket: str, prefix: str, actions: Iterable[str] = MLFLOW_S3_ACTIONS
    ) -> dict[str, Any]:
        """Minimal policy: bucket-level actions on the bucket ARN, object actions on
        ``arn:aws:s3:::bucket/prefix*`` (pass ``"dir/"`` to scope to a directory)."""
        actions = list(dict.fromkeys(actions))
        bucket_actions = [a for a in actions if a in _BUCKET_LEVEL_ACTIONS]
        object_actions = [a for a in actions if a not in _BUCKET_LEVEL_ACTIONS]
        bucket_arn = f"arn:aws:s3:::{bucket}"
        statements: list[dict[str, Any]] = []
        if bucket_actions:
            statements.append(
                {
                    "Sid": "Bucket",
                    "Effect": "Allow",
                    "Action": bucket_actions,
                    "Resource": bucket_arn,
                }
            )
        if object_actions:
            statements.append(
                {
                    "Sid": "Objects",
                    "Effect": "Allow",
                    "Action": object_actions,
                    "Resource": f"{bucket_arn}/{prefix}*",
                }
            )
        if "s3:DeleteObject" in object_actions:
            # moto authorises DeleteObjects (what MLflow's delete_artifacts uses) as
            # s3:DeleteObject on the *bucket* ARN; without this every key comes back in
            # "Errors" (no exception).  Real AWS checks per object and ignores this statement.
            statements.append(
                {
                    "Sid": "MotoDeleteObjects",
                    "Effect": "Allow",
                    "Action": ["s3:DeleteObject"],
                    "Resource": bucket_arn,
                }
            )
        return {"Version": "2012-10-17", "Statement": statements}

    def list_keys(self, bucket: str, prefix: str = "") -> list[str]:
        """All object keys under ``prefix`` (admin view)."""
        paginator = self.client("s3").get_paginator("list_objects_v2")
        return [
            obj["Key"]
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
            for obj in page.get("Contents", [])
        ]

    def _set_no_auth_action_count(self, value: str) -> None:
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=value.encode(),
            method="POST",
            # Not the urllib default (form-encoded): werkzeug would parse it and moto see no body.
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _check_auth_enforced(self) -> None:
        """Fail loudly if a moto upgrade changes how reset-auth works."""
        sts = self.client("sts", access_key_id="AKIAFAKEKEYNOTREAL00", secret_access_key="x")
        try:
            sts.get_caller_identity()
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "InvalidClientTokenId":
                return
            raise
        raise RuntimeError("moto accepted an unknown access key: IAM auth is not enforced")


def client_config() -> Config:
    """Short timeouts and a single retry: a broken test service should fail fast."""
    return Config(connect_timeout=5, read_timeout=10, retries={"total_max_attempts": 2})


@contextmanager
def fresh_database(
    cluster: PostgresCluster, bouncer: PgBouncer, *, password: str | None = None
) -> Iterator[PgDatabase]:
    """A new login role owning a new database, reachable directly and through PgBouncer,
    dropped afterwards (FORCE also ends PgBouncer's idle server connections)."""
    suffix = secrets.token_hex(6)
    user, dbname = f"u_{suffix}", f"db_{suffix}"
    password = password or secrets.token_urlsafe(32)
    cluster.create_role(user, password)
    cluster.create_database(dbname, owner=user)
    bouncer.add_user(user, password)
    try:
        yield PgDatabase(
            user=user,
            password=password,
            dbname=dbname,
            direct_url=cluster.url(
                user, password, dbname, sslmode="require", channel_binding="require"
            ),
            pooled_url=bouncer.url(user, password, dbname, sslmode="require"),
        )
    finally:
        bouncer.remove_user(user)
        cluster.drop_database(dbname)
        cluster.drop_role(user)
