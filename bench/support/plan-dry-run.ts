/**
 * The whole dry-run command as an operator runs it — `dn-mailer send-report --dry-run --out <dir>` — in a child
 * process of its own, so its peak RSS is the command's (GNU time's maximum resident set size), not the bench's.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface DryRunFigures {
  seconds: number;
  /** Peak resident set size of the command's process, in bytes. */
  peakRss: number;
  /** manifest.json of the run (parsed), for counts and the approval digest. */
  manifest: DryRunManifest;
}

/** The parts of manifest.json the bench reads. */
export interface DryRunManifest {
  counts: { recipients: number; messages: number; links: number };
  approval: { digest: string } | null;
  messages: { n: number; to: string; files: string[] }[];
}

const TIME = '/usr/bin/time';

/** Runs `node <bin> send-report --month 1 --year 2025 --dry-run --out <out>` in the workspace; throws on failure. */
export async function runDryRunCommand(
  bin: string,
  workspaceDir: string,
  out: string,
): Promise<DryRunFigures> {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed to read the command's peak RSS`);
  const args = [
    '-f',
    'BENCH-TIME %M %e',
    process.execPath,
    bin,
    'send-report',
    '--month',
    '1',
    '--year',
    '2025',
    '--dry-run',
    '--out',
    out,
  ];
  const { code, stderr } = await spawnCollect(TIME, args, workspaceDir);
  const line = stderr.split('\n').find((l) => l.startsWith('BENCH-TIME '));
  if (code !== 0 || line === undefined)
    throw new Error(`the dry run exited ${code}: ${stderr.split('\n').slice(-8).join('\n')}`);
  const [, kb, seconds] = line.split(' ');
  const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as DryRunManifest;
  return { seconds: Number(seconds), peakRss: Number(kb) * 1024, manifest };
}

function spawnCollect(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}
