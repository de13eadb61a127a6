import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { inputError, infraError } from '../errors.js';
import { ClientGateway } from './client-gateway.js';
import { kubeconfigUserSecrets, runSecrets } from '../util/secrets.js';

/** Loads --kubeconfig, else $KUBECONFIG, else ~/.kube/config (client-node's default order). */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) {
    if (!existsSync(path))
      throw inputError(
        'KUBECONFIG_NOT_FOUND',
        `kubeconfig ${path} does not exist`,
        'pass an existing file with --kubeconfig',
      );
    kc.loadFromFile(path);
  } else {
    kc.loadFromDefault();
  }
  // Its credentials join the run's secrets: an error or a hook log quoting them is masked.
  for (const s of kubeconfigUserSecrets(kc.getUsers())) runSecrets.register(s);
  return kc;
}

/** A gateway for a named context (null: the current one); an unknown context names those that exist. */
export function gatewayFor(kc: KubeConfig, context: string | null): ClientGateway {
  const name = context ?? kc.getCurrentContext();
  const names = kc.getContexts().map((c) => c.name);
  if (!name || !names.includes(name)) {
    throw infraError(
      'KUBE_CONTEXT_UNKNOWN',
      context ? `kube context "${context}" is not in the kubeconfig` : 'the kubeconfig has no current context',
      names.length
        ? `use one of: ${names.join(', ')} (or pass --kubeconfig)`
        : 'pass --kubeconfig with a kubeconfig that has contexts',
    );
  }
  const copy = new KubeConfig();
  copy.loadFromString(kc.exportConfig());
  copy.setCurrentContext(name);
  return new ClientGateway(copy);
}
