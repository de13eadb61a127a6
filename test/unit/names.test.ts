import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { objectName, validLabelValue } from '../../src/velero/names.js';

const sha6 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 6);

describe('velero names', () => {
  describe('validLabelValue (Velero label.GetValidName)', () => {
    const long = 'payments-daily-with-a-very-long-schedule-name-that-goes-on-and-on-20260101';
    const cases = [
      { name: 'short names are kept', input: 'payments-daily', want: 'payments-daily' },
      { name: 'exactly 63 characters are kept', input: 'a'.repeat(63), want: 'a'.repeat(63) },
      {
        name: '64 characters: 57 + 6 hex of sha256',
        input: 'b'.repeat(64),
        want: 'b'.repeat(57) + sha6('b'.repeat(64)),
      },
      { name: 'a long schedule name', input: long, want: long.slice(0, 57) + sha6(long) },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const v = validLabelValue(c.input);
        expect(v).to.equal(c.want);
        expect(v.length).to.be.at.most(63);
      });
    }
  });

  describe('objectName', () => {
    it('joins parts into a DNS-1123 name', () =>
      expect(objectName('Payments', 'nightly_drill', 'abcd1234')).to.equal('payments-nightly-drill-abcd1234'));
    it('cuts long names to 63 with a hash', () => {
      const n = objectName('x'.repeat(80), 'abcd1234');
      expect(n).to.have.length.at.most(63);
      expect(n).to.match(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    });
  });
});
