import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';

// docs/architecture.md has a section per folder of src/: a folder added without one fails here, and so does a
// section left behind for a folder that was moved away.
describe('docs/architecture.md', () => {
  const doc = readFileSync('docs/architecture.md', 'utf8');
  const folders = readdirSync('src', { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const sections = [...doc.matchAll(/^\*\*`src\/([a-z-]+)\/`\*\*/gm)].map((m) => m[1]!);

  it('describes every folder of src/, and no folder that is not there', () => {
    expect([...sections].sort()).to.deep.equal([...folders].sort());
  });
});
