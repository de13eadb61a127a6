# dr-drill CLI image: build with dev dependencies, ship only the runtime ones, run as a non-root user.
#   docker build -t dr-drill .
#   docker run --rm -v ~/.kube:/home/node/.kube:ro -v "$PWD/reports:/reports" dr-drill run /scenarios/x.yaml
# Reports go to /reports (the working directory's default is reports/, so --report-dir /reports is passed by the
# CronJob example in deploy/cronjob/).

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts are skipped here: `prepare` builds, and the sources are not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production NO_COLOR=1
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY schemas ./schemas
COPY scenarios ./scenarios
RUN ln -s /app/bin/dr-drill.js /usr/local/bin/dr-drill && chmod 0755 /app/bin/dr-drill.js \
  && mkdir -p /reports && chown node:node /reports
# The image's built-in unprivileged user (uid 1000); the CronJob pins it with runAsNonRoot.
USER node
WORKDIR /reports
ENTRYPOINT ["dr-drill"]
CMD ["--help"]
