import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { ReportStore } from '../../ports.js';

/**
 * A directory laid out like the bucket: the key of a file is its path relative to the directory, with `/`.
 * Listing a prefix walks only the directory the prefix names, like S3's prefix listing.
 */
export function createDirectoryReportStore(root: string): ReportStore {
  return {
    location: root,
    async listKeys(prefix) {
      const slash = prefix.lastIndexOf('/');
      const dirPart = slash < 0 ? '' : prefix.slice(0, slash + 1);
      const keys: string[] = [];
      await walk(root, path.join(root, ...dirPart.split('/').filter(Boolean)), keys, prefix);
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
