import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilePayoutSource } from '../../src/adapters/local/payouts-file.js';
import { ConfigError, ExitCode, InputError } from '../../src/core/common/errors.js';
import { formatMoney } from '../../src/core/common/money.js';
import { parsePayoutRows, totalsOf } from '../../src/core/payouts/payout-statements.js';
import type { PayoutRequest } from '../../src/ports.js';

const DEMO_FILE = fileURLToPath(new URL('../../examples/demo/payouts.json', import.meta.url));
const DEMO_IDS = [
  'DYLVN',
  'DYLVN-2',
  'MOL',
  'RIFFRAFF',
  'ART-01',
  'ART_02',
  'GOODID',
  'AMBI',
  'ZOE',
  'NOREP',
];
const ROWS = [
  { customId: 'DYLVN', payout: [] },
  { customId: 'mol', payout: [] },
  { customId: 'OTHER', payout: [] },
];

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dn-mailer-payouts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const request = (customIds: string[], period = { month: 1, year: 2025 }): PayoutRequest => ({
  customIds,
  period,
  payoutType: 'youtube',
});

describe('file payout source', () => {
  it.each([
    ['a bare array', JSON.stringify(ROWS)],
    ['an envelope whose body is an array', JSON.stringify({ statusCode: 200, body: ROWS })],
    [
      'an envelope whose body is a JSON string',
      JSON.stringify({ statusCode: 200, body: JSON.stringify(ROWS) }),
    ],
  ])('reads %s and answers only the requested IDs, case-insensitively', async (name, text) => {
    const file = await fileWith(`${name.replaceAll(' ', '-')}.json`, text);
    const source = createFilePayoutSource(file);
    expect(source.origin).toBe(file);
    await expect(source.fetchPayouts(request(['dylvn', 'MOL', 'ZOE']))).resolves.toEqual([ROWS[0], ROWS[1]]);
  });

  it('passes on rows without a string customId so the core reports them', async () => {
    const rows = [{ payout: [] }, { customId: 7 }, { customId: 'NOPE' }];
    const file = await fileWith('odd.json', JSON.stringify(rows));
    await expect(createFilePayoutSource(file).fetchPayouts(request(['A']))).resolves.toEqual([
      rows[0],
      rows[1],
    ]);
  });

  it('answers one payout type: a row tagged with its payoutType, untagged rows for the first configured type', async () => {
    const rows = [
      { customId: 'A', payout: [] },
      { customId: 'A', payoutType: 'distro', payout: [] },
      { customId: 'A', payoutType: 'youtube', payout: [] },
    ];
    const file = await fileWith('types.json', JSON.stringify(rows));
    const ask = (payoutType: string, untagged?: string) =>
      createFilePayoutSource(file, untagged).fetchPayouts({ ...request(['A']), payoutType });
    await expect(ask('youtube')).resolves.toEqual([rows[0], rows[2]]);
    await expect(ask('distro')).resolves.toEqual([rows[1]]);
    await expect(ask('distro', 'distro')).resolves.toEqual([rows[0], rows[1]]);
  });

  it('refuses an unreadable file as a ConfigError naming payouts.file', async () => {
    const missing = path.join(dir, 'missing.json');
    const error = await createFilePayoutSource(missing)
      .fetchPayouts(request(['A']))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      exitCode: ExitCode.config,
      message: expect.stringContaining('payouts.file'),
    });
    expect((error as ConfigError).message).toContain(missing);
  });

  it.each([
    ['bad JSON', '{"statusCode":200,"body":'],
    ['a body string that is bad JSON', '{"statusCode":200,"body":"[{"}'],
    ['a body that is not an array', '{"statusCode":200,"body":{}}'],
    ['a recorded failure', '{"statusCode":500,"body":"[]"}'],
  ])('rejects %s as an InputError (exit 4)', async (name, text) => {
    const file = await fileWith(`${name.replaceAll(' ', '-')}.json`, text);
    const error = await createFilePayoutSource(file)
      .fetchPayouts(request(['A']))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ exitCode: ExitCode.input });
  });
});

describe('the demo payouts file', () => {
  const source = createFilePayoutSource(DEMO_FILE);

  it('January 2025: one entry per active creator, two DYLVN contracts, ZOE idle, one inconsistent balance', async () => {
    const rows = await source.fetchPayouts(request(DEMO_IDS));
    const parsed = parsePayoutRows(rows, { month: 1, year: 2025 });
    expect(parsed.problems).toEqual([]);
    expect([...parsed.byId.keys()].sort()).toEqual(
      ['AMBI', 'ART-01', 'ART_02', 'DYLVN', 'DYLVN-2', 'GOODID', 'MOL', 'RIFFRAFF'].sort(),
    );
    expect(parsed.byId.get('DYLVN')).toHaveLength(2);
    expect(rows.some((r) => (r as { customId: string }).customId === 'NOREP')).toBe(false);
    expect(parsed.warnings).toEqual([
      { customId: 'ART_02', contractCode: 'DST-ART02-01', message: expect.stringMatching(/off by 0\.03/) },
    ]);
  });

  it('December 2025 reproduces the reference figures for DYLVN', async () => {
    const rows = await source.fetchPayouts(request(['DYLVN'], { month: 12, year: 2025 }));
    const parsed = parsePayoutRows(rows, { month: 12, year: 2025 });
    const contracts = parsed.byId.get('DYLVN') ?? [];
    expect(parsed.warnings).toEqual([]);
    expect(
      contracts.map((c) =>
        [c.openingCents, c.earningsCents, c.paymentsCents, c.closingCents].map((v) => formatMoney(v, 'USD')),
      ),
    ).toEqual([
      ['$1,250.00', '$450.50', '-$1,250.00', '$450.50'],
      ['$980.00', '$446.00', '-$980.00', '$446.00'],
    ]);
    expect(totalsOf(contracts).closingCents).toBe(89650);
  });
});
