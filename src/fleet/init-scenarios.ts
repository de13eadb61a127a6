/**
 * `dr-drill init` as a library call: read a cluster's Schedules, render a scenario for each, and write them into a
 * folder, never over an existing file unless `force` (every clash is named and nothing is written). Each written
 * file is read back through the scenario loader, so what is left to fill in is reported exactly as `validate`
 * will report it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeGateway } from '../kube/gateway.js';
import { inputError } from '../util/errors.js';
import { loadScenario, type Problem } from '../scenario/index.js';
import { readScheduleInventory } from './schedule-inventory.js';
import { renderInitScenario } from './init-scenario.js';

/** How `init` writes a scenario per Velero Schedule: where, from which Velero, into which target. */
export interface InitScenariosOptions {
  out: string;
  veleroNamespace: string;
  targetContext: string | null;
  force: boolean;
  now: Date;
}

/** One scenario file `init` wrote, and the Schedule it was written for. */
export interface WrittenScenario {
  schedule: string;
  scenario: string;
  file: string;
  rpoSeconds: number;
  rtoSeconds: number;
  warnings: string[];
  /** The placeholders left, as validate reports them. */
  toFillIn: Problem[];
}

/** What `init` read and wrote. */
export interface InitScenariosResult {
  context: string;
  schedules: number;
  written: WrittenScenario[];
  skipped: Array<{ schedule: string; reason: string }>;
}

export async function initScenarios(gw: KubeGateway, opts: InitScenariosOptions): Promise<InitScenariosResult> {
  const inventory = await readScheduleInventory(gw, opts.veleroNamespace);
  const results = inventory.map((inv) =>
    renderInitScenario(inv, { context: gw.context, targetContext: opts.targetContext, now: opts.now }),
  );
  const files = results.flatMap((r) => (r.ok ? [{ ...r, file: join(opts.out, `${r.name}.yaml`) }] : []));
  const clashes = files.filter((f) => existsSync(f.file));
  if (clashes.length && !opts.force)
    throw inputError(
      'INIT_WOULD_OVERWRITE',
      `${clashes.map((c) => c.file).join(', ')} already exist${clashes.length === 1 ? 's' : ''}; nothing written`,
      'review and move them, choose another --out, or pass --force to overwrite',
    );
  if (files.length) mkdirSync(opts.out, { recursive: true });
  const written: WrittenScenario[] = [];
  for (const f of files) {
    writeFileSync(f.file, f.text);
    written.push({
      schedule: f.schedule,
      scenario: f.name,
      file: f.file,
      rpoSeconds: f.rpoSeconds,
      rtoSeconds: f.rtoSeconds,
      warnings: f.warnings,
      toFillIn: (await loadScenario(f.file)).problems,
    });
  }
  return {
    context: gw.context,
    schedules: inventory.length,
    written,
    skipped: results.flatMap((r) => (r.ok ? [] : [{ schedule: r.schedule, reason: r.reason }])),
  };
}
