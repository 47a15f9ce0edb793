import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// scripts/ci-merge-summaries.mjs on hand-made artifact folders: the cases a real run rarely produces (a re-run,
// a step killed before shard.json, a slice of another split, a stopped run). test/e2e/ci-sharded-workflow.test.ts
// runs it on the summaries real sharded sends wrote, and checks its totals against the ledger.
const SCRIPT = fileURLToPath(new URL('../../scripts/ci-merge-summaries.mjs', import.meta.url));

interface Counts {
  successful?: number;
  failed?: number;
  unknown?: number;
  alreadySent?: number;
}

function summary(
  counts: Counts,
  options: { stopped?: string; interrupted?: boolean; batchId?: string } = {},
) {
  const failed = Array.from({ length: counts.failed ?? 0 }, (_, i) => ({
    email: `f${i}***@example.com`,
    customIds: [`F${i}`],
    reason: 'MessageRejected: bad | address',
  }));
  const clean = !counts.failed && !counts.unknown && !options.stopped && !options.interrupted;
  return {
    success: clean,
    message: clean ? 'every message was sent or skipped' : 'some messages were not sent',
    data: {
      campaignId: 'financial-2025-01',
      batchId: options.batchId ?? 'run-1',
      month: 'January',
      year: '2025',
      totalRecipients:
        (counts.successful ?? 0) + (counts.failed ?? 0) + (counts.unknown ?? 0) + (counts.alreadySent ?? 0),
      successful: counts.successful ?? 0,
      failed: counts.failed ?? 0,
      unknown: counts.unknown ?? 0,
      skipped: 0,
      alreadySent: counts.alreadySent ?? 0,
      alreadySkipped: 0,
      heldForRetry: 0,
      notStarted: 0,
      results: { successful: [], failed, unknown: [], skipped: [], heldForRetry: [], heldBack: [] },
      stopped: options.stopped ?? null,
      interrupted: options.interrupted ?? false,
    },
  };
}

async function artifacts(
  shards: { name: string; summary?: unknown; raw?: string; meta?: Record<string, unknown> }[],
) {
  const root = await mkdtemp(path.join(tmpdir(), 'dn-merge-'));
  for (const shard of shards) {
    const dir = path.join(root, shard.name);
    await mkdir(dir, { recursive: true });
    if (shard.meta) await writeFile(path.join(dir, 'shard.json'), JSON.stringify(shard.meta));
    if (shard.summary !== undefined || shard.raw !== undefined)
      await writeFile(path.join(dir, 'summary.json'), shard.raw ?? JSON.stringify(shard.summary, null, 2));
  }
  return root;
}

