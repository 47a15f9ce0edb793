import { readdir } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../support/cli.js';
import {
  DAY_MS,
  DEMO,
  demoContracts,
  dryRun,
  EXAMPLES_DIR,
  freshDir,
  type ManifestJson,
  readManifest,
  shownFigures,
  snapshotTree,
} from '../support/demo.js';
import {
  addressesOf,
  amounts,
  htmlFigures,
  htmlSummary,
  textFigures,
  textSummary,
} from '../support/email-content.js';
import { checkDemoLink, readMessage, reportLinksOfHtml, reportLinksOfText } from '../support/previews.js';

// Spawns the BUILT CLI: run `npm run build` first. Every run writes into a fresh temp folder (--out).
const JANUARY = ['--month', 'January', '--year', '2025'];
const SUBJECT = 'Your January 2025 financial report';

let examplesBefore: Record<string, string>;
beforeAll(async () => {
  examplesBefore = await snapshotTree(EXAMPLES_DIR);
});

describe('send-report --dry-run on the demo workspace (January 2025)', () => {
  let outDir: string;
  let result: CliResult;
  let manifest: ManifestJson;
  let started: number;
  let finished: number;

  beforeAll(async () => {
    outDir = await freshDir();
    started = Date.now();
    result = await dryRun(JANUARY, outDir);
    finished = Date.now();
    manifest = await readManifest(outDir);
  });

  it('exits 0 and counts what the demo data holds', () => {
    expect(result.code, result.stderr).toBe(0);
    // 15 rows → 9 addresses (inactive, excluded, duplicate, empty, typo and the malformed row are not recipients);
    // NOREP (December 2024 report only, no payouts) and creator2 (no custom ID) have nothing to send.
    expect(manifest.counts).toMatchObject({ userRows: 15, recipients: 9, messages: 7, nothingToSend: 2 });
    expect(manifest.counts).toMatchObject({ heldBack: 0, payoutWarnings: 1, links: 11 });
    expect(manifest.messages.map((m) => m.customIds.join('+'))).toEqual([
      'DYLVN+DYLVN-2',
      'MOL',
      'RIFFRAFF',
      'ART-01+ART_02',
      'GOODID',
      'AMBI',
      'ZOE',
    ]);
    expect(manifest.unsent.map((u) => `${u.email} ${u.reason}`)).toEqual([
      'nora@example.com nothing-to-send',
      'creator2@example.com nothing-to-send',
    ]);
    const links = manifest.messages.reduce((sum, m) => sum + m.links.length, 0);
    expect(manifest.counts.links).toBe(links);
    // The contracts of January 2025 whose totalBal ≠ openingBal + periodBal, computed from payouts.json here.
    const offBalance = demoContracts(2025, 1)
      .filter((c) => c.closingCents !== c.openingCents + c.periodCents)
      .map((c) => `${c.customId} ${c.contractCode}`);
    expect(offBalance).toEqual(['ART_02 DST-ART02-01']);
    expect(manifest.payoutWarnings.map((w) => `${w.customId} ${w.contractCode}`)).toEqual(offBalance);
  });

  it('writes the .html, .txt and .eml of every message, the manifest, the report and the plan digest, nothing else', async () => {
    const expected = manifest.messages
      .flatMap((m) => m.files)
      .concat('manifest.json', 'report.html', 'plan-digest.txt');
    expect((await readdir(outDir)).sort()).toEqual(expected.sort());
    expect(manifest.messages[0]?.files).toEqual(['001-DYLVN.html', '001-DYLVN.txt', '001-DYLVN.eml']);
  });

  it('every .eml parses into a complete multipart/alternative message', async () => {
    const messageIds = new Set<string>();
    for (const message of manifest.messages) {
      const { parsed, html, text, eml } = await readMessage(outDir, message);
      expect(parsed.from?.value).toEqual([
        { address: 'reports@distro-nation.test', name: 'Distro Nation Finance' },
      ]);
      expect(addressesOf(parsed.to)).toEqual([message.to]);
      expect(addressesOf(parsed.replyTo)).toEqual([DEMO.email.replyTo]);
      expect(parsed.subject).toBe(SUBJECT);
      expect(message.subject).toBe(SUBJECT);
      const date = parsed.date?.getTime() ?? Number.NaN;
      expect(date).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
      expect(date).toBeLessThanOrEqual(finished);
      expect(parsed.messageId).toMatch(/^<financial-2025-01\.[0-9a-f]+@distro-nation\.test>$/);
      messageIds.add(parsed.messageId ?? '');
      expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
      expect(eml.toString()).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
      expect(eml.toString()).toMatch(/^Content-Type: text\/html; charset=utf-8$/m);
      // The parts carry exactly the preview files.
      expect(parsed.html).toBe(html);
      expect(parsed.text).toBe(text);
    }
    expect(messageIds.size).toBe(manifest.messages.length);
  });

  it('every link is a CloudFront signed URL of an existing report that verifies and expires in ≤ 25 days', async () => {
    const expiresAt = Date.parse(manifest.linksExpireAt);
    expect(expiresAt).toBeLessThanOrEqual(finished + 25 * DAY_MS);
    expect(expiresAt).toBeGreaterThan(started + 24 * DAY_MS);
    for (const message of manifest.messages) {
      const { parsed, html, text } = await readMessage(outDir, message);
      const links = reportLinksOfHtml(html);
      expect(reportLinksOfHtml(parsed.html || '')).toEqual(links);
      expect(reportLinksOfText(text)).toEqual(links);
      expect(links.length).toBe(message.links.length);
      const checked = links.map(checkDemoLink);
      for (const link of checked) {
        expect(link.params, link.url).toEqual(['Expires', 'Key-Pair-Id', 'Signature']);
        expect(link.valid, link.url).toBe(true);
        expect(link.keyPairId).toBe(DEMO.links.keyPairId);
        expect(link.url.startsWith(`${DEMO.links.baseUrl}/`)).toBe(true);
        expect(link.expiresMs).toBe(Math.floor(expiresAt / 1000) * 1000);
        expect(link.expiresMs).toBeLessThanOrEqual(Date.now() + 25 * DAY_MS);
        expect(link.keyExists, link.key).toBe(true);
      }
      expect(checked.map((link) => link.key)).toEqual(message.links.map((link) => link.key));
    }
  });

  it('the text part shows the same figures as the HTML part; only a table of several contracts has a total', async () => {
    for (const message of manifest.messages) {
      const { html, text } = await readMessage(outDir, message);
      const figures = htmlFigures(html);
      expect(figures.filter((f) => f.row !== 'Total')).toHaveLength(message.contracts);
      expect(textFigures(text)).toEqual(figures);
      expect(new Set(amounts(text))).toEqual(new Set(amounts(html)));
      // Payments are shown as what was paid to the creator, never as negative numbers.
      expect(amounts(html).filter((a) => a.startsWith('-'))).toEqual([]);
      for (const id of message.customIds) {
        const rows = figures.filter((f) => f.customId === id);
        const contracts = rows.filter((f) => f.row !== 'Total').length;
        expect(
          rows.some((f) => f.row === 'Total'),
          `${id}: total row`,
        ).toBe(contracts > 1);
      }
    }
  });

  it("shows DYLVN's opening, views, earnings (periodBal − paymentsAll), payments (paid to you) and closing", async () => {
    const dylan = manifest.messages.find((m) => m.customIds.includes('DYLVN'));
    if (!dylan) throw new Error('no message for DYLVN');
    const { html } = await readMessage(outDir, dylan);
    const shown = htmlFigures(html).filter((f) => f.customId === 'DYLVN');
    const contracts = demoContracts(2025, 1).filter((c) => c.customId === 'DYLVN');
    expect(contracts).toHaveLength(2);
    expect(shown).toEqual([
      ...contracts.map((c) => ({ customId: 'DYLVN', row: c.contractCode, ...shownFigures([c]) })),
      { customId: 'DYLVN', row: 'Total', ...shownFigures(contracts) },
    ]);
    expect(shown[0]).toEqual({
      customId: 'DYLVN',
      row: 'ART001-DYLVN',
      ...{ opening: '$812.40', views: '3,100', earnings: '$437.60', payments: '$812.40', closing: '$437.60' },
    });
    expect(shown[2]).toMatchObject({ opening: '$1,452.40', payments: '$1,452.40', closing: '$777.60' });
  });

  it('heads each section with the Korrect channel name and the custom ID beside it', async () => {
    const dylan = manifest.messages.find((m) => m.customIds.includes('DYLVN'));
    const jody = manifest.messages.find((m) => m.customIds.includes('RIFFRAFF'));
    if (!dylan || !jody) throw new Error('no message for DYLVN or RIFFRAFF');
    const { html, text } = await readMessage(outDir, dylan);
    const headings = (doc: string) =>
      [...doc.matchAll(/<h2[^>]*>([\s\S]*?)<\/h2>/g)].map((m) => (m[1] ?? '').replace(/<[^>]*>/g, ''));
    expect(headings(html)).toEqual(['Dylan Vance (DYLVN)', 'Dylan Vance Live (DYLVN-2)']);
    expect(text).toMatch(/^== Dylan Vance \(DYLVN\) ==$/m);
    expect(text).toMatch(/^== Dylan Vance Live \(DYLVN-2\) ==$/m);
    // No channelName in users.json: the custom ID alone.
    expect(headings((await readMessage(outDir, jody)).html)).toEqual(['RIFFRAFF']);
  });

  it('the all-channels summary adds up: opening + earnings − paid to you = closing, over every contract', async () => {
    const dylan = manifest.messages.find((m) => m.customIds.includes('DYLVN'));
    if (!dylan) throw new Error('no message for DYLVN');
    const { html, text } = await readMessage(outDir, dylan);
    const contracts = demoContracts(2025, 1).filter((c) => dylan.customIds.includes(c.customId));
    const { views: _views, ...expected } = shownFigures(contracts);
    expect(htmlSummary(html)).toEqual(expected);
    expect(textSummary(text)).toEqual({ label: 'All channels', ...expected });
    const cents = (shown: string) => Math.round(Number(shown.replace(/[$,]/g, '')) * 100);
    expect(cents(expected.opening) + cents(expected.earnings) - cents(expected.payments)).toBe(
      cents(expected.closing),
    );
    // One table only: no summary.
    const mol = manifest.messages.find((m) => m.customIds.includes('MOL'));
    if (!mol) throw new Error('no message for MOL');
    expect(htmlSummary((await readMessage(outDir, mol)).html)).toBeUndefined();
  });

  it("the manifest's campaign totals are the sums of every message's figures", () => {
    const mailed = demoContracts(2025, 1).filter((c) =>
      manifest.messages.some((m) => m.customIds.includes(c.customId)),
    );
    const sum = (pick: (c: (typeof mailed)[number]) => number) =>
      (mailed.reduce((s, c) => s + pick(c), 0) / 100).toFixed(2);
    expect(manifest.totals).toEqual([
      {
        currency: 'USD',
        scope: 'planned',
        messages: manifest.messages.length,
        contracts: mailed.length,
        opening: sum((c) => c.openingCents),
        earnings: sum((c) => c.earningsCents),
        payments: sum((c) => c.paymentsCents),
        closing: sum((c) => c.closingCents),
      },
    ]);
  });

  it('escapes the user name "Zoë <script>alert(1)</script>" in the HTML', async () => {
    const zoe = manifest.messages.find((m) => m.customIds.includes('ZOE'));
    if (!zoe) throw new Error('no message for ZOE');
    const { html, parsed } = await readMessage(outDir, zoe);
    for (const doc of [html, parsed.html || '']) {
      expect(doc).toContain('Zoë &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(doc).not.toMatch(/<script/i);
    }
    expect(htmlFigures(html)).toEqual([]);
    expect(html).toContain('No activity this period.');
  });
});

describe('send-report --dry-run: the reference DYLVN December 2025 figures', () => {
  it('mails DYLVN (payout rows, no report files) with exactly the reference figures', async () => {
    const outDir = await freshDir();
    const result = await dryRun(['--month', 'December', '--year', '2025', '--only', 'DYLVN'], outDir);
    expect(result.code, result.stderr).toBe(0);
    const manifest = await readManifest(outDir);
    // No report of DYLVN exists for December 2025: the payout rows alone must still be mailed.
    expect(manifest.counts).toMatchObject({ messages: 1, links: 0, nothingToSend: 0, heldBack: 0 });
    const message = manifest.messages[0];
    if (!message) throw new Error('DYLVN was not mailed for December 2025');
    expect(message).toMatchObject({ to: 'dylan@example.com', customIds: ['DYLVN'], links: [] });
    expect(message.subject).toBe('Your December 2025 financial report');
    const { html, text } = await readMessage(outDir, message);
    const row = (code: string, ...[opening, views, earnings, payments, closing]: string[]) => ({
      customId: 'DYLVN',
      row: code,
      ...{ opening, views, earnings, payments, closing },
    });
    const expected = [
      row('ART001-DYLVN', '$1,250.00', '3,500', '$450.50', '$1,250.00', '$450.50'),
      row('YT-DYLVN-0001', '$980.00', '52,000', '$446.00', '$980.00', '$446.00'),
      row('Total', '$2,230.00', '55,500', '$896.50', '$2,230.00', '$896.50'),
    ];
    expect(htmlFigures(html)).toEqual(expected);
    expect(textFigures(text)).toEqual(expected);
    expect(text).toContain(
      '- ART001-DYLVN: opening balance $1,250.00, views 3,500, earnings $450.50, paid to you $1,250.00, closing balance $450.50\n' +
        '- YT-DYLVN-0001: opening balance $980.00, views 52,000, earnings $446.00, paid to you $980.00, closing balance $446.00\n' +
        '  Total: opening balance $2,230.00, views 55,500, earnings $896.50, paid to you $2,230.00, closing balance $896.50\n',
    );
    expect(amounts(html).filter((a) => a.startsWith('-'))).toEqual([]);
    expect(reportLinksOfHtml(html)).toEqual([]);
    expect(reportLinksOfText(text)).toEqual([]);
  });
});

describe('send-report --dry-run leaves the demo workspace alone', () => {
  it('wrote nothing under examples/ (every run above used --out to a temp folder)', async () => {
    expect(await snapshotTree(EXAMPLES_DIR)).toEqual(examplesBefore);
  });
});
