import { z } from 'zod';
import { count, httpsUrl, mailbox, pathField, type ResolvePath, secretRef } from '../fields.js';

/** The most sends in flight (`ses.concurrency`, `--concurrency`); the SES socket pool is sized to it. */
export const MAX_CONCURRENCY = 64;

/** The sections that sending needs: SES, the local outbox, the ledger and tracking stores, gating lists. */
export function createSendingSections(resolvePath: ResolvePath) {
  const ses = z
    .strictObject({
      region: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'SES region; default: the SDK chain (AWS_REGION)' }),
      configurationSet: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'SES configuration set', sample: 'financial-reports' }),
      maxRate: z.coerce
        .number()
        .positive()
        .optional()
        .meta({ description: 'messages per second at most (the account MaxSendRate always applies)' }),
      concurrency: count('SendEmail calls in flight', 32, 1, MAX_CONCURRENCY),
      circuitBreaker: count('stop the run after this many failures in a row', 10, 1),
      sendTimeoutMs: count('timeout of one SendEmail call; after it the outcome is unknown', 15_000, 1_000),
      suppressionList: z
        .boolean()
        .default(true)
        .meta({ description: 'skip addresses on the SES account suppression list (aws backend)' }),
    })
    .default({ concurrency: 32, circuitBreaker: 10, sendTimeoutMs: 15_000, suppressionList: true })
    .meta({ description: 'sending through Amazon SES v2 (aws backend) and the pace of every backend' });

  const outbox = z
    .strictObject({
      dir: pathField(
        resolvePath,
        'folder the local backend "sends" into (.eml files)',
        '.dn-mailer/outbox',
      ).default(resolvePath('.dn-mailer/outbox')),
      simulate: simulateSection(),
    })
    .default({ dir: resolvePath('.dn-mailer/outbox'), simulate: { reject: [], unknown: [], throttle: 0 } })
    .meta({ description: 'the local backend outbox' });

  const tracking = z
    .strictObject({
      file: pathField(
        resolvePath,
        'SQLite file of the local backend (ledger, tracking, contacts, audit)',
        '.dn-mailer/dn-mailer.sqlite',
      ).default(resolvePath('.dn-mailer/dn-mailer.sqlite')),
      ledgerTable: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'DynamoDB send ledger (keys campaignId, email)', sample: 'dn-mailer-ledger' }),
      table: z.string().min(1).optional().meta({
        description: 'DynamoDB tracking table (keys campaignId, timestamp)',
        sample: 'financial-campaign-tracking',
      }),
      suppressionTable: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'optional DynamoDB suppression table (key email)' }),
      auditTable: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'DynamoDB audit table of unsubscribe changes' }),
      ttlDays: count('days tracking rows are kept (expirationTime)', 90, 1),
    })
    .default({ file: resolvePath('.dn-mailer/dn-mailer.sqlite'), ttlDays: 90 })
    .meta({ description: 'the ledger (no double sends) and the tracking rows' });

  const unsubscribe = z
    .strictObject({
      mode: z.enum(['own', 'ses', 'none']).optional().meta({
        description:
          'own: signed one-click links to dn-mailer serve / the exported handler; ses: SES-managed (ListManagementOptions); none: no unsubscribe link, only with noneReason. A real send refuses while it is unset',
      }),
      noneReason: z.string().min(1).optional().meta({
        description:
          'mode none: why these e-mails carry no unsubscribe link (shown at the confirmation and in the report)',
        sample: 'transactional statements required by contract; opt-outs handled by support',
      }),
      baseUrl: httpsUrl(
        'own mode: the endpoint the one-click links point to',
        'https://mail.distro-nation.com/unsubscribe',
      ).optional(),
      mailto: mailbox(
        'own mode: the mailto address of List-Unsubscribe',
        'unsubscribe@distro-nation.com',
      ).optional(),
      token: z.enum(['aes', 'kms']).default('aes').meta({
        description:
          "own mode: the links' token format. aes: dn-mailer's own (unsubscribe.tokenKey); kms: the KMS ciphertext of {email, topic, timestamp} that Distro Nation's deployed endpoint reads (unsubscribe.kmsKeyId). Both are read back either way when both are configured",
      }),
      kmsKeyId: z.string().min(1).optional().meta({
        description:
          "own mode: the KMS key (alias, key ID or ARN) of kms tokens; default alias/dn-unsubscribe with token kms. Set with token aes, links in the KMS format (the old Lambda's) are read too",
        sample: 'alias/dn-unsubscribe',
      }),
      tokenKey: secretRef(
        resolvePath,
        'own mode: 32-byte key (base64 or hex) that encrypts the tokens (token aes)',
        {
          secret: 'dn-mailer/unsubscribe-token-key',
        },
      ).optional(),
      maxAgeDays: count('own mode: days a token stays valid', 30, 1, 365),
      contactList: z.string().min(1).optional().meta({
        description: 'SES contact list whose opt-outs are honoured (aws backend)',
        sample: 'distro-nation',
      }),
      topic: z
        .string()
        .min(1)
        .default('financial-reports')
        .meta({ description: 'the topic these e-mails belong to' }),
    })
    .default({ topic: 'financial-reports', maxAgeDays: 30, token: 'aes' })
    .meta({ description: 'opt-outs: the links in every e-mail, and the lists honoured before every send' });

  return { ses, outbox, tracking, unsubscribe };
}

const simulatedAddresses = (description: string) =>
  z.array(z.string().trim().toLowerCase().email()).default([]).meta({ description });

/**
 * Rehearsal only: failures the local outbox fakes so an operator can practise `status --failed`, `--retry-failed`
 * and `--retry-unknown`. Empty lists and throttle 0 (the defaults) simulate nothing.
 */
function simulateSection() {
  return z
    .strictObject({
      reject: simulatedAddresses(
        'rehearsal: the outbox refuses these recipients (failed; take one out, then --retry-failed)',
      ),
      unknown: simulatedAddresses(
        'rehearsal: the outbox writes nothing for these and answers "outcome unknown" (then --retry-unknown)',
      ),
      throttle: z.coerce.number().min(0).default(0).meta({
        description: 'rehearsal: messages per second above which the outbox throttles (0: never)',
      }),
    })
    .default({ reject: [], unknown: [], throttle: 0 })
    .meta({
      description:
        'local backend, rehearsal only: fake provider failures (the summary and doctor say "simulating failures")',
    });
}
