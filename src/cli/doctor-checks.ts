import path from 'node:path';
import { fileExists, probeWritableDir } from '../adapters/local/doctor-probes.js';
import type { LoadedConfig } from '../config/load.js';
import type { CheckOutcome, DoctorCheck } from '../core/doctor/run-doctor.js';
import { prepareTemplates } from '../core/plan/plan-campaign.js';
import type { Deps } from './deps.js';
import { createAwsDoctorChecks, describeTrackingTables } from './doctor-checks-aws.js';

/** What the checks read once the config loaded. */
export interface DoctorContext {
  loaded: LoadedConfig;
  deps: Deps;
}

export interface DoctorSetup {
  /** Resolves once the config is loaded and valid; rejects with the config error otherwise. */
  context: Promise<DoctorContext>;
  /** The backend whose checks to list (from the config, else `--backend`); undefined lists both backends'. */
  backend: 'local' | 'aws' | undefined;
}

export const CONFIG_CHECK = 'config';
/** CloudFront public key IDs (`K2JCJMDEHXQW5F`) and legacy key-pair IDs (`APKA…`). */
const KEY_PAIR_ID = /^(K[A-Z0-9]{12,31}|APKA[A-Z0-9]{16})$/;

/** The checks of `dn-mailer doctor` for the configured backend, in the order they are printed. */
export function createDoctorChecks(setup: DoctorSetup): DoctorCheck[] {
  const { context, backend } = setup;
  const after = (
    name: string,
    failure: DoctorCheck['failure'],
    run: (ctx: DoctorContext, signal: AbortSignal) => Promise<CheckOutcome>,
  ): DoctorCheck => ({
    name,
    failure,
    needs: [CONFIG_CHECK],
    run: async (signal) => run(await context, signal),
  });
  const aws = createAwsDoctorChecks(after);
  const localOnly = backend === 'aws' ? [] : [after('outbox', 'config', checkOutbox)];
  const awsOnly = (names: readonly string[]) =>
    backend === 'local' ? [] : aws.filter((check) => names.includes(check.name));
  return [
    {
      name: CONFIG_CHECK,
      failure: 'config',
      failedAs: 'config invalid',
      run: async () => {
        const { loaded } = await context;
        return { ok: true, detail: `${loaded.path ?? 'defaults and DN_MAILER_* variables'} is valid` };
      },
    },
    after('backend', 'config', async ({ loaded }) => ({ ok: true, detail: describeBackend(loaded) })),
    ...awsOnly(['AWS identity']),
    after('users', 'reachability', checkUsers),
    after('reports', 'reachability', checkReports),
    after('signing key', 'config', checkSigningKey),
    ...awsOnly(['SES account', 'contact list']),
    ...localOnly,
    after('ledger/tracking', 'reachability', (ctx, signal) =>
      ctx.loaded.config.backend === 'local' ? checkLocalLedger(ctx) : checkAwsLedger(ctx, signal),
    ),
    after('templates', 'config', checkTemplateStore),
  ];
}

function describeBackend(loaded: LoadedConfig): string {
  const { config } = loaded;
  if (config.backend === 'local') return 'local (outbox folder and SQLite; no AWS credentials needed)';
  return `aws (S3 s3://${config.reports.bucket ?? '?'}, SES v2${config.ses.region ? ` in ${config.ses.region}` : ''}, DynamoDB)`;
}

async function checkUsers({ deps }: DoctorContext): Promise<CheckOutcome> {
  const rows = await deps.users.loadUsers();
  const what =
    deps.config.users.korrect && deps.users.origin.startsWith('Korrect') ? 'answered, key accepted' : 'read';
  return { ok: true, detail: `${deps.users.origin} ${what}: ${rows.length} user rows` };
}

async function checkReports({ deps }: DoctorContext): Promise<CheckOutcome> {
  // A prefix no report has: proves the bucket (folder) exists and may be listed, without paging through it.
  await deps.reports.listKeys('__dn-mailer-doctor__/');
  return { ok: true, detail: `${deps.reports.location} is listable` };
}

async function checkSigningKey({ deps }: DoctorContext): Promise<CheckOutcome> {
  const keyPairId = deps.config.links?.keyPairId ?? '';
  if (!KEY_PAIR_ID.test(keyPairId)) {
    return {
      ok: false,
      detail: `links.keyPairId "${keyPairId}" is not a CloudFront key ID`,
      hint: 'use the public key ID of the key group (CloudFront → Public keys, e.g. K2JCJMDEHXQW5F)',
    };
  }
  const expiresAt = new Date(deps.clock.now().getTime() + 3_600_000);
  const urls = await deps.campaign().signer.signUrls(['doctor-check'], expiresAt);
  const url = urls.get('doctor-check') ?? '';
  if (!url.includes(`Key-Pair-Id=${keyPairId}`)) {
    return { ok: false, detail: 'the signed test URL lacks the key pair ID', hint: 'report this as a bug' };
  }
  return { ok: true, detail: `links.privateKey loads and signs for key pair ${keyPairId}` };
}

async function checkOutbox({ loaded }: DoctorContext): Promise<CheckOutcome> {
  const dir = loaded.config.outbox.dir;
  const { exists } = await probeWritableDir(dir, 'outbox.dir');
  return {
    ok: true,
    detail: `${dir} ${exists ? 'is writable' : 'will be created (its parent is writable)'}`,
  };
}

async function checkLocalLedger({ loaded, deps }: DoctorContext): Promise<CheckOutcome> {
  const file = loaded.config.tracking.file;
  if (!(await fileExists(file))) {
    // Opening it would create it: say so instead of leaving a file behind.
    await probeWritableDir(path.dirname(file), 'tracking.file');
    return { ok: true, detail: `SQLite ${file} will be created on the first send (its folder is writable)` };
  }
  const sending = deps.sending();
  try {
    await sending.ledger.listRows('__doctor__');
  } finally {
    sending.close();
  }
  return { ok: true, detail: `SQLite ${file} opens (ledger, tracking, contacts, audit)` };
}

async function checkAwsLedger(ctx: DoctorContext, signal: AbortSignal): Promise<CheckOutcome> {
  const sending = ctx.deps.sending();
  try {
    await sending.ledger.listRows('__doctor__');
  } finally {
    sending.close();
  }
  const tables = await describeTrackingTables(ctx.loaded.config, signal);
  return { ok: true, detail: `${sending.ledgerLocation} readable; ${tables}` };
}

async function checkTemplateStore({ deps }: DoctorContext): Promise<CheckOutcome> {
  const { templates, settings } = deps.campaign();
  const now = deps.clock.now();
  prepareTemplates(await templates.load(), settings, {
    month: now.getUTCMonth() + 1,
    year: now.getUTCFullYear(),
  });
  return { ok: true, detail: `${templates.location}: subject, HTML and text compile, every variable known` };
}
