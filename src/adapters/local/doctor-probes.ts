import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../core/common/errors.js';

export interface WritableDir {
  /** False when the folder does not exist yet: its nearest existing parent is writable, so a run can create it. */
  exists: boolean;
}

/**
 * Whether a run could write into `dir` (the outbox, the SQLite file's folder) — without writing anything: the
 * folder, or the nearest parent that exists, must be a writable directory.
 */
export async function probeWritableDir(dir: string, field: string): Promise<WritableDir> {
  let current = path.resolve(dir);
  for (;;) {
    const info = await stat(current).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) {
        throw new ConfigError(`${field}: ${current} is not a folder`, { hint: `point ${field} at a folder` });
      }
      try {
        await access(current, constants.W_OK);
      } catch {
        throw new ConfigError(`${field}: ${current} is not writable`, {
          hint: `fix the permissions or point ${field} somewhere writable`,
        });
      }
      return { exists: current === path.resolve(dir) };
    }
    const parent = path.dirname(current);
    if (parent === current) throw new ConfigError(`${field}: no part of ${dir} exists`);
    current = parent;
  }
}

/** Throws a config error unless `file` may be written (a read-only ledger would fail the send, not the plan). */
export async function probeWritableFile(file: string, field: string): Promise<void> {
  try {
    await access(file, constants.W_OK);
  } catch {
    throw new ConfigError(`${field}: ${file} is not writable`, {
      hint: `fix its permissions (chmod u+w) or point ${field} at a writable file`,
    });
  }
  // SQLite writes its journal (-wal, -shm) beside the file.
  await probeWritableDir(path.dirname(file), field);
}

/** Whether a file exists (the SQLite file: opening a missing one would create it). */
export async function fileExists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() === true;
}
