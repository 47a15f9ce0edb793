import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BODY, DEFAULT_GREETING, DEFAULT_SUBJECT } from '../../src/config/sections/campaign.js';
import { ExitCode, InputError } from '../../src/core/common/errors.js';
import { prettyJsonChunks } from '../../src/core/plan/manifest-json.js';
import { type CampaignPlan, type CampaignSettings, planCampaign } from '../../src/core/plan/plan-campaign.js';
import {
  type CanonicalPlan,
  canonicalPlan,
  checkApproval,
  diffPlans,
  type PlanIdentity,
  planDigest,
  streamedCanonicalPlan,
} from '../../src/core/plan/plan-digest.js';
import { DEFAULT_REPORT_PATTERNS } from '../../src/core/reports/report-paths.js';
import type { UnsubscribeSettings } from '../../src/core/unsubscribe/unsubscribe-links.js';
import { defaultTemplates } from '../support/templates.js';
import { aesTokens } from '../support/unsubscribe-endpoint.js';

/**
 * The approval digest over plans made by `planCampaign` on in-memory ports: a small world of creators (user rows,
 * payout rows in the Korrect shape, report keys) planned at some clock, in some order.
 */

type ReportType = 'youtube' | 'distro';

interface Contract {
  code: string;
  /** Cents. */
  opening: number;
  payments: number;
  period: number;
  total: number;
  views?: number;
}

interface Creator {
  email: string;
  /** As payouts and report keys spell it. */
  id: string;
  /** As the user rows spell it, when an alias maps it to `id`. */
  userId?: string;
  name: string;
  contracts: Contract[];
  reports: ReportType[];
}

interface PlanOptions {
  now?: Date;
  /** Shuffles users, payout rows, contracts and listed keys (0: as given). */
  seed?: number;
  subject?: string;
  body?: string;
  html?: string;
  unsubscribe?: UnsubscribeSettings;
  aliases?: Record<string, string>;
}

const JANUARY = { month: 1, year: 2025 };
const NOW = new Date('2025-02-10T12:00:00Z');
const OWN: UnsubscribeSettings = {
  mode: 'own',
  baseUrl: 'https://unsubscribe.test/u',
  mailto: 'unsubscribe@example.com',
  topic: 'financial-reports',
  tokens: aesTokens(Buffer.alloc(32, 7)),
};
const IDENTITY: Omit<PlanIdentity, 'settings'> = {
  from: 'Distro Nation Finance <reports@example.com>',
  replyTo: 'finance@example.com',
  bcc: ['equity@example.com', 'audit@example.com'],
};

/**
 * A contract line of the canonical plan: `customId code`, then the contract's fields with amounts in cents.
 * Matched by what it must hold, not by its exact serialisation.
 */
const figure = (
  id: string,
  code: string,
  cents: { opening: number; earnings: number; payments: number; closing: number },
) =>
  expect.stringMatching(
    new RegExp(
      `^${id} ${code} (?=.*"openingCents":${cents.opening}\\b)(?=.*"earningsCents":${cents.earnings}\\b)(?=.*"paymentsCents":${cents.payments}\\b)(?=.*"closingCents":${cents.closing}\\b)`,
    ),
  );

const keyOf = (id: string, type: ReportType) => `financial-reports/2025/January/${id}-${type}.pdf`;

