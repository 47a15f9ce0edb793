import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKorrectClient } from '../../src/adapters/korrect/client.js';
import { createKorrectPayoutSource } from '../../src/adapters/korrect/payouts.js';
import { BackendError, ConfigError, ExitCode } from '../../src/core/common/errors.js';
import { formatMoney } from '../../src/core/common/money.js';
import type { RetryPolicy } from '../../src/core/common/retry.js';
import { parsePayoutRows, totalsOf } from '../../src/core/payouts/payout-statements.js';
import type { PayoutRequest } from '../../src/ports.js';
import seedEnvelope from '../fixtures/korrect-payouts-dylvn-2025-12.json' with { type: 'json' };
import {
  type KorrectFake,
  korrectEnvelope,
  PAYOUTS_ROUTE,
  startKorrectFake,
} from '../support/korrect-fake.js';

const API_KEY = 'test-korrect-key';
const POLICY: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 250 };
const DECEMBER_2025 = { month: 12, year: 2025 };

/** One row per requested ID, so the rows show which request they came from. */
function answerEachId(request: unknown): unknown[] {
  const ids = (request as { customIds?: string[] } | undefined)?.customIds ?? [];
  return ids.map((customId) => ({ customId, payout: [] }));
}

let fake: KorrectFake;
let delays: number[];

beforeAll(async () => {
  fake = await startKorrectFake({ payouts: answerEachId });
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
  fake.setPayouts(answerEachId);
  delays = [];
});

interface SourceOptions {
  chunkSize?: number;
  concurrency?: number;
  fetch?: typeof globalThis.fetch;
}

