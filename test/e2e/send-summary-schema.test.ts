import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { type JsonSchema, validate } from '../support/json-schema.js';
import {
  demoWorkspace,
  parseJson,
  plannedMessages,
  SEND_JANUARY,
  type SendJson,
  seedLocalGates,
  startCli,
  stopStrayClis,
} from '../support/send-world.js';

afterAll(stopStrayClis);

const CAMPAIGN = 'financial-2025-01';
const send = (config: string, ...extra: string[]) =>
  startCli(['send-report', ...SEND_JANUARY, '--config', config, ...extra]).done;

let schema: JsonSchema;
beforeAll(async () => {
  schema = JSON.parse(
    await readFile(`${REPO_ROOT}docs/send-report-summary.schema.json`, 'utf8'),
  ) as JsonSchema;
});

/** The document must match the schema; the messages name every violation. */
function expectValid(document: unknown) {
  expect(validate(schema, document)).toEqual([]);
}

describe('docs/send-report-summary.schema.json against the real send-report --json (demo workspace copy)', () => {
  let ws: Awaited<ReturnType<typeof demoWorkspace>>;
  let first: SendJson;

  beforeAll(async () => {
    ws = await demoWorkspace();
  });

  it('a first run (everything sent)', async () => {
    const result = await send(ws.config, '--yes', '--json');
    expect(result.code, result.stderr).toBe(0);
    first = parseJson<SendJson>(result);
    expect(first.data.successful).toBeGreaterThan(0);
    expectValid(first);
  });

  it('a second run (nothing new to send)', async () => {
    const result = await send(ws.config, '--yes', '--json');
    expect(result.code, result.stderr).toBe(0);
    const again = parseJson<SendJson>(result);
    expect(again.data).toMatchObject({ successful: 0, alreadySent: first.data.successful });
    expectValid(again);
  });

  it('a canary run with --verbose (full addresses)', async () => {
    const result = await send(
      ws.config,
      '--redirect-to',
      'me@example.com',
      '--limit',
      '2',
      '--yes',
      '--json',
      '--verbose',
    );
    expect(result.code, result.stderr).toBe(0);
    const canary = parseJson<SendJson>(result);
    expect(canary.data.campaignId).toBe(`${CAMPAIGN}-canary-1`);
    expectValid(canary);
  });

  it('a partial run (exit 6): a row failed earlier is held for retry, a suppressed address is skipped', async () => {
    const partial = await demoWorkspace();
    const [held, suppressed] = (await plannedMessages(partial.config)).map((p) => p.to);
    if (!held || !suppressed) throw new Error('the demo plan has fewer than 2 messages');
    await seedLocalGates(partial.config, partial.sqlite, {
      suppressions: [{ email: suppressed, reason: 'BOUNCE' }],
    });
    const db = new Database(partial.sqlite);
    try {
      db.prepare(
        `INSERT INTO ledger (campaign_id, email, status, custom_ids, reason, attempts, run_id, updated_at)
         VALUES (?, ?, 'failed', '["X"]', 'MessageRejected: test', 1, 'earlier', ?)`,
      ).run(CAMPAIGN, held, new Date().toISOString());
    } finally {
      db.close();
    }
    const result = await send(partial.config, '--yes', '--json');
    expect(result.code, result.stderr).toBe(6);
    const summary = parseJson<SendJson>(result);
    expect(summary.success).toBe(false);
    expect(summary.data.results.heldForRetry).toEqual([
      expect.objectContaining({ status: 'failed', reason: 'MessageRejected: test' }),
    ]);
    expect(summary.data.results.skipped).toEqual([
      expect.objectContaining({ reason: 'suppressed (BOUNCE)' }),
    ]);
    expectValid(summary);

    // The CI job summary renders the real document.
    const md = spawnSync(process.execPath, [`${REPO_ROOT}scripts/ci-summary.mjs`], {
      input: result.stdout,
      encoding: 'utf8',
    });
    expect(md.status).toBe(0);
    expect(md.stdout).toContain(`## dn-mailer send-report — ${CAMPAIGN} (January 2025)`);
    expect(md.stdout).toContain('| failed earlier (held for retry) |');
  });

  it('the error document (no --yes without a terminal: exit 2)', async () => {
    const fresh = await demoWorkspace();
    const result = await send(fresh.config, '--json');
    expect(result.code).toBe(2);
    expectValid(parseJson(result));
  });

  it('catches drift: an extra field, a missing one or a wrong type is reported', () => {
    const extra = { ...first, data: { ...first.data, newField: 1 } };
    expect(validate(schema, extra).join('\n')).toContain('/data/newField: not allowed');
    const { batchId: _dropped, ...withoutBatch } = first.data as SendJson['data'] & { batchId: string };
    expect(validate(schema, { ...first, data: withoutBatch }).join('\n')).toContain(
      '/data/batchId: required',
    );
    const wrongRow = {
      ...first,
      data: {
        ...first.data,
        results: {
          ...first.data.results,
          successful: [{ ...first.data.results.successful[0], status: 'sent' }],
        },
      },
    };
    expect(validate(schema, wrongRow).join('\n')).toContain('/data/results/successful/0/status: not allowed');
    expect(validate(schema, { ...first, success: 'yes' }).join('\n')).toContain('/success: expected boolean');
  });
});

