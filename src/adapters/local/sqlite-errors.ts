import {
  BackendError,
  ConfigError,
  type DnMailerError,
  isDnMailerError,
  StoreBusyError,
} from '../../core/common/errors.js';

/**
 * The one place SQLite's failures become the project's errors, so no raw SqliteError leaves `adapters/local/`:
 * a lock held too long is `StoreBusyError` (exit 5, try again), a damaged file or a failing disk is a backend
 * error (exit 5, restore or repair), a file or folder this user may not write is a config error (exit 3). Anything
 * else (a misuse, a constraint we did not expect) is left as it is: that is a bug in dn-mailer.
 */
export function translateSqliteError(error: unknown, file: string, doing: string): unknown {
  if (isDnMailerError(error)) return error;
  const code = errorCode(error);
  if (code === undefined) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const made = code.startsWith('SQLITE_')
    ? fromSqliteCode(code, reason, file, doing)
    : fromFileSystemCode(code, reason, file, doing);
  if (!made) return error;
  return new made.error(made.message, { hint: made.hint, cause: error });
}

/** Runs one SQLite call of a store operation (`doing`: "claiming a ledger row"), translating what it throws. */
export function runSqlite<T>(file: string, doing: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw translateSqliteError(error, file, doing);
  }
}

/** What `PRAGMA quick_check` found wrong with the file (doctor): the same error as a damaged page met in a run. */
export function damagedStoreError(file: string, problems: readonly string[]): BackendError {
  const shown = problems.slice(0, 3).join('; ');
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  return new BackendError(`the SQLite store ${file} is damaged: ${shown}${more}`, {
    hint: RESTORE.replace('FILE', file),
  });
}

interface Made {
  error: new (message: string, options: { hint?: string; cause?: unknown }) => DnMailerError;
  message: string;
  hint: string;
}

const RESTORE =
  'restore tracking.file from a backup (keep the damaged file: the ledger is what stops resends; `sqlite3 FILE .recover` salvages what it can), then run again';

function fromSqliteCode(code: string, reason: string, file: string, doing: string): Made | undefined {
  const base = code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  switch (base) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case 'SQLITE_PROTOCOL':
      return {
        error: StoreBusyError,
        message: `the SQLite store ${file} is locked by another process (${doing}: ${reason})`,
        hint: 'another dn-mailer run (send-report, serve, unsubscribe) or an sqlite3 session holds it; let it finish, then run the same command again',
      };
    case 'SQLITE_CORRUPT':
      return {
        error: BackendError,
        message: `the SQLite store ${file} is damaged (${doing}: ${reason})`,
        hint: RESTORE.replace('FILE', file),
      };
    case 'SQLITE_NOTADB':
      return {
        error: BackendError,
        message: `${file} is not a SQLite database, or is damaged (${doing}: ${reason})`,
        hint: `check that tracking.file points at dn-mailer's SQLite file; if it does, ${RESTORE.replace('FILE', file)}`,
      };
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return {
        error: ConfigError,
        message: `the SQLite store ${file} is read-only for this user (${doing}: ${reason})`,
        hint: `let the user running dn-mailer write ${file} and its folder (chmod u+w; SQLite writes -wal and -shm files beside it), or point tracking.file at a writable copy`,
      };
    case 'SQLITE_CANTOPEN':
      return {
        error: ConfigError,
        message: `cannot open the SQLite store ${file} (${doing}: ${reason})`,
        hint: 'check tracking.file: the file and its folder must be readable and writable by the user running dn-mailer',
      };
    case 'SQLITE_FULL':
      return {
        error: BackendError,
        message: `the disk holding the SQLite store ${file} is full (${doing}: ${reason})`,
        hint: 'free some disk space, then run the same command again',
      };
    case 'SQLITE_IOERR':
    case 'SQLITE_NOMEM':
    case 'SQLITE_NOLFS':
      return {
        error: BackendError,
        message: `the SQLite store ${file} could not be read or written (${doing}: ${reason})`,
        hint: 'check the disk and the file system it is on (a removed drive, a network share, quotas), then run again',
      };
    case 'SQLITE_ERROR':
      // "no such table / column": a file whose tables are not the ones its schema_version promises.
      if (!/no such (table|column)/.test(reason)) return undefined;
      return {
        error: BackendError,
        message: `the SQLite store ${file} lacks dn-mailer's tables (${doing}: ${reason})`,
        hint: RESTORE.replace('FILE', file),
      };
    default:
      return undefined;
  }
}

/** Creating the store's folder or file (mkdir, open) failed. */
function fromFileSystemCode(code: string, reason: string, file: string, doing: string): Made | undefined {
  if (['ENOSPC', 'EDQUOT', 'EIO'].includes(code)) {
    return {
      error: BackendError,
      message: `the SQLite store ${file} could not be written (${doing}: ${reason})`,
      hint: 'free some disk space or check the disk, then run again',
    };
  }
  if (!['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'EISDIR', 'ENOENT', 'ELOOP'].includes(code)) {
    return undefined;
  }
  return {
    error: ConfigError,
    message: `cannot open the SQLite store ${file} (${doing}: ${reason})`,
    hint: 'check tracking.file: its folder must exist or be creatable, and be writable by the user running dn-mailer',
  };
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
