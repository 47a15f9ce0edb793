import type { ChildProcess } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type AddressObject, simpleParser } from 'mailparser';
import { createPlanWorkspace } from '../../bench/support/plan-workspace.js';
import { type CliResult, spawnCli } from './cli.js';
import { DEMO, DEMO_DIR, DEMO_PUBLIC_KEY, freshDir, type ManifestJson, readManifest } from './demo.js';
import { decodeResourceKey, parseSignedUrl, verifySignature } from './signed-url.js';

/** The demo campaign the issue talks about. */
/**
 * The demo's January 2025 plan has two findings the tests have reviewed (ART_02's balance is off by 3 cents; AMBI's
 * YouTube report exists in two month spellings): every send of it accepts them by name, as an operator would.
 */
export const DEMO_JANUARY_FINDINGS = ['--accept', 'payout-warnings,ambiguous-reports'] as const;
export const JANUARY = ['--month', 'January', '--year', '2025'] as const;
/** A send of the demo's January 2025: the month and its reviewed findings. */
export const SEND_JANUARY = [...JANUARY, ...DEMO_JANUARY_FINDINGS] as const;

/** A copy of examples/demo in a fresh temp folder (without outputs of earlier runs): examples/ is never written. */
export async function demoWorkspace(): Promise<{
  dir: string;
  config: string;
  outbox: string;
  sqlite: string;
}> {
  const dir = await freshDir('dn-send-');
  const skip = new Set(['.dn-mailer', 'previews', 'out', 'outbox'].map((name) => path.join(DEMO_DIR, name)));
  await cp(DEMO_DIR, dir, { recursive: true, filter: (source) => !skip.has(source) });
  return {
    dir,
    config: path.join(dir, '.distronationrc.json'),
    outbox: path.join(dir, '.dn-mailer', 'outbox'),
    sqlite: path.join(dir, '.dn-mailer', 'dn-mailer.sqlite'),
  };
}

/** The messages the plan holds (a dry run of the same config into a temp folder): what a send must deliver. */
export async function plannedMessages(config: string, env: Record<string, string> = {}) {
  const out = await freshDir('dn-send-plan-');
  const args = ['send-report', ...JANUARY, '--dry-run', '--verbose', '--config', config, '--out', out];
  const result = await startCli(args, { env }).done;
  if (result.code !== 0) throw new Error(`dry run failed (${result.code}): ${result.stderr}`);
  const manifest: ManifestJson = await readManifest(out);
  return manifest.messages;
}

export interface RunningCli {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  done: Promise<CliResult>;
}

/** Spawns the built CLI like `runCli` (clean env, CI, no AWS profile) but hands back the child, to kill it. */
export function startCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): RunningCli {
  const { child, stderr, done } = spawnCli(args, options);
  const running: RunningCli = { child, stderr, done };
  live.add(running);
  void done.finally(() => live.delete(running)).catch(() => {});
  return running;
}

/** Every CLI started by `startCli` that has not exited yet. */
const live = new Set<RunningCli>();

/** Kills (SIGKILL, by PID) every CLI a test started and left running, e.g. after a timeout; for `afterAll`. */
export function stopStrayClis(): void {
  killAll([...live]);
}

/** Kills what is still running of `clis` (by their PIDs). */
export function killAll(clis: readonly RunningCli[]): void {
  for (const cli of clis)
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
}

/** The `send-report --json` summary fields the tests read. */
export interface SendJson {
  success: boolean;
  message: string;
  data: {
    campaignId: string;
    provider: string;
    totalRecipients: number;
    successful: number;
    failed: number;
    unknown: number;
    skipped: number;
    alreadySent: number;
    alreadySkipped: number;
    heldForRetry: number;
    claimedElsewhere: number;
    stopped: string | null;
    trackingErrors: string[];
    results: Record<
      'successful' | 'failed' | 'unknown' | 'skipped' | 'heldForRetry',
      { email: string; reason: string | null; messageId: string | null; status?: string }[]
    >;
  };
}

export interface StatusJson {
  campaignId: string;
  counts: Record<'planned' | 'sending' | 'sent' | 'failed' | 'skipped' | 'unknown', number>;
  total: number;
  problems: { email: string; status: string; reason?: string }[];
  rows: { email: string; status: string; messageId?: string }[];
}

export function parseJson<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

/** One `.eml` of the outbox, parsed independently of dn-mailer (mailparser). */
export interface OutboxMail {
  file: string;
  messageId: string;
  to: string[];
  bcc: string[];
  subject: string;
  html: string;
  text: string;
}

export function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((a) => (a.address ?? '').toLowerCase()));
}

export async function readOutbox(dir: string): Promise<OutboxMail[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.eml'));
  return Promise.all(
    names.sort().map(async (name) => {
      const mail = await simpleParser(await readFile(path.join(dir, name)));
      return {
        file: name,
        messageId: (mail.messageId ?? '').replace(/^<|>$/g, ''),
        to: addresses(mail.to),
        bcc: addresses(mail.bcc),
        subject: mail.subject ?? '',
        html: typeof mail.html === 'string' ? mail.html : '',
        text: mail.text ?? '',
      };
    }),
  );
}

