# syntax=docker/dockerfile:1
# Aisle's production image: `docker build -t aisle .`, then see docker-compose.yml (two API nodes, a worker, a proxy).
# The app runs its TypeScript sources through tsx, a runtime dependency, so there is no compile step: the build stage
# only installs the production dependencies (esbuild's binary, which builds the widget on demand, comes with them).
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://… aisle                 # an API node (its own outbox worker too)
#   docker run -e DATABASE_URL=postgres://… aisle node bin/aisle.js worker   # a worker only (health on 9090)

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# postinstall patches a postgres.js crash (scripts/patch-postgres.mjs); the image's node_modules is then read-only.
COPY scripts/patch-postgres.mjs scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    AISLE_WORKER_PORT=9090 \
    AISLE_DATA_DIR=/data \
    LOG_FORMAT=json
WORKDIR /app
# The code belongs to root and is read-only for the app; only /data (the embedded database, if used) is writable.
COPY --from=build /app/node_modules ./node_modules
COPY . .
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080 9090
# /api/health is 200 when the node can serve (503 when its database or search engine does not answer).
# `aisle worker` containers check http://127.0.0.1:9090/health instead (docker-compose.yml overrides this).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# A 64 MB young generation (Node's default is 16): a store sync allocates short-lived objects fast, and fewer,
# cheaper collections made it 5-8% faster (bench/sync/README.md), for about 70 MB more memory at the peak.
ENV NODE_OPTIONS="--max-semi-space-size=64"
# SIGTERM stops it gracefully: give it 40 s (docker stop -t 40, or stop_grace_period in compose).
STOPSIGNAL SIGTERM
CMD ["node", "bin/aisle.js", "serve"]
