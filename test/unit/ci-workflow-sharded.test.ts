import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Job,
  outputsOf,
  readCalls,
  readWorkflow,
  runJob,
  runStep,
  type Step,
  type Workflow,
  workflowWorkspace,
} from '../support/workflow-steps.js';

const SHARDED = 'examples/github-actions/monthly-financial-report-sharded.yml';
const SINGLE = 'examples/github-actions/monthly-financial-report.yml';
const DIGEST = 'cd'.repeat(32);

let text: string;
let workflow: Workflow;
let single: Workflow;
let plan: Job;
let send: Job;
let merge: Job;
let notify: Job;

const stepOf = (job: Job, id: string) => {
  const step = job.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step with id ${id}`);
  return step;
};
const named = (job: Job, name: string) => {
  const step = job.steps.find((s) => s.name === name);
  if (!step) throw new Error(`no step named ${name}`);
  return step;
};
const usesOf = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));
const indexIn = (job: Job, predicate: (step: Step) => boolean) => job.steps.findIndex(predicate);
const runIn = async (step: Step, env: Record<string, string>, options: { npxExit?: number } = {}) =>
  runStep(step, env, await workflowWorkspace(options));

beforeAll(async () => {
  ({ text, workflow } = await readWorkflow(SHARDED));
  single = (await readWorkflow(SINGLE)).workflow;
  expect(Object.keys(workflow.jobs)).toEqual(['plan', 'send', 'merge', 'notify']);
  plan = workflow.jobs.plan as Job;
  send = workflow.jobs.send as Job;
  merge = workflow.jobs.merge as Job;
  notify = workflow.jobs.notify as Job;
});

describe('examples/github-actions/monthly-financial-report-sharded.yml: what the single workflow guarantees', () => {
  it('runs on the same schedule, with the inputs of the single workflow that make sense per shard, plus shards and rate', () => {
    expect(workflow.on.schedule).toEqual(single.on.schedule);
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(Object.keys(inputs).sort()).toEqual([
      'dry-run',
      'month',
      'only',
      'rate',
      'retry-failed',
      'shards',
      'year',
    ]);
    for (const name of ['month', 'year', 'only', 'retry-failed'])
      expect(inputs[name], name).toEqual(single.on.workflow_dispatch.inputs[name]);
    expect(inputs['dry-run']).toMatchObject({ type: 'boolean', default: false });
    expect(inputs.shards).toMatchObject({ type: 'string', required: false, default: '4' });
    expect(inputs.rate).toMatchObject({ type: 'string', required: false, default: '' });
    // A --limit slice and a canary are the single workflow's: per shard they would mean n per shard, N canaries.
    // Every dn-mailer call: doctor, the dry run, the shard's send, status.
    const calls = Object.values(workflow.jobs).flatMap((job) =>
      job.steps.flatMap((step) =>
        (step.run ?? '').split('\n').filter((line) => line.includes('npx --no -- dn-mailer')),
      ),
    );
    expect(calls).toHaveLength(4);
    for (const line of calls) expect(line).not.toMatch(/--limit|--redirect-to|--verbose|--accept\b/);
    expect(text).not.toMatch(/LIMIT|REDIRECT_TO/);
  });

  it('gets AWS credentials by OIDC only, in every job that touches AWS; no access keys, no secrets', () => {
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    for (const job of [plan, send, merge]) {
      const [aws, ...more] = usesOf(job, 'aws-actions/configure-aws-credentials');
      expect(more).toEqual([]);
      expect(aws?.with).toMatchObject({
        'role-to-assume': `\${{ vars.DN_MAILER_ROLE_ARN }}`,
        'aws-region': `\${{ vars.AWS_REGION }}`,
      });
      expect(job.env?.DN_MAILER_CONFIG).toBe(plan.env?.DN_MAILER_CONFIG);
      expect(job.permissions).toBeUndefined();
    }
    expect(plan.env?.DN_MAILER_CONFIG).toBe(single.jobs.plan?.env?.DN_MAILER_CONFIG);
    expect(text).not.toMatch(
      /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/i,
    );
    expect(text).not.toMatch(/secrets\./);
  });

  it('never overlaps a run of itself or of the single workflow (the same concurrency group)', () => {
    expect(workflow.concurrency).toEqual(single.concurrency);
    expect(workflow.concurrency).toEqual({ group: 'monthly-financial-report', 'cancel-in-progress': false });
  });

  it('uses the same actions at the same major versions as the single workflow, nothing else', () => {
    const actions = (w: Workflow) =>
      new Set(Object.values(w.jobs).flatMap((job) => job.steps.flatMap((s) => (s.uses ? [s.uses] : []))));
    for (const uses of actions(workflow)) {
      expect(uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
      expect(actions(single).has(uses), uses).toBe(true);
    }
  });

  it('sends only in the financial-send environment: the shards wait for one approval; plan, merge and notify do not', () => {
    expect(send.environment).toBe('financial-send');
    for (const job of [plan, merge, notify]) expect(job.environment).toBeUndefined();
    expect(send.needs).toBe('plan');
    expect(send.if).toBe(single.jobs.send?.if);
    expect(send['timeout-minutes']).toBe(single.jobs.send?.['timeout-minutes']);
    // Only a send job may call send-report without --dry-run.
    for (const job of [plan, merge])
      for (const step of job.steps)
        if (/send-report/.test(step.run ?? '')) expect(step.run).toMatch(/--dry-run/);
  });

  it('plan: the single workflow plan job, with the shards and their rate worked out right after the input check', () => {
    const order = [
      indexIn(plan, (s) => s.name === 'Check the inputs'),
      indexIn(plan, (s) => s.id === 'shards'),
      indexIn(plan, (s) => s.uses?.startsWith('actions/checkout@') === true),
      indexIn(plan, (s) => s.uses?.startsWith('actions/setup-node@') === true),
      indexIn(plan, (s) => s.run?.trim() === 'npm ci'),
      indexIn(plan, (s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') === true),
      indexIn(plan, (s) => /dn-mailer doctor\b/.test(s.run ?? '')),
      indexIn(plan, (s) => s.id === 'dry-run'),
      indexIn(plan, (s) => s.id === 'summary'),
      indexIn(plan, (s) => s.id === 'digest'),
      indexIn(plan, (s) => s.uses?.startsWith('actions/upload-artifact@') === true),
    ];
    expect(order).toEqual(order.map((_, i) => i));
    expect(plan.steps).toHaveLength(order.length);
    const singlePlan = single.jobs.plan as Job;
    // The reviewed plan is made exactly as in the single workflow: the whole month (or --only), never a shard.
    for (const id of ['dry-run', 'summary', 'digest'])
      expect(stepOf(plan, id), id).toEqual(stepOf(singlePlan, id));
    expect(usesOf(plan, 'actions/upload-artifact')).toEqual(usesOf(singlePlan, 'actions/upload-artifact'));
    expect(named(plan, 'Check the setup and the month (doctor)')).toEqual(
      named(singlePlan, 'Check the setup and the month (doctor)'),
    );
    expect(plan.outputs).toEqual({
      ...singlePlan.outputs,
      shards: `\${{ steps.shards.outputs.count }}`,
      'shard-list': `\${{ steps.shards.outputs.list }}`,
      'shard-rate': `\${{ steps.shards.outputs.rate }}`,
    });
  });

  it('send: a matrix over shard 1..N from the plan job, fail-fast off, all N at once', () => {
    expect(send.strategy).toEqual({
      'fail-fast': false,
      'max-parallel': `\${{ fromJSON(needs.plan.outputs.shards) }}`,
      matrix: { shard: `\${{ fromJSON(needs.plan.outputs.shard-list) }}` },
    });
    expect(send.name).toContain(`\${{ matrix.shard }}/\${{ needs.plan.outputs.shards }}`);
    // A matrix job's outputs would be one arbitrary shard's: the merge job speaks for the shards.
    expect(send.outputs).toBeUndefined();
  });

  it('send: check → checkout → node → npm ci → AWS → the reviewed plan → send its shard → summary → upload → fail', () => {
    const order = [
      indexIn(send, (s) => s.name === 'Check the inputs'),
      indexIn(send, (s) => s.uses?.startsWith('actions/checkout@') === true),
      indexIn(send, (s) => s.uses?.startsWith('actions/setup-node@') === true),
      indexIn(send, (s) => s.run?.trim() === 'npm ci'),
      indexIn(send, (s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') === true),
      indexIn(send, (s) => s.uses?.startsWith('actions/download-artifact@') === true),
      indexIn(send, (s) => s.id === 'send'),
      indexIn(send, (s) => s.id === 'summary'),
      indexIn(send, (s) => s.uses?.startsWith('actions/upload-artifact@') === true),
      send.steps.length - 1,
    ];
    expect(order).toEqual(order.map((_, i) => i));
    const singleSend = single.jobs.send as Job;
    expect(usesOf(send, 'actions/download-artifact')).toEqual(
      usesOf(singleSend, 'actions/download-artifact'),
    );
    // The same last step as the single workflow: each shard fails on its own exit code.
    expect(send.steps.at(-1)).toEqual(singleSend.steps.at(-1));
  });

  it('send: every shard passes --shard <matrix.shard>/N, its share of the rate and the approve-file of the one reviewed plan', () => {
    const step = stepOf(send, 'send');
    expect(step.env).toMatchObject({
      MONTH: `\${{ needs.plan.outputs.month }}`,
      YEAR: `\${{ needs.plan.outputs.year }}`,
      DIGEST: `\${{ needs.plan.outputs.digest }}`,
      SHARD: `\${{ matrix.shard }}`,
      SHARDS: `\${{ needs.plan.outputs.shards }}`,
      SHARD_RATE: `\${{ needs.plan.outputs.shard-rate }}`,
      ATTEMPT: `\${{ github.run_attempt }}`,
    });
    const run = step.run ?? '';
    expect(run).toMatch(/^set \+e$/m);
    expect(run).toContain(
      'args=(--month "$MONTH" --year "$YEAR" --shard "$SHARD/$SHARDS" --rate "$SHARD_RATE")',
    );
    expect(run).toMatch(
      /npx --no -- dn-mailer send-report "\$\{args\[@\]\}" --approve-file previews --approve "\$DIGEST" --yes --report report\.html --json > summary\.json/,
    );
  });

  it('send: each shard uploads its own summary, report and shard.json, one artifact per shard and attempt, always', () => {
    const [upload, ...more] = usesOf(send, 'actions/upload-artifact');
    expect(more).toEqual([]);
    expect(upload?.with?.name).toBe(
      `send-report-summary-\${{ github.run_id }}-shard-\${{ matrix.shard }}-attempt-\${{ github.run_attempt }}`,
    );
    expect(String(upload?.with?.path).trim().split('\n').sort()).toEqual([
      'report.html',
      'shard.json',
      'summary.json',
    ]);
    const summary = stepOf(send, 'summary');
    expect(summary.run).toContain('node scripts/ci-summary.mjs summary.json > ci-summary.md');
    for (const step of [summary, upload])
      expect(step?.if).toBe(`\${{ always() && steps.send.outcome != 'skipped' }}`);
  });

  it("merge: needs send, runs always() once any shard started, downloads every shard's artifact and reads the ledger", () => {
    expect(merge.needs).toEqual(['plan', 'send']);
    expect(merge.if).toBe(
      `\${{ always() && needs.plan.result == 'success' && needs.send.result != 'skipped' }}`,
    );
    const order = [
      indexIn(merge, (s) => s.name === 'Check the inputs'),
      indexIn(merge, (s) => s.uses?.startsWith('actions/checkout@') === true),
      indexIn(merge, (s) => s.uses?.startsWith('actions/setup-node@') === true),
      indexIn(merge, (s) => s.run?.trim() === 'npm ci'),
      indexIn(merge, (s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') === true),
      indexIn(merge, (s) => s.uses?.startsWith('actions/download-artifact@') === true),
      indexIn(merge, (s) => s.id === 'status'),
      indexIn(merge, (s) => s.id === 'merge'),
      indexIn(merge, (s) => s.uses?.startsWith('actions/upload-artifact@') === true),
      merge.steps.length - 1,
    ];
    expect(order).toEqual(order.map((_, i) => i));
    const download = usesOf(merge, 'actions/download-artifact')[0];
    expect(download?.['continue-on-error']).toBe(true);
    expect(download?.with).toEqual({
      pattern: `send-report-summary-\${{ github.run_id }}-shard-*`,
      path: 'shards',
    });
    // The pattern matches every shard's artifact name (any shard, any attempt) and not the previews.
    const glob = new RegExp(
      `^${String(download?.with?.pattern)
        .replace(/[.$()[\]{}]/g, '\\$&')
        .replace('*', '.*')}$`,
    );
    const upload = usesOf(send, 'actions/upload-artifact')[0];
    for (const shard of ['1', '12'])
      expect(String(upload?.with?.name).replace(`\${{ matrix.shard }}`, shard)).toMatch(glob);
    expect(String(usesOf(plan, 'actions/upload-artifact')[0]?.with?.name)).not.toMatch(glob);

    expect(stepOf(merge, 'status').run).toContain(
      'npx --no -- dn-mailer status --month "$MONTH" --year "$YEAR" --html report.html --json > status.json',
    );
    expect(stepOf(merge, 'merge').run).toContain(
      'node scripts/ci-merge-summaries.mjs shards --shards "$SHARDS" --status status.json --json merged.json > ci-summary.md',
    );
    const [mergedUpload] = usesOf(merge, 'actions/upload-artifact');
    expect(String(mergedUpload?.with?.path).trim().split('\n').sort()).toEqual([
      'ci-summary.md',
      'merged.json',
      'report.html',
      'status.json',
    ]);
    expect(merge.outputs).toEqual({
      code: `\${{ steps.merge.outputs.code }}`,
      summary: `\${{ steps.merge.outputs.summary }}`,
    });
  });

  it('notify: after plan, send and merge, on a failure or a partial merged result, with issues: write alone', () => {
    expect(notify.needs).toEqual(['plan', 'send', 'merge']);
    expect(notify.if).toBe(
      `\${{ always() && vars.DN_MAILER_ISSUES != 'off' && (failure() || needs.plan.result == 'failure' || needs.merge.outputs.code == '6') }}`,
    );
    expect(notify.permissions).toEqual({ issues: 'write' });
    expect(notify.steps).toHaveLength(1);
    const step = notify.steps[0] as Step;
    expect(step.uses).toBeUndefined();
    expect(step.env).toMatchObject({
      CODE: `\${{ needs.merge.outputs.code }}`,
      SEND_RESULT: `\${{ needs.send.result }}`,
      MERGE_RESULT: `\${{ needs.merge.result }}`,
      SEND_SUMMARY: `\${{ needs.merge.outputs.summary }}`,
    });
  });

  it('passes inputs only through env, each job first running the same check over every value it uses', () => {
    const check = plan.steps[0] as Step;
    for (const job of [plan, send, merge]) {
      for (const step of job.steps) expect(step.run ?? '').not.toContain(`\${{`);
      const first = job.steps[0] as Step;
      expect(first.name).toBe('Check the inputs');
      expect(first.run).toBe(check.run);
      for (const step of job.steps.slice(1)) {
        for (const [key, value] of Object.entries(step.env ?? {})) {
          if (!/inputs\.|needs\.|matrix\./.test(value) || /&& 'true' \|\| 'false'/.test(value)) continue;
          expect(first.env?.[key], `${step.name}: ${key}`).toBe(value);
        }
      }
    }
    for (const step of notify.steps) expect(step.run ?? '').not.toContain(`\${{`);
  });
});

const PLAN_INPUTS = { MONTH: 'previous', YEAR: '', ONLY: '', SHARDS: '4', RATE: '14' };
const SEND_INPUTS = {
  MONTH: '1',
  YEAR: '2025',
  ONLY: '',
  SHARDS: '4',
  SHARD: '2',
  SHARD_RATE: '3.500',
  DIGEST,
  ATTEMPT: '1',
  RETRY_FAILED: 'false',
};

describe('the sharded workflow steps, run in bash with npx stubbed', () => {
  it('the shards step: the matrix is exactly 1..N and the rate is split N ways, never above the whole', async () => {
    const step = stepOf(plan, 'shards');
    for (const [shards, rate, perShard] of [
      ['4', '14', '3.500'],
      ['3', '14', '4.666'],
      ['1', '14', '14.000'],
      ['20', '1', '0.050'],
      ['7', '0.5', '0.071'],
    ] as const) {
      const result = await runIn(step, { SHARDS: shards, RATE: rate });
      expect(result.status, result.stdout + result.stderr).toBe(0);
      const out = outputsOf(result.output);
      const list = JSON.parse(out.list ?? '') as number[];
      expect(list).toEqual(Array.from({ length: Number(shards) }, (_, i) => i + 1));
      expect(out.count).toBe(shards);
      expect(out.rate).toBe(perShard);
      expect(Number(out.rate) * Number(shards)).toBeLessThanOrEqual(Number(rate));
    }
    const tooSlow = await runIn(step, { SHARDS: '20', RATE: '0.01' });
    expect(tooSlow.status).toBe(2);
    expect(tooSlow.stdout).toContain('cannot be shared by 20 shards');
  });

  it('the plan job: doctor, the dry run of the whole month (never --shard), then N, the list and the rate as outputs', async () => {
    const dir = await workflowWorkspace();
    const job = await runJob(plan, { ...PLAN_INPUTS, MONTH: 'jan', YEAR: '2025', ONLY: 'ART-01' }, dir);
    expect(job.status, job.stdout).toBe(0);
    expect(job.calls).toEqual([
      ['doctor', '--month', 'jan', '--year', '2025'],
      [
        'send-report',
        '--month',
        'jan',
        '--year',
        '2025',
        '--only',
        'ART-01',
        '--dry-run',
        '--out',
        'previews',
        '--json',
      ],
    ]);
    expect(outputsOf(job.outputs.shards ?? '')).toEqual({ count: '4', list: '[1,2,3,4]', rate: '3.500' });
    expect(outputsOf(job.outputs.digest ?? '')).toMatchObject({ year: '2025', month: '1' });
  });

  it('a shard: --shard i/N, its rate and the approval; records its exit code and attempt in shard.json; fails last', async () => {
    const dir = await workflowWorkspace({ npxExit: 6 });
    const job = await runJob(
      send,
      { ...SEND_INPUTS, ONLY: 'MOL,ART-01', RETRY_FAILED: 'true', CODE: '6' },
      dir,
    );
    expect(job.calls).toEqual([
      [
        'send-report',
        '--month',
        '1',
        '--year',
        '2025',
        '--shard',
        '2/4',
        '--rate',
        '3.500',
        '--only',
        'MOL,ART-01',
        '--retry-failed',
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
    expect(job.ran).toEqual([
      'Check the inputs',
      'Install (also builds dist/)',
      'Send this shard of the approved plan',
      'Job summary',
      'Fail unless everything was sent',
    ]);
    expect(job.status).toBe(6);
    expect(outputsOf(job.outputs.send ?? '')).toEqual({ code: '6' });
    expect(JSON.parse(await readFile(path.join(dir, 'shard.json'), 'utf8'))).toEqual({
      shard: 2,
      shards: 4,
      attempt: 1,
      code: 6,
    });
  });

  it('the check accepts what the workflow passes and refuses (exit 2) a bad shard count, shard, rate or digest', async () => {
    const check = plan.steps[0] as Step;
    for (const env of [
      PLAN_INPUTS,
      { ...PLAN_INPUTS, SHARDS: '1', RATE: '0.5' },
      { ...PLAN_INPUTS, SHARDS: '20' },
    ]) {
      const ok = await runIn(check, env);
      expect(ok.status, `${JSON.stringify(env)} ${ok.stdout}`).toBe(0);
    }
    expect((await runIn(check, SEND_INPUTS)).status).toBe(0);
    expect((await runIn(check, { MONTH: '1', YEAR: '2025', SHARDS: '4' })).status).toBe(0);
    const bad: Record<string, string>[] = [
      { ...PLAN_INPUTS, SHARDS: '0' },
      { ...PLAN_INPUTS, SHARDS: '21' },
      { ...PLAN_INPUTS, SHARDS: '' },
      { ...PLAN_INPUTS, SHARDS: '4; id' },
      { ...PLAN_INPUTS, SHARDS: '$(id)' },
      { ...PLAN_INPUTS, RATE: '0' },
      { ...PLAN_INPUTS, RATE: '0.000' },
      { ...PLAN_INPUTS, RATE: '-1' },
      { ...PLAN_INPUTS, RATE: '1e3' },
      { ...PLAN_INPUTS, RATE: '14 --accept held-back' },
      { ...PLAN_INPUTS, MONTH: 'jan; id' },
      { ...PLAN_INPUTS, ONLY: '--accept=payout-warnings' },
      { ...SEND_INPUTS, SHARD: '5' },
      { ...SEND_INPUTS, SHARD: '0' },
      { ...SEND_INPUTS, SHARD: '1/4' },
      { ...SEND_INPUTS, SHARD_RATE: '' },
      { ...SEND_INPUTS, SHARD_RATE: '0.000' },
      { ...SEND_INPUTS, DIGEST: DIGEST.toUpperCase() },
    ];
    for (const env of bad) {
      const result = await runIn(check, env);
      expect(result.status, JSON.stringify(env)).toBe(2);
      expect(result.stdout).toMatch(/^::error title=Bad input::/m);
    }
  });

  it('a bad input stops a shard at its first step: dn-mailer is never called', async () => {
    const dir = await workflowWorkspace();
    const job = await runJob(send, { ...SEND_INPUTS, SHARD: '9' }, dir);
    expect(job.status).toBe(2);
    expect(job.ran).toEqual(['Check the inputs']);
    expect(job.calls).toEqual([]);
  });

  it('the merge job fails last with the worst exit code, after writing the summary and its output', async () => {
    const dir = await workflowWorkspace();
    // No shard uploaded anything (all died): the merge still reports, and fails with 5.
    const job = await runJob(merge, { MONTH: '1', YEAR: '2025', SHARDS: '2' }, dir);
    expect(job.calls).toEqual([
      ['status', '--month', '1', '--year', '2025', '--html', 'report.html', '--json'],
    ]);
    expect(job.status).toBe(5);
    expect(job.ran.at(-1)).toBe('Fail unless every shard sent everything');
    expect(job.stdout).toContain('::error title=dn-mailer: sharded send needs attention (exit 5)');
    expect(outputsOf(job.outputs.merge ?? '')).toMatchObject({ code: '5' });
    expect(job.outputs.merge).toMatch(/summary<<SUMMARY_[0-9a-f]{32}\n## dn-mailer send-report, 2 shards/);
    expect(await readFile(path.join(dir, 'step-summary.md'), 'utf8')).toContain('**Shard 2/2: no summary.**');
  });

  it('notify: opens an issue with the merged summary on a partial result; nothing after a clean run', async () => {
    const step = notify.steps[0] as Step;
    const env = {
      GH_TOKEN: 'gh-token-stub',
      GH_REPO: 'owner/repo',
      RUN_URL: 'https://github.com/owner/repo/actions/runs/42',
      PLAN_RESULT: 'success',
      SEND_RESULT: 'failure',
      MERGE_RESULT: 'failure',
      CODE: '6',
      MONTH: '1',
      YEAR: '2025',
      PLAN_SUMMARY: '## plan',
      SEND_SUMMARY:
        '## dn-mailer send-report, 4 shards — financial-2025-01\n\n| 3/4 | failed | c***@example.com |',
      LABEL: '',
    };
    const partial = await runIn(step, env);
    expect(partial.status, partial.stderr).toBe(0);
    const gh = await readCalls(partial.dir, 'gh-calls');
    expect(gh[1]).toEqual([
      'issue',
      'create',
      '--title',
      'dn-mailer: 2025-01 needs attention',
      '--body-file',
      'notice.md',
    ]);
    const body = await readFile(path.join(partial.dir, 'notice.md'), 'utf8');
    expect(body).toContain('the worst shard exited with 6 (partial');
    expect(body).toContain('| 3/4 | failed | c***@example.com |');
    expect(body).toContain('https://github.com/owner/repo/actions/runs/42');

    const clean = await runIn(step, { ...env, SEND_RESULT: 'success', MERGE_RESULT: 'success', CODE: '0' });
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain('nothing needs attention');
    expect(await readCalls(clean.dir, 'gh-calls')).toEqual([]);
  });
});
