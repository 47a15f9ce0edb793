import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoWorkspace, type StatusJson as LedgerStatus, type SendJson } from '../support/send-world.js';
import {
  type Job,
  outputsOf,
  readWorkflow,
  runJob,
  runStep,
  type Step,
  workflowWorkspace,
} from '../support/workflow-steps.js';

// The sharded workflow's own steps, run in bash with the built dn-mailer (`npx --no -- dn-mailer` → bin/dn-mailer.js)
// against copies of the demo (local backend: one SQLite ledger, as the shards share one DynamoDB ledger in CI):
// the plan job, N shard jobs at once (each in its own folder, like its own runner), then the merge job on the
// artifacts they would upload. The merged totals must be what the ledger itself says.

type StatusJson = LedgerStatus & { finished: boolean };
type ShardSummary = SendJson & { data: { batchId: string } };

interface Merged {
  code: number;
  campaignId: string;
  shards: { shard: number; attempt: number | null; code: number; missing: boolean; runId: string | null }[];
  totals: Record<string, number>;
  notSent: { shard: number; status: string; email: string; reason: string }[];
  shardsLedgerView: { sent: number; failed: number; unknown: number; skipped: number };
  ledger: (StatusJson['counts'] & { total: number; finished: boolean }) | null;
}

let plan: Job;
let send: Job;
let merge: Job;
const stepOf = (job: Job, id: string) => job.steps.find((s) => s.id === id) as Step;

beforeAll(async () => {
  const { workflow } = await readWorkflow('examples/github-actions/monthly-financial-report-sharded.yml');
  plan = workflow.jobs.plan as Job;
  send = workflow.jobs.send as Job;
  merge = workflow.jobs.merge as Job;
});

/** The plan job (doctor, dry run, digest, shards) on `config`: its outputs and the previews folder. */
async function runPlan(config: string, shards: string, rate: string) {
  const dir = await workflowWorkspace({ realCli: true });
  const env = { MONTH: 'jan', YEAR: '2025', ONLY: '', SHARDS: shards, RATE: rate, DN_MAILER_CONFIG: config };
  const job = await runJob(plan, env, dir);
  expect(job.status, job.stdout).toBe(0);
  const digest = outputsOf(job.outputs.digest ?? '');
  const split = outputsOf(job.outputs.shards ?? '');
  return {
    previews: path.join(dir, 'previews'),
    env: {
      MONTH: digest.month ?? '',
      YEAR: digest.year ?? '',
      DIGEST: digest.digest ?? '',
      SHARDS: split.count ?? '',
      SHARD_RATE: split.rate ?? '',
      ONLY: '',
      DN_MAILER_CONFIG: config,
    },
    list: JSON.parse(split.list ?? '[]') as number[],
  };
}

type Planned = Awaited<ReturnType<typeof runPlan>>;

/** One shard job: the reviewed previews downloaded, its send step run; its artifact copied under `artifacts`. */
async function runShard(
  planned: Planned,
  shard: number,
  artifacts: string,
  attempt = 1,
  retryFailed = false,
) {
  const dir = await workflowWorkspace({ realCli: true });
  await cp(planned.previews, path.join(dir, 'previews'), { recursive: true });
  const env = {
    ...planned.env,
    SHARD: String(shard),
    ATTEMPT: String(attempt),
    RETRY_FAILED: String(retryFailed),
  };
  const check = await runStep(send.steps[0] as Step, env, dir);
  expect(check.status, check.stdout).toBe(0);
  const step = await runStep(stepOf(send, 'send'), env, dir);
  expect(step.status, step.stderr).toBe(0);
  const code = Number(outputsOf(step.output).code);
  const artifact = path.join(artifacts, `send-report-summary-42-shard-${shard}-attempt-${attempt}`);
  await mkdir(artifact, { recursive: true });
  for (const file of ['summary.json', 'report.html', 'shard.json'])
    await cp(path.join(dir, file), path.join(artifact, file)).catch(() => undefined);
  const printed = await readFile(path.join(dir, 'summary.json'), 'utf8');
  expect(printed, `shard ${shard} printed no JSON (exit ${code}): ${step.stderr}`).not.toBe('');
  const summary = JSON.parse(printed) as ShardSummary;
  return { code, summary, printed, calls: step.calls, stderr: step.stderr };
}

