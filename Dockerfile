# One image, two modes: MLflow when the settings are right, the setup page otherwise.
# Follows the Docker Spaces layout: user 1000, HOME=/home/user, code in $HOME/app.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    MLFLOW_DISABLE_TELEMETRY=true

RUN useradd --create-home --uid 1000 user
USER 1000
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH
WORKDIR $HOME/app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
# Every dependency ships a wheel, so no compiler is needed (and none is left behind).
COPY --chown=user requirements.txt .
RUN pip install --user --no-cache-dir -r requirements.txt

COPY --chown=user . .
# Registers the SQLAlchemy plugin that every MLflow worker loads (server/pooling.py).
RUN pip install --user --no-cache-dir --no-deps .

EXPOSE 7860
# /health is MLflow's; the setup page has none, so the container reports unhealthy until
# it is configured.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '7860') + '/health', timeout=4)"]

CMD ["python", "app.py"]
