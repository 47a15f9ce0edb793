import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkArchitecture, findCycles, readSourceTree } from '../support/architecture.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

describe('layers (STYLE.md): cli → core → ports ← adapters', () => {
  let tree: Map<string, string>;
  beforeAll(async () => {
    tree = await readSourceTree(SRC);
  });

  it('the source tree keeps every rule', () => {
    expect(checkArchitecture(tree)).toEqual([]);
  });

  it('has one createBackend per backend, chosen through one map checked with satisfies', () => {
    const factories = [...tree].filter(([, text]) =>
      /export const create\w*Backend: CreateBackend/.test(text),
    );
    expect(factories.map(([file]) => file).sort()).toEqual([
      'adapters/aws/backend.ts',
      'adapters/local/backend.ts',
    ]);
    expect(tree.get('adapters/backends.ts')).toMatch(/satisfies Record<Config\['backend'\], BackendEntry>/);
    const cliAdapterImports = [...tree]
      .filter(([file]) => file.startsWith('cli/'))
      .flatMap(([file, text]) =>
        [...text.matchAll(/from '([^']*adapters\/[^']*)'/g)].map((m) => `${file}: ${m[1]}`),
      );
    expect(cliAdapterImports.every((line) => line.endsWith('adapters/backends.js'))).toBe(true);
  });

  it('src/cli names no AWS SDK package', () => {
    const offenders = [...tree].filter(
      ([file, text]) => file.startsWith('cli/') && text.includes('@aws-sdk'),
    );
    expect(offenders.map(([file]) => file)).toEqual([]);
  });

  describe('fails on a planted violation', () => {
    const planted = (file: string, text: string) => checkArchitecture(new Map([...tree, [file, text]]));
    const edited = (file: string, extra: string) => planted(file, `${extra}\n${tree.get(file) ?? ''}`);

    it('an SDK client built in cli/', () => {
      expect(edited('cli/deps.ts', "import { SESv2Client } from '@aws-sdk/client-sesv2';")).toEqual([
        'cli/deps.ts imports @aws-sdk/client-sesv2: only adapters/ touch SDKs',
      ]);
    });

    it('a command importing an adapter (also a type)', () => {
      expect(
        edited(
          'cli/commands/status.ts',
          "import type { SqliteStore } from '../../adapters/local/sqlite-store.js';",
        ),
      ).toEqual([
        'cli/commands/status.ts imports ../../adapters/local/sqlite-store.js: cli/ reaches adapters only through adapters/backends.ts',
        'cli/commands/status.ts imports ../../adapters/local/sqlite-store.js: commands get their ports from deps, never from an adapter',
      ]);
    });

    it('ports.ts importing core (which also closes a cycle back through core)', () => {
      const problems = edited('ports.ts', "import type { Plan } from './core/plan/build-plan.js';");
      expect(problems).toContain(
        'ports.ts imports ./core/plan/build-plan.js: ports.ts imports nothing from the program',
      );
      expect(
        problems.some((line) => line.startsWith('import cycle: ports.ts → core/plan/build-plan.ts')),
      ).toBe(true);
    });

    it('core importing an SDK, the file system or an outer layer', () => {
      expect(edited('core/common/money.ts', "import { readFile } from 'node:fs/promises';")).toEqual([
        'core/common/money.ts imports node:fs/promises: core/ imports no SDK, file system, UI or CLI library',
      ]);
      expect(edited('core/common/money.ts', "import type { Config } from '../../config/schema.js';")).toEqual(
        ['core/common/money.ts imports ../../config/schema.js: core/ imports only core/ and ports.ts'],
      );
    });

    it('a type-only import cycle', () => {
      const problems = edited('core/common/months.ts', "import type { Plan } from '../plan/build-plan.js';");
      expect(
        problems.some((line) => line.startsWith('import cycle: ') && line.includes('core/common/months.ts')),
      ).toBe(true);
    });

    it('process.env outside config/load.ts', () => {
      expect(edited('cli/io.ts', 'const home = process.env.HOME;')).toEqual([
        'cli/io.ts reads process.env: only config/load.ts does',
      ]);
    });
  });

  it('findCycles reports a cycle as a closed path', () => {
    const cycles = findCycles(
      new Map([
        ['a.ts', "import { b } from './b.js';"],
        ['b.ts', "import type { c } from './c.js';"],
        ['c.ts', "export { a } from './a.js';"],
      ]),
    );
    expect(cycles).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
