import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKorrectClient } from '../../src/adapters/korrect/client.js';
import { createKorrectUserSource } from '../../src/adapters/korrect/users.js';
import { BackendError, ConfigError, ExitCode, InputError } from '../../src/core/common/errors.js';
import type { RetryPolicy } from '../../src/core/common/retry.js';
import { loadRecipients } from '../../src/core/recipients/load-recipients.js';
import { type KorrectFake, korrectEnvelope, startKorrectFake, USERS_ROUTE } from '../support/korrect-fake.js';

const API_KEY = 'test-korrect-key';
const POLICY: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 250 };
const RULES = { excludeEmails: ['Blocked@Example.com'], customIdAliases: { MOLS: 'MOL' } };

const row = (email: unknown, ids: string[] = [], status = 'active') => ({
  userName: `user ${String(email)}`,
  status,
  emailsUser: email,
  creators: [{ channels: ids.map((customID) => ({ customID })) }],
});
const ROWS = [row('ada@example.com', ['ADA1']), row('bob@example.com', ['MOLS'])];

let fake: KorrectFake;
let delays: number[];

beforeAll(async () => {
  fake = await startKorrectFake({ users: ROWS });
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
  fake.setUsers(ROWS);
  delays = [];
});

/** A deterministic `random`: cycles through `values`. */
function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

function createSource(options: { timeoutMs?: number; random?: () => number } = {}) {
  const client = createKorrectClient({
    baseUrl: fake.baseUrl,
    apiKey: async () => API_KEY,
    timeoutMs: options.timeoutMs ?? 2_000,
    retry: POLICY,
    deps: {
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: options.random ?? (() => 0.5),
    },
  });
  return createKorrectUserSource(client);
}

async function loadError(source = createSource()): Promise<unknown> {
  return source.loadUsers().then(
    () => expect.fail('expected loadUsers to fail'),
    (error: unknown) => error,
  );
}

describe('Korrect user source against the fake', () => {
  it('reads the default envelope whose body is a JSON string, sending the x-api-key header', async () => {
    const source = createSource();
    expect(source.origin).toBe(`Korrect ${fake.baseUrl}/dn_users_list`);
    await expect(source.loadUsers()).resolves.toEqual(ROWS);
    const [request, ...others] = fake.requestsTo(USERS_ROUTE);
    expect(others).toEqual([]);
    expect(request?.method).toBe('GET');
    expect(request?.headers['x-api-key']).toBe(API_KEY);
    expect(request?.headers.accept).toBe('application/json');
    expect(delays).toEqual([]);
  });

  it('reads an envelope whose body is an array', async () => {
    fake.enqueue(USERS_ROUTE, { body: JSON.stringify({ statusCode: 200, body: ROWS }) });
    await expect(createSource().loadUsers()).resolves.toEqual(ROWS);
  });

  it('reads a bare array', async () => {
    fake.enqueue(USERS_ROUTE, { body: JSON.stringify(ROWS) });
    await expect(createSource().loadUsers()).resolves.toEqual(ROWS);
  });

  it.each([503, 429, 500])('retries HTTP %i and then succeeds', async (status) => {
    fake.enqueue(USERS_ROUTE, { status, body: '{"message":"busy"}' });
    await expect(createSource().loadUsers()).resolves.toEqual(ROWS);
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(2);
    expect(delays).toEqual([50]); // random 0.5 × min(max, base·2^0)
  });

  it('jitters each delay below the exponential ceiling, capped at maxDelayMs', async () => {
    fake.enqueue(USERS_ROUTE, { status: 503 }, { status: 503 }, { status: 503 });
    await expect(createSource({ random: sequence([0.5, 0.999, 0.999]) }).loadUsers()).resolves.toEqual(ROWS);
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(4);
    expect(delays).toEqual([50, 199, 249]); // ceilings 100, 200, min(250, 400)
  });

  it('retries a network error (socket destroyed) and then succeeds', async () => {
    fake.enqueue(USERS_ROUTE, { destroy: true });
    await expect(createSource().loadUsers()).resolves.toEqual(ROWS);
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('treats an envelope statusCode 500 like HTTP 500 (retried)', async () => {
    fake.enqueue(USERS_ROUTE, { body: korrectEnvelope([], 500) });
    await expect(createSource().loadUsers()).resolves.toEqual(ROWS);
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(2);
    expect(delays).toEqual([50]);
  });

  it('gives up after the retries with a BackendError (exit 5) and a hint', async () => {
    fake.enqueue(USERS_ROUTE, ...Array.from({ length: POLICY.retries + 1 }, () => ({ status: 503 })));
    const error = await loadError();
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ exitCode: ExitCode.backend, message: expect.stringMatching(/HTTP 503/) });
    expect((error as BackendError).message).toMatch(/after 4 attempts/);
    expect((error as BackendError).hint).toMatch(/reachable/);
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(POLICY.retries + 1);
    expect(delays).toHaveLength(POLICY.retries);
  });

  it.each([401, 403])('refuses HTTP %i as a ConfigError (exit 3) without retrying', async (status) => {
    fake.enqueue(USERS_ROUTE, { status, body: '{"message":"Forbidden"}' });
    const error = await loadError();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ exitCode: ExitCode.config, hint: expect.stringMatching(/apiKey/) });
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('refuses an envelope statusCode 403 as a ConfigError without retrying', async () => {
    fake.enqueue(USERS_ROUTE, { body: korrectEnvelope([], 403) });
    await expect(loadError()).resolves.toBeInstanceOf(ConfigError);
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(1);
  });

  it('reports HTTP 404 as a BackendError naming the base URL, without retrying', async () => {
    fake.enqueue(USERS_ROUTE, { status: 404, body: '{}' });
    const error = await loadError();
    expect(error).toMatchObject({ exitCode: ExitCode.backend, hint: expect.stringMatching(/baseUrl/) });
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(1);
  });

  it.each([
    ['a malformed response', '{"statusCode":200,"body":'],
    ['a malformed body string', '{"statusCode":200,"body":"[{"}'],
    ['a body that is not an array', '{"statusCode":200,"body":"{}"}'],
    ['an object without body', '{"rows":[]}'],
  ])('rejects %s as an InputError (exit 4) without retrying', async (_what, body) => {
    fake.enqueue(USERS_ROUTE, { body });
    const error = await loadError();
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ exitCode: ExitCode.input });
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(1);
  });

  it('retries a request that times out and then succeeds', async () => {
    fake.enqueue(USERS_ROUTE, { delayMs: 1_000, body: korrectEnvelope([]) });
    await expect(createSource({ timeoutMs: 100 }).loadUsers()).resolves.toEqual(ROWS);
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('gives up with a BackendError when every attempt times out', async () => {
    const late = { delayMs: 1_000, body: korrectEnvelope([]) };
    fake.enqueue(USERS_ROUTE, ...Array.from({ length: POLICY.retries + 1 }, () => late));
    const error = await loadError(createSource({ timeoutMs: 100 }));
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(/no answer within 100 ms/);
    expect(fake.requestsTo(USERS_ROUTE)).toHaveLength(POLICY.retries + 1);
  });
});

