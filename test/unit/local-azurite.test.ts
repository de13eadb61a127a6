/**
 * Where `local up` finds Azurite: it is a development dependency, so an installed dr-drill may not have it and
 * must say plainly how to get it, before any build starts.
 */
import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AZURITE_VERSION, findAzurite } from '../../src/local/azurite.js';
import { DrillError } from '../../src/util/errors.js';

/** A folder with no node_modules anywhere above it, standing in for an installed package without azurite. */
function emptyPlace(): { dir: string; from: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-azurite-'));
  return { dir, from: pathToFileURL(join(dir, 'dist', 'local', 'azurite.js')).href };
}

function fakeAzurite(root: string): string {
  const pkg = join(root, 'node_modules', 'azurite');
  mkdirSync(join(pkg, 'dist', 'src', 'blob'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'azurite', version: AZURITE_VERSION }));
  const main = join(pkg, 'dist', 'src', 'blob', 'main.js');
  writeFileSync(main, '#!/usr/bin/env node\n');
  chmodSync(main, 0o755);
  return main;
}

describe('local environment: finding Azurite', () => {
  it('is a devDependency pinned to the version the environment names, not a runtime dependency', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.dependencies).not.to.have.property('azurite');
    expect(pkg.devDependencies.azurite).to.equal(AZURITE_VERSION);
  });

  it('finds the checkout’s own azurite (npm ci installs dev dependencies)', () => {
    const found = findAzurite({ PATH: '' }, tmpdir());
    expect(found.foundBy).to.equal('package');
    expect(found.blobMain).to.match(/node_modules\/azurite\/dist\/src\/blob\/main\.js$/);
  });

  it('finds azurite installed in the working directory', () => {
    const { dir, from } = emptyPlace();
    const cwd = mkdtempSync(join(tmpdir(), 'dr-drill-azurite-cwd-'));
    const main = fakeAzurite(cwd);
    expect(findAzurite({ PATH: '' }, cwd, from)).to.deep.equal({ blobMain: main, foundBy: 'working directory' });
    void dir;
  });

  it('finds azurite-blob on PATH (a global install) and runs the script it links to', () => {
    const { dir, from } = emptyPlace();
    const main = fakeAzurite(join(dir, 'global'));
    const binDir = join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(main, join(binDir, 'azurite-blob'));
    const found = findAzurite({ PATH: `/nonexistent:${binDir}` }, dir, from);
    expect(found).to.deep.equal({ blobMain: realpathSync(main), foundBy: 'PATH' });
  });

  it('says plainly how to install it when it is nowhere', () => {
    const { dir, from } = emptyPlace();
    let err: unknown;
    try {
      findAzurite({ PATH: join(dir, 'bin') }, dir, from);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DrillError);
    const e = err as DrillError;
    expect(e.code).to.equal('LOCAL_AZURITE_MISSING');
    expect(e.message).to.contain('azurite is not installed');
    expect(e.hint).to.contain(`npm i -g azurite@${AZURITE_VERSION}`);
  });
});
