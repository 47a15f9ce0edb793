import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../core/common/errors.js';
import type { ReportStore } from '../../ports.js';

/**
 * A directory laid out like the bucket: the key of a file is its path relative to the directory, with `/`.
 * Listing a prefix descends only into directories on the prefix's path, comparing names exactly (keys are
 * case-sensitive as in S3, even on a case-insensitive file system).
 */
export function createDirectoryReportStore(root: string): ReportStore {
  return {
    location: root,
    async listKeys(prefix) {
      const keys: string[] = [];
      await walk(root, root, keys, prefix);
      return keys.sort();
    },
  };
}

async function walk(root: string, dir: string, keys: string[], prefix: string): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isNotFound(error)) {
      if (dir === root) throw new ConfigError(`reports.dir: ${root} does not exist`);
      return;
    }
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const key = path.relative(root, full).split(path.sep).join('/');
    if (entry.isDirectory()) {
      if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(root, full, keys, prefix);
    } else if (entry.isFile() && key.startsWith(prefix)) {
      keys.push(key);
    }
  }
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}
