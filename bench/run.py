"""Benchmark our server mode against plain `mlflow server`, side by side, on this machine.

    python bench/run.py                 # everything; writes docs/benchmarks.md (~10 min)
    python bench/run.py --output -      # print the report only

Three servers run against the same local PostgreSQL (TLS + SCRAM, like Neon) and moto S3
(IAM on), each on a database and a bucket of its own:

  ours        `python app.py server`, basic auth on (the Space's server mode)
  plain-auth  `mlflow server --app-name basic-auth` with MLflow's defaults
  plain       `mlflow server` with MLflow's defaults, no authentication

Loopback only; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

from common import (
    KINDS,
    OURS,
    PLAIN,
    PLAIN_AUTH,
    ROOT,
    SEARCH,
    Sampler,
    Server,
    Services,
    clean_environ,
    group_pids,
    log,
    median,
    seed_env,
    services,
)

COLD_STARTS = 3
IDLE_SECONDS = 65.0
IDLE_SETTLE = 30.0
WARM_UP_SECONDS = 3.0
LOAD_ROUNDS = 3


# -- measurements ----------------------------------------------------------------------------


def cold_starts(servers: dict[str, Server], results: dict[str, dict]) -> None:
    """First start on the empty database (migrations), then COLD_STARTS restarts,
    interleaved so that any noise on the machine falls on every server alike."""
    for kind in KINDS:
        log(f"first start of {kind} (empty database)")
        health, call = servers[kind].cold_start()
        servers[kind].stop()
        results[kind]["first_health"], results[kind]["first_call"] = health, call
    samples: dict[str, list[tuple[float, float]]] = {kind: [] for kind in KINDS}
    for round_ in range(COLD_STARTS):
        for kind in KINDS:
            log(f"cold start {round_ + 1}/{COLD_STARTS} of {kind}")
            samples[kind].append(servers[kind].cold_start())
            servers[kind].stop()
    for kind in KINDS:
        results[kind]["cold_health"] = median([h for h, _ in samples[kind]])
        results[kind]["cold_call"] = median([c for _, c in samples[kind]])
        results[kind]["cold_samples"] = samples[kind]


def cpu_seconds(pgid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in group_pids(pgid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError):
            continue
    return total / ticks


def statement_lines(server: Server, text: str) -> int:
    marker = f"{server.database.user}@{server.database.dbname} "
    return sum(
        1
        for line in text.splitlines()
        if marker in line and ("LOG:  statement:" in line or "LOG:  execute" in line)
    )


def idle(services_: Services, servers: dict[str, Server], results: dict[str, dict]) -> None:
    """All three running side by side, each after one authenticated call: what reaches the
    database while nobody uses them, and what they cost in CPU."""
    for server in servers.values():
        server.wait(SEARCH, 60, auth=server.auth)
    time.sleep(IDLE_SETTLE)  # past start-up: the job runners' processes import MLflow too
    start_text = services_.postgres.log_text()
    cpu_before = {kind: cpu_seconds(s.process.pid) for kind, s in servers.items()}
    log(f"idle for {IDLE_SECONDS:.0f} s, all three servers running")
    began = time.monotonic()
    time.sleep(IDLE_SECONDS)
    elapsed = time.monotonic() - began
    new_text = services_.postgres.log_text()[len(start_text) :]
    for kind, server in servers.items():
        minutes = elapsed / 60
        results[kind]["idle_queries_per_min"] = statement_lines(server, new_text) / minutes
        results[kind]["idle_cpu_per_min"] = (
            cpu_seconds(server.process.pid) - cpu_before[kind]
        ) / minutes
        results[kind]["idle_connections"] = services_.connections(server.database.user)
        results[kind]["idle_rss_mib"] = server.rss_kib() / 1024
        results[kind]["processes"] = len(group_pids(server.process.pid))


def throughput(services_: Services, servers: dict[str, Server], results: dict[str, dict]) -> None:
    """LOAD_ROUNDS rounds, each giving every server DURATION / LOAD_ROUNDS seconds of load in
    turn: noise from the rest of the machine falls on all three alike. The servers that are
    not under load idle meanwhile (see the idle CPU row: a few percent of a core)."""
    from load import CLIENTS, DURATION, LoadResult, log_batches

    for kind, server in servers.items():
        log(f"warm-up load on {kind}")
        log_batches(server, f"warm-up-{kind}", duration=WARM_UP_SECONDS)
    total = {kind: LoadResult(0, 0, 0.0, []) for kind in servers}
    peaks = {kind: {"connections": 0, "rss": 0} for kind in servers}
    for round_ in range(LOAD_ROUNDS):
        for kind, server in servers.items():
            seconds = DURATION / LOAD_ROUNDS
            log(f"load on {kind}, round {round_ + 1}: {seconds:.1f} s, {CLIENTS} clients")
            connections = Sampler(lambda s=server: services_.connections(s.database.user))
            memory = Sampler(server.rss_kib)
            with connections, memory:
                outcome = log_batches(server, f"load-{kind}-{round_}", duration=seconds)
            total[kind].calls += outcome.calls
            total[kind].errors += outcome.errors
            total[kind].seconds += outcome.seconds
            total[kind].latencies += outcome.latencies
            peaks[kind]["connections"] = max(peaks[kind]["connections"], connections.peak)
            peaks[kind]["rss"] = max(peaks[kind]["rss"], memory.peak)
    for kind, outcome in total.items():
        results[kind].update(
            calls_per_second=outcome.per_second,
            calls=outcome.calls,
            errors=outcome.errors,
            p50=outcome.p50,
            p95=outcome.p95,
            peak_connections=peaks[kind]["connections"],
            peak_rss_mib=peaks[kind]["rss"] / 1024,
        )


def diagnosis(services_: Services, folder: Path, results: dict[str, object]) -> None:
    from diagnosis import (
        CAP,
        HungEndpoint,
        botocore_default_call,
        capped,
        doctor,
        first_answer,
        psycopg_default_connect,
    )

    database, bucket = services_.database(), services_.bucket()
    healthy_env = seed_env(database.direct_url, bucket, username="admin", password="x" * 16)
    runs = [doctor(healthy_env, folder) for _ in range(3)]
    results["doctor_healthy"] = median([seconds for seconds, _ in runs])
    results["doctor_healthy_statuses"] = runs[0][1]

    with HungEndpoint() as hung_pg, HungEndpoint() as hung_s3:
        # The library defaults never return by themselves: they wait in the background
        # (no CPU) while the doctor runs.
        library: dict[str, tuple[float | None, str]] = {}
        defaults = {
            "psycopg": psycopg_default_connect(hung_pg.port),
            "botocore": botocore_default_call(f"http://127.0.0.1:{hung_s3.port}", bucket),
        }
        probes = [
            threading.Thread(
                target=lambda n=name, w=work: library.update({n: capped(w, CAP)}), daemon=True
            )
            for name, work in defaults.items()
        ]
        for probe in probes:
            probe.start()

        hung_backend = (
            f"postgresql://someone:secret@127.0.0.1:{hung_pg.port}/neondb?sslmode=require"
        )
        pg_env = {**healthy_env, "BACKEND_STORE_URI": hung_backend}
        s3_env = {**healthy_env, "MLFLOW_S3_ENDPOINT_URL": f"http://127.0.0.1:{hung_s3.port}"}
        log("doctor against a hung PostgreSQL, then a hung S3")
        results["doctor_hung_pg"] = doctor(pg_env, folder)
        results["doctor_hung_s3"] = doctor(s3_env, folder)

        log("start with a hung PostgreSQL: ours (auto mode) and plain mlflow server + basic-auth")
        results["start_hung_pg_ours"] = first_answer(
            [sys.executable, str(ROOT / "app.py")], clean_environ(pg_env), folder, "/", "ours-hung"
        )
        plain_env = clean_environ(
            {
                "MLFLOW_FLASK_SERVER_SECRET_KEY": "k" * 32,
                "MLFLOW_AUTH_ADMIN_PASSWORD": "x" * 16,
                "MLFLOW_AUTH_CONFIG_PATH": str(_auth_ini(folder, hung_backend)),
                "MLFLOW_DISABLE_TELEMETRY": "true",
            }
        )
        results["start_hung_pg_plain"] = first_answer(
            [
                sys.executable,
                "-m",
                "mlflow",
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                "--backend-store-uri",
                hung_backend.replace("postgresql:", "postgresql+psycopg:"),
                "--artifacts-destination",
                bucket.artifact_root,
                "--app-name",
                "basic-auth",
            ],
            plain_env,
            folder,
            "/health",
            "plain-hung",
        )
        for probe in probes:
            probe.join(CAP + 30)
        results["psycopg_hung"] = library.get("psycopg", (None, "not finished"))
        results["botocore_hung"] = library.get("botocore", (None, "not finished"))


def _auth_ini(folder: Path, backend: str) -> Path:
    path = folder / "hung-basic_auth.ini"
    path.write_text(
        "[mlflow]\ndefault_permission = READ\n"
        f"database_uri = {backend.replace('postgresql:', 'postgresql+psycopg:')}\n"
        "admin_username = admin\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    return path


def footprints(results: dict[str, object]) -> None:
    import site

    from footprint import directory_bytes, footprint, requirement_lines

    ours = requirement_lines(ROOT / "requirements.txt")
    pins = {line.split("==")[0].split("[")[0].lower(): line for line in ours}
    plain = [pins["mlflow"], pins["psycopg"], pins["boto3"]]  # the least plain MLflow needs here
    results["footprint_ours"] = footprint(ours)
    results["footprint_plain"] = footprint(plain)
    results["footprint_plain_requirements"] = plain
    site_packages = Path(site.getsitepackages()[0])
    results["site_packages"] = (str(site_packages), directory_bytes(site_packages))


# -- the report ------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "kernel": platform.release(),
        "load": load_average(),
    }


def load_average() -> str:
    return ", ".join(Path("/proc/loadavg").read_text().split()[:3])


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("mlflow", "psycopg", "SQLAlchemy", "boto3", "uvicorn", "fastapi"):
        found[name] = version(name)
    return found


def _s(value: float | None, digits: int = 1, unit: str = " s") -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def _ratio(ours: float | None, plain: float | None) -> str:
    if not ours or not plain:
        return "—"
    return f"{ours / plain:.2f}"


def report(results: dict) -> str:
    from load import CLIENTS, DURATION, PER_BATCH

    r = results
    started = datetime.datetime.fromisoformat(r["started"])
    load_after = r["load_after"]
    o, a, p = r[OURS], r[PLAIN_AUTH], r[PLAIN]
    m, v = r["machine"], r["versions"]

    def row(label: str, key: str, better: str, digits: int = 1, unit: str = " s") -> str:
        return (
            f"| {label} | {_s(o.get(key), digits, unit)} | {_s(a.get(key), digits, unit)} | "
            f"{_s(p.get(key), digits, unit)} | {_ratio(o.get(key), a.get(key))} | {better} |"
        )

    fo, fp = r["footprint_ours"], r["footprint_plain"]
    lines = [
        "# Benchmarks: our server mode against plain `mlflow server`",
        "",
        f"Produced by `python bench/run.py` on {started:%Y-%m-%d %H:%M} UTC "
        f"(took {r['elapsed'] / 60:.1f} min). Numbers from one machine, one run: "
        "read the ratios, not the absolute values.",
        "",
        "Three servers, side by side, against the same local PostgreSQL "
        f"{r['postgres_version']} (TLS + SCRAM, like Neon; each server on a database and a "
        "role of its own, connecting directly, not through a pooler) and the same moto S3 "
        "(IAM enforced; a bucket and an IAM user each):",
        "",
        "- **ours**: `python app.py server`, basic auth on: 2 workers, pools of 5 + 10, "
        "background jobs off, credential cache of 60 s, live checks before start;",
        "- **plain + auth**: `mlflow server --app-name basic-auth` with MLflow's defaults "
        "(4 workers, pools of 5 + 10, background jobs on, no credential cache), an auth INI "
        "naming the same database, `MLFLOW_FLASK_SERVER_SECRET_KEY` and "
        "`MLFLOW_AUTH_ADMIN_PASSWORD` set;",
        "- **plain, no auth**: `mlflow server` with MLflow's defaults (its \"first "
        'authenticated call" below is a first API call, and its calls carry no credentials).',
        "",
        "The plain servers get `--backend-store-uri postgresql+psycopg://…` (MLflow needs "
        "the driver spelled on SQLAlchemy 2.1's psycopg) and `--artifacts-destination s3://…`; "
        "telemetry is off on all three so that nothing leaves the machine.",
        "",
        "How: cold starts one server at a time, interleaved (ours, plain + auth, plain, then "
        f"again), {COLD_STARTS} of each after a first start on the empty database; idle "
        f"figures with the three running side by side, {IDLE_SETTLE:.0f} s after a first call, "
        f"over {IDLE_SECONDS:.0f} s; load after a {WARM_UP_SECONDS:.0f} s warm-up, in "
        f"{LOAD_ROUNDS} interleaved rounds per server (one server under load at a time, the "
        "others idle), with `pg_stat_activity` and the process group's VmRSS sampled every "
        "0.5 s. Clients are threads of the benchmark's own process, with "
        "a keep-alive session each.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['nproc']} logical CPUs (`nproc`)",
        f"- Memory: {m['memory']}; kernel {m['kernel']}",
        f"- Load average (1, 5, 15 min) at start: {m['load']}; at the end: {load_after}. "
        "Other work may have shared the machine: ratios between servers measured in the same "
        "minutes are the robust part.",
        "- Versions: " + ", ".join(f"{name} {value}" for name, value in v.items()),
        "",
        "## Results",
        "",
        "Ratio = ours / plain + auth.",
        "",
        "| Measure | ours | plain + auth | plain, no auth | ratio | better |",
        "|---|---:|---:|---:|---:|---|",
        row("First start on an empty database → `/health` 200", "first_health", "lower"),
        row("First start on an empty database → first authenticated call", "first_call", "lower"),
        row(f"Cold start → `/health` 200 (median of {COLD_STARTS})", "cold_health", "lower"),
        row(
            f"Cold start → first authenticated call (median of {COLD_STARTS})", "cold_call", "lower"
        ),
        row(
            f"Authenticated `log-batch` calls per second ({CLIENTS} clients, {DURATION:.0f} s "
            f"in {LOAD_ROUNDS} rounds, {PER_BATCH} metrics a call)",
            "calls_per_second",
            "higher",
            unit="",
        ),
        row("Latency of a `log-batch` call under that load, median", "p50", "lower", 3),
        row("Latency of a `log-batch` call under that load, 95th percentile", "p95", "lower", 3),
        row("Failed calls under that load", "errors", "lower", 0, ""),
        row(
            "Database connections at peak under that load (`pg_stat_activity`)",
            "peak_connections",
            "lower",
            0,
            "",
        ),
        row("Database connections held while idle", "idle_connections", "lower", 0, ""),
        row(
            f"Statements per minute while idle ({IDLE_SECONDS:.0f} s, statement log)",
            "idle_queries_per_min",
            "lower",
            1,
            "",
        ),
        row(
            "CPU seconds per minute while idle (process group)", "idle_cpu_per_min", "lower", 2, ""
        ),
        row(
            "Peak RSS under load, MiB (sum of VmRSS over the process group)",
            "peak_rss_mib",
            "lower",
            0,
            "",
        ),
        row("RSS while idle, MiB", "idle_rss_mib", "lower", 0, ""),
        row("Processes in the server's process group", "processes", "lower", 0, ""),
        f"| Installed size of the dependency closure, MB | {fo[1] / 1e6:.0f} ({fo[0]} "
        f"distributions) | {fp[1] / 1e6:.0f} ({fp[0]} distributions) | same as plain + auth | "
        f"{fo[1] / fp[1]:.2f} | lower |",
        "",
        "Cold-start samples (seconds to `/health`, to the first authenticated call): "
        + "; ".join(
            f"{kind}: " + ", ".join(f"{h:.1f}/{c:.1f}" for h, c in r[kind]["cold_samples"])
            for kind in KINDS
        )
        + ".",
        "",
        "## Diagnosis: how long until a wrong service is named",
        "",
        "A *hung* endpoint is a loopback socket that accepts the connection and never answers "
        "(the worst case: the TCP connect succeeds, only a read timeout helps). Times are wall "
        f"clock, process start included; “> {r['cap']:.0f} s” means still waiting when stopped.",
        "",
        "| Situation | ours | without our checks |",
        "|---|---:|---|",
        f"| Healthy services: `python app.py doctor` (median of 3) | "
        f"{_s(r['doctor_healthy'])} ({_statuses(r['doctor_healthy_statuses'])}) | — |",
        f"| PostgreSQL hung | `app.py doctor`: {_s(r['doctor_hung_pg'][0])} "
        f"({_statuses(r['doctor_hung_pg'][1])}) | `psycopg.connect()` with its defaults (no "
        f"`connect_timeout`): {_capped(r['psycopg_hung'], r['cap'])} |",
        f"| S3 hung | `app.py doctor`: {_s(r['doctor_hung_s3'][0])} "
        f"({_statuses(r['doctor_hung_s3'][1])}) | boto3 `list_objects_v2` with botocore's "
        f"defaults (60 s connect, 60 s read, retries): {_capped(r['botocore_hung'], r['cap'])} |",
        f"| Start with PostgreSQL hung | `python app.py`: setup page answers at `/` in "
        f"{_s(r['start_hung_pg_ours'])} | `mlflow server --app-name basic-auth`: "
        + (
            f"`/health` answers in {_s(r['start_hung_pg_plain'])}"
            if r["start_hung_pg_plain"] is not None
            else f"no `/health` after {r['cap']:.0f} s"
        )
        + " |",
        "",
        "## Footprint: how it was measured",
        "",
        "No fresh venv is built (that needs the network). `bench/footprint.py` walks the "
        "dependency closure of a requirement list through the installed packages' metadata and "
        "sums the files each one installed (its `RECORD`): dev-only packages (pytest, moto, "
        "playwright, ruff…) are not in the closure, so they are not counted. Ours: the closure "
        "of `requirements.txt`; plain: the closure of "
        + ", ".join(f"`{line}`" for line in r["footprint_plain_requirements"])
        + " (MLflow with its auth extra, plus what PostgreSQL and S3 need). For reference, the "
        f"whole site-packages of the environment that ran this (runtime + dev) is "
        f"{r['site_packages'][1] / 1e6:.0f} MB.",
        "",
        "## Reading the numbers",
        "",
        *reading(r),
        "",
    ]
    return "\n".join(lines)


def reading(r: dict) -> list[str]:
    """What the rows say, with this run's own numbers (so the text cannot drift from them)."""
    o, a, p = r[OURS], r[PLAIN_AUTH], r[PLAIN]
    doctor = r["doctor_healthy"]
    lines = [
        f"- *Throughput*: ours answers {o['calls_per_second'] / a['calls_per_second']:.1f}× as "
        "many authenticated calls per second as plain MLflow with basic auth, and "
        f"{o['calls_per_second'] / p['calls_per_second']:.2f}× what plain MLflow answers with "
        "no authentication at all. MLflow's basic auth derives the password hash again on every "
        "call (several times a call), which dominates a `log-batch` call on 2 CPUs; ours "
        "caches a verified credential for 60 s, so a worker derives it about once a minute."
        + (
            " Ours stays below plain MLflow without authentication: an authenticated call still "
            "reads its user from the database (MLflow's admin check runs on every call, cache "
            "or not, and the no-auth server skips it), and ours runs 2 workers against "
            "MLflow's 4 (its bound on connections)."
            if o["calls_per_second"] < p["calls_per_second"]
            else ""
        ),
        f"- *Connections*: at peak ours held {o['peak_connections']} connections against "
        f"{a['peak_connections']} for plain + auth, and {o['idle_connections']} against "
        f"{a['idle_connections']} while idle. What differs most is the bound, not this load's "
        "peak: ours runs 2 workers × 3 engines × (5 + 10) = 90 connections at most, plus the "
        "start-up's, under a 0.25-CU Neon compute's limit of about 100; MLflow's default of 4 "
        "workers allows 180.",
        f"- *Memory and processes*: {o['processes']} processes and {o['peak_rss_mib']:.0f} MiB "
        f"at peak for ours, {a['processes']} and {a['peak_rss_mib']:.0f} MiB for plain + auth "
        "(4 uvicorn workers plus the background-job runner and its workers).",
    ]
    if a["idle_queries_per_min"] or p["idle_queries_per_min"]:
        lines.append(
            f"- *Idle database traffic*: plain MLflow sent {a['idle_queries_per_min']:.1f} "
            f"(with auth) and {p['idle_queries_per_min']:.1f} (without) statements a minute "
            f"while nobody used it (its background-job runner), ours "
            f"{o['idle_queries_per_min']:.1f}: ours turns the jobs off, so that a Neon compute "
            "can suspend after 5 idle minutes."
        )
    else:
        lines.append(
            "- *Idle database traffic*: no server sent a statement during this idle window "
            f"({IDLE_SECONDS:.0f} s); the plain servers' job runner still used "
            f"{a['idle_cpu_per_min']:.2f} CPU-seconds a minute against {o['idle_cpu_per_min']:.2f} "
            "for ours."
        )
    if o["cold_health"] > a["cold_health"]:
        lines.append(
            f"- *Cold start, worse for ours to `/health`* ({o['cold_health']:.1f} s against "
            f"{a['cold_health']:.1f} s): before MLflow starts, ours runs the live checks "
            f"(database, S3, access: {doctor:.1f} s as `app.py doctor`, process start included) "
            "and brings the admin account in line with the secrets, which costs a password hash "
            "and a connection; that is what turns a wrong setting into the setup page instead of "
            "a crash loop."
        )
    else:
        lines.append(
            f"- *Cold start*: ours reaches `/health` in {o['cold_health']:.1f} s against "
            f"{a['cold_health']:.1f} s, although it first runs the live checks (database, S3, "
            f"access: {doctor:.1f} s as `app.py doctor`) and brings the admin account in line "
            "with the secrets: it starts 2 workers instead of 4 and no job runner."
        )
    lines.append(
        f"- *First authenticated call*: {o['cold_call']:.1f} s for ours, {a['cold_call']:.1f} s "
        "for plain + auth, whose first calls each pay the uncached password hash while its "
        "workers are still warming up."
    )
    fo, fp = r["footprint_ours"], r["footprint_plain"]
    lines.append(
        f"- *Footprint, worse for ours* ({fo[1] / 1e6:.0f} MB against {fp[1] / 1e6:.0f} MB, "
        f"×{fo[1] / fp[1]:.2f}): ours also installs the setup page (Gradio) and the Hugging Face "
        "client. MLflow itself (with pandas, scipy, scikit-learn, pyarrow…) is most of both."
    )
    return lines


