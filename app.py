"""Entry point of the Space: MLflow when the settings are right, the setup page otherwise.

python app.py                  # picks the mode by itself
python app.py server           # MLflow on Neon + S3 (fails loudly on bad settings)
python app.py server --local   # MLflow on SQLite and a local folder, nothing to set
python app.py wizard           # the setup page, whatever the settings
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from server import doctor, launch
from server.diagnoses import Diagnosis
from server.settings import DEFAULT_ENV_FILE, Settings
from server.validation import clean, installation_problems, problems

# The Space's proxy and `docker run -p` reach the container from outside: listen on all
# interfaces. A laptop's `--local` server has no password, so it stays on loopback.
CONTAINER_HOST = "0.0.0.0"
LOCAL_HOST = "127.0.0.1"
LOCAL_DATA_DIR = Path("mlflow-local")


def log(message: str) -> None:
    """One line on stderr: what the Space's log shows."""
    print(f"[mlflow-space] {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--env-file",
        type=Path,
        default=DEFAULT_ENV_FILE,
        help="read settings missing from the environment from this file (default: .env)",
    )
    commands = parser.add_subparsers(dest="command")
    server = commands.add_parser("server", help="run MLflow")
    server.add_argument("--local", action="store_true", help="SQLite and a local folder")
    server.add_argument("--host", help="interface to listen on")
    server.add_argument("--port", help="port to listen on (default: $PORT or 7860)")
    server.add_argument(
        "--data-dir", type=Path, default=LOCAL_DATA_DIR, help="where --local keeps its data"
    )
    server.add_argument(
        "--no-checks", action="store_true", help="skip the live checks before starting"
    )
    wizard = commands.add_parser("wizard", help="run the setup page")
    wizard.add_argument("--host", help="interface to listen on")
    wizard.add_argument("--port", help="port to listen on (default: $PORT or 7860)")
    doctor = commands.add_parser("doctor", help="check the settings against the real services")
    doctor.add_argument("--client", action="store_true", help="check a client's settings")
    doctor.add_argument("--json", action="store_true", help="print the results as JSON")
    doctor.add_argument("--lang", choices=["fr", "en"], help="language (default: from $LANG)")
    return parser


def _report(found: Sequence[Diagnosis]) -> None:
    for problem in found:
        log(problem.line("en"))


def startup_problems(settings: Settings, *, live: bool) -> list[Diagnosis]:
    """What stops server mode: bad settings, then (when `live`) failing live checks.

    The live checks are the doctor's, bounded and concurrent: a wrong password shows as
    one clear line and the setup page, not as a crash loop in the Space's log.
    """
    found = installation_problems() + problems(settings)
    if found or not live:
        return found
    report = doctor.run(doctor.live_checks(settings, os.environ), "server")
    for diagnosis in report.diagnoses():
        if diagnosis.status == "warn":
            log(diagnosis.line("en"))
    return [d for d in report.diagnoses() if d.status == "fail"]


def run_server(settings: Settings, host: str, port: str) -> NoReturn:
    plan = launch.space_launch(settings, os.environ, host=host, port=port)
    admin = launch.prepare(plan, settings)
    if admin:
        log(f"MLflow authentication on; admin account {admin}.")
    log(f"Starting MLflow on {host}:{port} with {settings!r}")
    plan.exec()


def run_wizard(
    settings: Settings, found: Sequence[Diagnosis], host: str, port: str, env_file: Path
) -> int:
    from wizard.app import serve

    _report(found)
    log(f"Setup wizard on {host}:{port}.")
    serve(settings, found, os.environ, host=host, port=int(port), env_file=env_file)
    return 0


def run_doctor(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    report = doctor.doctor(args.env_file, client=args.client, show=False)
    language = args.lang or doctor.default_language(environ)
    print(report.json(language) if args.json else report.text(language))
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "doctor":
        return run_doctor(args, os.environ)
    settings, notes = clean(Settings.load(os.environ, args.env_file))
    for note in notes:
        if note.status != "fail":
            log(note.line("en"))
    host = getattr(args, "host", None)
    port = getattr(args, "port", None) or settings.port
    if args.command == "server" and args.local:
        plan = launch.local_launch(os.environ, args.data_dir, host=host or LOCAL_HOST, port=port)
        log(f"Starting MLflow locally on {host or LOCAL_HOST}:{port}, data in {args.data_dir}/")
        plan.exec()
    if args.command == "wizard":
        found = startup_problems(settings, live=False)
        return run_wizard(settings, found, host or CONTAINER_HOST, port, args.env_file)
    found = startup_problems(settings, live=not getattr(args, "no_checks", False))
    if not found:
        run_server(settings, host or CONTAINER_HOST, port)
    if args.command == "server":
        _report(found)
        return 2
    return run_wizard(settings, found, host or CONTAINER_HOST, port, args.env_file)


if __name__ == "__main__":
    sys.exit(main())
