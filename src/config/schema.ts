import { z } from 'zod';
import { DEFAULT_REPORT_PATTERNS } from '../core/reports/report-paths.js';
import { count, httpsUrl, pathField as pathFieldOf, type ResolvePath, secretRef } from './fields.js';
import { createCampaignSections } from './sections/campaign.js';
import { createEventsSection } from './sections/events.js';
import { createSendingSections } from './sections/sending.js';

export type { ResolvePath } from './fields.js';

/**
 * The one schema of `.distronationrc`: types, defaults and the documentation of `.distronationrc.example` (which
 * `renderConfigExample` generates from the descriptions and examples below). Relative paths are resolved by the
 * `resolvePath` the loader passes in (against the config file's folder).
 */
const patternSchema = z
  .strictObject({
    type: z.string().regex(/^[a-z0-9-]+$/, 'expected a lower-case word such as youtube'),
    label: z.string().min(1),
    pattern: z.string().min(1),
  })
  .superRefine((value, ctx) => {
    const unknown = [...value.pattern.matchAll(/\{([^}]*)\}/g)]
      .map((m) => m[1])
      .filter((name) => !['year', 'month', 'id'].includes(name ?? ''));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `unknown placeholder {${unknown[0]}}` });
    }
    for (const required of ['{year}', '{month}', '{id}']) {
      if (!value.pattern.includes(required)) {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: `must contain ${required}` });
      }
    }
  });

/** A required type no pattern produces (a typo such as `yt`) would turn the missing-reports gate off unnoticed. */
function checkRequiredReportTypes(
  reports: { patterns: readonly { type: string }[]; required: readonly string[] },
  ctx: z.RefinementCtx,
): void {
  const known = [...new Set(reports.patterns.map((p) => p.type))];
  reports.required.forEach((type, index) => {
    if (known.includes(type)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['required', index],
      message: `${JSON.stringify(type)} is not a report type (known: ${known.join(', ')})`,
    });
  });
}

