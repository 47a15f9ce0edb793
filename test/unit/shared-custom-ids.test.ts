import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePayoutRows } from '../../src/core/payouts/payout-statements.js';
import { buildPlan, type Plan, type PlanInput } from '../../src/core/plan/build-plan.js';
import { normalizeCustomId } from '../../src/core/recipients/custom-ids.js';
import { selectRecipients } from '../../src/core/recipients/recipients-from-users.js';
import { findSharedCustomIds, resolvedCustomIds } from '../../src/core/recipients/shared-custom-ids.js';
import {
  DEFAULT_REPORT_PATTERNS,
  idVariants,
  matchMonthReports,
} from '../../src/core/reports/report-paths.js';

const january = { month: 1, year: 2025 };
const aliases = { MOLS: 'MOL' };

const user = (email: string, ids: string[]) => ({
  userName: email,
  status: 'active',
  emailsUser: email,
  creators: [{ channels: ids.map((customID) => ({ customID })) }],
});

/**
 * The plan of some user rows: each ID of `filesFor` (default: every ID) has a YouTube report spelled like it and one
 * contract under that exact ID; signed links are the keys.
 */
function planOf(rows: unknown[], allowed: string[] = [], check = true, filesFor?: string[]): Plan {
  const selection = selectRecipients(rows, {
    excludeEmails: [],
    customIdAliases: aliases,
    sharedCustomIds: allowed,
  });
  const ids = resolvedCustomIds(selection.recipients);
  const keys = new Set((filesFor ?? ids).map((id) => `financial-reports/2025/January/${id}-youtube.pdf`));
  const payoutRows = (filesFor ?? ids).map((customId) => ({
    customId,
    payout: [
      {
        contractCode: `C-${customId}`,
        yearPart: 2025,
        monthPart: 1,
        openingBal: 1,
        paymentsAll: 0,
        periodBal: 2,
        totalBal: 3,
      },
    ],
  }));
  const input: PlanInput = {
    campaignId: 'financial-2025-01',
    period: january,
    recipients: selection.recipients,
    payouts: parsePayoutRows(payoutRows, january),
    resolutions: matchMonthReports(ids, keys, DEFAULT_REPORT_PATTERNS, january),
    links: new Map([...keys].map((key) => [key, `https://cdn.test/${key}`])),
    expiresAt: new Date('2025-02-20T00:00:00Z'),
    settings: { brandName: 'DN', currency: 'USD', locale: 'en-US', lang: 'en', footerNote: null },
    render: () => ({ subject: 's', html: '', text: '' }),
    unsubscribeFor: () => ({ url: null, headers: {} }),
    sharedCustomIds: check ? selection.sharedCustomIds : [],
  };
  return buildPlan(input);
}

const heldBack = (plan: Plan) =>
  plan.unsent.filter((u) => u.reason === 'shared-custom-id').map((u) => u.email);

describe('normalizeCustomId', () => {
  it('ignores case, "-" and "_", like the report path matching', () => {
    expect(normalizeCustomId('A-R-T-0-1')).toBe('ART01');
    expect(normalizeCustomId('art_01')).toBe('ART01');
    expect(normalizeCustomId('mol')).toBe('MOL');
  });

  it('is the form of every spelling idVariants tries (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), (id) => {
        for (const variant of idVariants(id)) expect(normalizeCustomId(variant)).toBe(normalizeCustomId(id));
      }),
    );
  });
});