describe('after delivery events (issue 12): docs/status.schema.json and the next send, against real output', () => {
  let ws: Awaited<ReturnType<typeof demoWorkspace>>;
  let statusSchema: JsonSchema;
  const cli = (...args: string[]) => startCli([...args, '--config', ws.config], { cwd: ws.dir }).done;

  beforeAll(async () => {
    statusSchema = JSON.parse(await readFile(`${REPO_ROOT}docs/status.schema.json`, 'utf8')) as JsonSchema;
    ws = await demoWorkspace();
    const sent = await cli('send-report', ...SEND_JANUARY, '--yes');
    expect(sent.code, sent.stderr).toBe(0);
    // The demo's events: a delivery, a permanent bounce and a complaint for messages of this campaign.
    const imported = await cli('events', 'import', 'ses-events.jsonl');
    expect(imported.code, imported.stderr).toBe(0);
  });

  it('status --json (SQLite ledger rows with their delivery) matches docs/status.schema.json in every view', async () => {
    const views = [
      [],
      ['--bounced'],
      ['--all', '--verbose'],
      ['--all', '--limit', '2'],
      ['--email', 'dylan@example.com'],
    ];
    for (const view of views) {
      const result = await cli('status', ...SEND_JANUARY.slice(0, 4), ...view, '--json');
      expect(result.code, `${view.join(' ')}: ${result.stderr}`).toBe(0);
      const document = parseJson<{ delivery?: { bounced: number }; rows?: { delivery?: unknown }[] }>(result);
      expect(validate(statusSchema, document), view.join(' ')).toEqual([]);
      if (view[0] === '--bounced') {
        expect(document.delivery).toMatchObject({ bounced: 1, complained: 1 });
        expect(document.rows?.map((row) => row.delivery)).toEqual([
          expect.objectContaining({ state: expect.stringMatching(/^(bounced|complained)$/) }),
          expect.objectContaining({ state: expect.stringMatching(/^(bounced|complained)$/) }),
        ]);
      }
    }
    const unknown = await cli('status', '--campaign-id', 'financial-1999-01', '--json');
    expect(unknown.code).toBe(4);
    expect(validate(statusSchema, parseJson(unknown))).toEqual([]);
  });

  it('the next campaign skips the bounced address with its reason, and its summary matches the send schema', async () => {
    const next = await cli(
      'send-report',
      ...SEND_JANUARY,
      '--campaign-id',
      `${CAMPAIGN}-again`,
      '--yes',
      '--json',
    );
    expect(next.code, next.stderr).toBe(0);
    const summary = parseJson<SendJson>(next);
    expect(summary.data.results.skipped).toContainEqual(
      expect.objectContaining({ reason: 'suppressed (bounce)' }),
    );
    expectValid(summary);
  });
});
