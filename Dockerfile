# Rasad's own image: the CLI with every stage; the same image runs the worker and the dashboard/API.
# The dashboard's browser libraries come from package.json + package-lock.json (npm ci).
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY rasad ./rasad
COPY producers ./producers
COPY processors ./processors
COPY indexers ./indexers
COPY dashboards ./dashboards
COPY alerts ./alerts
COPY cli ./cli
COPY bench ./bench
COPY devstack ./devstack
COPY wiring ./wiring
COPY --from=assets /assets/node_modules ./node_modules
RUN pip install . && useradd --system --home /data rasad && mkdir -p /data && chown rasad /data

USER rasad
ENV RASAD_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000 6066
ENTRYPOINT ["rasad"]
CMD ["--help"]