describe('findSharedCustomIds', () => {
  it('finds IDs two addresses claim after aliases and normalisation, with every claim', () => {
    const { sharedCustomIds } = selectRecipients(
      [
        user('mollie@example.com', ['MOLS']),
        user('other@example.com', ['mol']),
        user('aria@example.net', ['ART-01', 'ART_02']),
        user('third@example.com', ['A-R-T-0-1']),
        user('dylan@example.com', ['DYLVN']),
      ],
      { excludeEmails: [], customIdAliases: aliases },
    );
    expect(sharedCustomIds).toEqual([
      {
        id: 'MOL',
        claims: [
          { email: 'mollie@example.com', customId: 'MOLS', resolvedId: 'MOL' },
          { email: 'other@example.com', customId: 'mol', resolvedId: 'mol' },
        ],
      },
      {
        id: 'ART01',
        claims: [
          { email: 'aria@example.net', customId: 'ART-01', resolvedId: 'ART-01' },
          { email: 'third@example.com', customId: 'A-R-T-0-1', resolvedId: 'A-R-T-0-1' },
        ],
      },
    ]);
  });

  it('does not count two spellings on one address, and merged rows of one address, as sharing', () => {
    const holders = selectRecipients(
      [user('a@example.com', ['ART-01', 'ART01']), user(' A@Example.com ', ['art_01'])],
      { excludeEmails: [], customIdAliases: {} },
    ).recipients;
    expect(findSharedCustomIds(holders)).toEqual([]);
  });

  it('lets users.sharedCustomIds allow an ID, in any spelling, before or after its alias', () => {
    const holders = [
      { email: 'a@example.com', customIds: [{ original: 'MOLS', resolved: 'MOL' }] },
      { email: 'b@example.com', customIds: [{ original: 'mol', resolved: 'mol' }] },
    ];
    expect(findSharedCustomIds(holders, [], aliases)).toHaveLength(1);
    for (const allowed of ['MOL', 'm-o-l', 'MOLS', 'mols']) {
      expect(findSharedCustomIds(holders, [allowed], aliases), allowed).toEqual([]);
    }
    expect(findSharedCustomIds(holders, ['MOLE'], aliases)).toHaveLength(1);
  });
});

