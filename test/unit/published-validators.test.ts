/**
 * `npm run build` ships ahead-of-time validators (ajv standalone code) in dist/validators/, while tests and tsx
 * runs compile the same schemas at run time. Both must give the same answers, errors included: the scenario
 * problem messages are built from them.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { validatorModule } from '../../scripts/build-validators.js';
import { ajvFor, publishedSchema, type PublishedSchemaName } from '../../src/util/published-schema.js';
import { aReport } from '../support/report-builder.js';

const examples = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join('scenarios', f), 'utf8')) as Record<string, unknown>);
const broken = (s: Record<string, unknown>) => ({
  ...s,
  kind: 'Scenaro',
  extra: true,
  spec: { ...(s.spec as object), objectives: { rto: 5 }, probes: [{ name: 'x', kind: 'nope' }] },
});
const report = aReport().build() as unknown as Record<string, unknown>;

const samples: Record<PublishedSchemaName, unknown[]> = {
  'scenario.v1': [...examples, ...examples.map(broken), {}, null, 'text'],
  'report.v1': [{ schemaVersion: 1 }, report],
  'report.v2': [report, { ...report, verdict: 'MAYBE', t0: 'yesterday' }, { ...report, rto: null }],
};

describe('ahead-of-time validators', () => {
  const dir = mkdtempSync(join(process.cwd(), '.validators-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, values] of Object.entries(samples) as [PublishedSchemaName, unknown[]][]) {
    it(`${name}: the standalone validator answers exactly as the one compiled at run time`, () => {
      const file = join(dir, `${name}.cjs`);
      writeFileSync(file, validatorModule(name));
      const standalone = createRequire(import.meta.url)(file) as ValidateFunction;
      const compiled = ajvFor(name).compile(publishedSchema(name));
      let invalid = 0;
      for (const v of values) {
        const ok = compiled(v);
        expect(standalone(v), JSON.stringify(v).slice(0, 80)).to.equal(ok);
        expect(standalone.errors ?? null).to.deep.equal(compiled.errors ?? null);
        if (!ok) invalid++;
      }
      expect(invalid, 'some samples must be invalid for the comparison to mean anything').to.be.greaterThan(0);
    });
  }
});
