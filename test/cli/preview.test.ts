import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../support/cli.js';
import { demoContracts, shownFigures } from '../support/demo.js';
import { htmlFigures } from '../support/email-content.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';
import { checkDemoLink, reportLinksOfHtml } from '../support/previews.js';

// In-process: `main(io, makeDeps)` on the demo workspace; the preview file goes to world.files, not to disk.
const NOW = new Date('2025-02-10T12:00:00Z');
const SUBJECT = 'Your January 2025 financial report';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'dn-cli-preview-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function preview(args: readonly string[], world: MemoryWorld = createMemoryWorld()) {
  return runInProcess(['preview', '-m', 'January', '-y', '2025', '--config', DEMO_CONFIG, ...args], {
    world,
    cwd,
    now: NOW,
  });
}

function written(world: MemoryWorld, file: string): string {
  const html = world.files.get(file);
  if (html === undefined) throw new Error(`not written: ${file} (written: ${[...world.files.keys()]})`);
  return html;
}

describe('dn-mailer preview (in-process, demo workspace)', () => {
  it('--custom-id MOLS writes the MOL e-mail at --out (relative to the cwd) and prints its path', async () => {
    const world = createMemoryWorld();
    const result = await preview(['--custom-id', 'MOLS', '--out', 'out/mol.html'], world);
    expect(result.code, result.stderr).toBe(0);
    const file = path.join(cwd, 'out', 'mol.html');
    expect(result.stdout).toBe(`${file}\n`);
    expect(result.stderr).toContain(`Subject: ${SUBJECT}`);
    expect([...world.files.keys()]).toEqual([file]);
    expect(existsSync(file)).toBe(false);

    // MOLS is an alias of MOL: the figures are MOL's January 2025 contract, computed from payouts.json.
    const html = written(world, file);
    const [mol] = demoContracts(2025, 1).filter((c) => c.customId === 'MOL');
    if (!mol) throw new Error('the demo has no MOL contract');
    // One contract: one row, no repeated total row; payments shown as what was paid to the creator.
    expect(htmlFigures(html)).toEqual([{ customId: 'MOL', row: 'YT-MOL-0001', ...shownFigures([mol]) }]);
    expect(shownFigures([mol])).toMatchObject({ payments: '$1,530.00', closing: '$1,184.62' });

    // Links are signed with the run's clock: valid, and expiring 25 days after NOW.
    const links = reportLinksOfHtml(html).map(checkDemoLink);
    expect(links.map((l) => l.key)).toEqual([
      'financial-reports/2025/January/MOL-youtube.pdf',
      'financial-reports/2025/January/MOL-distro.pdf',
    ]);
    for (const link of links) {
      expect(link.valid, link.url).toBe(true);
      expect(link.expiresMs).toBe(NOW.getTime() + 25 * 86_400_000);
    }
    expect(world.opened).toEqual([]);
  });

  it('--json prints the file and the subject as one JSON document', async () => {
    const world = createMemoryWorld();
    const file = path.join(cwd, 'nested', 'mol.html');
    const result = await preview(['--custom-id', 'MOL', '--out', file, '--json'], world);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toEqual({ file, subject: SUBJECT });
    expect(written(world, file)).toContain('<html');
  });

  it('--open asks to open the written file in the browser', async () => {
    const world = createMemoryWorld();
    const result = await preview(['--custom-id', 'DYLVN', '--out', 'dylan.html', '--open'], world);
    expect(result.code, result.stderr).toBe(0);
    const file = path.join(cwd, 'dylan.html');
    expect(world.opened).toEqual([file]);
    // DYLVN's recipient owns DYLVN-2 too: one e-mail with both creators' contracts.
    const ids = htmlFigures(written(world, file)).map((f) => f.customId);
    expect([...new Set(ids)]).toEqual(['DYLVN', 'DYLVN-2']);
  });

  it('without --out writes <campaign>-<id>.html in a new private folder of the temp folder', async () => {
    const world = createMemoryWorld();
    const result = await preview(['--custom-id', 'MOLS'], world);
    expect(result.code, result.stderr).toBe(0);
    const file = path.join(cwd, 'tmp', 'dn-mailer-preview-XXXXXX', 'financial-2025-01-MOLS.html');
    expect(result.stdout).toBe(`${file}\n`);
    expect(world.files.has(file)).toBe(true);
  });

  it('--custom-id NOREP (no report, no payouts) exits 4 with a hint, writing nothing', async () => {
    const world = createMemoryWorld();
    const result = await preview(['--custom-id', 'NOREP', '--out', 'n.html', '--open'], world);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      '✘ nothing to preview for NOREP: no report and no payout rows for the period',
    );
    expect(result.stderr).toContain('hint: dn-mailer resolve-paths --only <id> shows what exists for it');
    expect(result.stdout).toBe('');
    expect(world.files.size).toBe(0);
    expect(world.opened).toEqual([]);
  });

  it('an unknown custom ID exits 2 with a hint naming resolve-paths, writing nothing', async () => {
    const world = createMemoryWorld();
    const result = await preview(['--custom-id', 'NOSUCHID', '--out', 'u.html', '--json'], world);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('✘ no recipient matches NOSUCHID');
    expect(result.json()).toMatchObject({
      error: { exitCode: 2, hint: expect.stringContaining('dn-mailer resolve-paths') },
    });
    expect(world.files.size).toBe(0);
  });

  it('without --custom-id or --month: exit 2 naming the option', async () => {
    const noId = await preview([]);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain("required option '--custom-id <id>' not specified");
    const noMonth = await runInProcess(['preview', '--config', DEMO_CONFIG, '--custom-id', 'MOL'], { cwd });
    expect(noMonth.code).toBe(2);
    expect(noMonth.stderr).toContain("required option '-m, --month <month>' not specified");
  });

  it('never opens the sending part and left the temp cwd empty', async () => {
    const world = createMemoryWorld();
    expect((await preview(['--custom-id', 'ZOE', '--out', 'z.html'], world)).code).toBe(0);
    expect(world.opens).toBe(0);
    expect(world.sent).toEqual([]);
    expect(await readdir(cwd)).toEqual([]);
  });
});