def _statuses(statuses: dict[str, str]) -> str:
    return ", ".join(f"{name}: {status}" for name, status in statuses.items()) or "no report"


def _capped(outcome: tuple[float | None, str], cap: float) -> str:
    seconds, what = outcome
    if seconds is None:
        return f"> {cap:.0f} s (capped)"
    return f"{seconds:.1f} s ({what})"


# -- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output", help="where the report goes, - for stdout (default: docs/benchmarks.md)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run with short phases (numbers meaningless)"
    )
    parser.add_argument("--render", type=Path, help="only write the report of a results.json")
    args = parser.parse_args()
    if args.output is None:  # a smoke run's numbers do not replace the published ones
        args.output = "-" if args.quick else str(ROOT / "docs" / "benchmarks.md")
    if args.render:
        return write(report(json.loads(args.render.read_text())), args.output)
    if args.quick:
        import diagnosis as diagnosis_module
        import load

        global COLD_STARTS, IDLE_SECONDS, IDLE_SETTLE
        COLD_STARTS, IDLE_SECONDS, IDLE_SETTLE = 1, 5.0, 1.0
        load.DURATION, diagnosis_module.CAP = 3.0, 5.0

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(130)

    signal.signal(signal.SIGTERM, stop)
    began = time.monotonic()
    started = datetime.datetime.now(datetime.UTC)
    results: dict = {kind: {} for kind in KINDS}
    results["machine"], results["versions"] = machine(), versions()
    folder = Path(tempfile.mkdtemp(prefix="mlflow-bench-runs-"))
    with services() as services_:
        results["postgres_version"] = services_.postgres.execute("SHOW server_version")[0][0]
        servers = {
            kind: Server(kind, services_.database(), services_.bucket(), folder) for kind in KINDS
        }
        try:
            cold_starts(servers, results)
            for server in servers.values():
                server.start()
            for server in servers.values():
                server.wait("/health", 180)
            idle(services_, servers, results)
            throughput(services_, servers, results)
        finally:
            for server in servers.values():
                server.stop()
        diagnosis(services_, folder, results)
    footprints(results)
    from diagnosis import CAP

    results["cap"] = CAP
    results["elapsed"] = time.monotonic() - began
    results["started"] = started.isoformat()
    results["load_after"] = load_average()
    raw = folder / "results.json"
    raw.write_text(json.dumps(results, indent=2))
    log(f"raw results in {raw} (re-render with --render)")
    text = report(results)
    return write(text, args.output)


def write(text: str, output: str) -> int:
    if output == "-":
        print(text)
    else:
        Path(output).write_text(text)
        print(text)
        log(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
