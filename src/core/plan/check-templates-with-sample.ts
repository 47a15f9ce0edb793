import { monthName, monthNumber, type Period } from '../common/months.js';
import type { Contract } from '../payouts/payout-statements.js';
import type { PlanSettings } from './build-plan.js';
import { checkTemplatePaths } from './check-template-paths.js';
import type { EmailTemplates, RenderedEmail } from './compile-templates.js';
import type { EmailContext } from './email-context.js';
import { buildCreatorView, createStatementFormat, figuresOf, summaryOf } from './statement-view.js';

/**
 * Checks the templates before any user, payout or bucket is read: every variable they name — in `{{…}}` and in
 * `#if` / `#each` — must exist in a sample context that has them all, and a sample e-mail taking every branch
 * (activity, links, several creators, a channel name, a total row, the summary, footer) must render. So a misspelt name fails the plan even when no
 * recipient would reach that branch this month.
 */
export function checkTemplates(
  templates: EmailTemplates,
  render: (context: EmailContext) => RenderedEmail,
  settings: PlanSettings,
  period: Period,
): void {
  const sample = sampleContext(settings, period);
  const full = { ...sample, greeting: 'greeting', body: 'body', subjectLine: 'subject' };
  for (const template of [templates.subject, templates.greeting, templates.body])
    checkTemplatePaths(template, sample);
  for (const template of [templates.html, templates.text]) checkTemplatePaths(template, full);
  render(sample);
}

function sampleContext(settings: PlanSettings, period: Period): EmailContext {
  // Built by the same functions as a real e-mail, so the sample cannot fall behind the context's shape.
  const format = createStatementFormat({ ...settings, period });
  const contract = (contractCode: string, payoutType: string): Contract => ({
    customId: 'SAMPLE',
    contractCode,
    year: period.year,
    month: period.month,
    royaltyPeriod: undefined,
    openingCents: 100,
    earningsCents: 100,
    paymentsCents: -100,
    closingCents: 100,
    periodCents: 0,
    payoutType,
    grossCents: 100,
    views: 1,
    performanceCents: 100,
    subscriptionCents: 100,
  });
  const [first = 'youtube', second = 'other'] = format.payoutTypes;
  const contracts = [contract('C-1', first), contract('C-2', first), contract('C-3', second)];
  const link = {
    type: 'youtube',
    label: 'YouTube Report',
    url: 'https://example.com/r.pdf',
    fileType: 'PDF',
    linkText: 'Download',
  };
  const creator = buildCreatorView(
    { original: 'SAMPLE', resolved: 'SAMPLE', channelName: 'Sample' },
    contracts,
    [link],
    format,
  );
  const quiet = buildCreatorView({ original: 'QUIET', resolved: 'QUIET' }, [], [], format);
  const creators = [creator, quiet];
  return {
    lang: settings.lang,
    brandName: settings.brandName,
    preheader: 'preheader',
    userName: 'Sample',
    email: 'sample@example.com',
    monthName: monthName(period.month),
    month: monthNumber(period.month),
    year: period.year,
    currency: settings.currency,
    expiresOn: '1 Jan 2000',
    hasActivity: true,
    hasLinks: true,
    hasSeveralCreators: true,
    columns: format.columns,
    ...format.layout,
    creators,
    ...summaryOf(creators),
    totals: figuresOf(contracts, format),
    footerNote: 'note',
    unsubscribeUrl: 'https://example.com/unsubscribe',
  };
}
