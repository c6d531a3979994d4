# The service image: dependencies only, the code runs from /app (it is never
# installed as packages: our top-level names also exist on PyPI).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them: the runtime
# ones exactly as locked (`make lock`), hashes checked; no test extras.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
RUN useradd --system --create-home app && mkdir -p var && chown app var
USER app

ENV HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT}/health', timeout=2)"

# Migrations run once per deployment (docker-compose.yml's `migrate` service),
# never in every replica at start-up. One process per container: scale with
# replicas, each scraped on its own /metrics (README, "Operating it"); a load
# balancer routes by /ready, and SIGTERM stops a replica gracefully.
CMD ["python", "-m", "service", "serve", "--workers", "1"]
