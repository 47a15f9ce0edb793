import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import {
  demoConfigCopy,
  dryRun,
  EXAMPLES_DIR,
  freshDir,
  type ManifestJson,
  readManifest,
  snapshotTree,
} from '../support/demo.js';
import { readMessage } from '../support/previews.js';

// Spawns the BUILT CLI: run `npm run build` first. Every run writes into a fresh temp folder (--out).
const JANUARY = ['--month', 'January', '--year', '2025'];
// An address whose local part is not masked: two real characters right before the @.
const FULL_ADDRESS = /[A-Za-z0-9._%+-]{2}@[A-Za-z0-9-]+\./;

let examplesBefore: Record<string, string>;
beforeAll(async () => {
  examplesBefore = await snapshotTree(EXAMPLES_DIR);
});

describe('send-report --dry-run: choosing recipients', () => {
  it('--only DYLVN gives exactly one message, to the recipient that owns DYLVN', async () => {
    const outDir = await freshDir();
    const result = await dryRun([...JANUARY, '--only', 'DYLVN'], outDir);
    expect(result.code, result.stderr).toBe(0);
    const manifest = await readManifest(outDir);
    expect(manifest.counts.messages).toBe(1);
    expect(manifest.messages.map((m) => [m.to, m.customIds])).toEqual([
      ['dylan@example.com', ['DYLVN', 'DYLVN-2']],
    ]);
    expect((await readdir(outDir)).sort()).toEqual(
      [
        '001-DYLVN.eml',
        '001-DYLVN.html',
        '001-DYLVN.txt',
        'manifest.json',
        'plan-digest.txt',
        'report.html',
      ].sort(),
    );
  });

  it('--limit 2 gives two messages', async () => {
    const outDir = await freshDir();
    const result = await dryRun([...JANUARY, '--limit', '2'], outDir);
    expect(result.code, result.stderr).toBe(0);
    const manifest = await readManifest(outDir);
    expect(manifest.counts.messages).toBe(2);
    expect(manifest.messages.map((m) => m.to)).toEqual(['dylan@example.com', 'mollie@example.com']);
    expect(await readdir(outDir)).toHaveLength(2 * 3 + 2); // + manifest.json and report.html: a --limit slice has no plan digest
  });
});

describe('send-report --dry-run --json', () => {
  let outDir: string;
  let json: ManifestJson;
  let stdout: string;

  beforeAll(async () => {
    outDir = await freshDir();
    const result = await dryRun([...JANUARY, '--json', '--campaign-id', 'jan-2025-rehearsal'], outDir);
    expect(result.code, result.stderr).toBe(0);
    stdout = result.stdout;
    json = JSON.parse(stdout) as ManifestJson;
  });

  it('prints one JSON document with dryRun, outDir and the counts', async () => {
    expect(stdout.trim().startsWith('{')).toBe(true);
    expect(json.dryRun).toBe(true);
    expect(json.outDir).toBe(outDir);
    expect(json.campaignId).toBe('jan-2025-rehearsal');
    expect(json.counts).toMatchObject({
      recipients: 9,
      messages: 7,
      nothingToSend: 2,
      heldBack: 0,
      links: 11,
    });
    expect(json.counts).toEqual((await readManifest(outDir)).counts);
  });

  it('masks every address on stdout (d***@example.com); the manifest file keeps them for review', async () => {
    expect(json.messages[0]?.to).toBe('d***@example.com');
    expect(json.unsent.map((u) => u.email)).toEqual(['n***@example.com', 'c***@example.com']);
    expect(stdout).not.toMatch(FULL_ADDRESS);
    expect((await readManifest(outDir)).messages[0]?.to).toBe('dylan@example.com');
  });

  it('uses --campaign-id in the Message-ID', async () => {
    const first = json.messages[0];
    if (!first) throw new Error('no message');
    const { parsed } = await readMessage(outDir, first);
    expect(parsed.messageId).toMatch(/^<jan-2025-rehearsal\.[0-9a-f]+@distro-nation\.test>$/);
  });

  it('shows full addresses with --verbose', async () => {
    const result = await dryRun([...JANUARY, '--json', '--verbose', '--only', 'DYLVN'], await freshDir());
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as ManifestJson).messages[0]?.to).toBe('dylan@example.com');
  });
});

describe('send-report --dry-run: refusals', () => {
  it('a template with {{unknownVariable}} exits 4 naming the template and the variable, writing nothing', async () => {
    const dir = await freshDir();
    const templates = path.join(dir, 'my-templates');
    await mkdir(templates);
    for (const name of ['financial-report.html.hbs', 'financial-report.txt.hbs']) {
      await copyFile(path.join(REPO_ROOT, 'templates', name), path.join(templates, name));
    }
    const htmlTemplate = path.join(templates, 'financial-report.html.hbs');
    const source = await readFile(htmlTemplate, 'utf8');
    await writeFile(htmlTemplate, source.replace('{{brandName}}</td>', '{{unknownVariable}}</td>'));
    const config = await demoConfigCopy(dir, (c) => {
      (c.email as Record<string, unknown>).templates = templates;
    });
    const outDir = path.join(dir, 'out');
    const result = await dryRun(JANUARY, outDir, config);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(htmlTemplate);
    expect(result.stderr).toContain('unknownVariable');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(outDir)).toBe(false);
    // Templates are checked before anything else is read.
    expect(result.stderr).not.toContain('Loading users');
  });

  it('a config without the links section exits 3 naming links', async () => {
    const dir = await freshDir();
    const config = await demoConfigCopy(dir, (c) => {
      delete c.links;
    });
    const outDir = path.join(dir, 'out');
    const result = await dryRun([...JANUARY, '--json'], outDir, config);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^\s*- links: /m);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { exitCode: 3 } });
    expect(existsSync(outDir)).toBe(false);
  });

  it('--out holding unrelated files exits 2 and deletes nothing', async () => {
    const outDir = await freshDir();
    await writeFile(path.join(outDir, 'notes.txt'), 'keep me');
    await writeFile(path.join(outDir, '001-MINE.html'), '<p>mine</p>');
    await mkdir(path.join(outDir, 'drafts'));
    await writeFile(path.join(outDir, 'drafts', 'a.eml'), 'x');
    const before = await snapshotTree(outDir);
    const result = await dryRun(JANUARY, outDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--out ${outDir}`);
    expect(await snapshotTree(outDir)).toEqual(before);
  });
});

describe('send-report --dry-run leaves the demo workspace alone', () => {
  it('wrote nothing under examples/', async () => {
    expect(await snapshotTree(EXAMPLES_DIR)).toEqual(examplesBefore);
  });
});
