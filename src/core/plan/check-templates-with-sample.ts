import { monthName, monthNumber, type Period } from '../common/months.js';
import type { PlanSettings } from './build-plan.js';
import { checkTemplatePaths } from './check-template-paths.js';
import type { EmailTemplates, RenderedEmail } from './compile-templates.js';
import type { EmailContext } from './email-context.js';

const SAMPLE_MONEY = { opening: '$1.00', earnings: '$1.00', payments: '-$1.00', closing: '$1.00' };

/**
 * Checks the templates before any user, payout or bucket is read: every variable they name — in `{{…}}` and in
 * `#if` / `#each` — must exist in a sample context that has them all, and a sample e-mail taking every branch
 * (activity, links, several creators, footer) must render. So a misspelt name fails the plan even when no
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
  const creator = {
    customId: 'SAMPLE',
    hasActivity: true,
    hasLinks: true,
    contracts: [
      { contractCode: 'C-1', period: `${monthName(period.month)} ${period.year}`, ...SAMPLE_MONEY },
    ],
    totals: SAMPLE_MONEY,
    links: [
      {
        type: 'youtube',
        label: 'YouTube Report',
        url: 'https://example.com/r.pdf',
        fileType: 'PDF',
        linkText: 'Download',
      },
    ],
  };
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
    creators: [creator, { ...creator, hasActivity: false, hasLinks: false, contracts: [], links: [] }],
    totals: SAMPLE_MONEY,
    footerNote: 'note',
    unsubscribeUrl: 'https://example.com/unsubscribe',
  };
}
