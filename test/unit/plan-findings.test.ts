import { describe, expect, it } from 'vitest';
import { ExitCode, InputError, UsageError } from '../../src/core/common/errors.js';
import type { PayoutWarning } from '../../src/core/payouts/payout-statements.js';
import type { Plan, PlannedLink, PlannedMessage, UnsentRecipient } from '../../src/core/plan/build-plan.js';
import {
  addReportFindings,
  emptyReportFindings,
  FINDING_NAMES,
  type Finding,
  type FindingName,
  findingsRefusal,
  findPlanFindings,
  parseFindingNames,
  unacceptedFindings,
} from '../../src/core/plan/plan-findings.js';
import { countReportStatuses } from '../../src/core/reports/classify-reports.js';
import type { IdResolution, ReportResolution } from '../../src/core/reports/report-paths.js';

/** Plans and report resolutions built by hand: each finding from the smallest plan that shows it. */

const YOUTUBE = { type: 'youtube', label: 'YouTube Report' };
const DISTRO = { type: 'distro', label: 'Distribution Report' };
const keyOf = (id: string, type: string) => `financial-reports/2025/January/${id}-${type}.pdf`;

/** A report type of an ID: found (one key), missing (none), or ambiguous (the first key chosen over the rest). */
function report(kind: typeof YOUTUBE, ...keys: string[]): ReportResolution {
  const [chosen, ...others] = keys;
  return {
    ...kind,
    chosen: chosen === undefined ? undefined : { key: chosen, pattern: 'p' },
    others: others.map((key) => ({ key, pattern: 'p' })),
  };
}

function resolution(id: string, ...reports: ReportResolution[]): [string, IdResolution] {
  return [id, { id, reports }];
}

/** The links a message carries: one per chosen report of each of its IDs. */
function linksOf(ids: readonly string[], resolutions: ReadonlyMap<string, IdResolution>): PlannedLink[] {
  return ids.flatMap((customId) =>
    (resolutions.get(customId)?.reports ?? []).flatMap((r) =>
      r.chosen
        ? [
            {
              customId,
              type: r.type,
              label: r.label,
              key: r.chosen.key,
              url: `https://cdn.test/${r.chosen.key}`,
            },
          ]
        : [],
    ),
  );
}

function message(
  index: number,
  to: string,
  ids: readonly string[],
  resolutions: ReadonlyMap<string, IdResolution>,
): PlannedMessage {
  return {
    index,
    to,
    userName: to,
    customIds: ids.map((id) => ({ original: id, resolved: id })),
    subject: 'Your January 2025 financial report',
    html: '<p>statement</p>',
    text: 'statement',
    links: linksOf(ids, resolutions),
    headers: {},
    totals: { openingCents: 0, earningsCents: 0, paymentsCents: 0, closingCents: 0 },
    contracts: 1,
    warnings: [],
  };
}

interface PlanSpec {
  /** Mailed recipients: address → custom IDs. */
  mailed: Record<string, string[]>;
  resolutions?: [string, IdResolution][];
  unsent?: UnsentRecipient[];
  payoutWarnings?: PayoutWarning[];
}

function planOf(spec: PlanSpec): { plan: Plan; resolutions: Map<string, IdResolution> } {
  const resolutions = new Map(spec.resolutions ?? []);
  const plan: Plan = {
    campaignId: 'financial-2025-01',
    period: { month: 1, year: 2025 },
    expiresAt: new Date('2025-03-07T12:00:00Z'),
    messages: Object.entries(spec.mailed).map(([to, ids], i) => message(i + 1, to, ids, resolutions)),
    unsent: spec.unsent ?? [],
    missingReports: [],
    reportStatus: countReportStatuses([]),
    payoutWarnings: spec.payoutWarnings ?? [],
  };
  return { plan, resolutions };
}

function findingsOf(spec: PlanSpec, requiredReportTypes: string[] = []) {
  const { plan, resolutions } = planOf(spec);
  return findingsFrom(plan, resolutions, requiredReportTypes);
}

