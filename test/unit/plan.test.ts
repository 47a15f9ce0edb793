import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/common/errors.js';
import { parsePayoutRows } from '../../src/core/payouts/payout-statements.js';
import { buildPlan, type PlanInput, type PlanSettings } from '../../src/core/plan/build-plan.js';
import { checkTemplates } from '../../src/core/plan/check-templates-with-sample.js';
import { compileEmailTemplates } from '../../src/core/plan/compile-templates.js';
import type { Recipient } from '../../src/core/recipients/recipients-from-users.js';
import type { IdResolution } from '../../src/core/reports/report-paths.js';
import { htmlFigures, textFigures } from '../support/email-content.js';
import { defaultTemplates } from '../support/templates.js';

const december = { month: 12, year: 2025 };
const settings: PlanSettings = {
  brandName: 'Distro Nation',
  currency: 'USD',
  locale: 'en-US',
  lang: 'en',
  footerNote: null,
};
const seed = JSON.parse(
  JSON.parse(readFileSync(new URL('../fixtures/korrect-payouts-dylvn-2025-12.json', import.meta.url), 'utf8'))
    .body,
) as unknown[];

const recipient = (email: string, ids: string[], userName = 'Dylan Vance'): Recipient => ({
  email,
  userName,
  customIds: ids.map((id) => ({ original: id, resolved: id })),
  rows: [0],
});

const found = (id: string, ...types: [string, string, string | undefined][]): IdResolution => ({
  id,
  reports: types.map(([type, label, key]) => ({
    type,
    label,
    chosen: key ? { key, pattern: 'p' } : undefined,
    others: [],
  })),
});

/** What a browser makes of an attribute value. */
function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replaceAll('&amp;', '&');
}

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  const key = 'financial-reports/2025/December/DYLVN-youtube.pdf';
  return {
    campaignId: 'financial-2025-12',
    period: december,
    recipients: [recipient('dylan@example.com', ['DYLVN'])],
    payouts: parsePayoutRows(seed, december),
    resolutions: new Map([
      [
        'DYLVN',
        found('DYLVN', ['youtube', 'YouTube Report', key], ['distro', 'Distribution Report', undefined]),
      ],
    ]),
    links: new Map([[key, `https://cdn.example.com/${key}?Expires=1&Signature=s&Key-Pair-Id=K`]]),
    expiresAt: new Date('2026-01-23T10:00:00Z'),
    settings,
    render: compileEmailTemplates(defaultTemplates()),
    unsubscribeFor: () => ({ url: 'https://example.com/unsubscribe', headers: {} }),
    ...overrides,
  };
}

