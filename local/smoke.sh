#!/usr/bin/env bash
# Proves the local DR environment end to end with Velero's own CLI, and measures the backup sync delay:
# backup of a namespace in primary -> Completed; the backup appears in dr (ReadOnly BSL, sync) -> restore in dr
# -> Completed; a DownloadRequest for the restore's results is processed and its https URL downloads from
# Azurite with the environment's CA. Cleans up what it created (the restore, the restored namespace in dr,
# the backup). Usage: local/smoke.sh [namespace]   (default: catalog; needs `dr-drill local up` first)
set -euo pipefail

ns=${1:-catalog}
state=${DR_DRILL_LOCAL_STATE:-$HOME/.local/state/dr-drill/local}
bin=${DR_DRILL_BIN_DIR:-$(cat "$state/bin-dir")}
kc=$state/kubeconfig
ca=$state/tls/ca.pem
P=(--kubeconfig "$kc" --kubecontext dr-drill-primary -n velero)
D=(--kubeconfig "$kc" --kubecontext dr-drill-dr -n velero)
k() { "$bin/kubectl" --kubeconfig "$kc" "$@"; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
say() { printf '[smoke %6ss] %s\n' "$(sub "$(now)" "$t0")" "$*"; }
t0=$(now)
name=smoke-$ns-$(date +%s)

"$bin/velero" "${P[@]}" backup create "$name" --include-namespaces "$ns" --snapshot-volumes=false --wait >/dev/null
phase=$(k --context dr-drill-primary -n velero get backup "$name" -o jsonpath='{.status.phase}')
done_at=$(now)
say "backup $name in primary: $phase"
[ "$phase" = Completed ]

until k --context dr-drill-dr -n velero get backup "$name" >/dev/null 2>&1; do sleep 1; done
synced_at=$(now)
sync=$(sub "$synced_at" "$done_at")
say "backup visible in dr after ${sync}s (sync delay)"

if k --context dr-drill-dr get ns "$ns" >/dev/null 2>&1; then echo "namespace $ns already exists in dr; delete it first" >&2; exit 1; fi
"$bin/velero" "${D[@]}" restore create "$name" --from-backup "$name" --wait >/dev/null
phase=$(k --context dr-drill-dr -n velero get restore "$name" -o jsonpath='{.status.phase}')
say "restore $name in dr: $phase ($(k --context dr-drill-dr -n "$ns" get all --no-headers 2>/dev/null | wc -l) objects in $ns)"
[ "$phase" = Completed ]

dr=$name-results
k --context dr-drill-dr apply -f - >/dev/null <<EOF
apiVersion: velero.io/v1
kind: DownloadRequest
metadata: { name: $dr, namespace: velero }
spec: { target: { kind: RestoreResults, name: $name } }
EOF
url=
for _ in $(seq 1 60); do
  url=$(k --context dr-drill-dr -n velero get downloadrequest "$dr" -o jsonpath='{.status.downloadURL}')
  [ -n "$url" ] && break; sleep 0.5
done
[ -n "$url" ] || { echo "DownloadRequest $dr was not processed" >&2; exit 1; }
code=$(curl -sS --cacert "$ca" -o /tmp/dr-drill-smoke-results.gz -w '%{http_code}' "$url")
say "DownloadRequest processed; GET ${url%%\?*} -> HTTP $code ($(gzip -dc /tmp/dr-drill-smoke-results.gz | head -c 80))"
[ "$code" = 200 ]
"$bin/velero" "${D[@]}" restore describe "$name" --details --cacert "$ca" | grep -A3 -E '^(Warnings|Errors):' | head -8 || true

k --context dr-drill-dr -n velero delete downloadrequest "$dr" --wait=false >/dev/null
k --context dr-drill-dr -n velero delete restore "$name" >/dev/null
k --context dr-drill-dr delete ns "$ns" --wait=true --timeout=120s >/dev/null
k --context dr-drill-dr delete pv -l "velero.io/restore-name=$name" >/dev/null   # restored PVs are cluster-scoped
"$bin/velero" "${P[@]}" backup delete "$name" --confirm >/dev/null
say "cleaned up (restore, namespace $ns and restored PVs in dr, backup $name)"
echo "sync_delay_seconds=$sync"
