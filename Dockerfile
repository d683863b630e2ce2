# syntax=docker/dockerfile:1
# One image for every tasker-ts process: the orchestration server (tasker-ctl serve), workers
# (tasker-ctl worker) and the example app (npm start). TypeScript runs directly through tsx, as in
# development, so there is no build step. Build from the repository root:
#   docker build -t tasker-ts .
#   docker run --rm -p 3000:3000 tasker-ts   # the example app, embedded (PGlite); its orchestration
#                                            # API then listens on the container's localhost only
# examples/docker-compose.yml runs it on PostgreSQL (and RabbitMQ) with one database per app.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so source edits do not reinstall them. Only the manifests (and the CLI's
# bin file, which npm links) are copied, never a local node_modules.
COPY package.json package-lock.json ./
COPY packages/tasker/package.json packages/tasker/package.json
COPY packages/tasker/bin packages/tasker/bin
COPY examples/hono-app/package.json examples/hono-app/package.json
COPY bench/package.json bench/package.json
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY tsconfig.base.json ./
COPY packages/tasker/tsconfig.json packages/tasker/tsconfig.json
COPY packages/tasker/schema packages/tasker/schema
COPY packages/tasker/src packages/tasker/src
COPY examples/shared examples/shared
COPY examples/hono-app/tsconfig.json examples/hono-app/drizzle.config.ts examples/hono-app/worker.toml examples/hono-app/.env.example examples/hono-app/
COPY examples/hono-app/src examples/hono-app/src
COPY examples/hono-app/drizzle examples/hono-app/drizzle
COPY examples/hono-app/templates examples/hono-app/templates
COPY examples/hono-app/datasets examples/hono-app/datasets

# Embedded data (PGlite) goes to a volume-friendly place; unused when DATABASE_URL is set.
RUN mkdir -p /data && chown node:node /data
# NODE_OPTIONS: the workspace's packages resolve to their TypeScript source (.npmrc does this for
# npm scripts; here it holds for tasker-ctl and every other process too).
ENV NODE_ENV=production \
    NODE_OPTIONS=--conditions=@tasker-ts/source \
    TASKER_DATA_DIR=/data \
    PATH=/app/node_modules/.bin:$PATH
USER node

EXPOSE 3000 8080
# The example app. Other processes override the command, e.g.
#   tasker-ctl serve --config examples/shared/worker.toml --templates examples/hono-app/templates
#   npm run worker -w examples/hono-app -- --namespaces sales
CMD ["npm", "start"]
