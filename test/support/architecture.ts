import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The source tree as the architecture rules see it: path relative to src/ (with `/`) → text. */
export type SourceTree = ReadonlyMap<string, string>;

export async function readSourceTree(srcDir: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.ts'))
        tree.set(path.relative(srcDir, full).split(path.sep).join('/'), await readFile(full, 'utf8'));
    }
  };
  await walk(srcDir);
  return tree;
}

export interface Import {
  /** What the file wrote: `../ports.js`, `@aws-sdk/client-s3`. */
  specifier: string;
  /** For a relative import: the imported file, relative to src/ (`.ts`). */
  target?: string;
  typeOnly: boolean;
}

const IMPORT =
  /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every static import / re-export and dynamic import of a file, type-only ones included. */
export function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[3] ?? match[4] ?? '';
    const typeOnly = match[2] !== undefined;
    if (!specifier.startsWith('.')) {
      found.push({ specifier, typeOnly });
      continue;
    }
    const target = path.posix
      .normalize(path.posix.join(path.posix.dirname(file), specifier))
      .replace(/\.js$/, '.ts');
    found.push({ specifier, target, typeOnly });
  }
  return found;
}

const SDKS = /^(@aws-sdk\/|firebase-admin|better-sqlite3|@smithy\/)/;
const NOT_IN_CORE =
  /^(@aws-sdk\/|node:fs|fs$|node:http|node:child_process|node:net|chalk|ora|@inquirer\/|commander|better-sqlite3|firebase-admin|open$)/;
/** The one module of adapters/ that src/cli/ may import: the backend map. */
export const BACKEND_MAP = 'adapters/backends.ts';

/**
 * STYLE.md's layer rules, checked on a source tree: `cli → core → ports ← adapters`, SDKs only in adapters, the
 * CLI reaching adapters only through the backend map, commands through deps, and no import cycle of any kind.
 * Returns one line per violation.
 */
export function checkArchitecture(tree: SourceTree): string[] {
  const problems: string[] = [];
  for (const [file, text] of tree) {
    const imports = importsOf(file, text);
    for (const { specifier, target } of imports) {
      const shown = `${file} imports ${specifier}`;
      if (file.startsWith('core/')) {
        if (NOT_IN_CORE.test(specifier))
          problems.push(`${shown}: core/ imports no SDK, file system, UI or CLI library`);
        if (target && !target.startsWith('core/') && target !== 'ports.ts')
          problems.push(`${shown}: core/ imports only core/ and ports.ts`);
      }
      if (file === 'ports.ts' && target) problems.push(`${shown}: ports.ts imports nothing from the program`);
      if (SDKS.test(specifier) && !file.startsWith('adapters/'))
        problems.push(`${shown}: only adapters/ touch SDKs`);
      if (file.startsWith('cli/') && target?.startsWith('adapters/') && target !== BACKEND_MAP)
        problems.push(`${shown}: cli/ reaches adapters only through ${BACKEND_MAP}`);
      if (file.startsWith('cli/commands/') && target?.startsWith('adapters/'))
        problems.push(`${shown}: commands get their ports from deps, never from an adapter`);
    }
    if (/process\.env/.test(text) && file !== 'config/load.ts')
      problems.push(`${file} reads process.env: only config/load.ts does`);
    if (/process\.exit\(/.test(text))
      problems.push(`${file} calls process.exit: cli/main.ts returns the exit code`);
    if (file.startsWith('core/') && /process\.(env|exit\b|stdout|stderr|argv)/.test(text))
      problems.push(`${file} uses process: core/ gets the world through ports`);
  }
  for (const cycle of findCycles(tree)) problems.push(`import cycle: ${cycle.join(' → ')}`);
  return problems;
}

/** Strongly connected groups of files (type-only imports count), each as a path that closes on itself. */
export function findCycles(tree: SourceTree): string[][] {
  const graph = new Map<string, string[]>();
  for (const [file, text] of tree) {
    const targets = importsOf(file, text).flatMap(({ target }) =>
      target && tree.has(target) ? [target] : [],
    );
    graph.set(file, [...new Set(targets)]);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
