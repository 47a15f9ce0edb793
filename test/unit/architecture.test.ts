import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? sourceFiles(full) : Promise.resolve(full.endsWith('.ts') ? [full] : []);
    }),
  );
  return nested.flat();
}

const FORBIDDEN_IN_CORE =
  /from ['"](@aws-sdk\/[^'"]+|node:fs[^'"]*|fs|node:http|node:child_process|chalk|ora|@inquirer\/[^'"]+|commander|better-sqlite3|firebase-admin)['"]/;

describe('layers (STYLE.md)', () => {
  it('core/ imports no SDK, file system, UI or CLI library', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(path.join(SRC, 'core'))) {
      const text = await readFile(file, 'utf8');
      const match = FORBIDDEN_IN_CORE.exec(text);
      if (match) offenders.push(`${path.relative(SRC, file)} imports ${match[1]}`);
      if (/process\.(env|exit\b|stdout|stderr|argv)/.test(text))
        offenders.push(`${path.relative(SRC, file)} uses process`);
      if (/from ['"]\.\.\/(cli|adapters|config)\//.test(text))
        offenders.push(`${path.relative(SRC, file)} imports an outer layer`);
    }
    expect(offenders).toEqual([]);
  });

  it('only config/load.ts reads process.env, and nothing calls process.exit', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const text = await readFile(file, 'utf8');
      const name = path.relative(SRC, file);
      if (/process\.env/.test(text) && name !== path.join('config', 'load.ts'))
        offenders.push(`${name}: process.env`);
      if (/process\.exit\(/.test(text)) offenders.push(`${name}: process.exit`);
    }
    expect(offenders).toEqual([]);
  });

  it('ports.ts names no SDK type', async () => {
    const text = await readFile(path.join(SRC, 'ports.ts'), 'utf8');
    expect(text).not.toMatch(/from ['"](@aws-sdk|firebase-admin|better-sqlite3)/);
  });
});