describe('buildPlan', () => {
  it("renders the seed's DYLVN December 2025 figures exactly, in both parts", () => {
    const plan = buildPlan(input());
    const message = plan.messages[0];
    expect(message?.subject).toBe('Your December 2025 financial report');
    for (const part of [message?.html ?? '', message?.text ?? '']) {
      for (const figure of ['$1,250.00', '$450.50', '$980.00', '$446.00', '$2,230.00', '$896.50']) {
        expect(part).toContain(figure);
      }
      expect(part).toContain('ART001-DYLVN');
      expect(part).toContain('YT-DYLVN-0001');
      // Payments read as what was paid to the creator, never as a negative amount.
      expect(part).not.toMatch(/-\$/);
    }
    expect(message?.totals).toEqual({
      openingCents: 223_000,
      earningsCents: 89_650,
      paymentsCents: -223_000,
      closingCents: 89_650,
    });
    expect(message?.text).toContain(
      'Payouts for December 2025 (USD):\n' +
        '- ART001-DYLVN: opening balance $1,250.00, views 3,500, earnings $450.50, paid to you $1,250.00, closing balance $450.50\n' +
        '- YT-DYLVN-0001: opening balance $980.00, views 52,000, earnings $446.00, paid to you $980.00, closing balance $446.00\n' +
        '  Total: opening balance $2,230.00, views 55,500, earnings $896.50, paid to you $2,230.00, closing balance $896.50\n',
    );
    expect(htmlFigures(message?.html ?? '')).toEqual(textFigures(message?.text ?? ''));
  });

  it('groups the links by custom ID with their labels and the expiry date', () => {
    const message = buildPlan(input()).messages[0];
    expect(message?.html).toContain('Download your YouTube report (PDF, expires 23 Jan 2026)');
    const hrefs = [...(message?.html ?? '').matchAll(/href="([^"]+)"/g)].map((m) =>
      decodeEntities(m[1] ?? ''),
    );
    expect(hrefs).toContain(
      'https://cdn.example.com/financial-reports/2025/December/DYLVN-youtube.pdf?Expires=1&Signature=s&Key-Pair-Id=K',
    );
    expect(message?.links).toEqual([
      expect.objectContaining({ customId: 'DYLVN', type: 'youtube', label: 'YouTube Report' }),
    ]);
    expect(buildPlan(input()).missingReports).toEqual([
      { email: 'dylan@example.com', customId: 'DYLVN', labels: ['Distribution Report'] },
    ]);
  });

  it('escapes user data in the HTML (a userName with <script>)', () => {
    const plan = buildPlan(
      input({ recipients: [recipient('z@example.com', ['DYLVN'], 'Zoë <script>alert(1)</script>')] }),
    );
    expect(plan.messages[0]?.html).toContain('Zoë &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(plan.messages[0]?.html).not.toContain('<script');
    expect(plan.messages[0]?.text).toContain('Hello Zoë <script>alert(1)</script>,');
  });

  it('mails a creator with reports but no payout rows ("no activity this period")', () => {
    const plan = buildPlan(input({ payouts: parsePayoutRows([], december) }));
    expect(plan.messages).toHaveLength(1);
    expect(plan.messages[0]?.html).toContain('No activity this period.');
    expect(plan.messages[0]?.contracts).toBe(0);
  });

  it('mails a creator with payout rows but no report', () => {
    const plan = buildPlan(input({ resolutions: new Map(), links: new Map() }));
    expect(plan.messages).toHaveLength(1);
    expect(plan.messages[0]?.links).toEqual([]);
  });

  it('lists a recipient with neither reports nor payouts as nothing to send', () => {
    const plan = buildPlan(input({ payouts: parsePayoutRows([], december), resolutions: new Map() }));
    expect(plan.messages).toEqual([]);
    expect(plan.unsent).toEqual([
      expect.objectContaining({ email: 'dylan@example.com', reason: 'nothing-to-send' }),
    ]);
  });

  it('holds back a recipient whose payout data is malformed instead of mailing wrong figures', () => {
    const payouts = parsePayoutRows(
      [{ customId: 'DYLVN', payout: [{ contractCode: 'X', openingBal: 'abc' }] }],
      december,
    );
    const plan = buildPlan(input({ payouts }));
    expect(plan.messages).toEqual([]);
    expect(plan.unsent[0]).toMatchObject({ reason: 'payout-data-invalid' });
  });

  it("classifies every recipient's IDs as resolve-paths does, held back and nothing to send included", () => {
    const resolutions = new Map([
      ...input().resolutions,
      [
        'NOREP',
        found(
          'NOREP',
          ['youtube', 'YouTube Report', undefined],
          ['distro', 'Distribution Report', undefined],
        ),
      ],
    ]);
    const recipients = [recipient('dylan@example.com', ['DYLVN']), recipient('nora@example.com', ['NOREP'])];
    const plan = buildPlan(input({ recipients, resolutions }));
    expect(plan.missingReports).toEqual([
      { email: 'dylan@example.com', customId: 'DYLVN', labels: ['Distribution Report'] },
      { email: 'nora@example.com', customId: 'NOREP', labels: ['YouTube Report', 'Distribution Report'] },
    ]);
    expect(plan.reportStatus).toEqual({ ids: 2, complete: 0, partial: 1, none: 1, ambiguous: 0, shared: 0 });
    // Held back for its payout data, DYLVN is still partial; held back for a shared ID, it is shared.
    const payouts = parsePayoutRows(
      [{ customId: 'DYLVN', payout: [{ contractCode: 'X', openingBal: 'abc' }] }],
      december,
    );
    expect(buildPlan(input({ payouts })).missingReports).toHaveLength(1);
    const shared = buildPlan(
      input({
        sharedCustomIds: [
          {
            id: 'DYLVN',
            claims: [
              { email: 'dylan@example.com', customId: 'DYLVN', resolvedId: 'DYLVN' },
              { email: 'other@example.com', customId: 'DYLVN', resolvedId: 'DYLVN' },
            ],
          },
        ],
      }),
    );
    expect(shared.missingReports).toEqual([]);
    expect(shared.reportStatus).toMatchObject({ ids: 1, shared: 1 });
  });

  it('carries the consistency warning of a contract into the message', () => {
    const rows = [
      {
        customId: 'DYLVN',
        payout: [
          {
            contractCode: 'C1',
            yearPart: 2025,
            monthPart: 12,
            openingBal: 10,
            paymentsAll: 0,
            periodBal: 5,
            totalBal: 15.03,
          },
        ],
      },
    ];
    const plan = buildPlan(input({ payouts: parsePayoutRows(rows, december) }));
    expect(plan.payoutWarnings).toHaveLength(1);
    expect(plan.messages[0]?.warnings).toEqual([expect.stringContaining('C1')]);
  });

  it('is deterministic', () => {
    expect(buildPlan(input())).toEqual(buildPlan(input()));
  });
});

