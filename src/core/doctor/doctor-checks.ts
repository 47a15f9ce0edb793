import type { Clock, LinkSigner, ReportStore, TemplateStore, UserSource } from '../../ports.js';
import { monthName, type Period } from '../common/months.js';
import { type CampaignPlan, type CampaignSettings, prepareTemplates } from '../plan/plan-campaign.js';
import { describeUnsubscribe, isUnsubscribeUnset } from '../unsubscribe/unsubscribe-links.js';
import type { CheckOutcome, DoctorCheck, DoctorFailure } from './run-doctor.js';

/** A doctor check of a backend: what it is called, what its failure means, and how it runs. */
export interface BackendCheck {
  name: string;
  failure: DoctorFailure;
  run(signal: AbortSignal): Promise<CheckOutcome>;
}

/** A backend's own checks, in the places `doctor` prints them. */
export interface BackendDoctorChecks {
  /** One line saying what the backend is (`local (outbox folder and SQLite …)`). */
  describe(): string;
  /** Who we are (aws: the STS identity); printed before the users check. */
  identity: readonly BackendCheck[];
  /** The sending account and contact list (aws) or the outbox (local); printed after the signing key. */
  sending: readonly BackendCheck[];
  /** The ledger and tracking store (never creates anything). */
  ledger: BackendCheck;
}

/** What the common checks read once the config loaded. */
export interface DoctorDeps {
  /** The config file read, or how the config was given. */
  configSource: string;
  users: UserSource;
  /** Whether the users come from Korrect (the check then says the key was accepted). */
  usersFromKorrect: boolean;
  reports: ReportStore;
  keyPairId: string;
  campaign(): { signer: LinkSigner; templates: TemplateStore; settings: CampaignSettings };
  clock: Clock;
  /** The month whose plan doctor builds (`--month`, default the previous one). */
  period: Period;
  /** Plans that month exactly as a send would (nothing written, nothing sent). */
  planMonth(): Promise<CampaignPlan>;
  /** Throws unless a send could write its run report (the folder it goes to by default); returns that folder. */
  checkReportFolder(): Promise<string>;
}

export const CONFIG_CHECK = 'config';
/** CloudFront public key IDs (`K2JCJMDEHXQW5F`) and legacy key-pair IDs (`APKA…`). */
const KEY_PAIR_ID = /^(K[A-Z0-9]{12,31}|APKA[A-Z0-9]{16})$/;

/**
 * The checks of `dn-mailer doctor`, in the order they are printed: the config, then the backend's and the common
 * ones, each waiting for the config. `context` rejects when the config is invalid: every later check is skipped.
 */
export function createDoctorChecks(
  context: Promise<DoctorDeps>,
  backend: BackendDoctorChecks,
): DoctorCheck[] {
  const after = (
    name: string,
    failure: DoctorFailure,
    run: (deps: DoctorDeps, signal: AbortSignal) => Promise<CheckOutcome>,
  ): DoctorCheck => ({
    name,
    failure,
    needs: [CONFIG_CHECK],
    run: async (signal) => run(await context, signal),
  });
  const own = (check: BackendCheck) => after(check.name, check.failure, (_deps, signal) => check.run(signal));
  return [
    {
      name: CONFIG_CHECK,
      failure: 'config',
      failedAs: 'config invalid',
      run: async () => ({ ok: true, detail: `${(await context).configSource} is valid` }),
    },
    after('backend', 'config', async () => ({ ok: true, detail: backend.describe() })),
    ...backend.identity.map(own),
    after('users', 'reachability', checkUsers),
    after('reports', 'reachability', checkReports),
    after('signing key', 'config', checkSigningKey),
    ...backend.sending.map(own),
    own(backend.ledger),
    after('templates', 'config', checkTemplates),
    after('unsubscribe', 'config', checkUnsubscribe),
    after('run reports', 'config', async (deps) => ({
      ok: true,
      detail: `a send can write its report.html into ${await deps.checkReportFolder()}`,
    })),
    // Planning a month reads every user, payout and report and renders every e-mail: it gets ten times the limit.
    { ...after('month plan', 'config', checkMonthPlan), timeScale: 10 },
  ];
}

async function checkUsers(deps: DoctorDeps): Promise<CheckOutcome> {
  const rows = await deps.users.loadUsers();
  const what = deps.usersFromKorrect ? 'answered, key accepted' : 'read';
  return { ok: true, detail: `${deps.users.origin} ${what}: ${rows.length} user rows` };
}

async function checkReports(deps: DoctorDeps): Promise<CheckOutcome> {
  // A prefix no report has: proves the bucket (folder) exists and may be listed, without paging through it.
  await deps.reports.listKeys('__dn-mailer-doctor__/');
  return { ok: true, detail: `${deps.reports.location} is listable` };
}

async function checkSigningKey(deps: DoctorDeps): Promise<CheckOutcome> {
  const { keyPairId } = deps;
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

async function checkUnsubscribe(deps: DoctorDeps): Promise<CheckOutcome> {
  const settings = await deps.campaign().settings.unsubscribe();
  const detail = describeUnsubscribe(settings);
  if (isUnsubscribeUnset(settings)) {
    return {
      ok: false,
      detail,
      hint: 'set unsubscribe.mode: own (one-click links; dn-mailer serve) or ses, or none with unsubscribe.noneReason',
    };
  }
  if (settings.mode !== 'own') return { ok: true, detail };
  // A real round trip: the key loads (AES) or KMS encrypts and decrypts with this identity's permissions.
  const { tokens } = settings;
  const now = deps.clock.now();
  const probe = { email: 'doctor-check@dn-mailer.invalid', topic: settings.topic };
  const read = await tokens.verify(await tokens.issue(probe, now), now);
  if (read.email !== probe.email) {
    return { ok: false, detail: `${detail}; a test token read back wrong`, hint: 'report this as a bug' };
  }
  const formats = tokens.reads.length > 1 ? ` (links in ${tokens.reads.join(' and ')} format are read)` : '';
  return { ok: true, detail: `${detail}; a test ${tokens.issuing} token made and read back${formats}` };
}

/** The month planned as a send plans it: a payouts file, a bucket or a template the send would trip on fails here. */
async function checkMonthPlan(deps: DoctorDeps): Promise<CheckOutcome> {
  const { plan, findings } = await deps.planMonth();
  const month = `${monthName(deps.period.month)} ${deps.period.year}`;
  const counts = `${plan.messages.length} messages, ${plan.messages.reduce((n, m) => n + m.links.length, 0)} report links`;
  if (plan.messages.length === 0) {
    return {
      ok: false,
      detail: `${month}: nothing to send — ${plan.unsent.length} recipients, none with a report file or payout rows`,
      hint: "upload the month's reports and payouts first, or check another month with --month/--year",
    };
  }
  if (findings.findings.length === 0) return { ok: true, detail: `${month}: ${counts}; no findings` };
  const names = findings.findings.map((finding) => `${finding.name} (${finding.entries.length})`).join(', ');
  return {
    ok: true,
    detail: `${month}: ${counts}; findings a send refuses until accepted: ${names}`,
    hint: 'dn-mailer send-report --dry-run lists them with their recipients',
  };
}

async function checkTemplates(deps: DoctorDeps): Promise<CheckOutcome> {
  const { templates, settings } = deps.campaign();
  const now = deps.clock.now();
  prepareTemplates(await templates.load(), settings, {
    month: now.getUTCMonth() + 1,
    year: now.getUTCFullYear(),
  });
  return { ok: true, detail: `${templates.location}: subject, HTML and text compile, every variable known` };
}
