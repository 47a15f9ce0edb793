import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { CheckOutcome } from '../../core/doctor/run-doctor.js';
import { fileExists, probeWritableDir, probeWritableFile } from './doctor-probes.js';
import { damagedStoreError } from './sqlite-errors.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

/**
 * The doctor check of the local store, failing on what would fail a send: a file or folder this user may not
 * write, a damaged page anywhere in the file, a file that is not a database, a lock held by another process. A
 * missing file is fine when its folder can be written (the first send creates it); nothing is created here.
 */
export async function checkSqliteStore(file: string, options: SqliteStoreOptions): Promise<CheckOutcome> {
  if (!(await fileExists(file))) {
    await probeWritableDir(path.dirname(file), 'tracking.file');
    return { ok: true, detail: `SQLite ${file} will be created on the first send (its folder is writable)` };
  }
  await probeWritableFile(file, 'tracking.file');
  // Opening migrates and takes the write lock with a write it takes back: what the send's first write needs.
  const store = openSqliteStore(file, options);
  try {
    const problems = store.verify();
    if (problems.length > 0) throw damagedStoreError(file, problems);
  } finally {
    store.close();
  }
  return {
    ok: true,
    detail: `SQLite ${file} opens, is intact and writable (ledger, tracking, contacts, audit)${await describeExposure(file)}`,
  };
}

/** A warning when users other than the owner may read the file: it holds every recipient's address. */
async function describeExposure(file: string): Promise<string> {
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) === 0) return '';
  const octal = mode.toString(8).padStart(4, '0');
  return ` — warning: readable by other users (mode ${octal}); it holds every recipient's address: chmod 600 ${file}`;
}