/** What the plan finds: its messages' report findings collected (as a plan does while it is built), then the rest. */
function findingsFrom(
  plan: Plan,
  resolutions: ReadonlyMap<string, IdResolution>,
  requiredReportTypes: string[],
) {
  const reports = addReportFindings(emptyReportFindings(), plan.messages, resolutions, {
    requiredReportTypes,
  });
  return findPlanFindings(plan, reports, { requiredReportTypes });
}

const names = (findings: readonly Finding[]) => findings.map((finding) => finding.name);
const finding = (found: { findings: Finding[] }, name: FindingName) =>
  found.findings.find((f) => f.name === name);

describe('findPlanFindings', () => {
  it('a plan where every mailed recipient has every report: no finding, no information', () => {
    const found = findingsOf({
      mailed: { 'dylan@example.com': ['DYLVN'] },
      resolutions: [
        resolution(
          'DYLVN',
          report(YOUTUBE, keyOf('DYLVN', 'youtube')),
          report(DISTRO, keyOf('DYLVN', 'distro')),
        ),
      ],
    });
    expect(found).toEqual({ findings: [], notMailed: [], partialReports: [] });
  });

  it('missing-reports: a recipient mailed with figures and no report link at all', () => {
    const found = findingsOf({
      mailed: { 'mollie@example.com': ['MOL'], 'zoe@example.com': ['ZOE'] },
      resolutions: [
        resolution('MOL', report(YOUTUBE), report(DISTRO)),
        resolution('ZOE', report(YOUTUBE, keyOf('ZOE', 'youtube')), report(DISTRO, keyOf('ZOE', 'distro'))),
      ],
    });
    expect(names(found.findings)).toEqual(['missing-reports']);
    expect(finding(found, 'missing-reports')).toEqual({
      name: 'missing-reports',
      summary: '1 recipient(s) would be mailed without a report they should get',
      entries: [
        {
          email: 'mollie@example.com',
          customIds: ['MOL'],
          detail: 'no report file at all: the e-mail would carry figures and no download link',
        },
      ],
    });
    // Missing everything is a finding, not "partial" information.
    expect(found.partialReports).toEqual([]);
  });

  it('missing-reports: an ID the report store knows nothing about (no resolution) counts as no report', () => {
    const found = findingsOf({ mailed: { 'jody@example.org': ['RIFFRAFF'] } });
    expect(finding(found, 'missing-reports')?.entries.map((e) => e.email)).toEqual(['jody@example.org']);
  });

  describe('partial reports', () => {
    const partial: PlanSpec = {
      mailed: { 'dylan@example.com': ['DYLVN'] },
      resolutions: [resolution('DYLVN', report(YOUTUBE, keyOf('DYLVN', 'youtube')), report(DISTRO))],
    };

    it('one type missing while another is there is information, not a finding', () => {
      const found = findingsOf(partial);
      expect(found.findings).toEqual([]);
      expect(found.partialReports).toEqual([
        {
          email: 'dylan@example.com',
          customIds: ['DYLVN'],
          detail: 'DYLVN (partial): no Distribution Report',
        },
      ]);
    });

    it('is a missing-reports finding when reports.required names the missing type', () => {
      const found = findingsOf(partial, ['distro']);
      expect(names(found.findings)).toEqual(['missing-reports']);
      expect(finding(found, 'missing-reports')?.entries).toEqual([
        {
          email: 'dylan@example.com',
          customIds: ['DYLVN'],
          detail: 'DYLVN (partial): no Distribution Report (required by reports.required)',
        },
      ]);
      expect(found.partialReports).toEqual([]);
    });

    it('stays information when reports.required names only types the recipient has', () => {
      const found = findingsOf(partial, ['youtube']);
      expect(found.findings).toEqual([]);
      expect(found.partialReports).toHaveLength(1);
    });

    it('with several IDs, each ID missing a required type is one entry naming the ID', () => {
      const found = findingsOf(
        {
          mailed: { 'aria@example.net': ['ART-01', 'ART_02'] },
          resolutions: [
            resolution('ART-01', report(YOUTUBE, keyOf('ART01', 'youtube')), report(DISTRO)),
            resolution('ART_02', report(YOUTUBE), report(DISTRO, keyOf('ART_02', 'distro'))),
          ],
        },
        ['youtube', 'distro'],
      );
      expect(finding(found, 'missing-reports')?.entries.map((e) => e.detail)).toEqual([
        'ART-01 (partial): no Distribution Report (required by reports.required)',
        'ART_02 (partial): no YouTube Report (required by reports.required)',
      ]);
      expect(finding(found, 'missing-reports')?.entries[0]?.customIds).toEqual(['ART-01', 'ART_02']);
    });
  });

  it('payout-warnings: the warning is listed with the recipient who would get the figures', () => {
    const found = findingsOf({
      mailed: { 'aria@example.net': ['ART-01', 'ART_02'] },
      resolutions: [resolution('ART_02', report(YOUTUBE, keyOf('ART_02', 'youtube')))],
      payoutWarnings: [
        { customId: 'ART_02', contractCode: 'DST-ART02-01', message: 'ART_02 DST-ART02-01: off by 0.03' },
      ],
    });
    expect(names(found.findings)).toEqual(['payout-warnings']);
    expect(finding(found, 'payout-warnings')).toEqual({
      name: 'payout-warnings',
      summary: '1 contract(s) whose closing balance does not add up (totalBal ≠ openingBal + periodBal)',
      entries: [
        {
          email: 'aria@example.net',
          customIds: ['ART-01', 'ART_02'],
          detail: 'ART_02 DST-ART02-01: off by 0.03',
        },
      ],
    });
  });

  it('payout-warnings: a warning of an ID nobody is mailed for is not a finding', () => {
    const found = findingsOf({
      mailed: { 'zoe@example.com': ['ZOE'] },
      resolutions: [resolution('ZOE', report(YOUTUBE, keyOf('ZOE', 'youtube')))],
      payoutWarnings: [{ customId: 'FORMER', contractCode: 'C', message: 'FORMER C: off' }],
    });
    expect(found.findings).toEqual([]);
  });

  it('payout-warnings: matched by the exact ID the payout source returned, like the payouts', () => {
    const found = findingsOf({
      mailed: { 'zoe@example.com': ['ZOE'] },
      resolutions: [resolution('ZOE', report(YOUTUBE, keyOf('ZOE', 'youtube')))],
      payoutWarnings: [{ customId: 'zoe', contractCode: 'C', message: 'zoe C: off' }],
    });
    expect(found.findings).toEqual([]);
  });

  it('ambiguous-reports: a report type that matched several files names the chosen one and the others', () => {
    const chosen = keyOf('AMBI', 'youtube');
    const other = 'financial-reports/2025/01/AMBI-youtube.pdf';
    const found = findingsOf({
      mailed: { 'ambrose@example.com': ['AMBI'] },
      resolutions: [resolution('AMBI', report(YOUTUBE, chosen, other))],
    });
    expect(names(found.findings)).toEqual(['ambiguous-reports']);
    expect(finding(found, 'ambiguous-reports')?.entries).toEqual([
      {
        email: 'ambrose@example.com',
        customIds: ['AMBI'],
        detail: `AMBI YouTube Report: ${chosen} chosen over ${other}`,
      },
    ]);
  });

  it('ambiguous-reports: a key two IDs match (contested, given to neither) is listed with the other IDs', () => {
    // `ART01-youtube.pdf` matches ART-01 and A-R-T-0-1 alike (both claimed by one address, or allowed to share).
    const contested = keyOf('ART01', 'youtube');
    const { plan, resolutions } = planOf({
      mailed: { 'aria@example.net': ['ART-01'] },
      resolutions: [
        [
          'ART-01',
          {
            id: 'ART-01',
            reports: [
              {
                ...report(YOUTUBE),
                contested: [{ key: contested, pattern: 'p', alsoMatches: ['A-R-T-0-1'] }],
              },
              report(DISTRO, keyOf('ART01', 'distro')),
            ],
          },
        ],
      ],
    });
    const found = findingsFrom(plan, resolutions, []);
    expect(names(found.findings)).toEqual(['ambiguous-reports']);
    expect(finding(found, 'ambiguous-reports')?.entries).toEqual([
      {
        email: 'aria@example.net',
        customIds: ['ART-01'],
        detail: `ART-01 YouTube Report: ${contested} also matches A-R-T-0-1 — given to neither`,
      },
    ]);
  });

  it('partial reports: an ID with no report at all, beside an ID that has reports, is at least information', () => {
    // DYLVN-2's section would carry figures and no link; neither a finding nor a partialReports line says so.
    const found = findingsOf({
      mailed: { 'dylan@example.com': ['DYLVN', 'DYLVN-2'] },
      resolutions: [
        resolution(
          'DYLVN',
          report(YOUTUBE, keyOf('DYLVN', 'youtube')),
          report(DISTRO, keyOf('DYLVN', 'distro')),
        ),
        resolution('DYLVN-2', report(YOUTUBE), report(DISTRO)),
      ],
    });
    expect([...found.findings.flatMap((f) => f.entries), ...found.partialReports]).toContainEqual(
      expect.objectContaining({ email: 'dylan@example.com', detail: expect.stringContaining('DYLVN-2') }),
    );
    // In the words resolve-paths uses for the same ID.
    expect(found.partialReports.map((entry) => entry.detail)).toEqual([
      'DYLVN-2 (none): no YouTube Report, Distribution Report',
    ]);
  });

  it('held-back and shared-custom-ids come from the unsent recipients; nothing-to-send is information', () => {
    const found = findingsOf({
      mailed: {},
      unsent: [
        {
          email: 'nora@example.com',
          customIds: ['NOREP'],
          reason: 'nothing-to-send',
          detail: 'no report and no payout rows',
        },
        {
          email: 'bad@example.com',
          customIds: ['BAD'],
          reason: 'payout-data-invalid',
          detail: 'malformed payout data for BAD',
        },
        {
          email: 'mol@example.com',
          customIds: ['mol'],
          reason: 'shared-custom-id',
          detail: 'MOL claimed by 2',
        },
        {
          email: 'mollie@example.com',
          customIds: ['MOL'],
          reason: 'shared-custom-id',
          detail: 'MOL claimed by 2',
        },
      ],
    });
    expect(names(found.findings)).toEqual(['shared-custom-ids', 'held-back']);
    expect(finding(found, 'held-back')).toEqual({
      name: 'held-back',
      summary: '1 recipient(s) held back: their payout data is malformed',
      entries: [{ email: 'bad@example.com', customIds: ['BAD'], detail: 'malformed payout data for BAD' }],
    });
    expect(finding(found, 'shared-custom-ids')?.summary).toBe(
      '2 recipient(s) held back: a custom ID is claimed by more than one address',
    );
    expect(finding(found, 'shared-custom-ids')?.entries.map((e) => e.email)).toEqual([
      'mol@example.com',
      'mollie@example.com',
    ]);
    expect(found.notMailed).toEqual([
      { email: 'nora@example.com', customIds: ['NOREP'], detail: 'no report and no payout rows' },
    ]);
  });

  it('lists every finding of a plan once, in the order of FINDING_NAMES, with counts in the summaries', () => {
    const found = findingsOf({
      mailed: { 'a@example.com': ['A'], 'b@example.com': ['B'], 'c@example.com': ['C'] },
      resolutions: [
        resolution('A', report(YOUTUBE, keyOf('A', 'youtube'), 'Exports/2025/January/A/A.zip')),
        resolution('B', report(YOUTUBE)),
        resolution('C', report(YOUTUBE)),
      ],
      payoutWarnings: [{ customId: 'A', contractCode: 'X', message: 'A X: off by 0.01' }],
      unsent: [
        { email: 'd@example.com', customIds: ['D'], reason: 'payout-data-invalid', detail: 'malformed' },
      ],
    });
    expect(names(found.findings)).toEqual([
      'missing-reports',
      'payout-warnings',
      'ambiguous-reports',
      'held-back',
    ]);
    expect(finding(found, 'missing-reports')?.summary).toMatch(/^2 recipient\(s\)/);
    expect(finding(found, 'payout-warnings')?.entries[0]?.email).toBe('a@example.com');
    for (const f of found.findings) expect(FINDING_NAMES).toContain(f.name);
  });
});

