import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every entry under `root` (recursive, symlinks not followed) as `relative path → 'dir 700' | 'file 600'`. */
export async function fileModes(root: string): Promise<Record<string, string>> {
  const modes: Record<string, string> = {};
  for (const name of await readdir(root, { recursive: true })) {
    const info = await lstat(path.join(root, name));
    const kind = info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
    modes[name] = `${kind} ${(info.mode & 0o777).toString(8)}`;
  }
  return modes;
}

/** The entries of `after` that `before` did not have: what a run created. */
export function createdEntries(
  before: Record<string, string>,
  after: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(after).filter(([name]) => !(name in before)));
}

/** The entries whose mode is not the private one (files 0600, folders 0700): empty when all are private. */
export function notPrivate(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(entries).filter(([, mode]) => mode !== 'file 600' && mode !== 'dir 700'),
  );
}

/** Runs `body` with the process umask set to `mask` (children spawned meanwhile inherit it), then restores it. */
export async function withUmask<T>(mask: number, body: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await body();
  } finally {
    process.umask(before);
  }
}
