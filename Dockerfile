# syntax=docker/dockerfile:1
# One image for both processes; the compose file picks the command:
#   node dist/api/main.js   (HTTP API)
#   node dist/worker.js     (Temporal worker; bundles dist/workflows at start)
# Node 24 LTS, pinned by digest so a rebuild gets the same base; the tag names the exact version that digest holds
# (a moving tag such as 24-bookworm-slim would soon name a different image than the digest). The digest is the
# multi-arch index the official image published for node:24.18.0-bookworm-slim (also krypton-slim, 24-slim at the
# time), as recorded in docker-library/repo-info (repos/node/remote/krypton-slim.md). CI runs this exact Node version.
# To update both together: `docker buildx imagetools inspect node:24.X.Y-bookworm-slim` prints the digest of a tag.
ARG NODE_IMAGE=node:24.18.0-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# npm ci ends with the package's postinstall, which patches dependencies (scripts/patchDependencies.js): it must be here.
COPY package.json package-lock.json ./
COPY scripts/patchDependencies.js ./scripts/
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build also copies the SQL migrations next to the compiled migrator, the CommonJS failure converter and MJML's thread.
RUN npm run build

# Production dependencies in their own stage, so the build toolchain never reaches the runtime image.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/patchDependencies.js ./scripts/
RUN npm ci --omit=dev && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Files stay root-owned: the app reads its code but never writes to it.
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