function merge(root: string, count: number, extra: string[] = []) {
  const json = path.join(tmpdir(), `dn-merged-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const result = spawnSync(
    process.execPath,
    [SCRIPT, root, '--shards', String(count), '--json', json, ...extra],
    {
      encoding: 'utf8',
    },
  );
  return { ...result, merged: () => readFile(json, 'utf8').then((t) => JSON.parse(t)) };
}

const name = (shard: number, attempt = 1) => `send-report-summary-7-shard-${shard}-attempt-${attempt}`;
const meta = (shard: number, shards: number, code: number, attempt = 1) => ({ shard, shards, attempt, code });

describe('scripts/ci-merge-summaries.mjs', () => {
  it('sums the shards, lists every failed row with its shard, and exits with the worst code', async () => {
    const root = await artifacts([
      { name: name(1), meta: meta(1, 3, 0), summary: summary({ successful: 4 }) },
      { name: name(2), meta: meta(2, 3, 6), summary: summary({ successful: 2, failed: 1 }) },
      {
        name: name(3),
        meta: meta(3, 3, 5),
        summary: summary({ successful: 1 }, { stopped: 'sending paused' }),
      },
    ]);
    const result = merge(root, 3);
    expect(result.status).toBe(5);
    expect(result.stdout).toContain('**⚠️ needs attention: worst exit 5**');
    expect(result.stdout).toContain('| **total** |  | **5** | **8** | **7** | **1** |');
    expect(result.stdout).toContain(
      '| 2/3 | failed | f0***@example.com | F0 | MessageRejected: bad \\| address |',
    );
    const merged = await result.merged();
    expect(merged.totals).toMatchObject({ totalRecipients: 8, successful: 7, failed: 1 });
    expect(merged.shards.map((s: { code: number }) => s.code)).toEqual([0, 6, 5]);
  });

  it('ranks the codes 0 < 6 < 5 < 130 < 4 < 3 < 2 < 1', async () => {
    const order = [0, 6, 5, 130, 4, 3, 2, 1];
    // Each code against the next one up, in both orders.
    for (const [i, better] of order.slice(0, -1).entries()) {
      const worse = order[i + 1] as number;
      for (const codes of [
        [better, worse],
        [worse, better],
      ]) {
        const root = await artifacts(
          codes.map((code, k) => ({
            name: name(k + 1),
            meta: meta(k + 1, 2, code),
            summary: summary({ successful: 1 }),
          })),
        );
        expect(merge(root, 2).status, codes.join(' vs ')).toBe(worse);
      }
    }
  });

  it('counts a re-run shard once, by its latest attempt', async () => {
    const root = await artifacts([
      { name: name(1), meta: meta(1, 2, 0), summary: summary({ successful: 3 }) },
      {
        name: name(2, 1),
        meta: meta(2, 2, 6, 1),
        summary: summary({ successful: 2, failed: 1 }, { batchId: 'a1' }),
      },
      {
        name: name(2, 2),
        meta: meta(2, 2, 0, 2),
        summary: summary({ successful: 1, alreadySent: 2 }, { batchId: 'a2' }),
      },
    ]);
    const result = merge(root, 2);
    expect(result.status).toBe(0);
    const merged = await result.merged();
    expect(merged.shards[1]).toMatchObject({ shard: 2, attempt: 2, code: 0, runId: 'a2' });
    expect(merged.totals).toMatchObject({ successful: 4, alreadySent: 2, failed: 0 });
    expect(result.stdout).not.toContain('a1');
  });

  it('a step killed before shard.json: the artifact name says which shard, the summary which code', async () => {
    const root = await artifacts([
      { name: name(1), summary: summary({ successful: 2 }, { interrupted: true }) },
      { name: name(2), raw: '' },
    ]);
    const result = merge(root, 2);
    const merged = await result.merged();
    expect(merged.shards.map((s: { code: number; missing: boolean }) => [s.code, s.missing])).toEqual([
      [130, false],
      [5, false],
    ]);
    expect(result.status).toBe(130);
    expect(result.stdout).toContain('**Shard 2/2:** no dn-mailer JSON in summary.json (exit 5)');
  });

  it('a refused shard shows its error; a slice of another split is a usage error (2)', async () => {
    const refusal = {
      error: {
        message: 'the plan changed since it was approved — nothing was sent:',
        exitCode: 4,
        hint: 'run the dry run again, review it, and approve the new digest',
        details: ['d***@example.com: figures - …'],
      },
    };
    const root = await artifacts([
      { name: name(1), meta: meta(1, 2, 4), summary: refusal },
      { name: name(2), meta: meta(2, 3, 0), summary: summary({ successful: 1 }) },
    ]);
    const result = merge(root, 2);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('**Shard 1/2: exit 4** — the plan changed since it was approved');
    expect(result.stdout).toContain('it ran as one of 3 shards, not 2');
  });

  it('no artifacts at all: every shard "no summary" (5); no arguments: usage (2)', async () => {
    const result = merge(path.join(tmpdir(), 'dn-merge-none-here'), 2);
    expect(result.status).toBe(5);
    expect(result.stdout).toContain('| 1/2 | — | no summary (5) |');
    expect(result.stdout).toContain('| 2/2 | — | no summary (5) |');
    const usage = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage: node scripts/ci-merge-summaries.mjs');
  });

  it('a ledger with rows not sent or skipped makes a clean merge partial (6)', async () => {
    const root = await artifacts([
      { name: name(1), meta: meta(1, 1, 0), summary: summary({ successful: 2 }) },
    ]);
    const status = path.join(root, 'status.json');
    await writeFile(
      status,
      JSON.stringify({
        campaignId: 'financial-2025-01',
        counts: { planned: 0, sending: 1, sent: 2, failed: 0, skipped: 0, unknown: 0 },
        total: 3,
        finished: false,
      }),
    );
    const result = merge(root, 1, ['--status', status]);
    expect(result.status).toBe(6);
    expect(result.stdout).toContain('| ledger | 3 | 2 | 0 | 0 | 0 | 0 | 1 |');
    expect(result.stdout).toContain('Not finished: some rows are planned, sending, failed or unknown');
  });
});
