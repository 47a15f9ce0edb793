import { spawn } from 'node:child_process';
import { chmod, chown, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { BackendMap } from '../../src/adapters/backends.js';
import { BACKENDS } from '../../src/adapters/backends.js';
import { createLocalBackendWith, type LocalStoreTimeouts } from '../../src/adapters/local/backend.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { createDeps, type DepsFactory } from '../../src/cli/deps.js';
import { collectOutput } from './child-output.js';
import type { CliResult } from './cli.js';
import { REPO_ROOT } from './cli.js';

/** Root writes a 0444 file and a 0555 folder anyway: permission faults are shown by running as another user. */
export const IS_ROOT = process.getuid?.() === 0;
/** The unprivileged user the faults run as when the tests run as root (`nobody`). */
export const NOBODY = { uid: 65534, gid: 65534 };

/** The real backends, the local one with short lock waits: a locked file fails in milliseconds, not seconds. */
export function realDepsWith(timeouts: LocalStoreTimeouts): DepsFactory {
  const backends: BackendMap = {
    ...BACKENDS,
    local: {
      ...BACKENDS.local,
      create: (loaded, options) => createLocalBackendWith(loaded, options, timeouts),
    },
  };
  return (loaded, io, options) => createDeps(loaded, io, { ...options, backends, sleep: async () => {} });
}

export const SHORT_WAITS: LocalStoreTimeouts = {
  sending: { openTimeoutMs: 50, busyTimeoutMs: 50 },
  subscriptions: { openTimeoutMs: 50, busyTimeoutMs: 50 },
  doctor: { openTimeoutMs: 50, busyTimeoutMs: 50 },
};

/** A store with a few ledger rows, created by dn-mailer's own schema (another connection, as a real file would be). */
export function seedStore(file: string): void {
  openSqliteStore(file).close();
  const db = new Database(file);
  try {
    const insert = db.prepare(
      `INSERT INTO ledger (campaign_id, email, status, custom_ids, attempts, updated_at)
       VALUES ('older-campaign', ?, 'sent', '["ID"]', 1, '2025-01-01T00:00:00.000Z')`,
    );
    // Enough rows for the tables to span many pages, so damaging pages in the middle hits table data.
    db.transaction(() => {
      for (let i = 0; i < 2000; i += 1) insert.run(`creator${i}@example.test`);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Overwrites pages 3… of a SQLite file with junk: the header still reads, the tables do not. */
export async function damagePages(file: string): Promise<void> {
  const db = new Database(file, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.close();
  if (pages < 6) throw new Error(`${file} has only ${pages} pages: nothing to damage in the middle`);
  const handle = await open(file, 'r+');
  try {
    await handle.write(Buffer.alloc(pageSize * (pages - 3), 0xa5), 0, pageSize * (pages - 3), pageSize * 2);
  } finally {
    await handle.close();
  }
}

/** Holds the file's write lock from another connection (as a stuck process or a sqlite3 session would). */
export function holdLock(file: string): { release(): void } {
  const db = new Database(file);
  db.exec('BEGIN EXCLUSIVE');
  return {
    release: () => {
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/** Gives `dir` and everything in it to `user` (root only), so that user can be the owner running dn-mailer. */
export async function giveTo(dir: string, user: { uid: number; gid: number }): Promise<void> {
  await chown(dir, user.uid, user.gid);
  for (const name of await readdir(dir, { recursive: true })) {
    await chown(path.join(dir, name), user.uid, user.gid);
  }
  // Its parents (the OS temp folder) must let that user in.
  await chmod(dir, 0o755);
}

const WORKER = fileURLToPath(new URL('./main-worker.ts', import.meta.url));
/** tsx by path: the worker's working folder is the workspace, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Runs dn-mailer from source as `user` (the tests run as root): what a real operator without root sees. */
export function runCliAs(
  user: { uid: number; gid: number },
  args: readonly string[],
  cwd: string,
): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', TSX, WORKER, ...args], {
    cwd,
    uid: user.uid,
    gid: user.gid,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      CI: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/dn-mailer-test/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/dn-mailer-test/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collectOutput(child).closed.then(({ code, stdout, stderr }) => ({ code, stdout, stderr }));
}
