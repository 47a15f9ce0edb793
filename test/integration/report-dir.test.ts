import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDirectoryReportStore } from '../../src/adapters/local/report-dir.js';
import { ConfigError } from '../../src/core/common/errors.js';

describe('directory ReportStore', () => {
  let root: string;
  const files = [
    'financial-reports/2025/January/A-youtube.pdf',
    'financial-reports/2025/January/B-distro.pdf',
    'financial-reports/2025/February/A-youtube.pdf',
    'Exports/2025/january/A/A.zip',
    'Exports/2025/january/AB/AB.zip',
  ];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'dn-reports-'));
    for (const file of files) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), 'x');
    }
  });

  it('lists keys under a prefix with / separators, like S3', async () => {
    const store = createDirectoryReportStore(root);
    expect(await store.listKeys('financial-reports/2025/January/')).toEqual([
      'financial-reports/2025/January/A-youtube.pdf',
      'financial-reports/2025/January/B-distro.pdf',
    ]);
    expect(await store.listKeys('Exports/2025/january/A')).toEqual([
      'Exports/2025/january/A/A.zip',
      'Exports/2025/january/AB/AB.zip',
    ]);
  });

  it('is case-sensitive and returns nothing for a prefix that does not exist', async () => {
    const store = createDirectoryReportStore(root);
    expect(await store.listKeys('Exports/2025/JANUARY/')).toEqual([]);
    expect(await store.listKeys('Distro/2025/')).toEqual([]);
  });

  it('a missing root is a config error naming reports.dir', async () => {
    const store = createDirectoryReportStore(path.join(root, 'nope'));
    await expect(store.listKeys('x/')).rejects.toBeInstanceOf(ConfigError);
    await expect(store.listKeys('x/')).rejects.toThrow(/reports\.dir/);
  });
});
