import type { EmailContext } from './email-context.js';
import { monthName, monthNumber, type Period } from './months.js';
import type { PlanSettings } from './plan.js';
import type { RenderedEmail } from './render.js';

const SAMPLE_MONEY = { opening: '$1.00', earnings: '$1.00', payments: '-$1.00', closing: '$1.00' };

/**
 * Renders a sample e-mail that takes every branch of the templates (activity, links, several creators, footer),
 * so an unknown variable is reported before any user, payout or bucket is read — even when no recipient would
 * reach that branch this month.
 */
export function checkTemplates(
  render: (context: EmailContext) => RenderedEmail,
  settings: PlanSettings,
  period: Period,
): void {
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
  render({
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
    hasSeveralCreators: true,
    creators: [creator, { ...creator, hasActivity: false, hasLinks: false, contracts: [], links: [] }],
    totals: SAMPLE_MONEY,
    footerNote: 'note',
    unsubscribeUrl: 'https://example.com/unsubscribe',
  });
}
