import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DIR, demoConfigCopy, freshDir, type ManifestJson } from '../support/demo.js';
import { createMemoryWorld, type MemoryWorld, runInProcess } from '../support/memory-backend.js';

// The defect of issue 11: rows with custom IDs `mol` and `A-R-T-0-1` on other addresses received MOL's payouts and
// `MOL-*.pdf` / `ART01-youtube.pdf` links, and resolve-paths said "found". In-process, on a copy of the demo.
const NOW = new Date('2025-02-10T12:00:00Z');
const JANUARY = ['--month', 'January', '--year', '2025'];
const IMPOSTOR = 'impostor@example.com';
const COPYCAT = 'copycat@example.com';
/** In plan (user row) order. */
const HELD_BACK = ['mollie@example.com', 'aria.collective@example.net', IMPOSTOR, COPYCAT];
/** What belongs to MOL (mollie, MOLS → MOL) and ART-01 (aria) only: contracts and report files. */
const THEIRS = ['YT-MOL-0001', 'MOL-youtube.pdf', 'MOL-distro.pdf', 'YT-ART01-0001', 'ART01-youtube.pdf'];

interface AuditJson {
  summary: Record<string, number>;
  rows: {
    customId: string;
    recipient: string | null;
    status: string;
    note: string;
    sharedWith?: string[];
    reports: { key: string | null }[];
  }[];
}

let cwd: string;
beforeAll(async () => {
  cwd = await freshDir('dn-cli-shared-ids-');
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const row = (email: string, customID: string) => ({
  userName: `Not ${customID}`,
  status: 'active',
  emailsUser: email,
  creators: [{ channels: [{ customID, channelName: 'Someone else', platform: 'youtube' }] }],
});

/** A workspace like the demo whose users.json gains `extra` rows; `sharedCustomIds` goes to the config. */
async function workspace(name: string, extra: object[], sharedCustomIds?: string[]): Promise<string> {
  const dir = path.join(cwd, name);
  const users = JSON.parse(await readFile(path.join(DEMO_DIR, 'users.json'), 'utf8')) as { body: object[] };
  users.body.push(...extra);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'users.json'), JSON.stringify(users));
  return demoConfigCopy(dir, (config) => {
    const usersSection = config.users as Record<string, unknown>;
    usersSection.file = path.join(dir, 'users.json');
    if (sharedCustomIds) usersSection.sharedCustomIds = sharedCustomIds;
    const unsubscribe = config.unsubscribe as { tokenKey: { file: string } };
    unsubscribe.tokenKey.file = path.join(DEMO_DIR, unsubscribe.tokenKey.file);
  });
}

const COLLIDING = [row(IMPOSTOR, 'mol'), row(COPYCAT, 'A-R-T-0-1')];

async function dryRun(config: string, world: MemoryWorld = createMemoryWorld()) {
  const outDir = path.join(path.dirname(config), 'previews');
  const result = await runInProcess(
    ['send-report', '--config', config, ...JANUARY, '--dry-run', '--out', outDir],
    { world, cwd, now: NOW },
  );
  const manifestText = world.files.get(path.join(outDir, 'manifest.json'));
  if (manifestText === undefined) throw new Error(`no manifest (exit ${result.code}): ${result.stderr}`);
  const manifest = JSON.parse(manifestText) as ManifestJson & { counts: Record<string, number> };
  const report = world.files.get(path.join(outDir, 'report.html')) ?? '';
  /** Every preview (HTML and text) written for `to`. */
  const previews = (to: string) =>
    [...world.files].filter(([file]) => path.basename(file).startsWith(to)).map(([, body]) => body);
  const allPreviews = [...world.files]
    .filter(([file]) => /\.(html|txt)$/.test(file) && path.basename(file) !== 'report.html')
    .map(([, body]) => body)
    .join('\n');
  return { result, manifest, report, previews, allPreviews, world };
}