describe('templates', () => {
  const check = (overrides: Parameters<typeof defaultTemplates>[0]) => () => {
    const templates = defaultTemplates(overrides);
    checkTemplates(templates, compileEmailTemplates(templates), settings, december);
  };

  it('the built-in templates and defaults pass the check', () => {
    expect(check({})).not.toThrow();
  });

  it('an unknown variable fails naming the template and the variable', () => {
    const broken = check({
      html: { name: 'my.html.hbs', source: '<p>{{greeting}} {{unknownVariable}}</p>' },
    });
    expect(broken).toThrow(InputError);
    expect(broken).toThrow('template my.html.hbs: unknown variable "unknownVariable"');
  });

  it.each([
    ['{{#if hasActivty}}x{{/if}}', 'hasActivty'],
    ['{{#each creatorz}}x{{/each}}', 'creatorz'],
    ['{{#each creators}}{{#each contracts}}{{#if closng}}x{{/if}}{{/each}}{{/each}}', 'closng'],
    ['{{#each creators}}{{../monthNam}}{{/each}}', '../monthNam'],
    ['{{#unless @root.hasLink}}x{{/unless}}', '@root.hasLink'],
  ])('a misspelt name in a block helper (%s) fails too', (source, variable) => {
    expect(check({ text: { name: 't.txt.hbs', source } })).toThrow(
      `t.txt.hbs: unknown variable "${variable}"`,
    );
  });

  it('an unknown helper fails', () => {
    expect(check({ html: { name: 'h.hbs', source: '{{#iff hasLinks}}x{{/iff}}' } })).toThrow(
      'unknown helper "iff"',
    );
  });

  it('names that exist pass, at every depth', () => {
    const source =
      '{{#each creators}}{{customId}}{{#each links}}{{url}} {{../customId}} {{@root.brandName}} {{@index}}{{/each}}{{#with totals}}{{closing}}{{/with}}{{/each}}';
    expect(check({ text: { name: 't.txt.hbs', source } })).not.toThrow();
  });

  it('an unknown variable inside a loop is found', () => {
    const source = '{{#each creators}}{{#each links}}{{nope}}{{/each}}{{/each}}';
    expect(check({ text: { name: 't.txt.hbs', source } })).toThrow(/t\.txt\.hbs: unknown variable "nope"/);
  });

  it('a syntax error fails at compile time naming the template', () => {
    expect(() =>
      compileEmailTemplates(defaultTemplates({ subject: { name: 'email.subject', source: 'Hi {{name' } })),
    ).toThrow(/template email\.subject: Parse error/);
  });

  it('the subject and greeting are templates of their own', () => {
    const render = compileEmailTemplates(
      defaultTemplates({
        subject: { name: 'email.subject', source: '{{brandName}}: {{monthName}} {{year}}' },
      }),
    );
    const plan = buildPlan(input({ render }));
    expect(plan.messages[0]?.subject).toBe('Distro Nation: December 2025');
  });
});