function createSource(options: SourceOptions = {}) {
  const client = createKorrectClient({
    baseUrl: fake.baseUrl,
    apiKey: async () => API_KEY,
    timeoutMs: 2_000,
    retry: POLICY,
    deps: {
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
    },
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  return createKorrectPayoutSource(client, {
    chunkSize: options.chunkSize ?? 50,
    concurrency: options.concurrency ?? 4,
  });
}

const request = (customIds: string[], period = DECEMBER_2025): PayoutRequest => ({
  customIds,
  period,
  payoutType: 'youtube',
});
const ids = (n: number) => Array.from({ length: n }, (_, i) => `ID${String(i).padStart(3, '0')}`);

describe('Korrect payout source against the fake', () => {
  it('splits 120 IDs into 3 POSTs of at most 50 with the documented body, rows in ID order', async () => {
    const all = ids(120);
    const source = createSource({ chunkSize: 50 });
    expect(source.origin).toBe(`Korrect ${fake.baseUrl}/dn_payouts_fetch`);
    const rows = await source.fetchPayouts(request(all, { month: 3, year: 2025 }));
    expect(rows.map((r) => (r as { customId: string }).customId)).toEqual(all);
    const sent = fake.requestsTo(PAYOUTS_ROUTE);
    expect(sent).toHaveLength(3);
    const bodies = sent.map((r) => r.json as { customIds: string[] });
    bodies.sort((a, b) => (a.customIds[0] ?? '').localeCompare(b.customIds[0] ?? ''));
    expect(bodies).toEqual(
      [0, 50, 100].map((start) => ({
        payoutType: 'youtube',
        startMonth: '3',
        endMonth: '3',
        startYear: '2025',
        endYear: '2025',
        customIds: all.slice(start, start + 50),
      })),
    );
    for (const r of sent) {
      expect(r.headers['x-api-key']).toBe(API_KEY);
      expect(r.headers['content-type']).toBe('application/json');
    }
  });

  it('sends months as "1"–"12" without padding', async () => {
    await createSource().fetchPayouts(request(['A'], { month: 1, year: 2025 }));
    expect(fake.requestsTo(PAYOUTS_ROUTE)[0]?.json).toMatchObject({ startMonth: '1', endMonth: '1' });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let active = 0;
    let peak = 0;
    const counting: typeof globalThis.fetch = async (...args) => {
      active += 1;
      peak = Math.max(peak, active);
      try {
        return await globalThis.fetch(...args);
      } finally {
        active -= 1;
      }
    };
    const slow = { delayMs: 40, body: korrectEnvelope([]) };
    fake.enqueue(PAYOUTS_ROUTE, ...Array.from({ length: 6 }, () => slow));
    await createSource({ chunkSize: 2, concurrency: 2, fetch: counting }).fetchPayouts(request(ids(12)));
    expect(fake.requestsTo(PAYOUTS_ROUTE)).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('asks once per ID: repeated IDs (any case) are sent once, so contracts are not counted twice', async () => {
    await createSource({ chunkSize: 2 }).fetchPayouts(request(['DYLVN', 'MOL', 'dylvn', 'MOL', 'ZOE']));
    const sentIds = fake
      .requestsTo(PAYOUTS_ROUTE)
      .flatMap((r) => (r.json as { customIds: string[] }).customIds);
    expect(sentIds.sort()).toEqual(['DYLVN', 'MOL', 'ZOE']);
  });

  it('makes no request for no IDs', async () => {
    await expect(createSource().fetchPayouts(request([]))).resolves.toEqual([]);
    expect(fake.requestsTo(PAYOUTS_ROUTE)).toHaveLength(0);
  });

  it('reads the reference answer (body a JSON string) into the reference figures', async () => {
    fake.enqueue(PAYOUTS_ROUTE, { body: JSON.stringify(seedEnvelope) });
    const rows = await createSource().fetchPayouts(request(['DYLVN']));
    const parsed = parsePayoutRows(rows, DECEMBER_2025);
    const totals = totalsOf(parsed.byId.get('DYLVN') ?? []);
    expect(parsed.problems).toEqual([]);
    expect(formatMoney(totals.earningsCents, 'USD')).toBe('$896.50');
    expect(parsed.byId.get('DYLVN')?.map((c) => formatMoney(c.closingCents, 'USD'))).toEqual([
      '$450.50',
      '$446.00',
    ]);
  });

  it('reads an envelope whose body is an array, and a bare array', async () => {
    const rows = [{ customId: 'MOL', payout: [] }];
    fake.enqueue(PAYOUTS_ROUTE, { body: JSON.stringify({ statusCode: 200, body: rows }) });
    await expect(createSource().fetchPayouts(request(['MOL']))).resolves.toEqual(rows);
    fake.enqueue(PAYOUTS_ROUTE, { body: JSON.stringify(rows) });
    await expect(createSource().fetchPayouts(request(['MOL']))).resolves.toEqual(rows);
  });

  it('retries a 503 and then succeeds', async () => {
    fake.enqueue(PAYOUTS_ROUTE, { status: 503, body: '{"message":"busy"}' });
    await expect(createSource().fetchPayouts(request(['A']))).resolves.toEqual([
      { customId: 'A', payout: [] },
    ]);
    const sent = fake.requestsTo(PAYOUTS_ROUTE);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.json).toEqual(sent[0]?.json);
    expect(delays).toEqual([50]);
  });

  it('gives up with a BackendError (exit 5) when Korrect stays unavailable', async () => {
    fake.enqueue(PAYOUTS_ROUTE, ...Array.from({ length: POLICY.retries + 1 }, () => ({ status: 502 })));
    const error = await createSource()
      .fetchPayouts(request(['A']))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({
      exitCode: ExitCode.backend,
      message: expect.stringMatching(/dn_payouts_fetch/),
    });
  });

  it.each([401, 403])('refuses HTTP %i as a ConfigError (exit 3) without retrying', async (status) => {
    fake.enqueue(PAYOUTS_ROUTE, { status, body: '{"message":"Forbidden"}' });
    const error = await createSource()
      .fetchPayouts(request(['A']))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ exitCode: ExitCode.config });
    expect(fake.requestsTo(PAYOUTS_ROUTE)).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('sends no further chunks once one is refused', async () => {
    fake.enqueue(PAYOUTS_ROUTE, { status: 401 });
    const source = createSource({ chunkSize: 1, concurrency: 1 });
    await expect(source.fetchPayouts(request(ids(5)))).rejects.toBeInstanceOf(ConfigError);
    expect(fake.requestsTo(PAYOUTS_ROUTE)).toHaveLength(1);
  });

  it('refuses a chunk size or concurrency below 1', () => {
    expect(() => createSource({ chunkSize: 0 })).toThrow(/chunkSize/);
    expect(() => createSource({ concurrency: 0 })).toThrow(/concurrency/);
  });
});