describe('custom IDs claimed by two addresses (mol, A-R-T-0-1)', () => {
  it('the dry run holds back both addresses of each, with reason shared-custom-id; nobody gets their money or files', async () => {
    const config = await workspace('colliding', COLLIDING);
    const { result, manifest, report, allPreviews, world } = await dryRun(config);
    expect(result.code, result.stderr).toBe(0);

    const messageTo = manifest.messages.map((m) => m.to);
    for (const email of HELD_BACK) expect(messageTo).not.toContain(email);
    expect(manifest.unsent.filter((u) => u.reason === 'shared-custom-id').map((u) => u.email)).toEqual(
      HELD_BACK,
    );
    expect(manifest.unsent.find((u) => u.email === IMPOSTOR)?.detail).toMatch(
      /^mol \(as MOL\) is also claimed by 1 other address — list it in users\.sharedCustomIds/,
    );
    expect(manifest.counts).toMatchObject({ heldBack: 4, sharedCustomIds: 4 });
    // Nobody is mailed MOL's or ART-01's contracts or report keys.
    for (const message of manifest.messages) {
      expect(message.customIds).not.toContain('MOL');
      expect(message.customIds).not.toContain('mol');
      for (const link of message.links) for (const theirs of THEIRS) expect(link.key).not.toContain(theirs);
    }
    for (const theirs of THEIRS) expect(allPreviews).not.toContain(theirs);
    // The others are planned as in the demo.
    expect(messageTo).toEqual([
      'dylan@example.com',
      'jody@example.org',
      'badid@example.com',
      'ambrose@example.com',
      'zoe@example.com',
    ]);

    expect(report).toContain('shared-custom-id: mol (as MOL) is also claimed by 1 other address');
    expect(report).toMatch(/data-count="held-back">4</);
    expect(report).toMatch(/data-count="shared-custom-id">4</);
    expect(report).not.toContain(IMPOSTOR); // masked without --verbose
    expect(world.sent).toEqual([]);
  });

  it('the --json dry run says the same, with masked addresses', async () => {
    const config = await workspace('colliding-json', COLLIDING);
    const outDir = path.join(path.dirname(config), 'previews');
    const result = await runInProcess(
      ['send-report', '--config', config, ...JANUARY, '--dry-run', '--out', outDir, '--json'],
      { cwd, now: NOW },
    );
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<ManifestJson>();
    expect(json.unsent.filter((u) => u.reason === 'shared-custom-id').map((u) => u.email)).toEqual([
      'm***@example.com',
      'a***@example.net',
      'i***@example.com',
      'c***@example.com',
    ]);
    expect(result.stdout).not.toContain(IMPOSTOR);
  });

  it('--only cannot slip past: the check looks at every recipient, not just the selection', async () => {
    const config = await workspace('colliding-only', COLLIDING);
    const world = createMemoryWorld();
    const outDir = path.join(path.dirname(config), 'previews');
    const result = await runInProcess(
      ['send-report', '--config', config, ...JANUARY, '--dry-run', '--out', outDir, '--only', IMPOSTOR],
      { world, cwd, now: NOW },
    );
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(world.files.get(path.join(outDir, 'manifest.json')) ?? '{}') as ManifestJson;
    expect(manifest.messages).toEqual([]);
    // Only the impostor is selected; mollie's claim, outside the selection, still holds it back.
    expect(manifest.unsent.map((u) => `${u.email} ${u.reason}`)).toEqual([`${IMPOSTOR} shared-custom-id`]);
  });

  it('resolve-paths marks the colliding IDs shared-custom-id for both addresses, never "complete"', async () => {
    const config = await workspace('colliding-audit', COLLIDING);
    const result = await runInProcess(
      ['resolve-paths', '--config', config, ...JANUARY, '--format', 'json', '--verbose'],
      { cwd, now: NOW },
    );
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<AuditJson>();
    const shared = json.rows.filter((r) => r.status === 'shared-custom-id');
    expect(shared.map((r) => `${r.customId} ${r.recipient}`)).toEqual([
      'MOLS mollie@example.com',
      'ART-01 aria.collective@example.net',
      `mol ${IMPOSTOR}`,
      `A-R-T-0-1 ${COPYCAT}`,
    ]);
    expect(shared.find((r) => r.customId === 'mol')?.sharedWith).toEqual(['mollie@example.com']);
    expect(shared.find((r) => r.customId === 'ART-01')?.sharedWith).toEqual([COPYCAT]);
    // Aria's other ID is not shared, but her recipient is held back: the row says so.
    expect(json.rows.find((r) => r.customId === 'ART_02')?.note).toContain(
      'recipient held back (shared-custom-id: ART01)',
    );
    expect(json.summary).toMatchObject({ ids: 13, complete: 1, partial: 5, shared: 4 });

    const table = await runInProcess(['resolve-paths', '--config', config, ...JANUARY], { cwd, now: NOW });
    expect(table.stdout).toMatch(/^mol\s+mol\s+i\*\*\*@example\.com\s+shared-custom-id\s+held back: /m);
    expect(table.stdout).toMatch(/· 4 shared \(held back\) ·/);
    expect(table.stdout).not.toContain(IMPOSTOR);
  });

  it('with users.sharedCustomIds: [MOL], MOL is mailed again; `mol` still gets neither its figures nor its files', async () => {
    const config = await workspace('allowed', COLLIDING, ['MOL']);
    const { result, manifest, previews, allPreviews } = await dryRun(config);
    expect(result.code, result.stderr).toBe(0);
    const mollie = manifest.messages.find((m) => m.to === 'mollie@example.com');
    expect(mollie?.customIds).toEqual(['MOL']);
    expect(mollie?.contracts).toBe(1);
    expect(previews('mollie@example.com').join('\n')).toContain('YT-MOL-0001');
    // Payouts match the exact ID Korrect returned: `mol` has none. MOL-*.pdf match `MOL` and `mol` alike: a key two
    // of the month's IDs match is ambiguous and linked to neither.
    expect(mollie?.links).toEqual([]);
    expect(manifest.messages.find((m) => m.to === IMPOSTOR)).toBeUndefined();
    expect(manifest.unsent.find((u) => u.email === IMPOSTOR)?.reason).toBe('nothing-to-send');
    for (const theirs of ['MOL-youtube.pdf', 'MOL-distro.pdf']) expect(allPreviews).not.toContain(theirs);
    // ART01 is still not allowed.
    expect(manifest.unsent.filter((u) => u.reason === 'shared-custom-id').map((u) => u.email)).toEqual([
      'aria.collective@example.net',
      COPYCAT,
    ]);
  });

  it('with the ID allowed and spelled alike (MOLS → MOL on both), both get MOL’s figures and files', async () => {
    const config = await workspace('allowed-same', [row(IMPOSTOR, 'MOLS')], ['MOL']);
    const { result, manifest } = await dryRun(config);
    expect(result.code, result.stderr).toBe(0);
    for (const to of ['mollie@example.com', IMPOSTOR]) {
      const message = manifest.messages.find((m) => m.to === to);
      expect(message?.contracts, to).toBe(1);
      expect(message?.links.map((l) => path.basename(l.key)).sort(), to).toEqual([
        'MOL-distro.pdf',
        'MOL-youtube.pdf',
      ]);
    }
    const audit = await runInProcess(['resolve-paths', '--config', config, ...JANUARY, '--format', 'json'], {
      cwd,
      now: NOW,
    });
    expect(audit.json<AuditJson>().summary).toMatchObject({ shared: 0 });
  });
});

