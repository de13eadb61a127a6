import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishedSchemas, REPO_ROOT } from '../../scripts/gen-schemas.js';

describe('published JSON Schemas', () => {
  for (const [file, expected] of Object.entries(publishedSchemas())) {
    it(`${file} matches its typebox source (run npm run schemas after changing a schema)`, () => {
      const path = join(REPO_ROOT, file);
      expect(existsSync(path), `${file} is missing`).to.equal(true);
      // Compare parsed first for a readable diff, then bytes for formatting (pretty, trailing newline).
      expect(JSON.parse(readFileSync(path, 'utf8'))).to.deep.equal(JSON.parse(expected));
      expect(readFileSync(path, 'utf8')).to.equal(expected);
    });
  }
});

describe('report schema versions', () => {
  it('checks a schemaVersion 1 report against the frozen v1 schema and rejects unknown versions', async () => {
    const { validateReport } = await import('../../src/report/validate-report.js');
    const { readFileSync } = await import('node:fs');
    const v1 = JSON.parse(readFileSync('schemas/report.v1.schema.json', 'utf8')) as { title: string };
    expect(v1.title).to.contain('schemaVersion 1');
    expect(validateReport({ schemaVersion: 1 })).to.not.be.empty;
    expect(validateReport({ schemaVersion: 7 })[0]).to.contain('unknown report schema version 7');
  });
});
