# syntax=docker/dockerfile:1
# vwh-proxy in a container. Stage 1 builds the proxy from this repository and packs it (pnpm pack: exactly what
# `npm publish` would upload); stage 2 installs that tarball on a slim Node image — as `npm install --global
# @voucherify-webhooks/proxy` would, offline: the package is one bundle with nothing to fetch — and runs it as the
# unprivileged `node` user, listening on 0.0.0.0:8080.
#
#   docker build -t vwh-proxy .
#   docker run --rm -p 8080:8080 vwh-proxy                        # demo mode: the embedded sandbox, a printed key
#   docker run --rm -p 8080:8080 \
#     -v "$PWD/proxy.json:/etc/vwh-proxy/proxy.json:ro" -e PROXY_CONFIG=/etc/vwh-proxy/proxy.json \
#     -v "$PWD/secrets:/run/secrets:ro" \
#     -e VOUCHERIFY_MANAGEMENT_ID_FILE=/run/secrets/voucherify_management_id \
#     -e VOUCHERIFY_MANAGEMENT_TOKEN_FILE=/run/secrets/voucherify_management_token \
#     -v vwh-audit:/home/node/audit \
#     vwh-proxy
#
# Configuration: the config file (PROXY_CONFIG; its "host" is overridden by HOST=0.0.0.0 below) and the upstream
# credentials, from mounted files (the *_FILE variables: read once at start, never in the environment) or from the
# environment (VOUCHERIFY_MANAGEMENT_ID, VOUCHERIFY_MANAGEMENT_TOKEN); PORT, LOG_LEVEL, VOUCHERIFY_CLUSTER or
# VOUCHERIFY_API_URL as documented in apps/proxy/README.md. The audit trail: "audit": {"path":
# "/home/node/audit/audit.jsonl"} on the volume (created by the node user, so writable), or "-" for stdout.
# packaging/test/dockerfile.test.ts runs this file's RUN, CMD and HEALTHCHECK commands, with its ENV, against the
# packed proxy: a change here that would break the container breaks that test.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS pack
WORKDIR /src
COPY . .
# Only the proxy and what it is built from (core, the sandbox), from the lockfile; then its bundle, then the tarball.
RUN npx -y pnpm@12.21.0 install --frozen-lockfile --filter @voucherify-webhooks/proxy... \
 && npx -y pnpm@12.21.0 --filter @voucherify-webhooks/proxy run build \
 && npx -y pnpm@12.21.0 --filter @voucherify-webhooks/proxy pack --pack-destination /out

FROM node:${NODE_VERSION}-bookworm-slim
COPY --from=pack /out/ /tmp/pack/
RUN npm install --global --offline --omit=dev --no-audit --no-fund --cache /tmp/npm-cache /tmp/pack/*.tgz \
 && rm -rf /tmp/pack /tmp/npm-cache
USER node
RUN mkdir -p /home/node/audit
WORKDIR /home/node
VOLUME /home/node/audit
ENV HOST=0.0.0.0 \
    PORT=8080 \
    NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["vwh-proxy"]
