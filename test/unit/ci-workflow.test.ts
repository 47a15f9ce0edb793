import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOW = path.join(ROOT, 'examples/github-actions/monthly-financial-report.yml');
const CI_SUMMARY = path.join(ROOT, 'scripts/ci-summary.mjs');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  if?: string;
  environment?: string | { name: string };
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: {
    schedule: { cron: string }[];
    workflow_dispatch: { inputs: Record<string, { type: string; default?: unknown; required?: boolean }> };
  };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

let text: string;
let workflow: Workflow;
let plan: Job;
let send: Job;
let notify: Job;
const DIGEST = 'ab'.repeat(32);

const indexIn = (job: Job, predicate: (step: Step) => boolean) => job.steps.findIndex(predicate);
const stepOf = (job: Job, id: string) => {
  const step = job.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step with id ${id}`);
  return step;
};
const usesOf = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));
const checkOf = (job: Job) => job.steps[0] as Step;

beforeAll(async () => {
  text = await readFile(WORKFLOW, 'utf8');
  workflow = parse(text, { strict: true, uniqueKeys: true }) as Workflow;
  expect(Object.keys(workflow.jobs)).toEqual(['plan', 'send', 'notify']);
  plan = workflow.jobs.plan as Job;
  send = workflow.jobs.send as Job;
  notify = workflow.jobs.notify as Job;
});

describe('examples/github-actions/monthly-financial-report.yml', () => {
  it('runs monthly on a schedule and on manual dispatch with month / year / only / limit / redirect-to / retry-failed / dry-run', () => {
    expect(workflow.on.schedule).toEqual([{ cron: '0 9 2 * *' }]);
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(Object.keys(inputs).sort()).toEqual([
      'dry-run',
      'limit',
      'month',
      'only',
      'redirect-to',
      'retry-failed',
      'year',
    ]);
    expect(inputs.month).toMatchObject({ type: 'string', default: 'previous' });
    for (const name of ['year', 'only', 'limit', 'redirect-to'])
      expect(inputs[name]).toMatchObject({ type: 'string', required: false, default: '' });
    expect(inputs['retry-failed']).toMatchObject({ type: 'boolean', default: false });
    expect(inputs['dry-run']).toMatchObject({ type: 'boolean', default: false });
  });

  it('gets AWS credentials by OIDC only, in both jobs: id-token write, a role to assume, no access keys anywhere', () => {
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    for (const job of [plan, send]) {
      const [aws, ...more] = usesOf(job, 'aws-actions/configure-aws-credentials');
      expect(more).toEqual([]);
      expect(aws?.with).toMatchObject({
        'role-to-assume': `\${{ vars.DN_MAILER_ROLE_ARN }}`,
        'aws-region': `\${{ vars.AWS_REGION }}`,
      });
      // The committed config file, never a config built from secrets.
      expect(job.env?.DN_MAILER_CONFIG).toMatch(/^[\w./-]+\.ya?ml$/);
    }
    expect(text).not.toMatch(
      /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/i,
    );
    expect(text).not.toMatch(/secrets\./);
  });

  it('never overlaps two runs', () => {
    expect(workflow.concurrency).toEqual({ group: 'monthly-financial-report', 'cancel-in-progress': false });
  });

  it('has two jobs: plan, then send — which needs plan, waits in the financial-send environment and is skipped on a dry run', () => {
    expect(plan.environment).toBeUndefined();
    expect(plan.needs).toBeUndefined();
    expect(send.needs).toBe('plan');
    expect(send.environment).toBe('financial-send');
    // No status function: GitHub adds success(), so a failed plan job skips the send.
    expect(send.if).toBe(`\${{ !inputs.dry-run }}`);
    expect(plan.outputs).toEqual({
      digest: `\${{ steps.digest.outputs.digest }}`,
      month: `\${{ steps.digest.outputs.month }}`,
      year: `\${{ steps.digest.outputs.year }}`,
      summary: `\${{ steps.summary.outputs.summary }}`,
    });
    expect(send.outputs).toEqual({
      code: `\${{ steps.send.outputs.code }}`,
      summary: `\${{ steps.summary.outputs.summary }}`,
    });
  });

  it('plan: check → checkout → setup-node 20 → npm ci → AWS → doctor → dry run → summary → digest → upload, in that order', () => {
    const order = [
      indexIn(plan, (s) => s.name === 'Check the inputs'),
      indexIn(plan, (s) => s.uses?.startsWith('actions/checkout@') === true),
      indexIn(plan, (s) => s.uses?.startsWith('actions/setup-node@') === true),
      indexIn(plan, (s) => s.run?.trim() === 'npm ci'),
      indexIn(plan, (s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') === true),
      indexIn(plan, (s) => /dn-mailer doctor\b/.test(s.run ?? '')),
      indexIn(plan, (s) => s.id === 'dry-run'),
      indexIn(plan, (s) => /ci-summary\.mjs plan\.json/.test(s.run ?? '')),
      indexIn(plan, (s) => s.id === 'digest'),
      indexIn(plan, (s) => s.uses?.startsWith('actions/upload-artifact@') === true),
    ];
    expect(order).toEqual(order.map((_, i) => i));
    expect(plan.steps).toHaveLength(order.length);
    const node = usesOf(plan, 'actions/setup-node')[0];
    expect(node?.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
  });

  it('plan: the dry run writes previews/ and plan.json, and fails the job by itself (no send follows a failed plan)', () => {
    const run = stepOf(plan, 'dry-run').run ?? '';
    expect(run).toMatch(
      /npx --no -- dn-mailer send-report "\$\{args\[@\]\}" --dry-run --out previews --json > plan\.json/,
    );
    expect(run).not.toMatch(/set \+e/);
    expect(run).not.toMatch(/--yes|--approve|--accept/);
    const summary = plan.steps.find((s) => /ci-summary\.mjs plan\.json/.test(s.run ?? ''));
    expect(summary?.id).toBe('summary');
    expect(summary?.run).toContain('node scripts/ci-summary.mjs plan.json > ci-summary.md');
    expect(summary?.run).toContain('cat ci-summary.md >> "$GITHUB_STEP_SUMMARY"');
    expect(summary?.if).toBe(`\${{ !cancelled() && steps.dry-run.outcome != 'skipped' }}`);
  });

  it('plan: uploads previews/ (manifest, report.html, plan-digest.txt) for a week, replaced by a re-run of the plan', () => {
    const [upload, ...more] = usesOf(plan, 'actions/upload-artifact');
    expect(more).toEqual([]);
    expect(upload?.with).toMatchObject({
      name: `send-report-previews-\${{ github.run_id }}`,
      path: 'previews/',
      overwrite: true,
    });
    expect(Number(upload?.with?.['retention-days'])).toBeLessThanOrEqual(7);
    expect(upload?.if).toBe(`\${{ !cancelled() && steps.dry-run.outcome != 'skipped' }}`);
  });

  it('send: check → checkout → setup-node 20 → npm ci → AWS → download the previews → send → summary → upload → fail, in that order', () => {
    const order = [
      indexIn(send, (s) => s.name === 'Check the inputs'),
      indexIn(send, (s) => s.uses?.startsWith('actions/checkout@') === true),
      indexIn(send, (s) => s.uses?.startsWith('actions/setup-node@') === true),
      indexIn(send, (s) => s.run?.trim() === 'npm ci'),
      indexIn(send, (s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') === true),
      indexIn(send, (s) => s.uses?.startsWith('actions/download-artifact@') === true),
      indexIn(send, (s) => s.id === 'send'),
      indexIn(send, (s) => /ci-summary\.mjs summary\.json/.test(s.run ?? '')),
      indexIn(send, (s) => s.uses?.startsWith('actions/upload-artifact@') === true),
      send.steps.length - 1,
    ];
    expect(order).toEqual(order.map((_, i) => i));
    expect(usesOf(send, 'actions/setup-node')[0]?.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
    // The artifact the plan job uploaded, where --approve-file reads it.
    const download = usesOf(send, 'actions/download-artifact')[0];
    expect(download?.with).toEqual({
      name: usesOf(plan, 'actions/upload-artifact')[0]?.with?.name,
      path: 'previews',
    });
    expect(send.steps.some((s) => /dn-mailer doctor/.test(s.run ?? ''))).toBe(false);
  });

  it("send: sends the approved plan (--approve-file previews, the plan job's digest and period) --yes --report report.html --json, never --accept", () => {
    const step = stepOf(send, 'send');
    expect(step.env).toMatchObject({
      MONTH: `\${{ needs.plan.outputs.month }}`,
      YEAR: `\${{ needs.plan.outputs.year }}`,
      DIGEST: `\${{ needs.plan.outputs.digest }}`,
    });
    const run = step.run ?? '';
    expect(run).toMatch(/^set \+e$/m);
    expect(run).toMatch(
      /npx --no -- dn-mailer send-report "\$\{args\[@\]\}" --approve-file previews --approve "\$DIGEST" --yes --report report\.html --json > summary\.json/,
    );
    expect(run).toContain('echo "code=$code" >> "$GITHUB_OUTPUT"');
    for (const job of [plan, send]) for (const s of job.steps) expect(s.run ?? '').not.toMatch(/--accept\b/);
  });

  it('send: the summary, summary.json and report.html come out of every run that reached the send — success, failure or cancel', () => {
    const summary = send.steps.find((s) => /ci-summary\.mjs summary\.json/.test(s.run ?? ''));
    expect(summary?.id).toBe('summary');
    expect(summary?.run).toContain('node scripts/ci-summary.mjs summary.json > ci-summary.md');
    expect(summary?.run).toContain('cat ci-summary.md >> "$GITHUB_STEP_SUMMARY"');
    const [upload, ...more] = usesOf(send, 'actions/upload-artifact');
    expect(more).toEqual([]);
    expect(String(upload?.with?.path).trim().split('\n').sort()).toEqual(['report.html', 'summary.json']);
    // One per attempt: re-running the send job keeps the earlier attempt's summary.
    expect(upload?.with?.name).toBe(`send-report-summary-\${{ github.run_id }}-\${{ github.run_attempt }}`);
    for (const step of [summary, upload])
      expect(step?.if).toBe(`\${{ always() && steps.send.outcome != 'skipped' }}`);
  });

  it('send: fails last, on any exit code but 0, saying "partial" for 6 and "the plan changed" for 4', () => {
    const last = send.steps.at(-1);
    expect(last?.env?.CODE).toBe(`\${{ steps.send.outputs.code }}`);
    expect(last?.if).toBe(`\${{ !cancelled() && steps.send.outcome != 'skipped' }}`);
    expect(last?.run).toContain(
      'partial: some messages failed or are unknown — see the summary; rerun with --retry-failed after fixing',
    );
    expect(last?.run).toContain(
      'the plan changed since it was approved, or has unaccepted findings: rerun the plan job and review',
    );
  });

  it('passes inputs only through env, each checked first in its job by one shared check', () => {
    for (const job of [plan, send]) {
      for (const step of job.steps) expect(step.run ?? '').not.toContain(`\${{`);
      const check = checkOf(job);
      expect(check.name).toBe('Check the inputs');
      expect(check.run).toBe(checkOf(plan).run);
      // Every value from the dispatch inputs or the plan job is in the check's env, the same (booleans aside).
      for (const step of job.steps.slice(1)) {
        for (const [key, value] of Object.entries(step.env ?? {})) {
          if (!/inputs\.|needs\./.test(value) || /&& 'true' \|\| 'false'/.test(value)) continue;
          expect(check.env?.[key], `${step.name}: ${key}`).toBe(value);
        }
      }
    }
    expect(checkOf(plan).env?.DIGEST).toBeUndefined();
    expect(checkOf(send).env?.DIGEST).toBe(`\${{ needs.plan.outputs.digest }}`);
  });

  it('notify: one job after plan and send, only on a failure or a partial send (exit 6), with issues: write alone and no AWS', () => {
    expect(notify.needs).toEqual(['plan', 'send']);
    expect(notify.if).toBe(
      `\${{ always() && vars.DN_MAILER_ISSUES != 'off' && (failure() || needs.plan.result == 'failure' || needs.send.outputs.code == '6') }}`,
    );
    // Job permissions replace the workflow's for this job only: plan and send keep id-token write, contents read.
    expect(notify.permissions).toEqual({ issues: 'write' });
    expect(plan.permissions).toBeUndefined();
    expect(send.permissions).toBeUndefined();
    expect(notify.environment).toBeUndefined();
    expect(notify.steps).toHaveLength(1);
    const step = notify.steps[0] as Step;
    expect(step.uses).toBeUndefined();
    expect(step.run ?? '').not.toContain(`\${{`);
    expect(step.env).toEqual({
      GH_TOKEN: `\${{ github.token }}`,
      GH_REPO: `\${{ github.repository }}`,
      RUN_URL: `\${{ github.server_url }}/\${{ github.repository }}/actions/runs/\${{ github.run_id }}`,
      PLAN_RESULT: `\${{ needs.plan.result }}`,
      SEND_RESULT: `\${{ needs.send.result }}`,
      CODE: `\${{ needs.send.outputs.code }}`,
      MONTH: `\${{ needs.plan.outputs.month }}`,
      YEAR: `\${{ needs.plan.outputs.year }}`,
      PLAN_SUMMARY: `\${{ needs.plan.outputs.summary }}`,
      SEND_SUMMARY: `\${{ needs.send.outputs.summary }}`,
      LABEL: `\${{ vars.DN_MAILER_ISSUE_LABEL }}`,
    });
    // The open issue with exactly this title (the search is by words; the filter compares the whole title).
    expect(step.run).toContain(`--json number,title --jq '.[] | select(.title == env.TITLE) | .number'`);
    expect(step.run).toMatch(/gh issue create --title "\$title" --body-file notice\.md/);
    expect(step.run).toMatch(/gh issue comment "\$number" --body-file notice\.md/);
    expect(step.run).not.toMatch(/--verbose|secrets\./);
  });
});

interface Call {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Each npx call's arguments. */
  calls: string[][];
  output: string;
  dir: string;
}

/** A temp folder with `npx` stubbed (records its arguments; a dry run writes previews/) and `npm` a no-op. */
async function fakeWorkspace(npxExit = 0) {
  const dir = await mkdtemp(path.join(tmpdir(), 'dn-ci-step-'));
  const npx = [
    '#!/bin/sh',
    `printf '[%s]' "$@" >> "${dir}/npx-calls"`,
    `echo >> "${dir}/npx-calls"`,
    'case " $* " in *" --dry-run "*)',
    '  mkdir -p previews',
    `  echo ${DIGEST} > previews/plan-digest.txt`,
    `  echo '{"period":{"month":1,"year":2025,"monthName":"January"}}' > previews/manifest.json ;;`,
    'esac',
    `echo '{"stub":true}'`,
    `exit ${npxExit}`,
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'npx'), npx);
  await writeFile(path.join(dir, 'npm'), '#!/bin/sh\nexit 0\n');
  // `gh` records its arguments (and GH_TOKEN / GH_REPO); `issue list` prints $GH_STUB_OPEN (an open issue's
  // number), and `issue create --label` fails when $GH_STUB_NO_LABEL is set (a label the repository lacks).
  const gh = [
    '#!/bin/sh',
    `printf '[%s]' "$@" >> "${dir}/gh-calls"`,
    `echo >> "${dir}/gh-calls"`,
    `echo "$GH_TOKEN $GH_REPO" >> "${dir}/gh-env"`,
    'case " $* " in',
    '  *" issue list "*) [ -n "$GH_STUB_OPEN" ] && echo "$GH_STUB_OPEN" ;;',
    '  *" issue create "*" --label "*) [ -z "$GH_STUB_NO_LABEL" ] || { echo "label not found" >&2; exit 1; } ;;',
    'esac',
    'exit 0',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'gh'), gh);
  await chmod(path.join(dir, 'gh'), 0o755);
  await chmod(path.join(dir, 'npx'), 0o755);
  await chmod(path.join(dir, 'npm'), 0o755);
  await symlink(path.join(ROOT, 'scripts'), path.join(dir, 'scripts'));
  return dir;
}

async function readCalls(dir: string, file = 'npx-calls'): Promise<string[][]> {
  const lines = (await readFile(path.join(dir, file), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return lines.map((line) => [...line.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? ''));
}

/** Runs a step's script the way GitHub runs `run:` (bash -e -o pipefail) with `npx` stubbed. */
async function runStep(
  step: Step,
  env: Record<string, string>,
  options: { npxExit?: number; dir?: string } = {},
): Promise<Call> {
  const dir = options.dir ?? (await fakeWorkspace(options.npxExit));
  const output = path.join(dir, `github-output-${step.id ?? 'step'}`);
  await writeFile(output, '');
  const script = path.join(dir, 'step.sh');
  await writeFile(script, step.run ?? '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: `${dir}:${process.env.PATH ?? ''}`,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: path.join(dir, 'step-summary.md'),
      ...env,
    },
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    calls: await readCalls(dir),
    output: await readFile(output, 'utf8'),
    dir,
  };
}

/**
 * Runs a job's `run:` steps in order in one folder, as GitHub would until the first failure (`uses:` steps are
 * left out), with `env` standing for what the `${{ }}` expressions give.
 */
async function runJob(job: Job, env: Record<string, string>, npxExit = 0) {
  const dir = await fakeWorkspace(npxExit);
  const ran: string[] = [];
  const outputs: Record<string, string> = {};
  for (const step of job.steps) {
    if (step.run === undefined) continue;
    const result = await runStep(step, env, { dir });
    ran.push(step.name ?? '?');
    if (step.id) outputs[step.id] = result.output;
    if (result.status !== 0) return { ...result, ran, outputs };
  }
  return { status: 0, stdout: '', calls: await readCalls(dir), ran, outputs, dir };
}

const PLAN_INPUTS = { MONTH: 'previous', YEAR: '', ONLY: '', LIMIT: '', REDIRECT_TO: '' };
const SEND_INPUTS = {
  MONTH: '1',
  YEAR: '2025',
  ONLY: '',
  LIMIT: '',
  REDIRECT_TO: '',
  DIGEST,
  RETRY_FAILED: 'false',
};

describe('the workflow steps, run in bash with npx stubbed', () => {
  it('the plan job: doctor for the month, then the dry run of the whole month (or --only; never a --limit slice or a canary, which cannot be approved), then the digest and period as outputs', async () => {
    const job = await runJob(plan, {
      ...PLAN_INPUTS,
      MONTH: 'jan',
      YEAR: '2025',
      ONLY: 'ART-01, b@example.com',
      LIMIT: '3',
      REDIRECT_TO: 'me+test@example.com',
    });
    expect(job.status, job.stdout).toBe(0);
    expect(job.calls).toEqual([
      ['--no', '--', 'dn-mailer', 'doctor', '--month', 'jan', '--year', '2025'],
      [
        '--no',
        '--',
        'dn-mailer',
        'send-report',
        '--month',
        'jan',
        '--year',
        '2025',
        '--only',
        'ART-01, b@example.com',
        '--dry-run',
        '--out',
        'previews',
        '--json',
      ],
    ]);
    expect(await readFile(path.join(job.dir, 'plan.json'), 'utf8')).toBe('{"stub":true}\n');
    expect(job.outputs.digest).toBe(`digest=${DIGEST}\nyear=2025\nmonth=1\n`);

    const previous = await runJob(plan, PLAN_INPUTS);
    expect(previous.calls.map((args) => args.slice(3, 6))).toEqual([
      ['doctor', '--month', 'previous'],
      ['send-report', '--month', 'previous'],
    ]);
    expect(previous.calls[1]).not.toContain('--year');
  });

  it('the plan job stops at a failed dry run (its exit code), before any digest', async () => {
    const failed = await runJob(plan, PLAN_INPUTS, 3);
    expect(failed.status).toBe(3);
    expect(failed.ran.at(-1)).toBe('Check the setup and the month (doctor)');
    const dry = await runStep(stepOf(plan, 'dry-run'), PLAN_INPUTS, { npxExit: 4 });
    expect(dry.status).toBe(4);
  });

  it('the digest step outputs only a 64-hex digest and a real period, and fails (exit 4) otherwise', async () => {
    const step = stepOf(plan, 'digest');
    const withFiles = async (digest: string | null, manifest: string | null) => {
      const dir = await fakeWorkspace();
      await mkdir(path.join(dir, 'previews'));
      if (digest !== null) await writeFile(path.join(dir, 'previews/plan-digest.txt'), digest);
      if (manifest !== null) await writeFile(path.join(dir, 'previews/manifest.json'), manifest);
      return runStep(step, {}, { dir });
    };
    const period = '{"period":{"month":12,"year":2024,"monthName":"December"}}';
    const ok = await withFiles(`${DIGEST}\n`, period);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.output).toBe(`digest=${DIGEST}\nyear=2024\nmonth=12\n`);

    for (const digest of [null, '', 'abc', DIGEST.toUpperCase(), `${DIGEST}0`, `x\ndigest=${DIGEST}`]) {
      const bad = await withFiles(digest, period);
      expect(bad.status, String(digest)).toBe(4);
      expect(bad.output).toBe('');
      expect(bad.stdout).toContain('::error title=No plan digest::');
    }
    for (const manifest of [
      null,
      '{}',
      'oops',
      '{"period":{"month":13,"year":2024}}',
      '{"period":{"month":"1; id","year":2024}}',
    ]) {
      const bad = await withFiles(DIGEST, manifest);
      expect(bad.status, String(manifest)).toBe(4);
      expect(bad.output).toBe('');
    }
  });

  it('the send step passes the approval and the inputs, keeps going on a failure and records the code', async () => {
    const step = stepOf(send, 'send');
    const real = await runStep(step, SEND_INPUTS, { npxExit: 6 });
    expect(real.status, real.stderr).toBe(0);
    expect(real.calls).toEqual([
      [
        '--no',
        '--',
        'dn-mailer',
        'send-report',
        '--month',
        '1',
        '--year',
        '2025',
        '--approve-file',
        'previews',
        '--approve',
        DIGEST,
        '--yes',
        '--report',
        'report.html',
        '--json',
      ],
    ]);
    expect(real.output).toBe('code=6\n');
    expect(await readFile(path.join(real.dir, 'summary.json'), 'utf8')).toBe('{"stub":true}\n');

    const canary = await runStep(
      step,
      { ...SEND_INPUTS, ONLY: 'MOL,ART-01', LIMIT: '2', REDIRECT_TO: 'me@example.com', RETRY_FAILED: 'true' },
      { npxExit: 4 },
    );
    expect(canary.calls[0]?.slice(4, 18)).toEqual([
      '--month',
      '1',
      '--year',
      '2025',
      '--only',
      'MOL,ART-01',
      '--limit',
      '2',
      '--redirect-to',
      'me@example.com',
      '--retry-failed',
      '--approve-file',
      'previews',
      '--approve',
    ]);
    expect(canary.calls[0]).not.toContain('--accept');
    expect(canary.output).toBe('code=4\n');
  });

  it('the input check accepts what the CLI takes', async () => {
    const check = checkOf(plan);
    for (const env of [
      PLAN_INPUTS,
      { ...PLAN_INPUTS, MONTH: 'jan', YEAR: '2025' },
      { ...PLAN_INPUTS, MONTH: '01', YEAR: '2025', ONLY: 'MOL' },
      { ...PLAN_INPUTS, ONLY: 'ART-01,A_R_T.02, first.last+tag@example.co.uk', LIMIT: '25' },
      { ...PLAN_INPUTS, REDIRECT_TO: 'finance-team+canary@distro-nation.com' },
    ]) {
      const result = await runStep(check, env);
      expect(result.status, `${JSON.stringify(env)}\n${result.stdout}`).toBe(0);
    }
    const sendCheck = await runStep(checkOf(send), SEND_INPUTS);
    expect(sendCheck.status, sendCheck.stdout).toBe(0);
  });

  it('the input check refuses (exit 2, an ::error line) anything else, injection attempts included', async () => {
    const check = checkOf(plan);
    const bad: Record<string, string>[] = [
      { MONTH: '$(id)' },
      { MONTH: 'jan; id' },
      { YEAR: '2025 --redirect-to x@example.com' },
      { YEAR: '25' },
      { ONLY: 'MOL;id' },
      { ONLY: 'MOL $(id)' },
      { ONLY: '--accept=payout-warnings' },
      { ONLY: 'MOL,' },
      { ONLY: 'MOL\nART' },
      { ONLY: 'A'.repeat(4001) },
      { LIMIT: 'abc' },
      { LIMIT: '0' },
      { LIMIT: '-1' },
      { LIMIT: '3 --accept payout-warnings' },
      { REDIRECT_TO: 'not-an-address' },
      { REDIRECT_TO: 'me@example.com --accept held-back' },
      { REDIRECT_TO: 'me@example.com,you@example.com' },
      { REDIRECT_TO: '$(id)@example.com' },
      { REDIRECT_TO: '-x@example.com' },
      { REDIRECT_TO: 'me@localhost' },
    ];
    for (const change of bad) {
      const result = await runStep(check, { ...PLAN_INPUTS, ...change });
      expect(result.status, JSON.stringify(change)).toBe(2);
      expect(result.stdout).toMatch(/^::error title=Bad input::/m);
    }
    for (const digest of ['', 'abc', DIGEST.toUpperCase(), `${DIGEST} --accept x`]) {
      const result = await runStep(checkOf(send), { ...SEND_INPUTS, DIGEST: digest });
      expect(result.status, digest).toBe(2);
    }
  });

  it('bad inputs stop either job at its first step: dn-mailer is never called', async () => {
    const planned = await runJob(plan, { ...PLAN_INPUTS, LIMIT: '1; touch pwned' });
    expect(planned.status).toBe(2);
    expect(planned.ran).toEqual(['Check the inputs']);
    expect(planned.calls).toEqual([]);
    const sent = await runJob(send, { ...SEND_INPUTS, REDIRECT_TO: 'x@example.com --accept held-back' });
    expect(sent.status).toBe(2);
    expect(sent.ran).toEqual(['Check the inputs']);
    expect(sent.calls).toEqual([]);
  });

  it('the send job runs to the end after a refused send, and fails there with exit 4 and its own message', async () => {
    const job = await runJob(send, { ...SEND_INPUTS, CODE: '4' }, 4);
    expect(job.status).toBe(4);
    expect(job.ran).toEqual([
      'Check the inputs',
      'Install (also builds dist/)',
      'Send the approved plan',
      'Job summary',
      'Fail unless everything was sent',
    ]);
    expect(job.outputs.send).toBe('code=4\n');
    expect(job.stdout).toContain(
      '::error title=dn-mailer: refused (exit 4)::the plan changed since it was approved',
    );
    expect(await readFile(path.join(job.dir ?? '', 'step-summary.md'), 'utf8')).toContain(
      'unrecognised JSON document',
    );
  });

  it('the last step passes on 0, fails on 6 with the partial message and on others with their own', async () => {
    const last = send.steps.at(-1) as Step;
    expect((await runStep(last, { CODE: '0' })).status).toBe(0);
    const partial = await runStep(last, { CODE: '6' });
    expect(partial.status).toBe(6);
    expect(partial.stdout).toMatch(
      /^::error title=dn-mailer: partial \(exit 6\)::partial: some messages failed/m,
    );
    const stopped = await runStep(last, { CODE: '5' });
    expect(stopped.status).toBe(5);
    expect(stopped.stdout).not.toContain('partial');
    const refused = await runStep(last, { CODE: '4' });
    expect(refused.status).toBe(4);
    expect(refused.stdout).toContain('rerun the plan job and review');
    const interrupted = await runStep(last, { CODE: '130' });
    expect(interrupted.status).toBe(130);
    expect(interrupted.stdout).toContain('run the workflow again to continue');
    const config = await runStep(last, { CODE: '3' });
    expect(config.status).toBe(3);
    const none = await runStep(last, { CODE: '' });
    expect(none.status).toBe(1);
    expect(none.stdout).toContain('exit none');
  });
});

const FAILED_SEND = {
  PLAN_RESULT: 'success',
  SEND_RESULT: 'failure',
  CODE: '6',
  MONTH: '1',
  YEAR: '2025',
  PLAN_SUMMARY: '## dn-mailer send-report --dry-run — financial-2025-01 (January 2025)',
  SEND_SUMMARY:
    '## dn-mailer send-report — financial-2025-01\n\n| failed | c***@example.com | C | MessageRejected |',
  LABEL: '',
  GH_TOKEN: 'gh-token-stub',
  GH_REPO: 'owner/repo',
  RUN_URL: 'https://github.com/owner/repo/actions/runs/42',
};

describe('the notify step, run in bash with gh stubbed', () => {
  const notifyStep = () => notify.steps[0] as Step;
  const ghCalls = (dir: string) => readCalls(dir, 'gh-calls');
  const notice = (dir: string) => readFile(path.join(dir, 'notice.md'), 'utf8');

  it('opens an issue on a partial send: the title names the month, the body the run link and the send summary', async () => {
    const run = await runStep(notifyStep(), FAILED_SEND);
    expect(run.status, run.stderr).toBe(0);
    const calls = await ghCalls(run.dir);
    // (The --jq filter holds brackets, which this recording cannot show; the static test checks it.)
    expect([calls[0]?.slice(0, 11), calls[1]]).toEqual([
      [
        'issue',
        'list',
        '--state',
        'open',
        '--search',
        '"dn-mailer: 2025-01 needs attention" in:title',
        '--limit',
        '100',
        '--json',
        'number,title',
        '--jq',
      ],
      ['issue', 'create', '--title', 'dn-mailer: 2025-01 needs attention', '--body-file', 'notice.md'],
    ]);
    expect(await readFile(path.join(run.dir, 'gh-env'), 'utf8')).toBe(
      'gh-token-stub owner/repo\ngh-token-stub owner/repo\n',
    );
    const body = await notice(run.dir);
    expect(body).toContain('https://github.com/owner/repo/actions/runs/42');
    expect(body).toContain('| failed | c***@example.com | C | MessageRejected |');
    expect(body).toContain('exited with 6 (partial');
    expect(body).not.toContain('--dry-run —'); // the send's summary, not the plan's
    expect(body).not.toContain('gh-token-stub');
    expect(run.calls).toEqual([]); // no dn-mailer
  });

  it('comments on the open issue with the same title instead of opening another', async () => {
    const run = await runStep(notifyStep(), { ...FAILED_SEND, GH_STUB_OPEN: '17' });
    expect(run.status, run.stderr).toBe(0);
    const calls = await ghCalls(run.dir);
    expect(calls.map((c) => c.slice(0, 2))).toEqual([
      ['issue', 'list'],
      ['issue', 'comment'],
    ]);
    expect(calls[1]).toEqual(['issue', 'comment', '17', '--body-file', 'notice.md']);
    expect(await notice(run.dir)).toContain('https://github.com/owner/repo/actions/runs/42');
  });

  it('does nothing after a successful or cancelled run, or a dry run', async () => {
    for (const env of [
      { ...FAILED_SEND, SEND_RESULT: 'success', CODE: '0' },
      { ...FAILED_SEND, SEND_RESULT: 'skipped', CODE: '' },
      { ...FAILED_SEND, SEND_RESULT: 'cancelled', CODE: '130' },
    ]) {
      const run = await runStep(notifyStep(), env);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('nothing needs attention');
      expect(await ghCalls(run.dir)).toEqual([]);
    }
  });

  it('a failed plan: the plan summary (or a pointer to the log) and a title without a month when the plan had none', async () => {
    const failedPlan = {
      ...FAILED_SEND,
      PLAN_RESULT: 'failure',
      SEND_RESULT: 'skipped',
      CODE: '',
      SEND_SUMMARY: '',
    };
    const withSummary = await runStep(notifyStep(), failedPlan);
    expect(withSummary.status, withSummary.stderr).toBe(0);
    expect(await notice(withSummary.dir)).toContain('--dry-run — financial-2025-01');

    const early = await runStep(notifyStep(), { ...failedPlan, MONTH: '', YEAR: '', PLAN_SUMMARY: '' });
    expect(early.status, early.stderr).toBe(0);
    expect((await ghCalls(early.dir))[1]?.slice(0, 4)).toEqual([
      'issue',
      'create',
      '--title',
      'dn-mailer: monthly financial report needs attention',
    ]);
    const body = await notice(early.dir);
    expect(body).toContain('the run stopped before dn-mailer printed one');
    expect(body).toContain('https://github.com/owner/repo/actions/runs/42');
  });

  it('adds the label when one is set, and opens the issue without it when the label does not exist', async () => {
    const labelled = await runStep(notifyStep(), { ...FAILED_SEND, LABEL: 'dn-mailer' });
    expect(labelled.status, labelled.stderr).toBe(0);
    expect((await ghCalls(labelled.dir)).slice(1)).toEqual([
      [
        'issue',
        'create',
        '--title',
        'dn-mailer: 2025-01 needs attention',
        '--body-file',
        'notice.md',
        '--label',
        'dn-mailer',
      ],
    ]);
    const missing = await runStep(notifyStep(), {
      ...FAILED_SEND,
      LABEL: 'dn-mailer',
      GH_STUB_NO_LABEL: '1',
    });
    expect(missing.status, missing.stderr).toBe(0);
    expect((await ghCalls(missing.dir)).slice(1).map((c) => c.includes('--label'))).toEqual([true, false]);
  });

  it('the summary steps pass their Markdown on as the output `summary`, behind a delimiter it cannot forge', async () => {
    const step = send.steps.find((s) => s.id === 'summary') as Step;
    const dir = await fakeWorkspace();
    await writeFile(path.join(dir, 'summary.json'), JSON.stringify(SAMPLE));
    const run = await runStep(step, {}, { dir });
    expect(run.status, run.stderr).toBe(0);
    const match = /^summary<<(SUMMARY_[0-9a-f]{32})\n([\s\S]*)\n\1\n$/.exec(run.output);
    expect(match, run.output).not.toBeNull();
    expect(match?.[2]).toContain('| failed | c***@example.com | C | MessageRejected: bad \\| address |');
    expect(await readFile(path.join(dir, 'step-summary.md'), 'utf8')).toContain('## dn-mailer send-report');
    const planSummary = plan.steps.find((s) => s.id === 'summary') as Step;
    const planned = await runStep(planSummary, {});
    expect(planned.status, planned.stderr).toBe(0);
    expect(planned.output).toMatch(/^summary<<SUMMARY_[0-9a-f]{32}\n/);
  });
});

function ciSummary(input: string) {
  const result = spawnSync(process.execPath, [CI_SUMMARY], { input, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

const SAMPLE = {
  success: false,
  message: 'some messages were not sent (see failed / unknown / heldForRetry / heldBack)',
  data: {
    campaignId: 'financial-2025-01',
    batchId: 'run-1',
    provider: 'SES',
    attachReporting: true,
    month: 'January',
    year: '2025',
    totalRecipients: 5,
    successful: 2,
    failed: 1,
    unknown: 1,
    skipped: 1,
    alreadySent: 0,
    alreadySkipped: 0,
    heldForRetry: 1,
    claimedElsewhere: 0,
    notStarted: 0,
    duration: 2500,
    durationMs: 2500,
    customIds: ['A', 'B', 'C', 'D', 'E'],
    reporting: { payoutCount: 4, downloadLinkGroups: 6 },
    results: {
      successful: [
        { email: 'a***@example.com', customIds: ['A'], messageId: 'm-1', reason: null },
        { email: 'b***@example.com', customIds: ['B'], messageId: 'm-2', reason: null },
      ],
      failed: [
        {
          email: 'c***@example.com',
          customIds: ['C'],
          messageId: null,
          reason: 'MessageRejected: bad | address',
        },
      ],
      unknown: [
        { email: 'd***@example.com', customIds: ['D'], messageId: null, reason: 'timed out after 10000 ms' },
      ],
      skipped: [
        { email: 'e***@example.com', customIds: ['E'], messageId: null, reason: 'suppressed (BOUNCE)' },
      ],
      heldForRetry: [
        {
          email: 'f***@example.com',
          customIds: ['F'],
          status: 'failed',
          reason: 'MessageRejected',
          messageId: null,
        },
      ],
      heldBack: [],
      nothingToSend: [],
    },
    missingReports: [{ email: 'a***@example.com', customId: 'A', labels: ['Distribution Report'] }],
    payoutWarnings: [
      { customId: 'B', contractCode: 'K-1', message: 'B K-1: totalBal 1.00 ≠ … (off by 0.01)' },
    ],
    stopped: null,
    trackingErrors: [],
  },
};

describe('scripts/ci-summary.mjs', () => {
  it('renders a send summary: campaign, counts, failed / unknown rows with reasons, missing reports, warnings', () => {
    const md = ciSummary(JSON.stringify(SAMPLE));
    expect(md).toContain('## dn-mailer send-report — financial-2025-01 (January 2025)');
    expect(md).toContain('⚠️ partial: some messages were not sent');
    expect(md).toContain('| 5 | 2 | 1 | 1 | 1 | 0 | 0 | 1 | 0 | 0 |');
    expect(md).toContain('| failed | c***@example.com | C | MessageRejected: bad \\| address |');
    expect(md).toContain('| unknown | d***@example.com | D | timed out after 10000 ms |');
    expect(md).toContain('| failed earlier (held for retry) | f***@example.com | F | MessageRejected |');
    expect(md).toContain('--retry-failed');
    expect(md).toContain('IDs without every report type: **1**');
    expect(md).toContain('| a***@example.com | A | Distribution Report |');
    expect(md).toContain('### Payout warnings (1)');
    expect(md).not.toContain('b***@example.com |'); // successful rows are counted, not listed
  });

  it('renders a clean run without a "Not sent" section', () => {
    const clean = {
      ...SAMPLE,
      success: true,
      message: 'every message was sent or skipped',
      data: {
        ...SAMPLE.data,
        failed: 0,
        unknown: 0,
        heldForRetry: 0,
        results: { ...SAMPLE.data.results, failed: [], unknown: [], heldForRetry: [] },
      },
    };
    const md = ciSummary(JSON.stringify(clean, null, 2));
    expect(md).toContain('✅ every message was sent or skipped');
    expect(md).not.toContain('### Not sent');
  });

  it('renders an error document, and a stopped run (summary then error document)', () => {
    const error = {
      error: {
        message: 'the run stopped: sending paused',
        exitCode: 5,
        hint: 'run it again',
        details: ['a', 'b'],
      },
    };
    const md = ciSummary(JSON.stringify(error, null, 2));
    expect(md).toBe(
      '### ✘ dn-mailer failed (exit 5)\n\nthe run stopped: sending paused\n- a\n- b\n\n**Hint:** run it again\n',
    );

    const stopped = {
      ...SAMPLE,
      message: 'stopped: sending paused',
      data: { ...SAMPLE.data, stopped: 'sending paused' },
    };
    const both = ciSummary(`${JSON.stringify(stopped, null, 2)}\n${JSON.stringify(error, null, 2)}\n`);
    expect(both).toContain('🛑 stopped: sending paused');
    expect(both).toContain('### ✘ dn-mailer failed (exit 5)');
  });

  it('renders a dry-run manifest', () => {
    const md = ciSummary(
      JSON.stringify({
        dryRun: true,
        outDir: 'previews/financial-2025-01',
        campaignId: 'financial-2025-01',
        counts: { recipients: 3, messages: 2 },
        unsent: [
          { email: 'n***@example.com', customIds: ['N'], reason: 'nothing-to-send', detail: 'no report' },
        ],
        missingReports: [],
        payoutWarnings: [],
      }),
    );
    expect(md).toContain('## dn-mailer send-report --dry-run — financial-2025-01');
    expect(md).toContain('| recipients | messages |\n|---|---|\n| 3 | 2 |');
    expect(md).toContain('| n***@example.com | nothing-to-send | no report |');
    expect(md).toContain('IDs without every report type: **0**');
  });

  it('renders a dry run for review: period, findings with their recipients, the plan digest', () => {
    const md = ciSummary(
      JSON.stringify({
        dryRun: true,
        outDir: '/work/previews',
        campaignId: 'financial-2025-01',
        period: { month: 1, year: 2025, monthName: 'January' },
        counts: { recipients: 2, messages: 2 },
        unsent: [],
        missingReports: [],
        payoutWarnings: [],
        findings: [
          {
            name: 'payout-warnings',
            summary: '1 contract(s) whose closing balance does not add up',
            entries: [
              { email: 'a***@example.net', customIds: ['ART-01', 'ART_02'], detail: 'K-1 | off by 0.03' },
            ],
          },
        ],
        approval: { digest: DIGEST },
      }),
    );
    expect(md).toContain('## dn-mailer send-report --dry-run — financial-2025-01 (January 2025)');
    expect(md).toContain('### Findings (1) — approving the send accepts them');
    expect(md).toContain('**payout-warnings** (1): 1 contract(s) whose closing balance does not add up');
    expect(md).toContain('| a***@example.net | ART-01, ART_02 | K-1 \\| off by 0.03 |');
    expect(md).toContain(`### Plan digest \`${DIGEST}\``);
    expect(md).toContain('refuses (exit 4) and lists what changed');

    const clean = ciSummary(JSON.stringify({ dryRun: true, campaignId: 'c', counts: {}, findings: [] }));
    expect(clean).toContain('Findings: **none**');
    expect(clean).not.toContain('Plan digest');
  });

  it('says so, and still exits 0, when the file is empty, not JSON or missing', () => {
    expect(ciSummary('')).toContain('printed no JSON');
    expect(ciSummary('oops')).toContain('is not the JSON dn-mailer prints');
    const missing = spawnSync(process.execPath, [CI_SUMMARY, '/nonexistent/summary.json'], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(0);
    expect(missing.stdout).toContain('could not read /nonexistent/summary.json');
  });
});
