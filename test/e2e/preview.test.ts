import { existsSync } from 'node:fs';
import { readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
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

  it('without --out writes into a new private folder (0700) of the temp folder, the file 0600', async () => {
    const tmp = await freshDir();
    const result = await preview(['--custom-id', 'MOLS'], { TMPDIR: tmp });
    expect(result.code, result.stderr).toBe(0);
    const file = result.stdout.trim();
    const folder = path.dirname(file);
    expect(path.dirname(folder)).toBe(tmp);
    expect(path.basename(folder)).toMatch(/^dn-mailer-preview-\w{6}$/);
    expect(path.basename(file)).toBe('financial-2025-01-MOLS.html');
    expect(await readdir(tmp)).toEqual([path.basename(folder)]);
    expect(await readdir(folder)).toEqual([path.basename(file)]);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // A second run never reuses the folder of the first (nothing there to guess or plant a symlink at).
    const again = await preview(['--custom-id', 'MOLS'], { TMPDIR: tmp });
    expect(again.code, again.stderr).toBe(0);
    expect(path.dirname(again.stdout.trim())).not.toBe(folder);
  });

  it('without --out ignores a symlink planted at the old predictable path', async () => {
    const tmp = await freshDir();
    const victim = path.join(await freshDir(), 'victim.txt');
    await writeFile(victim, 'precious\n', { mode: 0o600 });
    await symlink(victim, path.join(tmp, 'dn-mailer-preview-financial-2025-01-MOLS.html'));
    const result = await preview(['--custom-id', 'MOLS'], { TMPDIR: tmp });
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await readFile(result.stdout.trim(), 'utf8')).toContain('<html');
  });

  it('--out through a symlink is refused (exit 3, naming it); its target is untouched', async () => {
    const dir = await freshDir();
    const victim = path.join(await freshDir(), 'victim.txt');
    await writeFile(victim, 'precious\n', { mode: 0o600 });
    const out = path.join(dir, 'p.html');
    await symlink(victim, out);
    const result = await preview(['--custom-id', 'MOLS', '--out', out]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${out} is a symlink; dn-mailer never writes through a symlink`);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
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
