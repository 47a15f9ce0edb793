import path from 'node:path';
import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { ConfigError, ExitCode, UsageError } from '../../core/common/errors.js';
import { type Period, parsePeriod } from '../../core/common/months.js';
import { createDoctorChecks, type DoctorDeps } from '../../core/doctor/doctor-checks.js';
import { type DoctorReport, doctorExitCode, runDoctor } from '../../core/doctor/run-doctor.js';
import { planCampaign } from '../../core/plan/plan-campaign.js';
import { createChalk } from '../context.js';
import { type Deps, placeholderChecks } from '../deps.js';
import type { GlobalOptions } from '../io.js';
import type { CommandRuntime } from '../runtime.js';

interface DoctorOptions {
  month: string;
  year?: string;
  timeoutMs: string;
  iamPolicy: boolean;
}

export function registerDoctor(program: Command, runtime: CommandRuntime): void {
  const command = program
    .command('doctor')
    .description('check the config, credentials and every service a send needs — one line per check')
    .option('-m, --month <month>', 'the month to plan (January, jan, 1, 01 or previous)', 'previous')
    .option('-y, --year <year>', 'four-digit year (inferred with --month previous)')
    .option('--timeout-ms <ms>', 'how long each check may take', '10000')
    .option(
      '--iam-policy',
      'print the least-privilege IAM policy the aws backend needs for this config (JSON), and run no check',
      false,
    )
    .addHelpText(
      'after',
      `
Checks: config · backend · AWS identity (aws) · users (Korrect or file) · reports (bucket or folder) ·
signing key · SES account and contact list (aws) · outbox (local) · ledger/tracking (readable and writable) ·
templates · unsubscribe (the mode in force; a test token made and read back: the AES key loads, or KMS
answers) · run reports (the folder a send writes its report.html to is writable) · month plan (the month
planned as a send plans it — users, payouts, reports, links, e-mails — and its findings). Nothing is written or sent.
A check that needs a valid config is skipped when the config is invalid.

Exit codes: 0 every check passed · 3 a config or credential check failed (a setting, key or permission to fix)
            · 5 only reachability failed (a service did not answer or timed out: try again later)

Examples:
  $ dn-mailer doctor
  $ dn-mailer doctor --month January --year 2025
  $ dn-mailer doctor --backend aws --json
  $ dn-mailer doctor --iam-policy > dn-mailer-policy.json   # for accounts that do not use the stack`,
    )
    .action(
      runtime.handle(async (options: DoctorOptions, self: Command) => {
        if (options.iamPolicy) {
          const run = await runtime.open(self);
          const { document, unscoped } = run.deps.iamPolicy();
          runtime.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
          // Exit 0 either way, but a policy that grants on "*" is not the least privilege: say which and why.
          for (const { statement, key } of unscoped)
            run.progress.note(`⚠ ${statement}: the config names no resource (${key}), so it grants on "*"`);
          return ExitCode.ok;
        }
        const timeoutMs = parseTimeout(options.timeoutMs);
        const period = parsePeriod(options.month, options.year, runtime.io.now());
        const globals = self.optsWithGlobals<GlobalOptions>();
        const opened = runtime.open(self);
        // A config error is the first check's answer, not the end of the command; anything else still is.
        const run = await opened.catch((error: unknown) => {
          if (error instanceof ConfigError) return undefined;
          throw error;
        });
        const checks = createDoctorChecks(
          opened.then(({ deps }) => toDoctorDeps(deps, period)),
          run?.deps.doctor ?? placeholderChecks(toBackend(globals.backend)),
        );
        const report = await runDoctor(checks, { timeoutMs });
        const chalk = run?.chalk ?? createChalk(runtime.io, globals);
        runtime.io.stdout.write(globals.json ? renderJson(report) : renderLines(report, chalk));
        return doctorExitCode(report);
      }),
    );
  // Registered after createProgram's own loop: take over the program's output and error handling like the rest.
  command.exitOverride().configureOutput(program.configureOutput());
}

export function renderLines(report: DoctorReport, chalk: ChalkInstance): string {
  const lines = report.checks.flatMap((check) => {
    if (check.ok) return [`${chalk.green('✔')} ${check.name} — ${check.detail}`];
    const mark = check.skipped ? chalk.dim('✘') : chalk.red('✘');
    const line = `${mark} ${check.name} — ${check.skipped ? chalk.dim(check.detail) : check.detail}`;
    return check.hint ? [line, chalk.dim(`  hint: ${check.hint}`)] : [line];
  });
  return `${lines.join('\n')}\n`;
}

function renderJson(report: DoctorReport): string {
  const checks = report.checks.map(({ name, ok, skipped, detail, hint }) => ({
    name,
    ok,
    skipped,
    detail,
    hint,
  }));
  return `${JSON.stringify({ ok: report.ok, checks }, null, 2)}\n`;
}

function toDoctorDeps(deps: Deps, period: Period): DoctorDeps {
  return {
    period,
    planMonth: () => planCampaign({ ...deps, ...deps.campaign() }, { period }),
    configSource: deps.configPath ?? 'defaults and DN_MAILER_* variables',
    users: deps.users,
    usersFromKorrect: deps.config.users.korrect !== undefined && deps.users.origin.startsWith('Korrect'),
    reports: deps.reports,
    keyPairId: deps.config.links?.keyPairId ?? '',
    campaign: deps.campaign,
    clock: deps.clock,
    async checkReportFolder() {
      const file = deps.reportFile('campaign', 'batch');
      await deps.files.checkWritable(file, 'the run report folder');
      return path.dirname(file);
    },
  };
}

function toBackend(value: string | undefined): 'local' | 'aws' | undefined {
  return value === 'local' || value === 'aws' ? value : undefined;
}

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1) {
    throw new UsageError(`--timeout-ms must be a positive whole number of milliseconds, not "${value}"`, {
      hint: 'dn-mailer doctor --timeout-ms 20000',
    });
  }
  return ms;
}