/** Leftovers of an interrupted atomic write (`.eml.tmp`) in the outbox. */
export async function outboxTempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((name) => !name.endsWith('.eml'));
}

export interface SqliteLedgerRow {
  campaign_id: string;
  email: string;
  status: string;
  message_id: string | null;
  reason: string | null;
  attempts: number;
}

/** The SQLite ledger rows of a campaign, read with a read-only connection of our own. */
export function sqliteLedger(file: string, campaignId: string): SqliteLedgerRow[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT * FROM ledger WHERE campaign_id = ? ORDER BY email')
      .all(campaignId) as SqliteLedgerRow[];
  } finally {
    db.close();
  }
}

/** Tracking rows per recipient and send status (`success`, `unknown`, …) of a campaign. */
export function sqliteTracking(file: string, campaignId: string): { email: string; send_status: string }[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT email, send_status FROM tracking WHERE campaign_id = ? ORDER BY email')
      .all(campaignId) as { email: string; send_status: string }[];
  } finally {
    db.close();
  }
}

/**
 * Seeds the local gate tables of the workspace whose config is `config`. The schema is created by the built CLI
 * itself (a `campaigns` call opens the store, as a first run would), so it always matches the dn-mailer under test.
 */
export async function seedLocalGates(
  config: string,
  file: string,
  seed: {
    contacts?: { email: string; unsubscribeAll?: boolean; topics?: Record<string, string> }[];
    suppressions?: { email: string; reason: string }[];
  },
): Promise<void> {
  const opened = await startCli(['campaigns', '--config', config]).done;
  if (opened.code !== 0) throw new Error(`campaigns could not open the store: ${opened.stderr}`);
  const db = new Database(file);
  try {
    const at = new Date().toISOString();
    const contact = db.prepare(
      'INSERT INTO contacts (email, unsubscribe_all, topics, updated_at) VALUES (?, ?, ?, ?)',
    );
    for (const c of seed.contacts ?? [])
      contact.run(c.email, c.unsubscribeAll ? 1 : 0, JSON.stringify(c.topics ?? {}), at);
    const suppression = db.prepare('INSERT INTO suppressions (email, reason, created_at) VALUES (?, ?, ?)');
    for (const s of seed.suppressions ?? []) suppression.run(s.email, s.reason, at);
  } finally {
    db.close();
  }
}

/** How many times each value occurs. */
export function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds (polling), or throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * The report keys of every demo-signed link among `urls` (links under another base URL, e.g. unsubscribe, are
 * ignored); throws when one is not validly signed with the demo key for the demo key pair.
 */
export function signedReportKeys(urls: readonly string[]): string[] {
  return urls
    .filter((url) => url.startsWith(`${DEMO.links.baseUrl}/`))
    .map((url) => {
      const parts = parseSignedUrl(url);
      if (parts.keyPairId !== DEMO.links.keyPairId || !verifySignature(parts, DEMO_PUBLIC_KEY)) {
        throw new Error(`not signed with the demo key: ${url}`);
      }
      return decodeResourceKey(parts.resource, DEMO.links.baseUrl);
    })
    .sort();
}

/**
 * A generated local workspace of `creators` recipients (bench/support/plan-workspace.ts: users, payouts, reports, a
 * fresh key) with `ses` settings merged into its config. Returns the folder, config, outbox and SQLite paths.
 */
export async function generatedWorkspace(creators: number, ses: Record<string, unknown> = {}) {
  const ws = await createPlanWorkspace(creators);
  const config = JSON.parse(await readFile(ws.configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(ws.configPath, JSON.stringify({ ...config, ses }, null, 2));
  return {
    dir: ws.dir,
    config: ws.configPath,
    outbox: path.join(ws.dir, '.dn-mailer', 'outbox'),
    sqlite: path.join(ws.dir, '.dn-mailer', 'dn-mailer.sqlite'),
    recipients: [...ws.expected.keys()].sort(),
  };
}

/**
 * Counts the `.eml` files moved into place in `dir` (inotify through fs.watch), by name. The outbox names a file
 * after its Message-ID, which is the same for every send of one message: a second send would silently replace the
 * file, so the file count cannot show it — the number of times a name appeared can.
 */
export async function watchOutbox(dir: string) {
  await mkdir(dir, { recursive: true });
  const appeared = new Map<string, number>();
  const watcher = watch(dir, (event, name) => {
    if (
      event === 'rename' &&
      typeof name === 'string' &&
      name.endsWith('.eml') &&
      existsSync(path.join(dir, name))
    )
      appeared.set(name, (appeared.get(name) ?? 0) + 1);
  });
  return {
    appeared,
    /**
     * Stops watching once the events of every `.eml` now in the folder have arrived (a loaded machine delivers
     * them late), or after 5 s.
     */
    async settle(): Promise<void> {
      const expected = (await readdir(dir)).filter((name) => name.endsWith('.eml')).length;
      for (let waited = 0; appeared.size < expected && waited < 5_000; waited += 50) await sleep(50);
      await sleep(100);
      watcher.close();
    },
    close: () => watcher.close(),
  };
}
