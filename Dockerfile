# crisiswatch engine: one image for the worker, the simulator and the other CLI commands.
#   docker build -t crisiswatch .
#   docker run --rm -e CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS=kafka:9092 crisiswatch
#   docker run --rm crisiswatch crisiswatch --help
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 crisiswatch \
    && useradd --system --uid 10001 --gid crisiswatch --home-dir /app --shell /usr/sbin/nologin crisiswatch

WORKDIR /app

# Dependencies change less often than the code: install the package in one layer from the
# project metadata and sources only (see .dockerignore for what stays out of the context).
COPY pyproject.toml README.md NOTICE ./
COPY detectors ./detectors
COPY stream_app ./stream_app
RUN pip install . && rm -rf build *.egg-info

COPY config ./config

# Faust tables (RocksDB/memory changelog state) live under the data dir, owned by the app user.
ENV CRISISWATCH_APP__DATA_DIR=/app/data \
    CRISISWATCH_WEB__HOST=0.0.0.0 \
    CRISISWATCH_WEB__PORT=6066
RUN mkdir -p /app/data && chown -R crisiswatch:crisiswatch /app/data

USER crisiswatch:crisiswatch
EXPOSE 6066

# Liveness: /healthz on the worker's web port (CRISISWATCH_WEB__PORT, 6066 by default).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('CRISISWATCH_WEB__PORT', '6066') + '/healthz', timeout=4)"]

CMD ["crisiswatch", "worker"]
