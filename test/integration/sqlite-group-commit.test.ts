import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteLedger } from '../../src/adapters/local/sqlite-ledger.js';
import { openSqliteStore, type SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { BackendError, ExitCode, StoreBusyError } from '../../src/core/common/errors.js';
import { collectOutput } from '../support/child-output.js';
import { stopChild as stopRunningChild } from '../support/s3rver.js';
import { holdLock } from '../support/store-faults.js';

/**
 * Group commit in the SQLite ledger: claims and finishes asked for together share one transaction. What must not
 * change: a conflict fails only its own move, a fault fails every waiting call and leaves no row half-moved, a claim
 * resolves only once it is committed (on disk before the provider is called), and two processes never both win a row.
 */

const WORKER = fileURLToPath(new URL('../support/sqlite-group-worker.ts', import.meta.url));
const CAMPAIGN = 'financial-2025-01';
const t0 = new Date('2025-02-01T10:00:00.000Z');
const emails = (count: number) => Array.from({ length: count }, (_, i) => `user${i}@x.test`);
const planned = (count: number) => emails(count).map((email) => ({ email, customIds: [] }));

let root: string;
let file: string;
const opened: SqliteStore[] = [];
const open = (options: Parameters<typeof openSqliteStore>[1] = {}) => {
  const store = openSqliteStore(file, options);
  opened.push(store);
  return store;
};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'dn-group-commit-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let testNumber = 0;
beforeEach(() => {
  testNumber += 1;
  file = path.join(root, `state-${testNumber}.sqlite`);
});
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

/** The row as another connection reads it from the file: only what was committed. */
function committedRow(email: string, campaignId = CAMPAIGN) {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT status, run_id AS runId, attempts FROM ledger WHERE campaign_id = ? AND email = ?')
      .get(campaignId, email) as { status: string; runId: string | null; attempts: number } | undefined;
  } finally {
    db.close();
  }
}

async function settled<T>(promises: Promise<T>[]) {
  return Promise.allSettled(promises);
}

describe('group commit: many moves, one transaction', () => {
  it('commits 16 concurrent claims in one transaction and their 16 finishes in another (writeStats)', async () => {
    const store = open();
    await store.ledger.ensurePlanned(CAMPAIGN, planned(16), t0);
    const before = store.ledger.writeStats();
    const claims = await Promise.all(
      emails(16).map((email) => store.ledger.claim(CAMPAIGN, email, ['planned'], 'run-1', t0)),
    );
    expect(claims).toEqual(Array(16).fill(true));
    const afterClaims = store.ledger.writeStats();
    expect(afterClaims.commits - before.commits).toBe(1);
    expect(afterClaims.moves - before.moves).toBe(16);
    expect(afterClaims.largestGroup).toBe(16);
    const finishes = await Promise.all(
      emails(16).map((email, i) =>
        store.ledger.finish(CAMPAIGN, email, 'sending', { status: 'sent', messageId: `m${i}` }, t0, 'run-1'),
      ),
    );
    expect(finishes).toEqual(Array(16).fill(true));
    expect(store.ledger.writeStats().commits - afterClaims.commits).toBe(1);
    const rows = await store.ledger.listRows(CAMPAIGN);
    expect(rows.map((row) => [row.status, row.attempts])).toEqual(Array(16).fill(['sent', 1]));
  });

  it('splits a crowd of moves into groups of at most 256 (a commit holds the write lock briefly)', async () => {
    const store = open();
    await store.ledger.ensurePlanned(CAMPAIGN, planned(300), t0);
    const before = store.ledger.writeStats();
    const won = await Promise.all(
      emails(300).map((email) => store.ledger.claim(CAMPAIGN, email, ['planned'], 'run-1', t0)),
    );
    expect(won.every(Boolean)).toBe(true);
    const after = store.ledger.writeStats();
    expect(after.commits - before.commits).toBe(2);
    expect(after.largestGroup).toBe(256);
  });

  it('groupCommit: false keeps the former path, one commit per call', async () => {
    const store = open({ groupCommit: false });
    await store.ledger.ensurePlanned(CAMPAIGN, planned(8), t0);
    const before = store.ledger.writeStats();
    await Promise.all(
      emails(8).map((email) => store.ledger.claim(CAMPAIGN, email, ['planned'], 'run-1', t0)),
    );
    const after = store.ledger.writeStats();
    expect(after.commits - before.commits).toBe(8);
    expect(after.largestGroup).toBe(1);
  });

  it('a row another run claimed fails only its own claim: the others of the group win', async () => {
    const mine = open();
    const theirs = open();
    await mine.ledger.ensurePlanned(CAMPAIGN, planned(4), t0);
    expect(await theirs.ledger.claim(CAMPAIGN, 'user1@x.test', ['planned'], 'run-theirs', t0)).toBe(true);
    const before = mine.ledger.writeStats();
    const won = await Promise.all(
      emails(4).map((email) => mine.ledger.claim(CAMPAIGN, email, ['planned'], 'run-mine', t0)),
    );
    expect(won).toEqual([true, false, true, true]);
    // One transaction for the four, the conflict included.
    expect(mine.ledger.writeStats().commits - before.commits).toBe(1);
    expect(committedRow('user1@x.test')).toEqual({ status: 'sending', runId: 'run-theirs', attempts: 1 });
    for (const email of ['user0@x.test', 'user2@x.test', 'user3@x.test'])
      expect(committedRow(email)).toEqual({ status: 'sending', runId: 'run-mine', attempts: 1 });
    // A finish for a row whose status moved on fails alone too.
    const finished = await Promise.all([
      mine.ledger.finish(
        CAMPAIGN,
        'user0@x.test',
        'sending',
        { status: 'sent', messageId: 'a' },
        t0,
        'run-mine',
      ),
      mine.ledger.finish(
        CAMPAIGN,
        'user1@x.test',
        'sending',
        { status: 'sent', messageId: 'b' },
        t0,
        'run-mine',
      ),
    ]);
    expect(finished).toEqual([true, false]);
    expect(committedRow('user1@x.test')?.status).toBe('sending');
  });

  it('a claim resolves only once committed: another connection reads the row as sending at that moment', async () => {
    const store = open();
    await store.ledger.ensurePlanned(CAMPAIGN, planned(8), t0);
    const seen = await Promise.all(
      emails(8).map((email) =>
        store.ledger
          .claim(CAMPAIGN, email, ['planned'], 'run-1', t0)
          .then((won) => ({ won, row: committedRow(email) })),
      ),
    );
    for (const { won, row } of seen) {
      expect(won).toBe(true);
      expect(row).toEqual({ status: 'sending', runId: 'run-1', attempts: 1 });
    }
  });

  it('closing the store commits the moves still waiting for their group', async () => {
    const store = openSqliteStore(file);
    await store.ledger.ensurePlanned(CAMPAIGN, planned(3), t0);
    const claims = emails(3).map((email) => store.ledger.claim(CAMPAIGN, email, ['planned'], 'run-1', t0));
    store.close();
    expect(await Promise.all(claims)).toEqual([true, true, true]);
    expect(committedRow('user2@x.test')?.status).toBe('sending');
  });
});