/** Each shard printed a send summary, not an error document (else: what it printed, to see why). */
function expectSummaries(
  shards: readonly { code: number; summary: ShardSummary; printed: string; stderr: string }[],
) {
  for (const [i, shard] of shards.entries())
    expect(
      shard.summary.data,
      `shard ${i + 1} (exit ${shard.code}) printed ${shard.printed}\n${shard.stderr}`,
    ).toBeDefined();
}

/** The merge job's run steps on the downloaded artifacts: status from the ledger, then the merge script. */
async function runMerge(planned: Planned, artifacts: string) {
  const dir = await workflowWorkspace({ realCli: true });
  await cp(artifacts, path.join(dir, 'shards'), { recursive: true }).catch(() => undefined);
  const env = { MONTH: planned.env.MONTH, YEAR: planned.env.YEAR, SHARDS: planned.env.SHARDS };
  const job = await runJob(merge, { ...env, DN_MAILER_CONFIG: planned.env.DN_MAILER_CONFIG }, dir);
  const merged = JSON.parse(await readFile(path.join(dir, 'merged.json'), 'utf8')) as Merged;
  const status = JSON.parse(await readFile(path.join(dir, 'status.json'), 'utf8')) as StatusJson;
  const markdown = await readFile(path.join(dir, 'ci-summary.md'), 'utf8');
  const report = await readFile(path.join(dir, 'report.html'), 'utf8');
  return { job, merged, status, markdown, report, dir };
}

/**
 * What the shards say the ledger holds is what it holds: the same sent, failed and skipped rows, and each row a
 * shard left unknown is still unknown — or back to planned once the provider's record proved it was never sent
 * (the rehearsal's outbox has no such message; `status` settles it).
 */
function expectTotalsAreTheLedger(merged: Merged, status: StatusJson) {
  const { counts } = status;
  const view = merged.shardsLedgerView;
  expect({ sent: view.sent, failed: view.failed, skipped: view.skipped }).toEqual({
    sent: counts.sent,
    failed: counts.failed,
    skipped: counts.skipped,
  });
  expect(view.unknown).toBe(counts.unknown + counts.planned + counts.sending);
  expect(merged.ledger).toMatchObject({ ...counts, total: status.total, finished: status.finished });
  expect(merged.totals.totalRecipients).toBe(status.total);
}

