import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalFiles } from '../../src/adapters/local/host.js';
import { UsageError } from '../../src/core/common/errors.js';

describe('local files: --report is checked before a send', () => {
  const files = createLocalFiles();

  it('accepts a file in a folder that exists or can be created, writing nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-local-files-'));
    await expect(
      files.checkWritable(path.join(dir, 'new', 'nested', 'report.html'), '--report'),
    ).resolves.toBe(undefined);
  });

  it('refuses a path under a file or an unwritable folder with a usage error naming the flag', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-local-files-'));
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'x');
    const underFile = files.checkWritable(path.join(blocker, 'report.html'), '--report');
    await expect(underFile).rejects.toBeInstanceOf(UsageError);
    await expect(underFile).rejects.toThrow(/^--report: \S*a-file is not a folder$/);
    if (process.getuid?.() !== 0) {
      const locked = path.join(dir, 'locked');
      await chmod(dir, 0o500);
      await expect(files.checkWritable(path.join(locked, 'report.html'), '--report')).rejects.toBeInstanceOf(
        UsageError,
      );
      await chmod(dir, 0o700);
    }
  });
});
