import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDir, type ManifestJson, readManifest, usd } from '../support/demo.js';
import {
  demoWorkspace,
  JANUARY,
  parseJson,
  SEND_JANUARY,
  type SendJson,
  startCli,
  stopStrayClis,
} from '../support/send-world.js';

// Spawns the BUILT CLI: run `npm run build` first. Works on a copy of the demo workspace; examples/ is never written.
afterAll(stopStrayClis);

const cli = (...args: string[]) => startCli(args).done;

/** The `data-count` cells of report.html, by state. */
function countsOf(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of html.matchAll(/<td class="num" data-count="([a-z-]+)">(\d+)<\/td>/g))
    counts[m[1] ?? ''] = Number(m[2]);
  return counts;
}

function expectSelfContained(html: string): void {
  expect(html).toContain('<html lang="en">');
  expect(html).not.toMatch(/<script/i);
  // No URL outside escaped text: nothing in an attribute or element references the network.
  expect(html).not.toMatch(/(src|href)\s*=/i);
  const outsideText = html.replace(/>[^<]*</g, '><');
  expect(outsideText).not.toMatch(/https?:/i);
}

describe('report.html (campaign report) on a copy of the demo workspace', () => {
  let ws: Awaited<ReturnType<typeof demoWorkspace>>;
  beforeAll(async () => {
    ws = await demoWorkspace();
  });

  it('a dry run writes report.html next to manifest.json with the manifest’s counts, also on a rerun', async () => {
    const out = await freshDir('dn-report-dry-');
    const args = ['send-report', ...SEND_JANUARY, '--dry-run', '--config', ws.config, '--out', out];
    const first = await cli(...args);
    expect(first.code, first.stderr).toBe(0);
    const rerun = await cli(...args); // report.html from the first run does not make the folder "foreign"
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await readdir(out)).toContain('report.html');
    const manifest: ManifestJson = await readManifest(out);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expectSelfContained(html);
    expect(countsOf(html)).toMatchObject({
      recipients: manifest.counts.recipients,
      messages: manifest.counts.messages,
      'nothing-to-send': manifest.counts.nothingToSend,
      'payout-warnings': manifest.counts.payoutWarnings,
    });
    expect(html).not.toContain('nora@example.com'); // masked without --verbose
    expect(html).toContain('n***@example.com');
  });

  it('a send writes --report whose counts match the JSON summary and prints its path', async () => {
    const file = path.join(await freshDir('dn-report-send-'), 'nested', 'report.html');
    const result = await cli(
      'send-report',
      ...SEND_JANUARY,
      '--config',
      ws.config,
      '--yes',
      '--json',
      '--report',
      file,
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<SendJson>(result);
    expect(result.stderr).toContain(`report: ${file}`);
    const html = await readFile(file, 'utf8');
    expectSelfContained(html);
    expect(countsOf(html)).toMatchObject({
      total: summary.data.totalRecipients,
      sent: summary.data.successful,
      failed: summary.data.failed,
      unknown: summary.data.unknown,
      skipped: summary.data.skipped,
    });
    expect(summary.data.successful).toBeGreaterThan(0);
    expect(html).toMatch(/<svg role="img" aria-label="Sends per (second|minute)/);
    // Campaign totals for the books: the plan's figures, then those of the messages this run sent, as the summary says.
    const { payoutTotals } = summary.data as unknown as { payoutTotals: ManifestJson['totals'] };
    expect(payoutTotals.map((t) => `${t.currency} ${t.scope} ${t.messages}`)).toEqual([
      `USD planned ${summary.data.totalRecipients}`,
      `USD sent ${summary.data.successful}`,
    ]);
    for (const t of payoutTotals) {
      const row = html.match(new RegExp(`<tr data-total="${t.scope}"[^>]*>(.*?)</tr>`))?.[1] ?? '';
      const field = (name: string) => new RegExp(`data-field="${name}">([^<]*)<`).exec(row)?.[1];
      const cents = (decimal: string) => Math.round(Number(decimal) * 100);
      expect(field('closing'), t.scope).toBe(usd(cents(t.closing)));
      expect(field('paid-out'), t.scope).toBe(usd(-cents(t.payments)));
      expect(field('earnings'), t.scope).toBe(usd(cents(t.earnings)));
    }
  });

  it('a send without --report writes .dn-mailer/reports/<campaign>-<batch>.html beside the config', async () => {
    const result = await cli('send-report', ...SEND_JANUARY, '--config', ws.config, '--yes', '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<SendJson & { data: { batchId: string } }>(result);
    const file = path.join(ws.dir, '.dn-mailer', 'reports', `financial-2025-01-${summary.data.batchId}.html`);
    const html = await readFile(file, 'utf8');
    expect(countsOf(html)).toMatchObject({ sent: 0, 'already-sent': summary.data.alreadySent });
  });

  it('status --html writes the report from the ledger', async () => {
    const file = path.join(await freshDir('dn-report-status-'), 'status.html');
    const result = await cli('status', ...JANUARY, '--config', ws.config, '--json', '--html', file);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as { total: number; counts: Record<string, number> };
    const html = await readFile(file, 'utf8');
    expectSelfContained(html);
    expect(countsOf(html)).toMatchObject({ total: status.total, ...status.counts });
    expect(status.counts.sent).toBeGreaterThan(0);
    expect(html).toContain('Achieved rate');
  });
});
