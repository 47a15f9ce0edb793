import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkA11y,
  chromiumAvailable,
  createScreenshots,
  type LaunchedChromium,
  launchChromium,
} from '../support/browser.js';
import { demoDryRun, type ManifestJson } from '../support/demo.js';
import { demoWorkspace, parseJson, SEND_JANUARY, startCli, stopStrayClis } from '../support/send-world.js';

// Spawns the BUILT CLI: run `npm run build` first.
describe.skipIf(!chromiumAvailable())('the campaign report in Chromium', () => {
  let chromium: LaunchedChromium | undefined;
  let outDir: string;
  let manifest: ManifestJson;

  beforeAll(async () => {
    ({ outDir, manifest } = await demoDryRun('dn-browser-report-'));
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    stopStrayClis();
  });

  it('shows the right counts, works without network, and has no serious/critical axe violations', async () => {
    if (!chromium) throw new Error('Chromium did not start');
    const page = await chromium.newPage({ width: 900, height: 1200 });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(path.join(outDir, 'report.html')).href);
    const count = async (state: string) =>
      Number(await page.locator(`[data-count="${state}"]`).first().textContent());
    const counts = manifest.counts as Record<string, number>;
    expect(await count('messages')).toBe(counts.messages);
    expect(await count('recipients')).toBe(counts.recipients);
    expect(await count('links')).toBe(counts.links);
    await expect(page.locator('h1').textContent()).resolves.toContain(manifest.campaignId);
    // Campaign totals, for matching the run against the books: the manifest's sums, paid out as a positive amount.
    const [totals] = manifest.totals;
    if (!totals) throw new Error('the manifest has no campaign totals');
    const row = page.locator(`tr[data-total="planned"][data-currency="${totals.currency}"]`);
    await expect(row.isVisible()).resolves.toBe(true);
    const field = async (name: string) => (await row.locator(`[data-field="${name}"]`).textContent()) ?? '';
    const usd = (decimal: string) =>
      `${decimal.startsWith('-') ? '-' : ''}$${Number(decimal.replace('-', '')).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
    expect(await field('messages')).toBe(String(counts.messages));
    expect(await field('closing')).toBe(usd(totals.closing));
    expect(await field('earnings')).toBe(usd(totals.earnings));
    expect(await field('paid-out')).toBe(usd(totals.payments.replace(/^-/, '')));
    // The demo has one contract whose totalBal is 0.03 off: the check says so.
    expect(await field('check')).toBe('off by $0.03 (see payout warnings)');
    expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    expect(await checkA11y(page)).toEqual([]);
    const screens = await createScreenshots('report');
    await screens.shoot(page, 'report');
  }, 60_000);

  it('after a send and its delivery events: the funnel renders, bounced and complained rows need attention, axe passes', async () => {
    if (!chromium) throw new Error('Chromium did not start');
    // The runbook rehearsal on the local backend: send the demo, import the demo's SES events (a delivery, a permanent
    // bounce, a complaint), then `status --html` writes report.html from the ledger.
    const ws = await demoWorkspace();
    const cli = async (...args: string[]) => {
      const result = await startCli([...args, '--config', ws.config], { cwd: ws.dir }).done;
      if (result.code !== 0) throw new Error(`${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      return result;
    };
    await cli('send-report', ...SEND_JANUARY, '--yes');
    await cli('events', 'import', path.join(ws.dir, 'ses-events.jsonl'));
    const report = path.join(ws.dir, 'delivery-report.html');
    const status = parseJson<{ delivery: Record<string, number> }>(
      await cli('status', ...SEND_JANUARY.slice(0, 4), '--json', '--html', report),
    );
    expect(status.delivery).toMatchObject({ bounced: 1, complained: 1 });

    const page = await chromium.newPage({ width: 900, height: 1400 });
    await page.goto(pathToFileURL(report).href);
    const funnel = page.locator('table.funnel');
    await expect(funnel.isVisible()).resolves.toBe(true);
    const cell = async (key: string) => Number(await page.locator(`[data-funnel="${key}"]`).textContent());
    for (const [key, field] of [
      ['accepted', 'accepted'],
      ['delivered', 'delivered'],
      ['bounced', 'bounced'],
      ['complained', 'complained'],
      ['no-event', 'noEvent'],
    ] as const)
      expect(await cell(key), key).toBe(status.delivery[field]);
    // The bars are drawn (a visible width for a non-zero share), and hidden from screen readers (the % is the text).
    const bar = page.locator('[data-funnel-row="bounced"] .fill');
    expect((await bar.boundingBox())?.width ?? 0).toBeGreaterThan(0);
    await expect(
      page.locator('[data-funnel-row="bounced"] .track').getAttribute('aria-hidden'),
    ).resolves.toBe('true');
    const attention = await page.locator('#attention-table tbody tr').allTextContents();
    expect(attention.some((row) => /\*\*\*@.*bounced.*550 5\.1\.1/.test(row))).toBe(true);
    expect(attention.some((row) => /\*\*\*@.*complained/.test(row))).toBe(true);
    expect(await page.content()).not.toMatch(/mollie@example\.com|jody@example\.org/);
    expect(await checkA11y(page)).toEqual([]);
    const screens = await createScreenshots('report-delivery');
    await screens.shoot(page, 'delivery-funnel');
  }, 120_000);
});
