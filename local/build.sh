#!/usr/bin/env bash
# Builds the local DR environment's binaries from their Go modules, once, into a cache outside the repository.
# Usage: local/build.sh [bin-dir]   (default: $DR_DRILL_CACHE/bin-<version set>, DR_DRILL_CACHE=~/.cache/dr-drill)
# Prints the bin dir on its last line. Each binary is built only when missing, so a warm run takes a second.
set -euo pipefail

K8S_VERSION=1.33.13          # kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
ETCD_VERSION=3.5.21          # the etcd Kubernetes v1.33 pins in build/dependencies.yaml
KWOK_VERSION=0.7.0           # default kube 1.33; binary runtime
VELERO_VERSION=1.17.2        # the plugin v1.13.x pairs with Velero v1.17.x
AZURE_PLUGIN_VERSION=1.13.2  # built from the copy in local/velero-plugin-for-microsoft-azure (not on the module proxy)
VELERO_PATCHES=2             # bump when the velero patches below change: a new bin dir, cached binaries stay as they are
KWOK_PATCHES=1               # the same for the kwok patch below

here=$(cd "$(dirname "$0")" && pwd)
cache=${DR_DRILL_CACHE:-$HOME/.cache/dr-drill}
bin=${1:-$cache/bin-k$K8S_VERSION-e$ETCD_VERSION-w$KWOK_VERSION-x$KWOK_PATCHES-v$VELERO_VERSION-p$VELERO_PATCHES-a$AZURE_PLUGIN_VERSION}
src=$cache/src
mkdir -p "$bin/plugins" "$src"

export GOFLAGS="-trimpath" CGO_ENABLED=0 GOTOOLCHAIN=local
log() { printf '[build] %s\n' "$*" >&2; }
started=$SECONDS; step=
# need FILE...: true when one of the files is missing in the bin dir (and then Go must be installed).
need() {
  for f in "$@"; do
    if [ ! -e "$bin/$f" ]; then
      command -v go >/dev/null || { echo "error: Go is not installed; install Go >= 1.24 and put it on PATH, or set DR_DRILL_BIN_DIR to prebuilt binaries" >&2; exit 3; }
      return 0
    fi
  done
  return 1
}
took() { log "$1 built in $((SECONDS - step))s"; }