describe('loadRecipients from Korrect', () => {
  it('applies the recipient rules to the rows', async () => {
    fake.setUsers([
      ...ROWS,
      row('BLOCKED@example.com', ['X1']),
      row('Ada@Example.com ', ['ADA2']),
      row('zed@example.com', ['Z1'], 'inactive'),
    ]);
    const selection = await loadRecipients(createSource(), RULES);
    expect(selection.origin).toBe(`Korrect ${fake.baseUrl}/dn_users_list`);
    expect(selection.totalRows).toBe(5);
    expect(selection.recipients).toEqual([
      expect.objectContaining({ email: 'ada@example.com', rows: [0, 3], customIds: ids('ADA1', 'ADA2') }),
      expect.objectContaining({
        email: 'bob@example.com',
        rows: [1],
        customIds: [{ original: 'MOLS', resolved: 'MOL' }],
      }),
    ]);
    expect(selection.skipped.map((s) => [s.index, s.reason])).toEqual([
      [2, 'excluded'],
      [3, 'duplicate'],
      [4, 'inactive'],
    ]);
  });

  it('reports bad rows by index and field, keeps the good rows and continues', async () => {
    const bad = ['not a row', row(42, ['N1']), { userName: 'no status', emailsUser: 'x@example.com' }];
    fake.setUsers([ROWS[0], ...bad, ROWS[1], row('eve@example.com', ['bad id!'])]);
    const selection = await loadRecipients(createSource(), RULES);
    expect(selection.rowProblems).toEqual([
      { index: 1, field: '(row)', message: expect.any(String) },
      { index: 2, field: 'emailsUser', message: expect.stringMatching(/e-mail address/) },
      { index: 3, field: 'status', message: expect.stringMatching(/"active"/) },
    ]);
    expect(selection.recipients.map((r) => [r.email, r.rows])).toEqual([
      ['ada@example.com', [0]],
      ['bob@example.com', [4]],
      ['eve@example.com', [5]],
    ]);
    expect(selection.rejectedIds).toEqual([
      { index: 5, email: 'eve@example.com', customId: 'bad id!', reason: expect.any(String) },
    ]);
  });
});

function ids(...values: string[]) {
  return values.map((value) => ({ original: value, resolved: value }));
}
