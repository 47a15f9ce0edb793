import type { z } from 'zod';
import { ConfigError } from '../core/common/errors.js';
import { type Config, createConfigSchema, type ResolvePath } from './schema.js';

/** Validates raw config data and reports every problem at once, each with its dotted path. */
export function validateConfig(raw: unknown, resolvePath: ResolvePath, source: string): Config {
  const result = createConfigSchema(resolvePath).safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap(describeIssue);
  throw new ConfigError(`${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:`, {
    details: problems,
    hint: 'every key is documented in .distronationrc.example',
  });
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${path ? `${path}.` : ''}${key}: unknown key`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return [`${path}: required`];
  return [`${path || '(top level)'}: ${issue.message}`];
}

/** What a campaign (send, dry run, preview) needs beyond resolve-paths; every gap is reported at once. */
export function requireCampaignConfig(
  config: Config,
): Config & { email: NonNullable<Config['email']>; links: NonNullable<Config['links']> } {
  const problems: string[] = [];
  if (!config.email) problems.push('email: required to send or preview (at least email.from)');
  if (!config.links) problems.push('links: required to send or preview (baseUrl, keyPairId, privateKey)');
  if (config.payouts.source === 'file' && !config.payouts.file) {
    problems.push('payouts.file: required when payouts.source is file');
  }
  if (config.payouts.source === 'korrect' && !config.users.korrect) {
    problems.push(
      'users.korrect: required when payouts.source is korrect (payouts use the same Korrect API)',
    );
  }
  problems.push(...unsubscribeProblems(config));
  const { email, links } = config;
  if (problems.length > 0 || !email || !links) {
    throw new ConfigError(
      `the configuration cannot run a campaign (${plural(problems.length, 'problem')}):`,
      {
        details: problems,
        hint: 'every key is documented in .distronationrc.example',
      },
    );
  }
  return { ...config, email, links };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function unsubscribeProblems(config: Config): string[] {
  const { unsubscribe } = config;
  const problems: string[] = [];
  if (unsubscribe.mode === 'own') {
    if (!unsubscribe.baseUrl) problems.push('unsubscribe.baseUrl: required when unsubscribe.mode is own');
    if (unsubscribe.token === 'aes' && !unsubscribe.tokenKey)
      problems.push(
        'unsubscribe.tokenKey: required when unsubscribe.mode is own and unsubscribe.token is aes',
      );
  }
  if (unsubscribe.mode === 'none' && !unsubscribe.noneReason) {
    problems.push(
      'unsubscribe.noneReason: required when unsubscribe.mode is none (why the e-mails carry no unsubscribe link)',
    );
  }
  if (unsubscribe.mode === 'ses') {
    if (!unsubscribe.contactList)
      problems.push('unsubscribe.contactList: required when unsubscribe.mode is ses');
    if (config.backend !== 'aws')
      problems.push('unsubscribe.mode: ses needs the aws backend (use own locally)');
  }
  return problems;
}

/** What a command is about to use of its backend; each needs its own keys. */
export type BackendUse = 'reports' | 'sending' | 'contacts';

const BACKEND_USE: Record<BackendUse, { what: string; hint: string }> = {
  reports: { what: 'list the reports', hint: 'every key is documented in .distronationrc.example' },
  sending: { what: 'send', hint: 'README: AWS resources lists the tables and their keys' },
  contacts: { what: 'change contacts', hint: 'README: AWS resources' },
};

/** Every key the configured backend needs for `use` that is missing, each with its dotted path. */
export function backendProblems(config: Config, use: BackendUse): string[] {
  const aws = config.backend === 'aws';
  const need = (present: unknown, problem: string) => (present ? [] : [problem]);
  switch (use) {
    case 'reports':
      return aws
        ? need(config.reports.bucket, 'reports.bucket: required for the aws backend')
        : need(config.reports.dir, 'reports.dir: required for the local backend');
    case 'sending':
      return aws
        ? [
            ...need(
              config.tracking.ledgerTable,
              'tracking.ledgerTable: required to send on the aws backend (the no-double-send ledger)',
            ),
            ...need(
              config.tracking.table,
              'tracking.table: required to send on the aws backend (tracking rows)',
            ),
            ...need(
              !config.events.queueUrl || config.tracking.suppressionTable,
              'tracking.suppressionTable: required with events.queueUrl (bounces and complaints are recorded there)',
            ),
          ]
        : [];
    case 'contacts':
      return aws
        ? [
            ...need(
              config.unsubscribe.contactList,
              'unsubscribe.contactList: required on the aws backend (the SES contact list)',
            ),
            ...need(
              config.tracking.auditTable,
              'tracking.auditTable: required on the aws backend (the audit trail)',
            ),
          ]
        : [];
  }
}

/** Throws one ConfigError listing every key `use` needs on the configured backend; call before building a client. */
export function requireBackendConfig(config: Config, use: BackendUse): void {
  const problems = backendProblems(config, use);
  if (problems.length === 0) return;
  throw new ConfigError(
    `the configuration cannot ${BACKEND_USE[use].what} on the ${config.backend} backend:`,
    {
      details: problems,
      hint: BACKEND_USE[use].hint,
    },
  );
}