export function createConfigSchema(resolvePath: ResolvePath = (path) => path) {
  const pathField = (description: string, sample: string) => pathFieldOf(resolvePath, description, sample);

  const users = z
    .strictObject({
      source: z.enum(['korrect', 'file', 'firestore']).optional().meta({
        description: 'where creators come from; default: file on the local backend, korrect on aws',
      }),
      file: pathField(
        'JSON file in the Korrect /dn_users_list shape (source: file)',
        'users.json',
      ).optional(),
      korrect: z
        .strictObject({
          baseUrl: httpsUrl(
            'Korrect API base URL (without /dn_users_list)',
            'https://api.example.com/staging',
          ),
          apiKey: secretRef(resolvePath, 'the x-api-key header', { env: 'KORRECT_API_KEY' }),
          timeoutMs: count('timeout of one request in milliseconds', 30_000, 1),
          retries: count('retries on 429, 5xx and network errors (jittered backoff)', 4),
        })
        .optional()
        .meta({ description: 'the Korrect API (source: korrect)' }),
      firestore: z
        .strictObject({
          projectId: z
            .string()
            .min(1)
            .optional()
            .meta({ description: "Firebase project (default: the service account's)" }),
          serviceAccount: secretRef(resolvePath, 'service account JSON key', {
            secret: 'dn-mailer/firebase-service-account',
          }),
          collection: z
            .string()
            .min(1)
            .default('users')
            .meta({ description: 'collection of user documents' }),
        })
        .optional()
        .meta({ description: 'Firestore (source: firestore), read with firebase-admin' }),
      excludeEmails: z
        .array(z.string())
        .default([])
        .meta({
          description: 'addresses never mailed (internal test accounts), case-insensitive',
          sample: ['qa-team@distro-nation.test'],
        }),
      customIdAliases: z
        .record(z.string(), z.string())
        .default({})
        .meta({
          description: 'custom ID → the ID used for payouts and reports',
          sample: { MOLS: 'MOL', JODYHIGHROLLER: 'RIFFRAFF' },
        }),
      sharedCustomIds: z
        .array(
          z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a custom ID (1–64 letters, digits, "-" or "_")'),
        )
        .default([])
        .meta({
          description:
            'custom IDs more than one address may claim (compared ignoring case, "-" and "_", after aliases); any other ID claimed by two addresses holds both back (shared-custom-id)',
          sample: ['DUOCHANNEL'],
        }),
    })
    .default({ excludeEmails: [], customIdAliases: {}, sharedCustomIds: [] })
    .meta({ description: 'who receives the report' });

  const reports = z
    .strictObject({
      bucket: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'S3 bucket of the reports (aws backend)', sample: 'distro-nation-reports' }),
      region: z.string().min(1).optional().meta({ description: 'bucket region; default: the SDK chain' }),
      forcePathStyle: z
        .boolean()
        .default(false)
        .meta({ description: 'path-style S3 URLs, for S3-compatible stores' }),
      dir: pathField('directory laid out like the bucket (local backend)', 'reports').optional(),
      patterns: z
        .array(patternSchema)
        .min(1)
        .default(DEFAULT_REPORT_PATTERNS.map((p) => ({ ...p })))
        .meta({ description: 'report layouts in precedence order; placeholders {year} {month} {id}' }),
      required: z.array(z.string().min(1)).default([]).meta({
        description:
          'report types every mailed creator must have (e.g. [youtube]); a gap is a missing-reports finding that stops the send until accepted',
      }),
    })
    .superRefine(checkRequiredReportTypes)
    .default({
      forcePathStyle: false,
      patterns: DEFAULT_REPORT_PATTERNS.map((p) => ({ ...p })),
      required: [],
    })
    .meta({ description: 'where the report files are' });

  return z
    .strictObject({
      $schema: z.string().optional().meta({ description: 'ignored; lets editors find a JSON schema' }),
      backend: z.enum(['local', 'aws']).default('local').meta({
        description: 'local: files, SQLite, outbox (no credentials) · aws: Korrect, S3, SES, DynamoDB',
      }),
      users,
      reports,
      ...createCampaignSections(resolvePath),
      ...createSendingSections(resolvePath),
      events: createEventsSection(),
    })
    .superRefine((config, ctx) => {
      const source = config.users.source ?? (config.backend === 'aws' ? 'korrect' : 'file');
      if (source === 'file' && !config.users.file) {
        ctx.addIssue({
          code: 'custom',
          path: ['users', 'file'],
          message: 'required when users.source is file',
        });
      }
      if (source === 'firestore' && !config.users.firestore) {
        ctx.addIssue({
          code: 'custom',
          path: ['users', 'firestore'],
          message: 'required when users.source is firestore',
        });
      }
      if (source === 'korrect' && !config.users.korrect) {
        ctx.addIssue({
          code: 'custom',
          path: ['users', 'korrect'],
          message: 'required when users.source is korrect',
        });
      }
      if (config.backend === 'aws' && !config.reports.bucket) {
        ctx.addIssue({
          code: 'custom',
          path: ['reports', 'bucket'],
          message: 'required for the aws backend',
        });
      }
      if (config.backend === 'local' && !config.reports.dir) {
        ctx.addIssue({ code: 'custom', path: ['reports', 'dir'], message: 'required for the local backend' });
      }
    })
    .transform((config) => ({
      ...config,
      payouts: {
        ...config.payouts,
        source: config.payouts.source ?? (config.backend === 'aws' ? 'korrect' : 'file'),
      },
      users: {
        ...config.users,
        source: config.users.source ?? (config.backend === 'aws' ? 'korrect' : 'file'),
      },
    }));
}

export type Config = z.output<ReturnType<typeof createConfigSchema>>;
export type SecretRef = NonNullable<Config['users']['korrect']>['apiKey'];
