import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG, runCli } from '../support/cli.js';
import {
  DAY_MS,
  demoContracts,
  EXAMPLES_DIR,
  freshDir,
  shownFigures,
  snapshotTree,
  usd,
} from '../support/demo.js';
import { htmlFigures } from '../support/email-content.js';
import { checkDemoLink, reportLinksOfHtml } from '../support/previews.js';

// Spawns the BUILT CLI: run `npm run build` first. Every preview is written into a fresh temp folder.
const preview = (args: string[], env?: Record<string, string>) =>
  runCli(['preview', '-m', 'January', '-y', '2025', '--config', DEMO_CONFIG, ...args], env ? { env } : {});

let examplesBefore: Record<string, string>;
beforeAll(async () => {
  examplesBefore = await snapshotTree(EXAMPLES_DIR);
});

describe('dn-mailer preview (built CLI, demo workspace)', () => {
  it('--custom-id MOLS writes the MOL e-mail to --out and prints its path', async () => {
    const file = path.join(await freshDir(), 'p.html');
    const started = Date.now();
    const result = await preview(['--custom-id', 'MOLS', '--out', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${file}\n`);
    expect(result.stderr).toContain('Subject: Your January 2025 financial report');
    const html = await readFile(file, 'utf8');

    // MOLS is an alias of MOL: the figures are MOL's January 2025 contract, computed from payouts.json.
    const [mol] = demoContracts(2025, 1).filter((c) => c.customId === 'MOL');
    if (!mol) throw new Error('the demo has no MOL contract');
    const money = [mol.openingCents, mol.earningsCents, mol.paymentsCents, mol.closingCents].map(usd);
    expect(money).toEqual(['$1,530.00', '$1,184.62', '-$1,530.00', '$1,184.62']);
    // One contract: one row, no repeated total row; payments shown as what was paid to the creator.
    expect(htmlFigures(html)).toEqual([{ customId: 'MOL', row: 'YT-MOL-0001', ...shownFigures([mol]) }]);
    expect(shownFigures([mol])).toMatchObject({ payments: '$1,530.00', views: '188,400' });

    const links = reportLinksOfHtml(html).map(checkDemoLink);
    expect(links.map((l) => l.key)).toEqual([
      'financial-reports/2025/January/MOL-youtube.pdf',
      'financial-reports/2025/January/MOL-distro.pdf',
    ]);
    for (const link of links) {
      expect(link.valid, link.url).toBe(true);
      expect(link.keyExists, link.key).toBe(true);
      expect(link.expiresMs).toBeGreaterThan(started);
      expect(link.expiresMs).toBeLessThanOrEqual(Date.now() + 25 * DAY_MS);
    }
  });

  it('--json prints the file and the subject', async () => {
    const file = path.join(await freshDir(), 'nested', 'mol.html');
    const result = await preview(['--custom-id', 'MOL', '--out', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ file, subject: 'Your January 2025 financial report' });
    expect(existsSync(file)).toBe(true);
  });

  it('without --out writes into the temp folder', async () => {
    const tmp = await freshDir();
    const result = await preview(['--custom-id', 'MOLS'], { TMPDIR: tmp });
    expect(result.code, result.stderr).toBe(0);
    const file = result.stdout.trim();
    expect(path.dirname(file)).toBe(tmp);
    expect(await readdir(tmp)).toEqual([path.basename(file)]);
  });

  it('--custom-id NOREP (no report, no payouts) exits 4: nothing to preview', async () => {
    const dir = await freshDir();
    const result = await preview(['--custom-id', 'NOREP', '--out', path.join(dir, 'n.html')]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('nothing to preview for NOREP');
    expect(await readdir(dir)).toEqual([]);
  });

  it('an unknown custom ID is a usage error (exit 2)', async () => {
    const dir = await freshDir();
    const result = await preview(['--custom-id', 'NOSUCHID', '--out', path.join(dir, 'u.html'), '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no recipient matches NOSUCHID');
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { exitCode: 2 } });
    expect(await readdir(dir)).toEqual([]);
  });

  it('wrote nothing under examples/', async () => {
    expect(await snapshotTree(EXAMPLES_DIR)).toEqual(examplesBefore);
  });
});