describe('the sharded workflow, run step by step with the built CLI against the demo', () => {
  it('plans once, sends N shards at once with the one approval and the rate split, and the merge equals the ledger', async () => {
    const ws = await demoWorkspace();
    const planned = await runPlan(ws.config, '3', '30');
    expect(planned.list).toEqual([1, 2, 3]);
    expect(planned.env.SHARD_RATE).toBe('10.000');
    const artifacts = path.join(ws.dir, 'artifacts');
    const shards = await Promise.all(planned.list.map((i) => runShard(planned, i, artifacts)));
    expectSummaries(shards);
    for (const [i, shard] of shards.entries()) {
      expect(shard.code, shard.stderr).toBe(0);
      expect(shard.calls[0]).toEqual(
        expect.arrayContaining(['--shard', `${i + 1}/3`, '--rate', '10.000', '--approve-file', 'previews']),
      );
      expect(shard.stderr).toContain(`part of the month only (--shard ${i + 1}/3)`);
    }
    // Every planned recipient in exactly one shard.
    const sent = shards.flatMap((s) => s.summary.data.results.successful.map((r) => r.email));
    expect(new Set(sent).size).toBe(sent.length);

    const { job, merged, status, markdown, report } = await runMerge(planned, artifacts);
    expect(job.status, job.stdout).toBe(0);
    expect(merged.code).toBe(0);
    expect(status.finished).toBe(true);
    expect(merged.totals.successful).toBe(sent.length);
    expect(status.counts.sent).toBe(sent.length);
    expectTotalsAreTheLedger(merged, status);
    expect(merged.shards.map((s) => [s.shard, s.attempt, s.code])).toEqual([
      [1, 1, 0],
      [2, 1, 0],
      [3, 1, 0],
    ]);
    expect(markdown).toContain('## dn-mailer send-report, 3 shards — financial-2025-01 (January 2025)');
    expect(markdown).toContain('✅ every shard sent or skipped every message');
    expect(markdown).toContain('Finished: every row of the campaign is sent or skipped.');
    expect(markdown).not.toContain('The ledger differs');
    expect(report).toContain('financial-2025-01');
  }, 180_000);

  it('a partial month (the rehearsal): exit 6, every failed / unknown row with its shard; a re-run shard counts once, by its latest attempt', async () => {
    const ws = await demoWorkspace();
    const config = path.join(ws.dir, '.distronationrc.rehearsal.json');
    const planned = await runPlan(config, '2', '2');
    expect(planned.env.SHARD_RATE).toBe('1.000');
    const artifacts = path.join(ws.dir, 'artifacts');
    const shards = await Promise.all(planned.list.map((i) => runShard(planned, i, artifacts)));
    expectSummaries(shards);
    const failedIn = shards.findIndex((s) => s.summary.data.results.failed.length > 0) + 1;
    expect(failedIn).toBeGreaterThan(0);
    expect(shards[failedIn - 1]?.code).toBe(6);

    const first = await runMerge(planned, artifacts);
    expect(first.merged.code).toBe(6);
    expect(first.job.status).toBe(6);
    expect(first.status.finished).toBe(false);
    expectTotalsAreTheLedger(first.merged, first.status);
    const notSent = first.merged.notSent.map((x) => [x.shard, x.status, x.email]);
    expect(notSent).toEqual(
      expect.arrayContaining([
        [failedIn, 'failed', 'm***@example.com'],
        [expect.any(Number), 'unknown', 'j***@example.org'],
      ]),
    );
    expect(first.markdown).toContain(`| ${failedIn}/2 | failed | m***@example.com |`);
    expect(first.markdown).toContain('⚠️ needs attention: worst exit 6');

    // The failed shard re-run (attempt 2, --retry-failed; the rehearsal still rejects that address).
    const rerun = await runShard(planned, failedIn, artifacts, 2, true);
    expect(rerun.code).toBe(6);
    expect(rerun.summary.data.alreadySent).toBeGreaterThan(0);
    const second = await runMerge(planned, artifacts);
    const row = second.merged.shards.find((s) => s.shard === failedIn);
    expect(row).toMatchObject({ attempt: 2, code: 6, runId: rerun.summary.data.batchId });
    expectTotalsAreTheLedger(second.merged, second.status);
  }, 180_000);

  it('a shard that uploaded nothing: "no summary" and exit 5, while the ledger still shows every row that was sent', async () => {
    const ws = await demoWorkspace();
    const planned = await runPlan(ws.config, '2', '14');
    const artifacts = path.join(ws.dir, 'artifacts');
    await Promise.all(planned.list.map((i) => runShard(planned, i, artifacts)));
    await rm(path.join(artifacts, 'send-report-summary-42-shard-2-attempt-1'), { recursive: true });
    const { job, merged, status, markdown } = await runMerge(planned, artifacts);
    expect(job.status).toBe(5);
    expect(merged.code).toBe(5);
    expect(merged.shards[1]).toMatchObject({ shard: 2, missing: true, attempt: null });
    expect(markdown).toContain('**Shard 2/2: no summary.**');
    // The ledger has both shards' rows; the summaries only the first's.
    expect(status.counts.sent).toBeGreaterThan(merged.shardsLedgerView.sent);
    expect(markdown).toContain('The ledger differs from the shards’ summaries, and it is the truth');
    expect(status.finished).toBe(true);
  }, 180_000);

  it('a shard refuses (exit 4, nothing sent) when its part of the month changed since the review', async () => {
    const ws = await demoWorkspace();
    const planned = await runPlan(ws.config, '2', '14');
    // Every creator's figures change: each shard's slice differs from the reviewed one.
    const payoutsFile = path.join(ws.dir, 'payouts.json');
    const payouts = JSON.parse(await readFile(payoutsFile, 'utf8'), (key, value) =>
      key === 'periodBal' && typeof value === 'number' ? value + 1 : value,
    );
    await writeFile(payoutsFile, JSON.stringify(payouts, null, 2));
    const artifacts = path.join(ws.dir, 'artifacts');
    const refused = await runShard(planned, 1, artifacts);
    expect(refused.code).toBe(4);
    expect(JSON.stringify(refused.summary)).toContain('the plan changed since it was approved');
  }, 180_000);
});
