# syntax=docker/dockerfile:1
# Production image: the API (and, with another command, the worker) against an external PostgreSQL.
# Build: docker build -t mpp-digital .     Run: see compose.yaml.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
COPY migrations ./migrations
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MPP_ENV=prod \
    MPP_HOST=0.0.0.0 \
    MPP_PORT=8000 \
    MPP_DATA_DIR=/var/lib/mpp \
    MPP_PWA_DIR=/app/pwa
RUN useradd --system --uid 10001 --home-dir /var/lib/mpp --create-home mpp
COPY --from=build /opt/venv /opt/venv
COPY pwa /app/pwa
USER mpp
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2).status != 200)"]
# MPP_ENV=prod refuses to start without DATABASE_URL: production never uses the embedded database.
CMD ["mpp", "serve"]
