/**
 * A synthetic local workspace for the plan benchmark: users.json and payouts.json in the Korrect shapes, a
 * reports/ directory laid out like the bucket (new and legacy layouts, several month spellings), a fresh RSA key
 * and a .distronationrc.json. Deterministic; what every recipient should get is returned as `expected`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRandom, pick } from './random.js';

export const BASE_URL = 'https://reports.bench.distro-nation.test';
export const KEY_PAIR_ID = 'KBENCH000000000';

/** What the plan must hold for one recipient. */
export interface ExpectedRecipient {
  email: string;
  /** After aliases: the ID of the report keys and payout rows. */
  customId: string;
  /** The YouTube then the distribution report key. */
  keys: [string, string];
  contracts: number;
  closingCents: number;
}

export interface PlanWorkspace {
  dir: string;
  configPath: string;
  publicKey: KeyObject;
  expected: Map<string, ExpectedRecipient>;
  counts: {
    creators: number;
    inactive: number;
    aliases: number;
    layouts: Record<Layout, number>;
    contracts: number;
    otherPeriodContracts: number;
    files: number;
  };
}

type Layout = 'new' | 'legacy' | 'mixed';

const NEW_MONTHS = ['January', 'January', 'January', 'january', '01'] as const;
const LEGACY_MONTHS = ['JANUARY', 'January', 'january', '01'] as const;
const ALIAS_SHARE = 0.02;
const INACTIVE_SHARE = 0.01;