describe('group commit: faults', () => {
  let lock: { release(): void } | undefined;
  afterEach(() => {
    lock?.release();
    lock = undefined;
  });

  it('a lock held past busy_timeout fails every waiting claim and finish with StoreBusyError; nothing moved', async () => {
    const store = open({ busyTimeoutMs: 20 });
    await store.ledger.ensurePlanned(CAMPAIGN, planned(4), t0);
    await store.ledger.claim(CAMPAIGN, 'user3@x.test', ['planned'], 'run-1', t0);
    lock = holdLock(file);
    const results = await settled([
      ...emails(3).map((email) => store.ledger.claim(CAMPAIGN, email, ['planned'], 'run-1', t0)),
      store.ledger.finish(
        CAMPAIGN,
        'user3@x.test',
        'sending',
        { status: 'sent', messageId: 'm' },
        t0,
        'run-1',
      ),
    ]);
    lock.release();
    lock = undefined;
    results.forEach((result, i) => {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(StoreBusyError);
      expect((error as StoreBusyError).exitCode).toBe(ExitCode.backend);
      expect((error as StoreBusyError).hint).toBeTruthy();
      expect((error as Error).message).toContain(`the SQLite store ${file} is locked by another process`);
      expect((error as Error).message).toContain(i < 3 ? 'claiming a ledger row' : 'finishing a ledger row');
    });
    for (const email of emails(3)) expect(committedRow(email)?.status).toBe('planned');
    expect(committedRow('user3@x.test')?.status).toBe('sending');
    // The store works again once the lock is gone.
    expect(await store.ledger.claim(CAMPAIGN, 'user0@x.test', ['planned'], 'run-1', t0)).toBe(true);
  });

  /**
   * A real SQLITE_FULL in the middle of a group: the file may not grow (max_page_count), and the claims' run IDs
   * make the rows grow until a page must be added. Claimed one by one, the first rows move and the rest fail — the
   * fault strikes part-way; claimed as one group, the fault rolls every move of the group back.
   */
  it('a fault part-way through a group fails each waiting call (exit 5, the disk is full) and moves no row', async () => {
    const claimAll = async (groupCommit: boolean) => {
      const groupFile = path.join(root, `full-${groupCommit}.sqlite`);
      const seeded = openSqliteStore(groupFile);
      await seeded.ledger.ensurePlanned(CAMPAIGN, planned(40), t0);
      seeded.close();
      const db = new Database(groupFile);
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
        const ledger = createSqliteLedger(db, groupFile, { groupCommit });
        const runId = `run-${'x'.repeat(100)}`;
        const results = await settled(
          emails(40).map((email) => ledger.claim(CAMPAIGN, email, ['planned'], runId, t0)),
        );
        const moved = db
          .prepare("SELECT COUNT(*) AS n FROM ledger WHERE campaign_id = ? AND status = 'sending'")
          .get(CAMPAIGN) as { n: number };
        return { results, moved: moved.n, stats: ledger.writeStats() };
      } finally {
        db.close();
      }
    };

    const oneByOne = await claimAll(false);
    expect(oneByOne.moved).toBeGreaterThan(0);
    expect(oneByOne.moved).toBeLessThan(40);
    expect(oneByOne.results.filter((r) => r.status === 'rejected')).toHaveLength(40 - oneByOne.moved);

    const grouped = await claimAll(true);
    expect(grouped.moved).toBe(0);
    expect(grouped.stats.commits).toBe(0);
    for (const result of grouped.results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(BackendError);
      expect(error).not.toBeInstanceOf(StoreBusyError);
      expect((error as BackendError).exitCode).toBe(ExitCode.backend);
      expect((error as Error).message).toMatch(/is full \(claiming a ledger row: database or disk is full\)/);
      expect((error as BackendError).hint).toMatch(/free some disk space/);
    }
  });
});

