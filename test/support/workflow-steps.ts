import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { collectOutput } from './child-output.js';
import { CLI, CLI_NODE, REPO_ROOT } from './cli.js';

/** A GitHub Actions workflow as the tests read it (the parts they check). */
export interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'continue-on-error'?: boolean;
}
export interface Job {
  name?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  if?: string;
  environment?: string | { name: string };
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; 'max-parallel'?: number | string; matrix?: Record<string, unknown> };
  'timeout-minutes'?: number;
  steps: Step[];
}
export interface Workflow {
  name: string;
  on: {
    schedule: { cron: string }[];
    workflow_dispatch: { inputs: Record<string, { type: string; default?: unknown; required?: boolean }> };
  };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

export async function readWorkflow(relative: string): Promise<{ text: string; workflow: Workflow }> {
  const text = await readFile(path.join(REPO_ROOT, relative), 'utf8');
  return { text, workflow: parse(text, { strict: true, uniqueKeys: true }) as Workflow };
}

export interface StepRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Each dn-mailer call's arguments (after `npx --no -- dn-mailer`). */
  calls: string[][];
  /** What the step wrote to $GITHUB_OUTPUT. */
  output: string;
  dir: string;
}

/**
 * A temp folder standing for the runner's checkout: `scripts/` is this repository's, `npm` is a no-op and `npx` is
 * either a stub (records its arguments, prints `{"stub":true}` and exits `npxExit`) or — with `realCli` — this
 * clone's built dn-mailer (`npx --no -- dn-mailer …` runs bin/dn-mailer.js with the same arguments).
 */
export async function workflowWorkspace(options: { npxExit?: number; realCli?: boolean } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'dn-ci-shards-'));
  const record = [`printf '[%s]' "$@" >> "${dir}/npx-calls"`, `echo >> "${dir}/npx-calls"`];
  const npx = options.realCli
    ? [
        '#!/bin/bash',
        'if [ "$1" != "--no" ] || [ "$2" != "--" ] || [ "$3" != "dn-mailer" ]; then echo "npx: unexpected $*" >&2; exit 127; fi',
        'shift 3',
        ...record,
        `exec "${CLI_NODE}" "${CLI}" "$@"`,
        '',
      ]
    : [
        '#!/bin/bash',
        'shift 3',
        ...record,
        'case " $* " in *" --dry-run "*)',
        '  mkdir -p previews',
        `  echo ${'ab'.repeat(32)} > previews/plan-digest.txt`,
        `  echo '{"period":{"month":1,"year":2025,"monthName":"January"}}' > previews/manifest.json ;;`,
        'esac',
        `echo '{"stub":true}'`,
        `exit ${options.npxExit ?? 0}`,
        '',
      ];
  await writeFile(path.join(dir, 'npx'), npx.join('\n'));
  await writeFile(path.join(dir, 'npm'), '#!/bin/sh\nexit 0\n');
  // `gh` records its arguments; `issue list` prints $GH_STUB_OPEN (the number of an open issue), if set.
  await writeFile(
    path.join(dir, 'gh'),
    [
      '#!/bin/sh',
      `printf '[%s]' "$@" >> "${dir}/gh-calls"`,
      `echo >> "${dir}/gh-calls"`,
      'case " $* " in *" issue list "*) [ -n "$GH_STUB_OPEN" ] && echo "$GH_STUB_OPEN" ;; esac',
      'exit 0',
      '',
    ].join('\n'),
  );
  for (const tool of ['npx', 'npm', 'gh']) await chmod(path.join(dir, tool), 0o755);
  await symlink(path.join(REPO_ROOT, 'scripts'), path.join(dir, 'scripts'));
  return dir;
}

export async function readCalls(dir: string, file = 'npx-calls'): Promise<string[][]> {
  const lines = (await readFile(path.join(dir, file), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return lines.map((line) => [...line.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? ''));
}

/**
 * Runs a step's script the way GitHub runs `run:` (bash -e -o pipefail) in `dir`, with `env` standing for what the
 * step's `${{ }}` expressions give. Asynchronous, so that several shards can run at once.
 */
export async function runStep(step: Step, env: Record<string, string>, dir: string): Promise<StepRun> {
  const output = path.join(dir, `github-output-${step.id ?? 'step'}`);
  await writeFile(output, '');
  const script = path.join(dir, `step-${step.id ?? 'step'}-${process.hrtime.bigint()}.sh`);
  await writeFile(script, step.run ?? '');
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: dir,
    env: {
      PATH: `${dir}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? dir,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: path.join(dir, 'step-summary.md'),
      CI: 'true',
      // The real CLI: never a developer's AWS profile, never an instance metadata service.
      AWS_CONFIG_FILE: '/nonexistent/dn-mailer-test/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/dn-mailer-test/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code: status, stdout, stderr } = await collectOutput(child).closed;
  return { status, stdout, stderr, calls: await readCalls(dir), output: await readFile(output, 'utf8'), dir };
}

/** The step's env values that are exactly `${{ steps.<id>.outputs.<key> }}`, from what earlier steps wrote. */
function stepOutputsIn(step: Step, outputs: Record<string, string>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(step.env ?? {})) {
    const match = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(value);
    if (match) resolved[name] = outputsOf(outputs[match[1] ?? ''] ?? '')[match[2] ?? ''] ?? '';
  }
  return resolved;
}

/** `key=value` lines of a $GITHUB_OUTPUT file (single-line values). */
export function outputsOf(output: string): Record<string, string> {
  return Object.fromEntries(
    output
      .split('\n')
      .filter((line) => /^[\w-]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/**
 * Runs a job's `run:` steps in order in `dir`, as GitHub would: a failed step skips the later ones except those
 * whose `if:` holds `always()`, `!cancelled()` or `failure()`; `uses:` steps are left out.
 */
export async function runJob(job: Job, env: Record<string, string>, dir: string) {
  const ran: string[] = [];
  const outputs: Record<string, string> = {};
  let failed: StepRun | undefined;
  let last: StepRun | undefined;
  for (const step of job.steps) {
    if (step.run === undefined) continue;
    if (failed && !/always\(\)|!cancelled\(\)|failure\(\)/.test(step.if ?? '')) continue;
    // `steps.<id>.outcome != 'skipped'`: only after that step ran.
    const after = /steps\.([\w-]+)\.outcome != 'skipped'/.exec(step.if ?? '')?.[1];
    if (after && !(after in outputs)) continue;
    const result = await runStep(step, { ...env, ...stepOutputsIn(step, outputs) }, dir);
    ran.push(step.name ?? '?');
    if (step.id) outputs[step.id] = result.output;
    last = result;
    if (result.status !== 0 && !failed) failed = result;
  }
  const end = failed ?? last;
  return {
    status: failed?.status ?? 0,
    stdout: end?.stdout ?? '',
    ran,
    outputs,
    calls: await readCalls(dir),
  };
}