/** Writes the workspace for `creators` active creators into a new temp folder. */
export async function createPlanWorkspace(creators: number, seed = 2025): Promise<PlanWorkspace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dn-bench-plan-'));
  const random = createRandom(seed);
  const users: object[] = [];
  const payouts: object[] = [];
  const files: string[] = [];
  const aliases: Record<string, string> = {};
  const expected = new Map<string, ExpectedRecipient>();
  const counts: PlanWorkspace['counts'] = {
    creators,
    inactive: 0,
    aliases: 0,
    layouts: { new: 0, legacy: 0, mixed: 0 },
    contracts: 0,
    otherPeriodContracts: 0,
    files: 0,
  };

  for (let index = 0; index < creators; index += 1) {
    const n = String(index).padStart(5, '0');
    const { id, stored } = spellId(n, random);
    let listed = id;
    if (random() < ALIAS_SHARE) {
      listed = `OLD${n}`;
      aliases[listed] = id;
      counts.aliases += 1;
    }
    const email = `creator${n}@bench.example`;
    users.push(userRow(`Creator ${n}`, 'active', email, listed));
    if (random() < INACTIVE_SHARE) {
      users.push(userRow(`Former ${n}`, 'inactive', `former${n}@bench.example`, `X${n}`));
      counts.inactive += 1;
    }
    const layout = pick<Layout>(random, [
      'new',
      'new',
      'new',
      'new',
      'new',
      'new',
      'new',
      'legacy',
      'mixed',
      'mixed',
    ]);
    counts.layouts[layout] += 1;
    const keys = reportKeys(layout, stored, random);
    files.push(...keys);
    // Payout rows carry the exact ID asked for: a row spelled otherwise reaches nobody and stops the send as a
    // payout-warnings finding (issue #11; tested in test/cli/send-gates.test.ts), which a throughput bench must not model.
    const payout = payoutRow(id, random);
    payouts.push(payout.row);
    counts.contracts += payout.contracts;
    counts.otherPeriodContracts += payout.otherPeriod;
    expected.set(email, {
      email,
      customId: id,
      keys,
      contracts: payout.contracts,
      closingCents: payout.closing,
    });
  }

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  mkdirSync(path.join(dir, 'keys'));
  writeFileSync(path.join(dir, 'keys', 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(path.join(dir, 'users.json'), JSON.stringify({ statusCode: 200, body: users }));
  writeFileSync(path.join(dir, 'payouts.json'), JSON.stringify({ statusCode: 200, body: payouts }));
  writeReportFiles(path.join(dir, 'reports'), files);
  counts.files = files.length;
  const configPath = path.join(dir, '.distronationrc.json');
  writeFileSync(configPath, JSON.stringify(configFor(aliases), null, 2));
  return { dir, configPath, publicKey, expected, counts };
}

/** The ID a creator is known by, and the spelling its reports were uploaded under (legacy uploads vary). */
function spellId(n: string, random: () => number): { id: string; stored: string } {
  const r = random();
  if (r < 0.8) return { id: `C${n}`, stored: `C${n}` };
  if (r < 0.88) return { id: `m${n}`, stored: `M${n}` };
  if (r < 0.95) return { id: `AR-${n}`, stored: random() < 0.5 ? `AR${n}` : `AR-${n}` };
  return { id: `LB_${n}`, stored: `LB-${n}` };
}

function userRow(userName: string, status: string, email: string, customID: string): object {
  return {
    userName,
    status,
    emailsUser: email,
    creators: [{ channels: [{ customID, channelName: userName, platform: 'youtube' }] }],
  };
}

function reportKeys(layout: Layout, stored: string, random: () => number): [string, string] {
  const month = layout === 'legacy' ? pick(random, LEGACY_MONTHS) : pick(random, NEW_MONTHS);
  const youtube =
    layout === 'legacy'
      ? `Exports/2025/${month}/${stored}/${stored}.zip`
      : `financial-reports/2025/${month}/${stored}-youtube.pdf`;
  const distroMonth = layout === 'mixed' ? pick(random, LEGACY_MONTHS) : month;
  const distro =
    layout === 'new'
      ? `financial-reports/2025/${month}/${stored}-distro.pdf`
      : `Distro/2025/${distroMonth}/${stored}/${stored}.zip`;
  return [youtube, distro];
}

/** One or two January contracts whose balances add up, sometimes a December one (which the plan ignores). */
function payoutRow(customId: string, random: () => number) {
  const january = random() < 0.6 ? 1 : 2;
  const payout: object[] = [];
  let closing = 0;
  for (let c = 0; c < january; c += 1) {
    const contract = contractFigures(`${customId.toUpperCase()}-${c + 1}`, 2025, 1, random);
    closing += contract.closing;
    payout.push(contract.row);
  }
  const otherPeriod = random() < 0.1 ? 1 : 0;
  if (otherPeriod) payout.push(contractFigures(`${customId.toUpperCase()}-1`, 2024, 12, random).row);
  return { row: { customId, payout }, contracts: january, otherPeriod, closing };
}

function contractFigures(contractCode: string, year: number, month: number, random: () => number) {
  const cents = (max: number) => Math.floor(random() * max);
  const opening = cents(200_000);
  const payments = random() < 0.5 ? -opening : 0;
  const earnings = cents(150_000);
  const period = earnings + payments;
  const closing = opening + period;
  const amount = (value: number) => value / 100;
  const row = {
    contractCode,
    yearPart: year,
    monthPart: month,
    openingBal: amount(opening),
    paymentsAll: amount(payments),
    performanceRoy: amount(Math.floor(earnings / 3)),
    subscriptionRoy: amount(earnings - Math.floor(earnings / 3)),
    paidFeatures: 0,
    royEarnings: 0,
    pubEarnings: 0,
    recoupables: 0,
    periodBal: amount(period),
    totalBal: amount(closing),
    royaltyPeriod: year * 100 + month,
    totalViews: cents(1_000_000),
    totalUnits: 0,
    totalRows: 0,
    totalGross: amount(Math.round(earnings * 1.1)),
    shortsEarnings: 0,
  };
  return { row, closing };
}

function writeReportFiles(root: string, keys: readonly string[]): void {
  const made = new Set<string>();
  for (const key of keys) {
    const file = path.join(root, ...key.split('/'));
    const folder = path.dirname(file);
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    writeFileSync(file, `bench report ${key}\n`);
  }
}

function configFor(customIdAliases: Record<string, string>): object {
  return {
    backend: 'local',
    users: { source: 'file', file: 'users.json', excludeEmails: ['qa@bench.example'], customIdAliases },
    reports: { dir: 'reports' },
    payouts: { file: 'payouts.json', payoutType: 'youtube', currency: 'USD' },
    links: {
      baseUrl: BASE_URL,
      keyPairId: KEY_PAIR_ID,
      privateKey: { file: 'keys/private.pem' },
      expiresInDays: 25,
    },
    email: {
      from: 'Distro Nation Finance <reports@distro-nation.test>',
      replyTo: 'finance@distro-nation.test',
      footerNote: 'Questions about your statement? Reply to this e-mail.',
      unsubscribeUrl: 'https://distro-nation.test/unsubscribe',
    },
    // A static footer link, deliberately: the workspace measures planning and sending, not tokens.
    unsubscribe: { mode: 'none', noneReason: 'generated benchmark workspace (static footer link only)' },
  };
}
