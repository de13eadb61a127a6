/** What `plan` says about runbook hooks: each one, where it runs, and whether its command can be found here. */
import { resolve } from 'node:path';
import { findExecutable } from '../hooks/index.js';
import type { DrillPlan } from '../plan/types.js';
import { formatSeconds } from '../util/duration.js';
import type { PreflightCheck } from './preflight-check.js';

/**
 * One check per hook. A command not found is a warning, not an error: plan often runs on a laptop while the drill
 * runs on a CI runner that has terraform or az installed.
 */
export function hookPreflight(plan: DrillPlan, cwd = process.cwd(), path = process.env.PATH ?? ''): PreflightCheck[] {
  return (plan.hooks ?? []).map((h) => {
    const dir = h.workingDir ? resolve(cwd, h.workingDir) : cwd;
    const found = findExecutable(h.command[0]!, dir, path);
    const where = `${h.at}, timeout ${formatSeconds(h.timeoutMs / 1000)}, onFailure ${h.onFailure}${h.produces ? `, produces the target kubeconfig ${h.produces.kubeconfig}` : ''}`;
    return found
      ? { name: `hook ${h.name}`, status: 'ok' as const, detail: `${h.command[0]} → ${found} (${where})` }
      : {
          name: `hook ${h.name}`,
          status: 'warn' as const,
          detail: `${h.command[0]} not found on PATH${h.command[0]!.includes('/') ? ` (relative to ${dir})` : ''}: the hook cannot start here (${where})`,
        };
  });
}