/** A deterministic shuffle (seed 0 keeps the order). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  if (seed === 0) return out;
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const dollars = (cents: number) => cents / 100;

function payoutRows(creators: readonly Creator[], seed: number): unknown[] {
  return shuffle(
    creators
      .filter((c) => c.contracts.length > 0)
      .map((c) => ({
        customId: c.id,
        payout: shuffle(c.contracts, seed).map((contract) => ({
          contractCode: contract.code,
          yearPart: 2025,
          monthPart: 1,
          openingBal: dollars(contract.opening),
          paymentsAll: dollars(contract.payments),
          periodBal: dollars(contract.period),
          totalBal: dollars(contract.total),
          royaltyPeriod: 202501,
          totalGross: 0,
          performanceRoy: 0,
          subscriptionRoy: 0,
          ...(contract.views === undefined ? {} : { totalViews: contract.views }),
        })),
      })),
    seed,
  );
}

function settingsOf(options: PlanOptions): CampaignSettings {
  return {
    brandName: 'Distro Nation',
    currency: 'USD',
    locale: 'en-US',
    lang: 'en',
    footerNote: null,
    unsubscribe: async () => options.unsubscribe ?? OWN,
    subject: options.subject ?? DEFAULT_SUBJECT,
    greeting: DEFAULT_GREETING,
    body: options.body ?? DEFAULT_BODY,
    expiresInDays: 25,
    payoutTypes: ['youtube'],
    requiredReportTypes: [],
  };
}

async function planOf(creators: readonly Creator[], options: PlanOptions = {}): Promise<CampaignPlan> {
  const seed = options.seed ?? 0;
  const now = options.now ?? NOW;
  const users = shuffle(
    creators.map((c) => ({
      userName: c.name,
      status: 'active',
      emailsUser: c.email,
      creators: [{ channels: [{ customID: c.userId ?? c.id }] }],
    })),
    seed,
  );
  const keys = shuffle(
    creators.flatMap((c) => c.reports.map((type) => keyOf(c.id, type))),
    seed,
  );
  const templates = defaultTemplates();
  const settings = settingsOf(options);
  return planCampaign(
    {
      users: { origin: 'memory users', loadUsers: async () => users },
      reports: {
        location: 'memory bucket',
        listKeys: async (prefix) => keys.filter((key) => key.startsWith(prefix)),
      },
      payouts: { origin: 'memory payouts', fetchPayouts: async () => payoutRows(creators, seed) },
      // Like CloudFront: the URL carries the expiry and a signature that changes with it.
      signer: {
        signUrls: async (list, expiresAt) =>
          new Map(
            list.map((key) => [
              key,
              `https://cdn.test/${key}?Expires=${expiresAt.getTime() / 1000}&Signature=sig${expiresAt.getTime()}`,
            ]),
          ),
      },
      templates: {
        location: 'built-in',
        load: async () => ({
          html: options.html === undefined ? templates.html : { ...templates.html, source: options.html },
          text: templates.text,
        }),
      },
      clock: { now: () => now },
      rules: { excludeEmails: [], customIdAliases: options.aliases ?? {}, sharedCustomIds: [] },
      patterns: DEFAULT_REPORT_PATTERNS,
      settings,
    },
    { period: JANUARY },
  );
}

async function canonicalOf(
  creators: readonly Creator[],
  options: PlanOptions = {},
  identity: Omit<PlanIdentity, 'settings'> = IDENTITY,
): Promise<CanonicalPlan> {
  const campaign = await planOf(creators, options);
  return canonicalPlan(campaign, { ...identity, settings: settingsOf(options) });
}

const consistent = (code: string, opening: number, payments: number, earnings: number): Contract => ({
  code,
  opening,
  payments,
  period: earnings + payments,
  total: opening + earnings + payments,
});

const DEMO: Creator[] = [
  {
    email: 'dylan@example.com',
    id: 'DYLVN',
    name: 'Dylan Vance',
    contracts: [
      consistent('ART001-DYLVN', 81_240, -81_240, 43_760),
      consistent('YT-DYLVN-0001', 64_000, 0, 34_000),
    ],
    reports: ['youtube', 'distro'],
  },
  {
    email: 'mollie@example.com',
    id: 'MOL',
    name: 'Mollie Stone',
    contracts: [consistent('YT-MOL-0001', 100_000, -50_000, 18_462)],
    reports: ['youtube'],
  },
  { email: 'zoe@example.com', id: 'ZOE', name: 'Zoë', contracts: [], reports: ['youtube'] },
  { email: 'nora@example.com', id: 'NOREP', name: 'Nora', contracts: [], reports: [] },
];

describe('canonicalPlan', () => {
  it('holds what a reviewer approves: recipients, IDs, subjects, figures in cents, report keys', async () => {
    const canonical = await canonicalOf(DEMO);
    expect(canonical).toMatchObject({
      version: 1,
      campaignId: 'financial-2025-01',
      period: '2025-01',
      sender: {
        from: IDENTITY.from,
        replyTo: 'finance@example.com',
        bcc: ['audit@example.com', 'equity@example.com'],
      },
      subjectTemplate: DEFAULT_SUBJECT,
      unsubscribe: 'own: one-click links to https://unsubscribe.test/u and a footer link',
      notMailed: [{ email: 'nora@example.com', customIds: ['NOREP'], reason: 'nothing-to-send' }],
    });
    expect(canonical.templates).toMatch(/^[0-9a-f]{64}$/);
    expect(canonical.recipients.map((r) => r.email)).toEqual([
      'dylan@example.com',
      'mollie@example.com',
      'zoe@example.com',
    ]);
    expect(canonical.recipients[0]).toEqual({
      email: 'dylan@example.com',
      userName: 'Dylan Vance',
      customIds: ['DYLVN'],
      subject: 'Your January 2025 financial report',
      figures: [
        figure('DYLVN', 'ART001-DYLVN', {
          opening: 81240,
          earnings: 43760,
          payments: -81240,
          closing: 43760,
        }),
        figure('DYLVN', 'YT-DYLVN-0001', { opening: 64000, earnings: 34000, payments: 0, closing: 98000 }),
      ],
      reportKeys: [
        `DYLVN distro Distribution Report ${keyOf('DYLVN', 'distro')} https://cdn.test`,
        `DYLVN youtube YouTube Report ${keyOf('DYLVN', 'youtube')} https://cdn.test`,
      ],
    });
    expect(canonical.recipients[2]).toMatchObject({ email: 'zoe@example.com', figures: [] });
  });

  it('never holds a signed URL, a signature, an expiry time or an unsubscribe token', async () => {
    const campaign = await planOf(DEMO);
    const json = JSON.stringify(canonicalPlan(campaign, { ...IDENTITY, settings: settingsOf({}) }));
    const token = new URL(
      campaign.plan.messages[0]?.headers['List-Unsubscribe']?.slice(1).split('>')[0] ?? '',
    ).searchParams.get('data');
    expect(token).toBeTruthy();
    // The link's host is part of the plan (a changed CloudFront host must change the digest); the signed URL is not.
    expect(json).toContain(' https://cdn.test"');
    for (const secret of [
      'https://cdn.test/',
      'Signature',
      'Expires',
      token ?? '',
      campaign.plan.expiresAt.toISOString(),
    ])
      expect(json).not.toContain(secret);
  });

  it('names an aliased ID as original→resolved and lists the plan findings by name', async () => {
    const warned: Creator[] = [
      {
        ...(DEMO[1] as Creator),
        userId: 'MOLS',
        contracts: [{ code: 'YT-MOL-0001', opening: 100, payments: 0, period: 50, total: 153 }],
      },
    ];
    const canonical = await canonicalOf(warned, { aliases: { MOLS: 'MOL' } });
    expect(canonical.recipients[0]).toMatchObject({
      customIds: ['MOLS→MOL'],
      figures: [figure('MOL', 'YT-MOL-0001', { opening: 100, earnings: 50, payments: 0, closing: 153 })],
      reportKeys: [`MOL youtube YouTube Report ${keyOf('MOL', 'youtube')} https://cdn.test`],
    });
    expect(canonical.findings).toEqual([
      { name: 'payout-warnings', entries: [expect.stringMatching(/^mollie@example\.com: .*YT-MOL-0001/)] },
    ]);
  });

  it('holds the figures of a custom ID that is not upper-case (payouts by the exact ID, like the e-mail)', async () => {
    const zoe: Creator = {
      email: 'zoe@example.com',
      id: 'Zoe',
      name: 'Zoe',
      contracts: [consistent('YT-ZOE-1', 1_000, 0, 500)],
      reports: ['youtube'],
    };
    const campaign = await planOf([zoe]);
    expect(campaign.plan.messages[0]?.contracts).toBe(1);
    expect(canonicalPlan(campaign, { ...IDENTITY, settings: settingsOf({}) }).recipients[0]?.figures).toEqual(
      [figure('Zoe', 'YT-ZOE-1', { opening: 1000, earnings: 500, payments: 0, closing: 1500 })],
    );
  });

  it('a change of email.body (what the creator reads) changes the digest', async () => {
    const before = await planOf(DEMO);
    const after = await planOf(DEMO, {
      body: 'Your statement for {{monthName}} {{year}} is below — CHANGED.',
    });
    expect(after.plan.messages[0]?.html).not.toBe(before.plan.messages[0]?.html);
    const changed = settingsOf({ body: 'Your statement for {{monthName}} {{year}} is below — CHANGED.' });
    expect(planDigest(canonicalPlan(after, { ...IDENTITY, settings: changed }))).not.toBe(
      planDigest(canonicalPlan(before, { ...IDENTITY, settings: settingsOf({}) })),
    );
  });

  it('a change of the views figure (shown by default, email.columns) changes the digest', async () => {
    const withViews = (views: number): Creator[] => [
      { ...(DEMO[1] as Creator), contracts: [{ ...consistent('YT-MOL-0001', 100, 0, 50), views }] },
    ];
    const before = await planOf(withViews(3_100));
    const after = await planOf(withViews(9_999));
    expect(after.plan.messages[0]?.html).not.toBe(before.plan.messages[0]?.html);
    expect(planDigest(canonicalPlan(after, { ...IDENTITY, settings: settingsOf({}) }))).not.toBe(
      planDigest(canonicalPlan(before, { ...IDENTITY, settings: settingsOf({}) })),
    );
  });
});

describe('planDigest', () => {
  it('is 64 hex characters, the same for two dry runs at different times', async () => {
    const first = planDigest(await canonicalOf(DEMO, { now: new Date('2025-02-01T00:00:00Z') }));
    const second = planDigest(await canonicalOf(DEMO, { now: new Date('2025-02-28T23:59:59Z') }));
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toBe(first);
  });

  it('does not depend on the order of the keys of the canonical JSON', async () => {
    const canonical = await canonicalOf(DEMO);
    const reversed = Object.fromEntries(Object.entries(canonical).reverse()) as unknown as CanonicalPlan;
    expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(canonical));
    expect(planDigest(reversed)).toBe(planDigest(canonical));
  });

  it('changes with the sender, the Bcc list, the templates and the unsubscribe mode', async () => {
    const base = planDigest(await canonicalOf(DEMO));
    const changed = [
      await canonicalOf(DEMO, {}, { ...IDENTITY, from: 'Finance <other@example.com>' }),
      await canonicalOf(DEMO, {}, { ...IDENTITY, bcc: ['equity@example.com'] }),
      await canonicalOf(DEMO, {}, { ...IDENTITY, replyTo: undefined }),
      await canonicalOf(DEMO, { html: `${defaultTemplates().html.source}\n<!-- changed -->` }),
      await canonicalOf(DEMO, { unsubscribe: { mode: 'static', url: null, noneReason: 'by contract' } }),
    ].map(planDigest);
    for (const digest of changed) expect(digest).not.toBe(base);
    expect(new Set(changed).size).toBe(changed.length);
  });
});

/** A small world of creators with unique addresses and IDs; `minContracts` 1 makes every creator mailed. */
function creatorsArb(minContracts = 0) {
  const contract = fc.record({
    opening: fc.integer({ min: -500_000, max: 500_000 }),
    payments: fc.integer({ min: -500_000, max: 0 }),
    earnings: fc.integer({ min: 0, max: 500_000 }),
    drift: fc.constantFrom(0, 0, 0, 3),
  });
  const creator = fc.record({
    contracts: fc.array(contract, { minLength: minContracts, maxLength: 2 }),
    reports: fc.subarray<ReportType>(['youtube', 'distro']),
  });
  return fc.array(creator, { minLength: 1, maxLength: 4 }).map((list) =>
    list.map(
      (c, i): Creator => ({
        email: `creator${i}@example.com`,
        id: `CR${i}X`,
        name: `Creator ${i}`,
        contracts: c.contracts.map((k, j) => {
          const base = consistent(`C${i}-${j}`, k.opening, k.payments, k.earnings);
          return { ...base, total: base.total + k.drift };
        }),
        reports: c.reports,
      }),
    ),
  );
}

