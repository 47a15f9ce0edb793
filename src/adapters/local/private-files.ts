import { constants } from 'node:fs';
import {
  type FileHandle,
  link,
  lstat,
  mkdir,
  mkdtemp,
  open,
  rename,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../core/common/errors.js';

/**
 * The one way dn-mailer writes a file. Everything it writes (previews, `.eml`s, manifests, reports, the workspace
 * of `init`) holds addresses, signed links or tokens, so whatever the umask: files 0600, the folders it creates
 * 0700, and never through a symlink. Every writer of the program goes through `writePrivateFile`.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** A file's contents: whole, or piece by piece (a large manifest is never one string). */
export type PrivateData = string | Uint8Array | Iterable<string>;

/** What `writePrivateFile` does when something is already at the path. */
export type OnExisting =
  /** Replace it atomically (a symlink there is refused, never followed). */
  | 'replace'
  /**
   * Replace it atomically whatever it is: a symlink there is itself replaced by the file (rename never follows one),
   * without the check that would refuse it. For files a writer names itself in a folder it has just prepared (the
   * previews: tens of thousands, where that check was 7% of a dry run).
   */
  | 'replace-any'
  /** Fail with the `EEXIST` error: exclusive creation. */
  | 'fail'
  /** Write beside it instead: `name.2.ext`, `name.3.ext`, … (never replaces anything). */
  | 'number';

/** The file was written completely but putting it in place failed: whether it is there is unknown. */
export class PlacementError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`could not put ${file} in place: ${reasonOf(cause)}`, { cause });
    this.name = 'PlacementError';
  }
}

/**
 * Writes `data` to `file` (0600): into `<file>.tmp` beside it — created exclusively, or, when a crashed write left
 * one, opened without following a symlink and checked after opening (a regular file of this user) — then renamed
 * (`replace`) or hard-linked (`fail`, `number`) into place, so a crash never leaves half a file and a reader never
 * sees one. Returns the path written.
 */
export async function writePrivateFile(
  file: string,
  data: PrivateData,
  existing: OnExisting = 'replace',
): Promise<string> {
  if (existing === 'replace') await refuseSymlink(file);
  const temp = `${file}.tmp`;
  await fillTemp(temp, data);
  if (existing === 'replace' || existing === 'replace-any') {
    await rename(temp, file).catch(async (error: unknown) => {
      await unlink(temp).catch(() => {});
      throw new PlacementError(file, error);
    });
    return file;
  }
  try {
    return await linkIntoPlace(temp, file, existing);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Creates `dir` and its missing parents, each 0700; an existing folder is left as the operator made it. */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** A new folder only this user can enter (mkdtemp: 0700, unpredictable name) inside `parent`. */
export function makePrivateTempDir(parent: string, prefix: string): Promise<string> {
  return mkdtemp(path.join(parent, prefix));
}

/**
 * The first symlink on the way from `root` (trusted: the operator chose it) to `file` inside it, the file itself
 * included, or undefined. A missing component ends the walk (nothing below it exists).
 */
export async function findSymlink(root: string, file: string): Promise<string | undefined> {
  const parts = path.relative(root, file).split(path.sep);
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (!info) return undefined;
    if (info.isSymbolicLink()) return current;
  }
  return undefined;
}

/** The error for a symlink where dn-mailer would write: it never writes through one. */
export function symlinkRefused(
  file: string,
  hint = 'remove the symlink, or choose a path that is not one',
): ConfigError {
  return new ConfigError(`${file} is a symlink; dn-mailer never writes through a symlink`, { hint });
}

/** Whether `name` is a temp file `writePrivateFile` left behind (a crash between writing and renaming). */
export function isPrivateTempName(name: string): boolean {
  return name.endsWith('.tmp');
}

async function refuseSymlink(file: string): Promise<void> {
  const info = await lstat(file).catch(() => undefined);
  if (info?.isSymbolicLink()) throw symlinkRefused(file);
}

const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
/** Creates the file or fails with EEXIST — whatever is there, a symlink included, is never opened. */
const CREATE_FLAGS = OPEN_FLAGS | constants.O_EXCL;

/**
 * The usual case, in three calls: a new temp file, 0600 from its creation (the umask can only take bits away), so
 * there is nothing to check after opening. False when something is already at `temp` (nothing written then).
 */
async function createTemp(temp: string, data: PrivateData): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(temp, CREATE_FLAGS, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await fill(handle, data);
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  return true;
}

async function fill(handle: FileHandle, data: PrivateData): Promise<void> {
  if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
  else await writeFile(handle, data);
}

/**
 * Creates the temp file, or opens the leftover of a crashed write without following a symlink, checks what was
 * opened, and only then truncates, restricts and fills it.
 */
async function fillTemp(temp: string, data: PrivateData): Promise<void> {
  if (await createTemp(temp, data)) return;
  let handle: FileHandle;
  try {
    handle = await open(temp, OPEN_FLAGS, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOOP') throw symlinkRefused(temp);
    throw error;
  }
  try {
    const info = await handle.stat();
    const uid = process.getuid?.();
    const wrong = !info.isFile()
      ? 'is not a regular file'
      : uid !== undefined && info.uid !== uid
        ? 'belongs to another user'
        : undefined;
    if (wrong) {
      throw new ConfigError(`${temp} ${wrong}; dn-mailer writes only its own files`, {
        hint: `remove ${temp}, or write somewhere only you can write to`,
      });
    }
    if (info.nlink > 1) {
      // A leftover still linked to a published file: writing into it would change that file too.
      await handle.close();
      await unlink(temp);
      return fillTemp(temp, data);
    }
    await handle.chmod(PRIVATE_FILE_MODE);
    await handle.truncate(0);
    await fill(handle, data);
  } finally {
    await handle.close().catch(() => {});
  }
}

async function linkIntoPlace(temp: string, file: string, existing: 'fail' | 'number'): Promise<string> {
  for (let n = 1; ; n += 1) {
    const target = n === 1 ? file : numbered(file, n);
    try {
      await link(temp, target);
      return target;
    } catch (error) {
      const exists = (error as { code?: string }).code === 'EEXIST';
      if (exists && existing === 'number') continue;
      if (exists) throw error;
      throw new PlacementError(target, error);
    }
  }
}

/** `a/b.eml` → `a/b.2.eml`. */
function numbered(file: string, n: number): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${n}${ext}`;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
