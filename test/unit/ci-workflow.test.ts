import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
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
interface Workflow {
  on: {
    schedule: { cron: string }[];
    workflow_dispatch: { inputs: Record<string, { type: string; default?: unknown; required?: boolean }> };
  };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { env?: Record<string, string>; steps: Step[] }>;
}

let text: string;
let workflow: Workflow;
let steps: Step[];
const indexOf = (predicate: (step: Step) => boolean) => steps.findIndex(predicate);
const stepNamed = (id: string) => {
  const step = steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step with id ${id}`);
  return step;
};

beforeAll(async () => {
  text = await readFile(WORKFLOW, 'utf8');
  workflow = parse(text, { strict: true, uniqueKeys: true }) as Workflow;
  const jobs = Object.values(workflow.jobs);
  expect(jobs).toHaveLength(1);
  steps = jobs[0]?.steps ?? [];
});

describe('examples/github-actions/monthly-financial-report.yml', () => {
  it('runs monthly on a schedule and on manual dispatch with month / year / dry-run inputs', () => {
    expect(workflow.on.schedule).toEqual([{ cron: '0 9 2 * *' }]);
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(Object.keys(inputs).sort()).toEqual(['dry-run', 'month', 'year']);
    expect(inputs.month).toMatchObject({ type: 'string', default: 'previous' });
    expect(inputs.year).toMatchObject({ type: 'string', required: false });
    expect(inputs['dry-run']).toMatchObject({ type: 'boolean', default: false });
  });

  it('gets AWS credentials by OIDC only: id-token write, a role to assume, no access keys anywhere', () => {
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    const aws = steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(aws?.with).toMatchObject({
      'role-to-assume': `\${{ vars.DN_MAILER_ROLE_ARN }}`,
      'aws-region': `\${{ vars.AWS_REGION }}`,
    });
    expect(text).not.toMatch(
      /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/i,
    );
    expect(text).not.toMatch(/secrets\./);
    // The committed config file, never a config built from secrets.
    expect(Object.values(workflow.jobs)[0]?.env?.DN_MAILER_CONFIG).toMatch(/^[\w./-]+\.ya?ml$/);
  });

  it('never overlaps two runs', () => {
    expect(workflow.concurrency).toEqual({ group: 'monthly-financial-report', 'cancel-in-progress': false });
  });

  it('runs checkout → setup-node 20 → npm ci → AWS credentials → doctor → send-report, in that order', () => {
    const order = [
      indexOf((s) => s.uses?.startsWith('actions/checkout@') === true),
      indexOf((s) => s.uses?.startsWith('actions/setup-node@') === true),
      indexOf((s) => s.run?.trim() === 'npm ci'),
      indexOf((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') === true),
      indexOf((s) => /dn-mailer doctor\b/.test(s.run ?? '')),
      indexOf((s) => s.id === 'send'),
    ];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(node?.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
  });

  it('sends --month previous (the default) --yes --json into summary.json without failing the step', () => {
    const send = stepNamed('send');
    expect(send.env?.MONTH).toBe(`\${{ inputs.month || 'previous' }}`);
    const run = send.run ?? '';
    expect(run).toMatch(/^set \+e$/m);
    expect(run).toMatch(
      /dn-mailer send-report --month "\$MONTH" "\$\{year\[@\]\}" --yes --json > summary\.json/,
    );
    expect(run).toMatch(/--dry-run --out previews --json > summary\.json/);
    expect(run).toContain('echo "code=$code" >> "$GITHUB_OUTPUT"');
  });

  it('writes the job summary with scripts/ci-summary.mjs and uploads summary.json (and previews on a dry run)', () => {
    const summary = indexOf((s) =>
      /node scripts\/ci-summary\.mjs summary\.json >> "\$GITHUB_STEP_SUMMARY"/.test(s.run ?? ''),
    );
    expect(summary).toBeGreaterThan(indexOf((s) => s.id === 'send'));
    const uploads = steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(uploads.map((u) => u.with?.path)).toEqual(['summary.json', 'previews/']);
    expect(uploads[1]?.if).toContain('inputs.dry-run');
    // Summary and uploads run after a failed send too, but not when the send never ran (doctor failed).
    for (const step of [steps[summary], ...uploads])
      expect(step?.if).toContain("steps.send.outcome != 'skipped'");
  });

  it('fails last, on any exit code but 0, saying "partial" for 6', () => {
    const last = steps.at(-1);
    expect(last?.env?.CODE).toBe(`\${{ steps.send.outputs.code }}`);
    expect(last?.run).toContain(
      'partial: some messages failed or are unknown — see the summary; rerun with --retry-failed after fixing',
    );
  });
});

/** Runs a step's script the way GitHub runs `run:` (bash -e -o pipefail) with `npx` stubbed. */
async function runStep(step: Step, env: Record<string, string>, npxExit = 0) {
  const dir = await mkdtemp(path.join(tmpdir(), 'dn-ci-step-'));
  const npx = path.join(dir, 'npx');
  await writeFile(npx, `#!/bin/sh\necho "$*" > "${dir}/npx-args"\necho '{"stub":true}'\nexit ${npxExit}\n`);
  await chmod(npx, 0o755);
  const output = path.join(dir, 'github-output');
  await writeFile(output, '');
  const script = path.join(dir, 'step.sh');
  await writeFile(script, step.run ?? '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH ?? ''}`, GITHUB_OUTPUT: output, ...env },
  });
  const read = (name: string) => readFile(path.join(dir, name), 'utf8').catch(() => '');
  return {
    ...result,
    args: (await read('npx-args')).trim(),
    output: await read('github-output'),
    summary: await read('summary.json'),
  };
}

