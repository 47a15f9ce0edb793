import type { ReportResolution } from '../reports/report-paths.js';

/**
 * The variables the e-mail templates may use (README: Templates), besides `greeting`, `body` and `subjectLine`,
 * which the renderer adds. Values are display-ready strings.
 */
export interface EmailContext {
  lang: string;
  brandName: string;
  preheader: string;
  userName: string;
  email: string;
  monthName: string;
  month: string;
  year: number;
  currency: string;
  expiresOn: string;
  hasActivity: boolean;
  /** At least one download link in the e-mail. */
  hasLinks: boolean;
  hasSeveralCreators: boolean;
  creators: CreatorSection[];
  totals: MoneyColumns;
  footerNote: string | null;
  unsubscribeUrl: string | null;
}

export interface MoneyColumns {
  opening: string;
  earnings: string;
  payments: string;
  closing: string;
}

export interface CreatorSection {
  customId: string;
  hasActivity: boolean;
  hasLinks: boolean;
  contracts: (MoneyColumns & { contractCode: string; period: string })[];
  totals: MoneyColumns;
  links: LinkView[];
}

export interface LinkView {
  type: string;
  label: string;
  url: string;
  fileType: string;
  linkText: string;
}

/** "Download your YouTube report (PDF, expires 23 Jan 2026)": link text that says what it opens. */
export function describeLink(
  report: Pick<ReportResolution, 'label'>,
  key: string,
  expiresOn: string,
): LinkView['linkText'] {
  const noun = report.label.replace(/\bReport\b/, 'report');
  return `Download your ${noun} (${fileTypeOf(key)}, expires ${expiresOn})`;
}

export function fileTypeOf(key: string): string {
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(key)?.[1];
  return extension ? extension.toUpperCase() : 'file';
}
