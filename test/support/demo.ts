import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_CONFIG, REPO_ROOT, runCli } from './cli.js';

/** The demo workspace, read independently of dn-mailer (the tests compute what the product should show). */
export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');
export const DEMO_DIR = path.dirname(DEMO_CONFIG);
export const DEMO_REPORTS = path.join(DEMO_DIR, 'reports');
export const DEMO_PUBLIC_KEY: KeyObject = createPublicKey(
  readFileSync(path.join(DEMO_DIR, 'keys', 'cloudfront-demo-public.pem')),
);

type Json = Record<string, unknown>;
const demoConfig = JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')) as {
  links: { baseUrl: string; keyPairId: string; expiresInDays: number };
  email: { from: string; replyTo: string; bcc: string[] };
  unsubscribe: { baseUrl: string; mailto: string; topic: string };
} & Json;
export const DEMO = demoConfig;

export const DAY_MS = 86_400_000;

/** A fresh, empty folder under the OS temp folder (never under examples/). */
export function freshDir(prefix = 'dn-e2e-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** `send-report --dry-run` on a config (the demo by default), previews into `outDir`. */
export function dryRun(args: readonly string[], outDir: string, config = DEMO_CONFIG) {
  return runCli(['send-report', '--dry-run', '--config', config, '--out', outDir, ...args]);
}

/**
 * A copy of the demo config in `dir` with absolute paths to the demo data (so it works from the temp folder),
 * changed by `edit`. Returns the new config's path.
 */
export async function demoConfigCopy(dir: string, edit: (config: Json) => void = () => {}): Promise<string> {
  const config = structuredClone(demoConfig) as unknown as Json & {
    users: Json;
    reports: Json;
    payouts: Json;
    links: Json & { privateKey: Json };
  };
  config.users.file = path.join(DEMO_DIR, 'users.json');
  config.reports.dir = DEMO_REPORTS;
  config.payouts.file = path.join(DEMO_DIR, 'payouts.json');
  config.links.privateKey.file = path.join(DEMO_DIR, 'keys', 'cloudfront-demo-private.pem');
  edit(config);
  const file = path.join(dir, '.distronationrc.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

/** Every file under `dir` with its size and modification time, to prove a run wrote nothing there. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const info = await stat(file);
    out[path.relative(dir, file)] = entry.isDirectory() ? 'dir' : `${info.size}:${info.mtimeMs}`;
  }
  return out;
}

/** The subset of manifest.json the tests read. */
export interface ManifestJson {
  dryRun?: boolean;
  outDir?: string;
  campaignId: string;
  generatedAt: string;
  linksExpireAt: string;
  counts: Record<string, number>;
  messages: {
    n: number;
    to: string;
    customIds: string[];
    subject: string;
    files: string[];
    contracts: number;
    links: { customId: string; type: string; label: string; key: string }[];
    warnings: string[];
  }[];
  unsent: { email: string; customIds: string[]; reason: string; detail: string }[];
  missingReports: { email: string }[];
  payoutWarnings: { customId: string; contractCode: string; message: string }[];
  skippedUsers: { email: string }[];
  totals: {
    currency: string;
    scope: string;
    messages: number;
    contracts: number;
    opening: string;
    earnings: string;
    payments: string;
    closing: string;
  }[];
}

export async function readManifest(outDir: string): Promise<ManifestJson> {
  return JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8')) as ManifestJson;
}

interface RawContract {
  contractCode: string;
  yearPart: number;
  monthPart: number;
  openingBal: number;
  paymentsAll: number;
  periodBal: number;
  totalBal: number;
  totalViews?: number;
}

export interface ExpectedContract {
  customId: string;
  contractCode: string;
  openingCents: number;
  earningsCents: number;
  paymentsCents: number;
  closingCents: number;
  periodCents: number;
  views: number | undefined;
}

/** The demo's payout contracts of one month, in cents (every demo amount has at most two decimals). */
export function demoContracts(year: number, month: number): ExpectedContract[] {
  const file = JSON.parse(readFileSync(path.join(DEMO_DIR, 'payouts.json'), 'utf8')) as {
    body: { customId: string; payout: RawContract[] }[];
  };
  const cents = (value: number) => Math.round(value * 100);
  return file.body.flatMap((row) =>
    row.payout
      .filter((c) => c.yearPart === year && c.monthPart === month)
      .map((c) => ({
        customId: row.customId,
        contractCode: c.contractCode,
        openingCents: cents(c.openingBal),
        earningsCents: cents(c.periodBal) - cents(c.paymentsAll),
        paymentsCents: cents(c.paymentsAll),
        closingCents: cents(c.totalBal),
        periodCents: cents(c.periodBal),
        views: c.totalViews,
      })),
  );
}

/** `145240` → `$1,452.40`, `-145240` → `-$1,452.40` (US dollars, en-US), written without Intl. */
export function usd(cents: number): string {
  const abs = Math.abs(cents);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 ? '-' : ''}$${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * What the e-mail shows for these contracts (one contract, or their total) in the default columns, written
 * without the code under test: payments as the amount paid to the creator, views as a whole number.
 */
export function shownFigures(contracts: readonly ExpectedContract[]) {
  const sum = (pick: (c: ExpectedContract) => number) => contracts.reduce((s, c) => s + pick(c), 0);
  const views = contracts.map((c) => c.views).filter((v) => v !== undefined);
  return {
    opening: usd(sum((c) => c.openingCents)),
    views:
      views.length === 0
        ? '—'
        : String(views.reduce((s, v) => s + v, 0)).replace(/\B(?=(\d{3})+(?!\d))/g, ','),
    earnings: usd(sum((c) => c.earningsCents)),
    payments: usd(-sum((c) => c.paymentsCents)),
    closing: usd(sum((c) => c.closingCents)),
  };
}

/** A dry run of the demo's January 2025 campaign into a fresh folder (the built CLI); fails loudly. */
export async function demoDryRun(prefix: string): Promise<{ outDir: string; manifest: ManifestJson }> {
  const outDir = await freshDir(prefix);
  const result = await dryRun(['--month', 'January', '--year', '2025'], outDir);
  if (result.code !== 0) throw new Error(`dry run failed (${result.code}): ${result.stderr}`);
  return { outDir, manifest: await readManifest(outDir) };
}