# Kubernetes: go install refuses k8s.io/kubernetes (its go.mod replaces the staging modules with ./staging),
# so a wrapper module replaces each staging module with its published v0.x tag.
if need kube-apiserver kube-controller-manager kube-scheduler kubectl; then
  log "kubernetes v$K8S_VERSION"; step=$SECONDS
  minor=$(echo "$K8S_VERSION" | cut -d. -f2); staging=v0.${K8S_VERSION#1.}
  d=$src/k8s-$K8S_VERSION; mkdir -p "$d"; cd "$d"
  if [ ! -f go.mod ]; then
    go mod init local/k8sbuild >/dev/null 2>&1
    go mod edit -go=1.24.0
    gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    for m in $(awk '$2=="=>" && $3 ~ /^\.\/staging/ {print $1}' "$gomod"); do go mod edit -replace="$m=$m@$staging"; done
    printf 'package main\nimport (\n _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n)\n' > tools.go
    go get "k8s.io/kubernetes@v$K8S_VERSION" >&2
    rm tools.go
  fi
  V=k8s.io/component-base/version C=k8s.io/client-go/pkg/version
  ldf="-s -w -X $V.gitVersion=v$K8S_VERSION -X $V.gitMajor=1 -X $V.gitMinor=$minor -X $V.gitTreeState=clean"
  ldf="$ldf -X $C.gitVersion=v$K8S_VERSION -X $C.gitMajor=1 -X $C.gitMinor=$minor -X $C.gitTreeState=clean"
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "$ldf" -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  took kubernetes
fi

# etcd: the server module's go.mod has replace lines too; a wrapper needs none (siblings are required at tags).
if need etcd; then
  log "etcd v$ETCD_VERSION"; step=$SECONDS
  d=$src/etcd-$ETCD_VERSION; mkdir -p "$d"; cd "$d"
  [ -f go.mod ] || { go mod init local/etcdbuild >/dev/null 2>&1; go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2; }
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
  took etcd
fi

# Patches, each guarded by a grep so that a changed upstream line fails the build instead of being skipped.
patch() { # file, line that must be there, sed expression
  grep -q -- "$2" "$1" || { echo "error: $1 changed; update the patch in local/build.sh" >&2; exit 1; }
  sed -i -e "$3" "$1"
}

# kwok and kwokctl have no replace lines: kwokctl is go-installed; kwok is built from a copy of the module, patched:
# kwok's local exec runs a pod's command on the host as it is. When the exec rule's envs name KWOK_EXEC_WRAPPER,
# the patched kwok runs `<wrapper> <namespace> <pod> <container> <command…>` instead, so the local environment can
# show a command its pod's own volume directories at their mountPaths (src/local/exec-wrapper.ts). Without that env
# it behaves exactly as upstream.
if need kwok kwokctl kwok.exec-wrapper-patch; then
  log "kwok v$KWOK_VERSION"; step=$SECONDS
  ldf="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION"
  GOBIN=$bin go install -ldflags "$ldf" "sigs.k8s.io/kwok/cmd/kwokctl@v$KWOK_VERSION"
  mod=$(go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  d=$src/kwok-$KWOK_VERSION; rm -rf "$d"; cp -r "$mod" "$d"; chmod -R u+w "$d"; cd "$d"
  patch pkg/kwok/server/debugging_exec.go $'^\t// Set cancel context.$' \
    's|^\t// Set cancel context.$|\tfor _, env := range execTarget.Local.Envs {\n\t\tif env.Name == "KWOK_EXEC_WRAPPER" \&\& env.Value != "" {\n\t\t\tcmd = append([]string{env.Value, podNamespace, podName, container}, cmd...)\n\t\t}\n\t}\n\n&|'
  go build -ldflags "$ldf" -o "$bin/kwok" ./cmd/kwok
  echo "exec rules with a KWOK_EXEC_WRAPPER env run the command through that wrapper (local/build.sh)" > "$bin/kwok.exec-wrapper-patch"
  cd "$src"; rm -rf "$d"
  took kwok
fi

# Velero's go.mod replaces kopia with a fork, so build inside a copy of the module with its own go.mod/go.sum.
# Patches:
# 1. `velero server` and `velero node-agent server` leave controller-runtime's metrics server at its default,
#    :8080 on every interface, so a second server on the same host dies ("bind: address already in use") and the
#    first is reachable from outside. The patch turns that server off (BindAddress "0"); Velero's own metrics
#    stay on --metrics-address.
# 2. node-agent finds pod volumes under the hard-coded /host_pods (a kubelet dir mounted into its pod); on the host
#    VELERO_HOST_PODS_PATH overrides it, so each environment has its own root and nothing needs root.
# 3. `velero pod-volume backup|restore` reports its result in the hard-coded /dev/termination-log; on the host
#    VELERO_TERMINATION_LOG overrides it (one file per run). Unset, both behave exactly as upstream.
# The marker files record which patches the binary carries.
if need velero velero.loopback-patch velero.node-agent-patch; then
  log "velero v$VELERO_VERSION"; step=$SECONDS
  mod=$(go mod download -json "github.com/vmware-tanzu/velero@v$VELERO_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  d=$src/velero-$VELERO_VERSION; rm -rf "$d"; cp -r "$mod" "$d"; chmod -R u+w "$d"; cd "$d"
  for f in pkg/cmd/server/server.go pkg/cmd/cli/nodeagent/server.go; do
    patch $f 'mgr, err = ctrl.NewManager(clientConfig, ctrl.Options{' \
      's|^\(\s*\)mgr, err = ctrl.NewManager(clientConfig, ctrl.Options{|&\n\1\tMetrics: metricsserver.Options{BindAddress: "0"},|'
    patch $f 'ctrl "sigs.k8s.io/controller-runtime"$' \
      's|^\(\s*\)ctrl "sigs.k8s.io/controller-runtime"$|&\n\1metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"|'
  done
  f=pkg/nodeagent/node_agent.go
  patch $f $'^\treturn "/" + HostPodVolumeMountPoint$' \
    's|^\treturn "/" + HostPodVolumeMountPoint$|\tif p := os.Getenv("VELERO_HOST_PODS_PATH"); p != "" {\n\t\treturn p\n\t}\n&|'
  patch $f $'^\t"fmt"$' '0,/^\t"fmt"$/s||&\n\t"os"|'
  f=pkg/util/kube/pod.go
  patch $f 'funcCreateFile("/dev/termination-log")' 's|funcCreateFile("/dev/termination-log")|funcCreateFile(terminationLogPath())|'
  printf '\nfunc terminationLogPath() string {\n\tif p := os.Getenv("VELERO_TERMINATION_LOG"); p != "" {\n\t\treturn p\n\t}\n\treturn "/dev/termination-log"\n}\n' >> $f
  go build -ldflags "-s -w -X github.com/vmware-tanzu/velero/pkg/buildinfo.Version=v$VELERO_VERSION" -o "$bin/velero" ./cmd/velero
  echo "controller-runtime metrics server disabled in velero server and node-agent (local/build.sh)" > "$bin/velero.loopback-patch"
  echo "VELERO_HOST_PODS_PATH and VELERO_TERMINATION_LOG honoured (local/build.sh)" > "$bin/velero.node-agent-patch"
  cd "$src"; rm -rf "$d"
  took velero
fi

# The Azure plugin: the module proxy refuses this module, so the repository carries its v1.13.2 sources.
if need plugins/velero-plugin-for-microsoft-azure; then
  log "velero-plugin-for-microsoft-azure v$AZURE_PLUGIN_VERSION"; step=$SECONDS
  d=$src/azure-plugin-$AZURE_PLUGIN_VERSION; rm -rf "$d"; cp -r "$here/velero-plugin-for-microsoft-azure" "$d"; cd "$d"
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$bin/plugins/velero-plugin-for-microsoft-azure" .
  cd "$src"; rm -rf "$d"
  took velero-plugin-for-microsoft-azure
fi

log "binaries ready in $bin ($((SECONDS - started))s)"
echo "$bin"
