"""What a student's notebook does, run as a separate process with the student's environment.

Usage: python tracking_client.py EXPERIMENT_NAME  (MLFLOW_TRACKING_URI and credentials in
the environment). Prints one JSON object describing what was logged.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import mlflow
import numpy as np
from sklearn.linear_model import LinearRegression


def main(experiment_name: str) -> None:
    mlflow.set_experiment(experiment_name)
    features = np.arange(20, dtype=float).reshape(-1, 2)
    target = features @ np.array([2.0, -1.0]) + 0.5
    model = LinearRegression().fit(features, target)
    with mlflow.start_run() as run:
        mlflow.log_params({"alpha": 0.5, "solver": "lstsq"})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        with tempfile.TemporaryDirectory() as folder:
            note = Path(folder) / "notes.txt"
            note.write_text("trained on the bootcamp data\n")
            mlflow.log_artifact(str(note))
        logged = mlflow.sklearn.log_model(model, name="model")
    reloaded = mlflow.sklearn.load_model(logged.model_uri)
    downloaded = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="notes.txt"
    )
    print(
        json.dumps(
            {
                "experiment_id": run.info.experiment_id,
                "run_id": run.info.run_id,
                "artifact_uri": run.info.artifact_uri,
                "prediction": float(reloaded.predict(features[:1])[0]),
                "expected": float(model.predict(features[:1])[0]),
                "note": Path(downloaded).read_text(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