const clockArb = fc.date({
  min: new Date('2025-02-01T00:00:00Z'),
  max: new Date('2025-12-31T00:00:00Z'),
  noInvalidDate: true,
});

describe('planDigest (properties)', () => {
  it('is stable under re-ordering of users, payout rows, contracts and report keys, and under other clocks', async () => {
    await fc.assert(
      fc.asyncProperty(
        creatorsArb(),
        clockArb,
        clockArb,
        fc.integer({ min: 1, max: 2 ** 31 }),
        async (creators, a, b, seed) => {
          const first = await canonicalOf(creators, { now: a });
          const second = await canonicalOf(creators, { now: b, seed });
          expect(second).toEqual(first);
          expect(planDigest(second)).toBe(planDigest(first));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("the streamed canonical plan (a dry run's) has the same digest and the same manifest JSON, whatever the order", async () => {
    await fc.assert(
      fc.asyncProperty(creatorsArb(), fc.integer({ min: 1, max: 2 ** 31 }), async (creators, seed) => {
        const campaign = await planOf(creators, { seed });
        const identity = { ...IDENTITY, settings: settingsOf({}) };
        const whole = canonicalPlan(campaign, identity);
        const streamed = streamedCanonicalPlan(campaign, identity);
        expect(planDigest(streamed)).toBe(planDigest(whole));
        expect([...prettyJsonChunks(streamed, 64)].join('')).toBe(`${JSON.stringify(whole, null, 2)}\n`);
        // Read twice (hashed, then written): made afresh each time, the same both times.
        expect(planDigest(streamed)).toBe(planDigest(whole));
      }),
      { numRuns: 30 },
    );
  });

  const figureField = fc.constantFrom<'opening' | 'payments' | 'period' | 'total'>(
    'opening',
    'payments',
    'period',
    'total',
  );

  it('changes with any figure of any contract, and diffPlans names the recipient and the figures', async () => {
    await fc.assert(
      fc.asyncProperty(
        creatorsArb(1),
        fc.nat(),
        figureField,
        fc.integer({ min: 1, max: 99_999 }),
        async (creators, pick, field, delta) => {
          const index = pick % creators.length;
          const changed = creators.map((c, i) =>
            i === index
              ? {
                  ...c,
                  contracts: c.contracts.map((k, j) => (j === 0 ? { ...k, [field]: k[field] + delta } : k)),
                }
              : c,
          );
          const before = await canonicalOf(creators);
          const after = await canonicalOf(changed, { now: new Date('2025-03-15T00:00:00Z') });
          expect(planDigest(after)).not.toBe(planDigest(before));
          const email = creators[index]?.email ?? '';
          const lines = diffPlans(before, after);
          expect(lines).toContainEqual(
            expect.stringMatching(new RegExp(`^${email}: figures - CR${index}X C${index}-0 `)),
          );
          expect(lines).toContainEqual(
            expect.stringMatching(new RegExp(`^${email}: figures \\+ CR${index}X C${index}-0 `)),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it('changes with a recipient address: diffPlans names the one added and the one removed', async () => {
    await fc.assert(
      fc.asyncProperty(creatorsArb(1), fc.nat(), async (creators, pick) => {
        const index = pick % creators.length;
        const changed = creators.map((c, i) => (i === index ? { ...c, email: `moved${i}@example.org` } : c));
        const before = await canonicalOf(creators);
        const after = await canonicalOf(changed);
        expect(planDigest(after)).not.toBe(planDigest(before));
        expect(diffPlans(before, after)).toEqual(
          expect.arrayContaining([
            `recipient added: moved${index}@example.org (CR${index}X)`,
            `recipient removed: creator${index}@example.com (CR${index}X)`,
          ]),
        );
      }),
      { numRuns: 20 },
    );
  });

  it('changes with a report key: diffPlans names the recipient and the key', async () => {
    await fc.assert(
      fc.asyncProperty(creatorsArb(1), fc.nat(), async (creators, pick) => {
        const index = pick % creators.length;
        const creator = creators[index] as Creator;
        const had = creator.reports.includes('distro');
        const reports: ReportType[] = had
          ? creator.reports.filter((type) => type !== 'distro')
          : [...creator.reports, 'distro'];
        const changed = creators.map((c, i) => (i === index ? { ...c, reports } : c));
        const before = await canonicalOf(creators);
        const after = await canonicalOf(changed);
        expect(planDigest(after)).not.toBe(planDigest(before));
        expect(diffPlans(before, after)).toContain(
          `${creator.email}: report ${had ? '-' : '+'} CR${index}X distro Distribution Report ${keyOf(creator.id, 'distro')} https://cdn.test`,
        );
      }),
      { numRuns: 20 },
    );
  });

  it('changes with the subject: diffPlans names the subject template and each recipient subject', async () => {
    await fc.assert(
      fc.asyncProperty(
        creatorsArb(1),
        fc.stringMatching(/^[A-Za-z]{1,12}( [A-Za-z]{1,12})?$/),
        async (creators, words) => {
          const subject = `${words} {{monthName}} {{year}}`;
          fc.pre(subject !== DEFAULT_SUBJECT);
          const before = await canonicalOf(creators);
          const after = await canonicalOf(creators, { subject });
          expect(planDigest(after)).not.toBe(planDigest(before));
          const lines = diffPlans(before, after);
          expect(lines).toContain(
            `subject template: ${JSON.stringify(DEFAULT_SUBJECT)} → ${JSON.stringify(subject)}`,
          );
          for (const creator of creators)
            expect(lines).toContain(
              `${creator.email}: subject "Your January 2025 financial report" → "${subject.replace('{{monthName}} {{year}}', 'January 2025')}"`,
            );
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('diffPlans', () => {
  it('says what changed in the envelope and the templates, masking addresses', async () => {
    const before = await canonicalOf(DEMO);
    const after = await canonicalOf(
      DEMO.filter((c) => c.id !== 'NOREP'),
      { html: '<p>{{userName}}</p>', unsubscribe: { mode: 'static', url: null, noneReason: 'contract' } },
      { ...IDENTITY, from: 'Other <o@example.com>' },
    );
    const mask = (email: string) => `${email[0]}***`;
    const lines = diffPlans(before, after, mask);
    expect(lines).toContain(
      `sender: ${JSON.stringify(before.sender)} → ${JSON.stringify({ ...before.sender, from: 'Other <o@example.com>' })}`,
    );
    expect(lines).toContain('templates: the HTML or text template changed');
    expect(lines).toContain(
      `unsubscribe: ${JSON.stringify(before.unsubscribe)} → "none: no unsubscribe link (reason: contract)"`,
    );
    expect(lines).toContain('not mailed: - n*** nothing-to-send');
    // Creators' addresses are masked; the sender's own address is not a creator's.
    expect(lines.join('\n')).not.toContain('nora@example.com');
  });

  it('lists findings that came or went by name and count', async () => {
    const before = await canonicalOf(DEMO);
    const after = await canonicalOf(DEMO.map((c) => (c.id === 'MOL' ? { ...c, reports: [] } : c)));
    expect(diffPlans(before, after)).toEqual([
      `mollie@example.com: report - MOL youtube YouTube Report ${keyOf('MOL', 'youtube')} https://cdn.test`,
      'findings: + missing-reports (1)',
    ]);
  });
});

describe('checkApproval', () => {
  const mask = (email: string) => email.replace(/^(.).*@/, '$1***@');

  it('passes when the fresh plan has the approved digest (any case)', async () => {
    const reviewed = await canonicalOf(DEMO);
    const fresh = await canonicalOf(DEMO, { now: new Date('2025-02-20T08:00:00Z'), seed: 42 });
    expect(checkApproval({ digest: planDigest(reviewed), reviewed }, fresh, mask)).toBeUndefined();
    expect(checkApproval({ digest: planDigest(reviewed).toUpperCase() }, fresh, mask)).toBeUndefined();
  });

  it('refuses a changed plan with exit 4, both digests and what changed (masked)', async () => {
    const reviewed = await canonicalOf(DEMO);
    const fresh = await canonicalOf(
      DEMO.map((c) =>
        c.id === 'MOL' ? { ...c, contracts: [consistent('YT-MOL-0001', 100_000, -50_000, 99_999)] } : c,
      ),
    );
    const error = catchError(() => checkApproval({ digest: planDigest(reviewed), reviewed }, fresh, mask));
    expect(error).toBeInstanceOf(InputError);
    expect(error.exitCode).toBe(ExitCode.input);
    expect(error.message).toBe(
      `the plan changed since it was approved (digest ${planDigest(reviewed).slice(0, 12)} → ${planDigest(fresh).slice(0, 12)}) — nothing was sent:`,
    );
    expect(error.details).toEqual([
      expect.stringMatching(/^m\*\*\*@example\.com: figures - MOL YT-MOL-0001 .*"closingCents":68462\b/),
      expect.stringMatching(/^m\*\*\*@example\.com: figures \+ MOL YT-MOL-0001 .*"closingCents":149999\b/),
    ]);
    expect(error.hint).toContain('run the dry run again');
  });

  it('without the reviewed plan, says how to see what changed', async () => {
    const fresh = await canonicalOf(DEMO);
    const error = catchError(() => checkApproval({ digest: 'a'.repeat(64) }, fresh, mask));
    expect(error.exitCode).toBe(ExitCode.input);
    expect(error.details).toEqual([
      'the reviewed plan is not at hand: give --approve-file <dry-run folder> (its manifest.json) to see what changed',
    ]);
  });

  it('lists at most 50 changes', async () => {
    const many = Array.from(
      { length: 60 },
      (_, i): Creator => ({
        email: `c${i}@example.com`,
        id: `MANY${i}X`,
        name: `C${i}`,
        contracts: [consistent(`K${i}`, 100, 0, 1)],
        reports: [],
      }),
    );
    const reviewed = await canonicalOf(many.slice(0, 1));
    const fresh = await canonicalOf(many);
    const error = catchError(() => checkApproval({ digest: planDigest(reviewed), reviewed }, fresh, mask));
    expect(error.details).toHaveLength(50);
  });
});

function catchError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    return error as InputError;
  }
  throw new Error('expected an error');
}
