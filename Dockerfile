# One image for the ThaiD mock (the default command) and the LHR demo (`lhr-demo serve ...`).
# MOCK — ไม่ใช่ระบบจริง: every key, secret and person in it is TEST-ONLY and public.
#
#   docker build -t thaid-sandbox .
#   docker run --rm -p 127.0.0.1:8000:8000 thaid-sandbox        # the mock; issuer http://127.0.0.1:8000
#
# docker-compose.yml wires the mock and the LHR demo together (and PostgreSQL with several mock
# replicas behind one issuer URL); tests/deploy/ checks this file against the real CLI.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Only what the wheel is built from (pyproject.toml's packages and its readme).
WORKDIR /tmp/src
COPY pyproject.toml README.md ./
COPY mock_thaid ./mock_thaid
COPY rp_client ./rp_client
COPY lhr_demo ./lhr_demo
COPY thaid_sandbox_data ./thaid_sandbox_data
# The `postgres` extra adds psycopg 3, the driver of `docker compose --profile postgres`.
RUN pip install --no-cache-dir ".[postgres]" \
 && rm -rf /tmp/src

# An unprivileged user; the working directory's var/ (SQLite databases, LHR uploads) is its only
# writable place. Mount a volume there to keep the data across containers.
RUN groupadd --system --gid 10001 thaid \
 && useradd --system --uid 10001 --gid thaid --home-dir /srv --no-create-home --shell /usr/sbin/nologin thaid \
 && mkdir -p /srv/var \
 && chown thaid:thaid /srv/var
WORKDIR /srv
USER 10001:10001

# 8000: the mock; 5001: the LHR demo. Both answer GET /healthz with 200 once ready.
EXPOSE 8000 5001
# The image has no curl: `mock-thaid wait` polls {URL}/healthz (it works for the LHR demo too;
# docker-compose.yml sets the LHR's own port).
HEALTHCHECK --interval=10s --timeout=8s --start-period=60s --retries=3 \
    CMD ["mock-thaid", "wait", "http://127.0.0.1:8000", "--timeout", "5"]

# Bound to every interface inside the container; publish it on 127.0.0.1 (the issuer is derived
# from host and port: http://127.0.0.1:8000 here; set MOCK_THAID_ISSUER when it is reached elsewhere).
CMD ["mock-thaid", "serve", "--host", "0.0.0.0", "--port", "8000"]
