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
