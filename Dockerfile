# syntax=docker/dockerfile:1
# One image for both processes; the compose file picks the command:
#   node dist/api/main.js   (HTTP API)
#   node dist/worker.js     (Temporal worker; bundles dist/workflows at start)
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build also copies the SQL migrations next to the compiled migrator.
RUN npm run build

# Production dependencies in their own stage, so the build toolchain never reaches the runtime image.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
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