describe('a send that accepted the shared IDs', () => {
  it('sends the others, records the held-back recipients as failed with the reason, and status is not finished', async () => {
    const config = await workspace('colliding-send', COLLIDING);
    const world = createMemoryWorld();
    const send = await runInProcess(
      [
        'send-report',
        '--config',
        config,
        ...JANUARY,
        '--yes',
        '--accept',
        'shared-custom-ids,payout-warnings,ambiguous-reports',
        '--json',
      ],
      { world, cwd, now: NOW },
    );
    expect(send.code, send.stderr).toBe(6); // held back: not a ✔
    for (const email of HELD_BACK) expect(world.sent.map((m) => m.to)).not.toContain(email);
    const rows = [...world.ledger.rows.values()];
    for (const email of HELD_BACK) {
      const held = rows.find((r) => r.email === email);
      expect(held?.status).toBe('failed');
      expect(held?.reason).toMatch(/^held back \(shared-custom-id\): /);
    }
    const status = await runInProcess(['status', '--config', config, ...JANUARY, '--json'], {
      world,
      cwd,
      now: NOW,
    });
    expect(status.code).toBe(6);
    expect(status.json<{ finished: boolean }>().finished).toBe(false);
    // A rerun sends nobody twice and still holds them back.
    const rerun = await runInProcess(
      [
        'send-report',
        '--config',
        config,
        ...JANUARY,
        '--yes',
        '--accept',
        'shared-custom-ids,payout-warnings,ambiguous-reports',
      ],
      { world, cwd, now: NOW },
    );
    expect(rerun.code).toBe(6);
    expect(new Set(world.sent.map((m) => m.to)).size).toBe(world.sent.length);
  });
});

describe('resolve-paths --strict', () => {
  it('exits 6 when an ID is shared by two addresses, and says so', async () => {
    const config = await workspace('strict', [row(IMPOSTOR, 'DYLVN2'), row(COPYCAT, 'nobody')]);
    const result = await runInProcess(
      ['resolve-paths', '--config', config, ...JANUARY, '--only', 'DYLVN-2,DYLVN2,nobody', '--strict'],
      { cwd, now: NOW },
    );
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain(
      '--strict: 3 of 3 custom IDs are not complete (1 none (no report file), 2 shared (held back))',
    );
  });
});
