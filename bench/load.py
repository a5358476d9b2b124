"""Authenticated log-batch calls from concurrent clients, for a fixed time."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass

import requests
from common import Server

CLIENTS = 8
DURATION = 20.0
PER_BATCH = 10
TIMEOUT = 60


@dataclass
class LoadResult:
    calls: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=20)[-1]


def new_runs(server: Server, count: int, name: str) -> list[str]:
    auth = server.auth
    experiment = requests.post(
        server.url + "/api/2.0/mlflow/experiments/create",
        json={"name": name},
        auth=auth,
        timeout=TIMEOUT,
    )
    experiment.raise_for_status()
    runs = []
    for _ in range(count):
        run = requests.post(
            server.url + "/api/2.0/mlflow/runs/create",
            json={"experiment_id": experiment.json()["experiment_id"]},
            auth=auth,
            timeout=TIMEOUT,
        )
        run.raise_for_status()
        runs.append(run.json()["run"]["info"]["run_id"])
    return runs


def log_batches(server: Server, name: str, duration: float = DURATION) -> LoadResult:
    """CLIENTS threads, each with its own run and keep-alive session, call log-batch for
    `duration` seconds (a call in flight at the end is waited for, bounded by TIMEOUT)."""
    runs = new_runs(server, CLIENTS, name)
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    start = threading.Barrier(CLIENTS + 1)
    deadline = [0.0]

    def client(run_id: str) -> None:
        session = requests.Session()
        session.auth = server.auth
        step = 0
        start.wait(timeout=60)
        while time.monotonic() < deadline[0]:
            metrics = [
                {"key": "loss", "value": 1.0 / (step + i + 1), "timestamp": 0, "step": step + i}
                for i in range(PER_BATCH)
            ]
            step += PER_BATCH
            began = time.monotonic()
            try:
                answer = session.post(
                    server.url + "/api/2.0/mlflow/runs/log-batch",
                    json={"run_id": run_id, "metrics": metrics},
                    timeout=TIMEOUT,
                )
                ok = answer.status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                if ok:
                    latencies.append(time.monotonic() - began)
                else:
                    errors[0] += 1
        session.close()

    threads = [threading.Thread(target=client, args=(run,), daemon=True) for run in runs]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + duration
    began = time.monotonic()
    start.wait(timeout=60)
    for thread in threads:
        thread.join(timeout=duration + TIMEOUT + 10)
    elapsed = time.monotonic() - began
    return LoadResult(len(latencies), errors[0], elapsed, latencies)