describe('buildPlan with shared custom IDs', () => {
  const rows = [
    user('mollie@example.com', ['MOLS']),
    user('other@example.com', ['mol']),
    user('aria@example.net', ['ART-01', 'ART_02']),
    user('third@example.com', ['A-R-T-0-1']),
    user('dylan@example.com', ['DYLVN']),
  ];

  it('holds back every address of a shared ID, with reason shared-custom-id, and mails the others', () => {
    const plan = planOf(rows);
    expect(plan.messages.map((m) => m.to)).toEqual(['dylan@example.com']);
    expect(plan.unsent).toEqual([
      expect.objectContaining({
        email: 'mollie@example.com',
        customIds: ['MOL'],
        reason: 'shared-custom-id',
      }),
      expect.objectContaining({ email: 'other@example.com', customIds: ['mol'], reason: 'shared-custom-id' }),
      expect.objectContaining({ email: 'aria@example.net', reason: 'shared-custom-id' }),
      expect.objectContaining({ email: 'third@example.com', reason: 'shared-custom-id' }),
    ]);
    expect(plan.unsent[1]?.detail).toBe(
      'mol (as MOL) is also claimed by 1 other address — list it in users.sharedCustomIds if they really share it',
    );
  });

  it('with the ID allowed: payouts by the exact ID, a key both spellings match to neither', () => {
    // Korrect returned `MOL` only, and the bucket holds `MOL-youtube.pdf` (which `mol` matches too, upper-cased).
    const plan = planOf(rows, ['MOL'], true, ['MOL', 'DYLVN']);
    const mollie = plan.messages.find((m) => m.to === 'mollie@example.com');
    expect(mollie?.totals.closingCents).toBe(300);
    expect(mollie?.contracts).toBe(1);
    expect(mollie?.links).toEqual([]);
    expect(plan.messages.find((m) => m.to === 'other@example.com')).toBeUndefined();
    expect(plan.unsent.find((u) => u.email === 'other@example.com')?.reason).toBe('nothing-to-send');
    expect(heldBack(plan)).toEqual(['aria@example.net', 'third@example.com']);
  });

  it('with the ID allowed, each spelling keeps what is exactly its own', () => {
    const plan = planOf(rows, ['MOL']);
    const other = plan.messages.find((m) => m.to === 'other@example.com');
    // `mol-youtube.pdf` only `mol` matches; `MOL-youtube.pdf` both do, so it goes to neither.
    expect(other?.links.map((link) => link.key)).toEqual(['financial-reports/2025/January/mol-youtube.pdf']);
    expect(plan.messages.find((m) => m.to === 'mollie@example.com')?.links).toEqual([]);
  });

  it('never hands one ID the payouts of another that differs only in case', () => {
    const selection = selectRecipients([user('other@example.com', ['mol'])], {
      excludeEmails: [],
      customIdAliases: {},
    });
    const payouts = parsePayoutRows(
      [
        {
          customId: 'MOL',
          payout: [
            {
              contractCode: 'YT-MOL',
              yearPart: 2025,
              monthPart: 1,
              openingBal: 1,
              paymentsAll: 0,
              periodBal: 1,
              totalBal: 2,
            },
          ],
        },
      ],
      january,
    );
    const plan = buildPlan({
      campaignId: 'c',
      period: january,
      recipients: selection.recipients,
      payouts,
      resolutions: new Map(),
      links: new Map(),
      expiresAt: new Date('2025-02-20T00:00:00Z'),
      settings: { brandName: 'DN', currency: 'USD', locale: 'en-US', lang: 'en', footerNote: null },
      render: () => ({ subject: 's', html: '', text: '' }),
      unsubscribeFor: () => ({ url: null, headers: {} }),
      sharedCustomIds: selection.sharedCustomIds,
    });
    expect(plan.messages).toEqual([]);
    expect(plan.unsent).toEqual([
      expect.objectContaining({ email: 'other@example.com', reason: 'nothing-to-send' }),
    ]);
  });

  it('holds back exactly the addresses of every ID claimed by two or more, and affects no one else (property)', () => {
    const address = fc.constantFrom('a@x.test', 'b@x.test', 'c@x.test', 'd@x.test', 'e@x.test');
    const id = fc
      .array(fc.constantFrom('a', 'A', 'b', 'B', '1', '-', '_'), { minLength: 1, maxLength: 4 })
      .map((chars) => chars.join(''));
    const claims = fc.array(fc.tuple(address, id), { maxLength: 12 });
    fc.assert(
      fc.property(claims, fc.array(id, { maxLength: 2 }), (pairs, allowed) => {
        const plan = planOf(
          pairs.map(([email, customId]) => user(email, [customId])),
          allowed,
        );
        const unchecked = planOf(
          pairs.map(([email, customId]) => user(email, [customId])),
          allowed,
          false,
        );
        // Independently: which normalised IDs have two or more addresses, and are not allowed.
        const allowedForms = new Set(allowed.map((a) => a.toUpperCase().replace(/[-_]/g, '')));
        const owners = new Map<string, Set<string>>();
        for (const [email, customId] of pairs) {
          const form = customId.toUpperCase().replace(/[-_]/g, '');
          owners.set(form, (owners.get(form) ?? new Set()).add(email));
        }
        const expected = new Set<string>();
        for (const [form, emails] of owners) {
          if (emails.size >= 2 && !allowedForms.has(form)) for (const email of emails) expected.add(email);
        }
        expect(new Set(heldBack(plan))).toEqual(expected);
        // Everyone else is planned exactly as without the check.
        const outcome = (p: Plan, email: string) => {
          const message = p.messages.find((m) => m.to === email);
          if (message) return { links: message.links, totals: message.totals, ids: message.customIds };
          return p.unsent.find((u) => u.email === email)?.reason;
        };
        for (const email of new Set(pairs.map(([e]) => e))) {
          if (!expected.has(email)) expect(outcome(plan, email)).toEqual(outcome(unchecked, email));
        }
      }),
    );
  });
});