describe('parseFindingNames', () => {
  it('reads comma-separated names, spaces allowed', () => {
    expect(parseFindingNames('missing-reports,payout-warnings')).toEqual([
      'missing-reports',
      'payout-warnings',
    ]);
    expect(parseFindingNames(' held-back , shared-custom-ids ')).toEqual(['held-back', 'shared-custom-ids']);
    expect(parseFindingNames(FINDING_NAMES.join(','))).toEqual([...FINDING_NAMES]);
  });

  it('an unknown name is a usage error (exit 2) naming it and listing the known ones', () => {
    const error = catchError(() => parseFindingNames('missing-reports,payout-warning'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toBe('--accept: unknown finding "payout-warning"');
    expect(error.hint).toBe(`finding names: ${FINDING_NAMES.join(', ')}`);
  });

  it.each(['', ',', ' , '])('no name at all (%j) is a usage error', (text) => {
    const error = catchError(() => parseFindingNames(text));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('--accept: no finding named');
  });

  it('finding names are exact: another case is unknown', () => {
    expect(() => parseFindingNames('Missing-Reports')).toThrow(UsageError);
  });
});

describe('unacceptedFindings and the refusal', () => {
  const entries = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      email: `r${i}@example.com`,
      customIds: [`ID${i}`],
      detail: 'why',
    }));
  const all: Finding[] = [
    { name: 'missing-reports', summary: '12 recipient(s) …', entries: entries(12) },
    { name: 'payout-warnings', summary: '1 contract(s) …', entries: entries(1) },
  ];

  it('keeps the findings not accepted by name, in their order', () => {
    expect(unacceptedFindings(all, []).map((f) => f.name)).toEqual(['missing-reports', 'payout-warnings']);
    expect(unacceptedFindings(all, ['payout-warnings']).map((f) => f.name)).toEqual(['missing-reports']);
    expect(unacceptedFindings(all, ['payout-warnings', 'missing-reports'])).toEqual([]);
    // Accepting a finding the plan does not have changes nothing.
    expect(unacceptedFindings(all, ['held-back'])).toHaveLength(2);
    expect(unacceptedFindings([], ['held-back'])).toEqual([]);
  });

  it('the refusal is exit 4, names each finding, masks addresses and gives the --accept flag', () => {
    const error = findingsRefusal(all, (email) => `${email[0]}***`, 'dn-mailer send-report --month 1');
    expect(error).toBeInstanceOf(InputError);
    expect(error.exitCode).toBe(ExitCode.input);
    expect(error.message).toBe('the plan has 2 finding(s) nobody accepted — nothing was sent:');
    expect(error.hint).toContain('--accept missing-reports,payout-warnings');
    expect(error.hint).toContain('dn-mailer send-report --month 1 --dry-run');
    expect(error.details[0]).toBe('missing-reports: 12 recipient(s) …');
    // At most ten recipients per finding, then how many more.
    expect(error.details.filter((line) => line.includes('(ID'))).toHaveLength(11);
    expect(error.details).toContain("    … and 2 more (the dry run's manifest lists all)");
    expect(error.details.join('\n')).not.toContain('@example.com');
    expect(error.details).toContain('payout-warnings: 1 contract(s) …');
  });
});

function catchError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    return error as UsageError;
  }
  throw new Error('expected an error');
}
