#!/usr/bin/env bash
# One kubeconfig for several AKS clusters, so a drill can read from one cluster and restore into another
# (azure/aks-set-context replaces KUBECONFIG with a single cluster's). AKS_CLUSTERS lists
# `<resource-group>/<cluster-name>` words; each cluster's context is named after the cluster. Credentials are
# Entra ID tokens from the OIDC login (kubelogin -l azurecli): no static kube credential is stored anywhere.
set -euo pipefail
: "${AKS_CLUSTERS:?set AKS_CLUSTERS to resource-group/cluster-name words}"
kubeconfig="${RUNNER_TEMP:-/tmp}/kubeconfig"
rm -f "$kubeconfig"
for rc in $AKS_CLUSTERS; do
  az aks get-credentials --resource-group "${rc%%/*}" --name "${rc#*/}" --file "$kubeconfig" --overwrite-existing
done
kubelogin convert-kubeconfig -l azurecli --kubeconfig "$kubeconfig"
chmod 600 "$kubeconfig"
echo "KUBECONFIG=$kubeconfig" >> "${GITHUB_ENV:-/dev/null}"
