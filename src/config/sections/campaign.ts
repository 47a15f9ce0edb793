import { z } from 'zod';
import { COLUMN_KEYS, DEFAULT_COLUMNS } from '../../core/plan/email-context.js';
import { count, httpsUrl, mailbox, pathField, type ResolvePath, secretRef } from '../fields.js';

export const DEFAULT_SUBJECT = 'Your {{monthName}} {{year}} financial report';
export const DEFAULT_GREETING = 'Hello {{userName}},';
export const DEFAULT_BODY =
  'Your financial summary for {{monthName}} {{year}} is below.{{#if hasLinks}} Download your reports with the links in this e-mail; they work until {{expiresOn}}.{{/if}}';

/** The sections a campaign needs (payouts, links, email); resolve-paths works without them. */
export function createCampaignSections(resolvePath: ResolvePath) {
  const payouts = z
    .strictObject({
      source: z.enum(['korrect', 'file']).optional().meta({
        description:
          'where payouts come from; default: file on the local backend, korrect (users.korrect) on aws',
      }),
      file: pathField(
        resolvePath,
        'JSON file in the Korrect /dn_payouts_fetch body shape (source: file)',
        'payouts.json',
      ).optional(),
      payoutType: z.string().min(1).default('youtube').meta({
        description: 'payoutType sent to /dn_payouts_fetch (one type; see payoutTypes for several)',
      }),
      payoutTypes: z
        .array(z.string().min(1))
        .min(1)
        .refine((types) => new Set(types).size === types.length, 'lists a payout type twice')
        .optional()
        .meta({
          description:
            'several payout types, fetched one /dn_payouts_fetch call each and shown as one table each, in this order; replaces payoutType',
          sample: ['youtube', 'distro'],
        }),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD')
        .default('USD')
        .meta({ description: 'currency of the amounts' }),
      locale: z.string().min(2).default('en-US').meta({ description: 'how amounts and dates are written' }),
      chunkSize: count('custom IDs per /dn_payouts_fetch request', 50, 1, 500),
      concurrency: count('/dn_payouts_fetch requests in flight', 4, 1, 32),
    })
    .superRefine((payouts, ctx) => {
      if (payouts.payoutTypes && payouts.payoutType !== 'youtube') {
        ctx.addIssue({
          code: 'custom',
          path: ['payoutTypes'],
          message: 'give payoutType (one type) or payoutTypes (several), not both',
        });
      }
    })
    .default({ payoutType: 'youtube', currency: 'USD', locale: 'en-US', chunkSize: 50, concurrency: 4 })
    .meta({ description: 'payout figures shown in the e-mail' });

  const links = z
    .strictObject({
      baseUrl: httpsUrl(
        'CloudFront distribution URL the report keys are appended to',
        'https://d111111abcdef8.cloudfront.net',
      ),
      keyPairId: z
        .string()
        .min(1)
        .meta({ description: 'CloudFront public key ID (key group)', sample: 'K2JCJMDEHXQW5F' }),
      privateKey: secretRef(resolvePath, 'PEM private key that signs the links', {
        secret: 'cloudfront-private-key',
      }),
      expiresInDays: count('days a link works (CloudFront canned policy), at most 25', 25, 1, 25),
    })
    .optional()
    .meta({ description: 'signed download links (needed to send or preview)' });

  const email = z
    .strictObject({
      from: mailbox(
        'sender (a verified SES identity on the aws backend)',
        'Distro Nation <reports@distro-nation.com>',
      ),
      replyTo: mailbox('Reply-To address', 'finance@distro-nation.com').optional(),
      bcc: z
        .array(mailbox('address', 'equity@distro-nation.com'))
        .default([])
        .meta({ description: 'blind copies of every message (e.g. equity recipients)' }),
      brandName: z.string().min(1).default('Distro Nation').meta({ description: 'name shown in the e-mail' }),
      subject: z
        .string()
        .min(1)
        .default(DEFAULT_SUBJECT)
        .meta({ description: 'subject template (Handlebars)' }),
      greeting: z.string().min(1).default(DEFAULT_GREETING).meta({ description: 'greeting template' }),
      body: z.string().min(1).default(DEFAULT_BODY).meta({ description: 'first paragraph template' }),
      columns: z
        .array(z.enum(COLUMN_KEYS))
        .min(1)
        .refine((columns) => new Set(columns).size === columns.length, 'lists a column twice')
        .default([...DEFAULT_COLUMNS])
        .meta({
          description:
            'per-contract columns of the e-mail, in order: opening, gross (totalGross), views (totalViews), earnings, performance (performanceRoy), subscription (subscriptionRoy), payments (shown as "Paid to you"), closing',
        }),
      footerNote: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'extra footer text', sample: 'Questions? Reply to this e-mail.' }),
      templates: pathField(
        resolvePath,
        'folder with your own financial-report.html.hbs and .txt.hbs (default: the built-in templates)',
      ).optional(),
      unsubscribeUrl: httpsUrl(
        'unsubscribe page linked in the footer',
        'https://distro-nation.com/unsubscribe',
      ).optional(),
    })
    .optional()
    .meta({ description: 'the e-mail (needed to send or preview)' });

  return { payouts, links, email };
}
