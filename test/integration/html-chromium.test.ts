/**
 * report.html in a real browser: headless Chromium (Debian package `chromium`) driven by playwright-core, which
 * downloads no browser of its own. The page must render its verdict and timeline and request nothing but itself.
 * Without Chromium the test fails with how to install it (the README lists Chromium as a prerequisite).
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderHtml } from '../../src/report/render/html.js';
import { aReport } from '../support/report-builder.js';

const CHROMIUM = process.env.DR_DRILL_CHROMIUM ?? '/usr/bin/chromium';

describe('report.html in headless Chromium', function () {
  this.timeout(60_000);

  before(() => {
    if (existsSync(CHROMIUM)) return;
    throw new Error(
      `${CHROMIUM} not found: install it with \`apt-get update && apt-get install -y chromium\` (or set DR_DRILL_CHROMIUM to a Chromium binary)`,
    );
  });

  const cases = [
    { name: 'a PASS with its trend', verdict: 'PASS' as const, build: () => aReport().build(), history: true },
    {
      name: 'a FAIL with a failed probe and leftovers',
      verdict: 'FAIL' as const,
      history: false,
      build: () =>
        aReport()
          .verdict('FAIL', 'RTO missed')
          .rto(2400)
          .probe({ name: 'db', outcome: 'failed', passedAtSeconds: null, lastObservation: '<b>0/1</b> ready' })
          .leftBehind('Restore velero/dr-drill-abcd1234', 'finalizer')
          .build(),
    },
  ];
  for (const c of cases) {
    it(`renders ${c.name}, shows the verdict and makes no request but the file`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dr-drill-html-'));
      const file = join(dir, 'report.html');
      const history = c.history
        ? [300, 360, 390].map((rto, i) => ({
            drillId: `old0000${i}`,
            startedAt: `2025-12-2${i}T02:00:00.000Z`,
            verdict: 'PASS' as const,
            rtoAchievedSeconds: rto,
            rtoObjectiveSeconds: 1800,
          }))
        : [];
      writeFileSync(file, renderHtml(c.build(), { history }));
      const url = pathToFileURL(file).href;
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(url, { waitUntil: 'load' });
        expect(requests, 'requests').to.deep.equal([url]);
        const verdict = page.locator('#verdict');
        expect(await verdict.isVisible()).to.equal(true);
        expect((await verdict.textContent())?.trim()).to.equal(c.verdict);
        expect(await page.locator('svg.gantt rect').count()).to.be.greaterThan(5);
        expect(await page.locator('svg.trend').count()).to.equal(c.history ? 1 : 0);
        const shot = join(dir, 'report.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).to.be.greaterThan(10_000);
        // Printing must work too (auditors print): a PDF is produced without error.
        expect((await page.pdf({ format: 'A4' })).length).to.be.greaterThan(1000);
      } finally {
        await browser.close();
      }
    });
  }
});