/** Stops a worker still running (one killed by a signal has `exitCode` null but is gone). */
async function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.signalCode === null) await stopRunningChild(child);
}

/** Runs the worker to its end; resolves with its exit code or signal and what it printed. */
function runWorker(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const output = collectOutput(child);
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => {
      if (output.stdout().startsWith('ready\n')) resolve();
    });
    output.closed.then(
      ({ code }) => reject(new Error(`worker exited (${code}) early: ${output.stderr()}`)),
      reject,
    );
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    go: () => child.stdin.end('go\n'),
    done: output.closed,
  };
}

describe('group commit across processes', () => {
  it('a process killed in the continuation of its first won claim leaves the committed rows sending', async () => {
    const store = open();
    await store.ledger.ensurePlanned(CAMPAIGN, planned(12), t0);
    const worker = runWorker(['crash', file, CAMPAIGN, 'run-crashed', '12']);
    try {
      const { signal, stdout, stderr } = await worker.done;
      expect({ signal, stdout, stderr }).toEqual({ signal: 'SIGKILL', stdout: '', stderr: '' });
    } finally {
      await stopChild(worker.child);
    }
    // The claims were one group: the one that resolved and every other in its transaction are on disk.
    const rows = await store.ledger.listRows(CAMPAIGN);
    expect(rows.map((row) => [row.status, row.runId, row.attempts])).toEqual(
      Array(12).fill(['sending', 'run-crashed', 1]),
    );
  });

  it('two processes claiming 8 rows at a time each (group-committed) never both win a row', async () => {
    const rows = 240;
    const store = open();
    await store.ledger.ensurePlanned('race', planned(rows), t0);
    const workers = [
      runWorker(['race', file, 'race', 'run-a', String(rows), 'up', '8']),
      runWorker(['race', file, 'race', 'run-b', String(rows), 'down', '8']),
    ];
    try {
      await Promise.all(workers.map((worker) => worker.ready));
      for (const worker of workers) worker.go();
      const outputs = await Promise.all(
        workers.map(async (worker) => {
          const { code, stdout, stderr } = await worker.done;
          if (code !== 0) throw new Error(`worker failed (${code}): ${stderr}`);
          return JSON.parse(stdout.slice('ready\n'.length)) as { won: string[]; largestGroup: number };
        }),
      );
      const [a, b] = outputs as [(typeof outputs)[0], (typeof outputs)[0]];
      expect(a.won.length + b.won.length).toBe(rows);
      expect(new Set([...a.won, ...b.won]).size).toBe(rows);
      expect(Math.min(a.won.length, b.won.length)).toBeGreaterThan(0);
      // The claims really were grouped in both processes.
      expect(Math.min(a.largestGroup, b.largestGroup)).toBeGreaterThan(1);
      const listed = await store.ledger.listRows('race');
      expect(listed.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
      const byRun = (runId: string) =>
        listed
          .filter((row) => row.runId === runId)
          .map((row) => row.email)
          .sort();
      expect(byRun('run-a')).toEqual([...a.won].sort());
      expect(byRun('run-b')).toEqual([...b.won].sort());
    } finally {
      await Promise.all(workers.map((worker) => stopChild(worker.child)));
    }
  });
});
