import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspaceFile, WorkspaceWriter } from '../../backend.js';
import { UsageError } from '../../core/common/errors.js';

/** Writes a new workspace; refuses to overwrite anything that already exists. */
export async function writeWorkspace(dir: string, files: readonly WorkspaceFile[]): Promise<string[]> {
  for (const file of files) {
    const target = path.join(dir, file.path);
    if (await exists(target)) {
      throw new UsageError(`${target} already exists; dn-mailer init never overwrites a file`, {
        hint: 'choose an empty folder with --dir, or remove the file',
      });
    }
  }
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content, { mode: file.secret ? 0o600 : 0o644 });
    written.push(target);
  }
  return written;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
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
