import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { inputError, infraError } from '../util/errors.js';
import { ClientGateway } from './client-gateway.js';
import { kubeconfigUserSecrets, runSecrets } from '../util/secrets.js';

/**
 * Kubeconfigs loaded from nothing: with no --kubeconfig, no $KUBECONFIG, no ~/.kube/config and no in-cluster
 * service account, client-node invents a context named `loaded-context` for http://localhost:8080. That context
 * is not the user's: it is dropped (an empty kubeconfig is returned) and errors say that no kubeconfig was found.
 */
const notFound = new WeakSet<KubeConfig>();

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
    if (isPlaceholder(kc)) {
      const empty = new KubeConfig();
      notFound.add(empty);
      return empty;
    }
  }
  // Its credentials join the run's secrets: an error or a hook log quoting them is masked.
  for (const s of kubeconfigUserSecrets(kc.getUsers())) runSecrets.register(s);
  return kc;
}

function isPlaceholder(kc: KubeConfig): boolean {
  const contexts = kc.getContexts();
  return (
    contexts.length === 1 &&
    contexts[0]!.name === 'loaded-context' &&
    kc.getCurrentCluster()?.server === 'http://localhost:8080'
  );
}

/** Why a context cannot be used (null when it can): code, message and hint, for either error category. */
function contextProblem(
  kc: KubeConfig,
  context: string | null,
): { code: string; message: string; hint: string } | null {
  if (notFound.has(kc)) {
    return {
      code: 'KUBECONFIG_NOT_FOUND',
      message: `no kubeconfig${context ? ` for kube context "${context}"` : ''}: --kubeconfig is not given, $KUBECONFIG is not set and ~/.kube/config does not exist`,
      hint: 'pass --kubeconfig <file> or set KUBECONFIG (in a pod, mount a service account token)',
    };
  }
  const name = context ?? kc.getCurrentContext();
  const names = kc.getContexts().map((c) => c.name);
  if (name && names.includes(name)) return null;
  return {
    code: 'KUBE_CONTEXT_UNKNOWN',
    message: context ? `kube context "${context}" is not in the kubeconfig` : 'the kubeconfig has no current context',
    hint: names.length
      ? `use one of: ${names.join(', ')} (--context, or the scenario's kubeContext; or pass --kubeconfig)`
      : 'pass --kubeconfig with a kubeconfig that has contexts',
  };
}

/**
 * Checks, before anything is created, that every context a command will use is in the kubeconfig: a context
 * that is not there is a mistake in the command line or the scenario (exit 2), not a cluster failing (exit 3).
 */
export function requireContexts(kc: KubeConfig, contexts: readonly (string | null)[]): void {
  for (const c of contexts) {
    const p = contextProblem(kc, c);
    if (p) throw inputError(p.code, p.message, p.hint);
  }
}

/**
 * A kubeconfig handed over while a drill runs (a new AKS cluster's credentials, the file a provision hook wrote),
 * kept in memory: its users' credentials join the run's secrets before any error or log could quote them.
 */
export function kubeconfigFromText(text: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  for (const s of kubeconfigUserSecrets(kc.getUsers())) runSecrets.register(s);
  return kc;
}

/** A gateway for a named context (null: the current one); an unknown context names those that exist. */
export function gatewayFor(kc: KubeConfig, context: string | null): ClientGateway {
  const p = contextProblem(kc, context);
  // Here a context is missing while a drill runs (e.g. one a provision hook handed back): the drill's ERROR.
  if (p) throw infraError(p.code, p.message, p.hint);
  const copy = new KubeConfig();
  copy.loadFromString(kc.exportConfig());
  copy.setCurrentContext(context ?? kc.getCurrentContext());
  return new ClientGateway(copy);
}
