# The sendlens image the compose stack runs: `node bin/sendlens.js <command>`.
FROM node:24.22.3-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY src src
COPY schemas schemas
COPY samples samples
# `npm install` (not `npm ci`: chdb names optional platform packages the registry lacks) builds dist/
# through `prepare`, then the build tools are dropped.
RUN npm install --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund
USER node
ENTRYPOINT ["node", "bin/sendlens.js"]
