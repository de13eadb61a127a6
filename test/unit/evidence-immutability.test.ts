/**
 * report verify --container against the immutability the sealed report states: what the storage account owner
 * can do to an uploaded copy (unlock, shorten, remove a policy) is named; a container without version-level
 * immutability (Azurite) is said in plain words, not passed off as protected.
 */
import { expect } from 'chai';
import { checkImmutability, type BlobPolicy } from '../../src/evidence/immutability-check.js';

const SEALED = '2026-03-02T02:10:00.000Z';
const YEAR = 365 * 86_400;
const until = (seconds: number) => new Date(Date.parse(SEALED) + seconds * 1000);
const files = ['report.json', 'report.md', 'SHA256SUMS'];
const all = (mode: string | null, expiresOn: Date | null): BlobPolicy[] =>
  files.map((name) => ({ name, mode, expiresOn }));
const locked = { policyMode: 'Locked', periodSeconds: YEAR } as const;
const unlocked = { policyMode: 'Unlocked', periodSeconds: YEAR } as const;

const cases: Array<{
  name: string;
  intended: Parameters<typeof checkImmutability>[0];
  versionLevel: boolean | undefined;
  blobs: BlobPolicy[];
  problems: Array<[string, RegExp]>;
  note: RegExp;
}> = [
  {
    name: 'every blob Locked for the stated period: no problem, and the note says so',
    intended: locked,
    versionLevel: true,
    blobs: all('Locked', until(YEAR + 40)),
    problems: [],
    note: /as the sealed report states \(Locked for 365 day\(s\) after sealing\); 3 of 3 blob\(s\) Locked until at least 2027-03-02/,
  },
  {
    name: 'the owner left one blob Unlocked where the report states Locked',
    intended: locked,
    versionLevel: true,
    blobs: [
      ...all('Locked', until(YEAR + 40)).slice(1),
      { name: 'report.json', mode: 'Unlocked', expiresOn: until(YEAR) },
    ],
    problems: [['report.json', /immutability policy Unlocked, the sealed report states Locked/]],
    note: /^$/,
  },
  {
    name: 'an Unlocked policy shortened to a day',
    intended: unlocked,
    versionLevel: true,
    blobs: [
      ...all('Unlocked', until(YEAR + 40)).slice(1),
      { name: 'report.json', mode: 'Unlocked', expiresOn: until(86_400) },
    ],
    problems: [['report.json', /ends 2026-03-03T02:10:00\.000Z, before 2027-03-02T02:10:00\.000Z/]],
    note: /^$/,
  },
  {
    name: 'an Unlocked policy removed from a container with version-level immutability',
    intended: unlocked,
    versionLevel: true,
    blobs: [...all('Unlocked', until(YEAR + 40)).slice(1), { name: 'report.json', mode: null, expiresOn: null }],
    problems: [
      [
        'report.json',
        /no immutability policy, though the container has version-level immutability.*removed, or never set/,
      ],
    ],
    note: /^$/,
  },
  {
    name: 'the service answers "Mutable" for a removed policy: the same',
    intended: locked,
    versionLevel: true,
    blobs: all('Mutable', null),
    problems: files.map((f) => [f, /no immutability policy/] as [string, RegExp]),
    note: /^$/,
  },
  {
    name: 'Locked where Unlocked was stated is stronger: no problem, and the note names what is there',
    intended: unlocked,
    versionLevel: true,
    blobs: all('Locked', until(YEAR)),
    problems: [],
    note: /as the sealed report states \(Unlocked .*\); 3 of 3 blob\(s\) Locked/,
  },
  {
    name: 'an Unlocked copy as stated: the note says the owner can still shorten or remove it',
    intended: unlocked,
    versionLevel: true,
    blobs: all('Unlocked', until(YEAR)),
    problems: [],
    note: /Unlocked policy can be shortened or removed by the storage account owner/,
  },
  {
    name: 'Azurite (the service says nothing about version-level immutability): plain words, no problem',
    intended: locked,
    versionLevel: undefined,
    blobs: all(null, null),
    problems: [],
    note: /states Locked for 365 day\(s\) after sealing, but the evidence container has no version-level immutability \(the service does not report it: Azurite.*\): the uploaded copy is protected only by access control/,
  },
  {
    name: 'a container without version-level immutability: said so',
    intended: locked,
    versionLevel: false,
    blobs: all(null, null),
    problems: [],
    note: /\(not enabled on it\): the uploaded copy is protected only by access control/,
  },
  {
    name: 'a report sealed before the policy was stated: a note of what is there, nothing compared',
    intended: undefined,
    versionLevel: undefined,
    blobs: all(null, null),
    problems: [],
    note: /states no policy \(it was sealed before dr-drill recorded the intended policy\); the 3 uploaded blob\(s\) have no immutability policy/,
  },
  {
    name: 'a drill that uploaded nothing (a later report upload): a note of what is there',
    intended: null,
    versionLevel: true,
    blobs: all('Unlocked', until(30 * 86_400)),
    problems: [],
    note: /states no policy \(the drill did not upload it\); 3 of 3 blob\(s\) Unlocked until at least 2026-04-01/,
  },
];

describe('immutability of the uploaded copy against the sealed report', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = checkImmutability(c.intended, SEALED, c.versionLevel, c.blobs);
      expect(r.problems.map((p) => p.file)).to.deep.equal(c.problems.map(([f]) => f));
      r.problems.forEach((p, i) => expect(p.message).to.match(c.problems[i]![1]));
      expect(r.notes.join('\n')).to.match(c.note);
    });
  }
});
