# ModelMesh proxy: the mesh as an OpenAI-compatible server on port 8080, plus the browser relay.
# Not built or run on the development machines (no Docker there); kept minimal: one bundle, no runtime dependencies.

# Build: bundle the proxy CLI and the SDK (with yaml, eventsource-parser and undici) into one file.
FROM node:20-slim AS build
WORKDIR /src
# Every workspace's package.json, so `npm ci` sees the same tree as package-lock.json.
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
COPY cors-proxy/package.json cors-proxy/
COPY extension/package.json extension/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund
COPY sdk/src sdk/src
COPY cors-proxy/src cors-proxy/src
RUN npm run build --workspace cors-proxy

# Run: node and one file.
FROM node:20-alpine
WORKDIR /app
ENV NODE_ENV=production \
    MODELMESH_PROXY_HOST=0.0.0.0 \
    MODELMESH_PROXY_PORT=8080
COPY --from=build /src/cors-proxy/dist/cli.js /app/modelmesh-proxy.js
USER node
EXPOSE 8080
# Listening on 0.0.0.0 requires a token: MODELMESH_PROXY_TOKEN (e.g. in .env) or proxy.token in /app/modelmesh.yaml.
# /app/modelmesh.yaml is used when mounted; without it, providers are discovered from OPENAI_API_KEY and friends.
HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://127.0.0.1:8080/health >/dev/null || exit 1
CMD ["node", "/app/modelmesh-proxy.js"]
