# dr-drill CLI image: Node 24 LTS, build with dev dependencies, ship only the runtime ones, run as a non-root user
# under tini, with the velero CLI (used by `target.aks.velero.installMode: cli`) and kubelogin (exec-format AKS
# kubeconfigs) on PATH.
#   docker build -t dr-drill --build-arg VERSION=$(node -p 'require("./package.json").version') \
#     --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
#   docker run --rm -v ~/.kube:/home/node/.kube:ro -v "$PWD/reports:/reports" dr-drill run /scenarios/x.yaml
# Reports go to /reports (the working directory's default is reports/, so --report-dir /reports is passed by the
# CronJob example in deploy/cronjob/).
#
# Base images are pinned by digest. The digests below are placeholders, so a build fails until they are set:
# put in the digest of the tag you vetted (`docker buildx imagetools inspect node:24-bookworm-slim`) or pass
# --build-arg NODE_IMAGE=… / GO_IMAGE=…; let Renovate or Dependabot keep them current.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000
ARG GO_IMAGE=golang:1.26-bookworm@sha256:0000000000000000000000000000000000000000000000000000000000000000

# velero and kubelogin from their Go modules: the module proxy's checksum database vouches for the sources.
FROM ${GO_IMAGE} AS tools
ARG VELERO_VERSION=1.17.2
ARG KUBELOGIN_VERSION=0.2.22
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
RUN GOBIN=/out go install -ldflags "-s -w" "github.com/Azure/kubelogin@v${KUBELOGIN_VERSION}"
# go install refuses velero's main module (its go.mod has replace lines): build it inside a copy of the module.
RUN d=$(go mod download -json "github.com/vmware-tanzu/velero@v${VELERO_VERSION}" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p') \
  && cp -r "$d" /tmp/velero && chmod -R u+w /tmp/velero && cd /tmp/velero \
  && go build -ldflags "-s -w -X github.com/vmware-tanzu/velero/pkg/buildinfo.Version=v${VELERO_VERSION}" \
     -o /out/velero ./cmd/velero \
  && /out/velero version --client-only && /out/kubelogin --version

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts are skipped here: `prepare` builds, and the sources are not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY schemas ./schemas
# tsc, then the schema validators compiled ahead of time (dist/validators, scripts/build-validators.ts).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="dr-drill" \
      org.opencontainers.image.description="Rehearse disaster recovery for Kubernetes workloads protected by Velero: restore, prove, measure RTO/RPO, report." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/dr-drill/dr-drill" \
      org.opencontainers.image.documentation="https://github.com/dr-drill/dr-drill#readme" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
# tini is PID 1: it forwards SIGTERM (a pod evicted) to the drill, which then tears down and seals its report,
# and reaps the processes runbook hooks leave behind.
RUN apt-get update && apt-get install -y --no-install-recommends tini ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production NO_COLOR=1
WORKDIR /app
COPY --from=tools /out/velero /out/kubelogin /usr/local/bin/
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY schemas ./schemas
COPY scenarios ./scenarios
COPY LICENSE ./
RUN ln -s /app/bin/dr-drill.js /usr/local/bin/dr-drill && chmod 0755 /app/bin/dr-drill.js \
  && mkdir -p /reports && chown node:node /reports
# The image's built-in unprivileged user (uid 1000); the CronJob pins it with runAsNonRoot.
USER node
WORKDIR /reports
ENTRYPOINT ["/usr/bin/tini", "--", "dr-drill"]
CMD ["--help"]