describe('the workflow steps, run in bash with npx stubbed', () => {
  it('the send step passes the flags, keeps going on exit 6 and records the code', async () => {
    const send = stepNamed('send');
    const real = await runStep(send, { MONTH: 'previous', YEAR: '', DRY_RUN: 'false' }, 6);
    expect(real.status, real.stderr).toBe(0);
    expect(real.args).toBe('--no -- dn-mailer send-report --month previous --yes --json');
    expect(real.output).toBe('code=6\n');
    expect(real.summary).toBe('{"stub":true}\n');

    const dry = await runStep(send, { MONTH: 'jan', YEAR: '2025', DRY_RUN: 'true' }, 0);
    expect(dry.args).toBe(
      '--no -- dn-mailer send-report --month jan --year 2025 --dry-run --out previews --json',
    );
    expect(dry.output).toBe('code=0\n');
  });

  it('the input check refuses a year or month that is not one', async () => {
    const check = steps[0] as Step;
    expect((await runStep(check, { MONTH: 'previous', YEAR: '' })).status).toBe(0);
    expect((await runStep(check, { MONTH: 'jan', YEAR: '2025' })).status).toBe(0);
    const year = await runStep(check, { MONTH: 'jan', YEAR: '2025 --redirect-to x@example.com' });
    expect(year.status).toBe(2);
    expect(year.stdout).toContain('::error');
    expect((await runStep(check, { MONTH: '$(id)', YEAR: '' })).status).toBe(2);
  });

  it('the last step passes on 0, fails on 6 with the partial message and on others with their own', async () => {
    const last = steps.at(-1) as Step;
    expect((await runStep(last, { CODE: '0' })).status).toBe(0);
    const partial = await runStep(last, { CODE: '6' });
    expect(partial.status).toBe(6);
    expect(partial.stdout).toMatch(
      /^::error title=dn-mailer: partial \(exit 6\)::partial: some messages failed/m,
    );
    const stopped = await runStep(last, { CODE: '5' });
    expect(stopped.status).toBe(5);
    expect(stopped.stdout).not.toContain('partial');
    const config = await runStep(last, { CODE: '3' });
    expect(config.status).toBe(3);
    const none = await runStep(last, { CODE: '' });
    expect(none.status).toBe(1);
    expect(none.stdout).toContain('exit none');
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
    expect(md).toContain('Missing reports: **1**');
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
    expect(md).toContain('Missing reports: **0**');
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
