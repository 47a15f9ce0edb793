import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspaceFile, WorkspaceWriter } from '../../backend.js';
import { UsageError } from '../../core/common/errors.js';
import { findSymlink, makePrivateDir, symlinkRefused, writePrivateFile } from './private-files.js';

/**
 * Writes a new workspace (files 0600, the folders it creates 0700); refuses, before writing anything, a file that
 * already exists or a symlink on the way to one (dangling or not: it would send a key outside the workspace). Each
 * file is created exclusively without following a symlink, so one planted meanwhile is refused too.
 */
export async function writeWorkspace(dir: string, files: readonly WorkspaceFile[]): Promise<string[]> {
  for (const file of files) await refuseTarget(dir, path.join(dir, file.path));
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.path);
    await makePrivateDir(path.dirname(target));
    const symlink = await findSymlink(dir, target);
    if (symlink) throw symlinkRefused(symlink, INIT_HINT);
    try {
      written.push(await writePrivateFile(target, file.content, 'fail'));
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      await refuseTarget(dir, target);
      throw error;
    }
  }
  return written;
}

const INIT_HINT = 'init writes only new files: remove the symlink, or choose another folder with --dir';

async function refuseTarget(dir: string, target: string): Promise<void> {
  const symlink = await findSymlink(dir, target);
  if (symlink) throw symlinkRefused(symlink, INIT_HINT);
  if (await lstat(target).catch(() => undefined)) {
    throw new UsageError(`${target} already exists; dn-mailer init never overwrites a file`, {
      hint: 'choose an empty folder with --dir, or remove the file',
    });
  }
}

/** A fresh RSA 2048 key pair for CloudFront signing (PEM) and a 32-byte unsubscribe token key (base64). */
export function generateLocalKeys(): { privateKey: string; publicKey: string; tokenKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey, tokenKey: `${randomBytes(32).toString('base64')}\n` };
}

/** `init`'s writer: fresh keys, and files that never overwrite anything. */
export function createWorkspaceWriter(): WorkspaceWriter {
  return { generateLocalKeys, write: writeWorkspace };
}
