import { BackendError, ExitCode, isDnMailerError } from '../common/errors.js';

/** Why a check failed: a setting or credential to fix (exit 3), or something that did not answer (exit 5). */
export type DoctorFailure = 'config' | 'reachability';

/** What a check finds out. A check may also throw: the error becomes its ✘ line, with the error's hint. */
export interface CheckOutcome {
  ok: boolean;
  detail: string;
  hint?: string | undefined;
  /** Overrides the check's `failure` for this outcome. */
  failure?: DoctorFailure | undefined;
}

export interface DoctorCheck {
  name: string;
  /** What a failure of this check means when the outcome or error does not say (default `reachability`). */
  failure?: DoctorFailure;
  /** Checks that must pass first (by name, listed earlier); otherwise this one is skipped. */
  needs?: readonly string[];
  /** How dependants describe this check failing (`skipped: config invalid`); default `<name> failed`. */
  failedAs?: string;
  /** How many times the common time limit this check may take (planning a whole month takes longer); default 1. */
  timeScale?: number;
  /** The signal aborts when the check's time is up, so a check can cancel its requests. */
  run(signal: AbortSignal): Promise<CheckOutcome>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  skipped: boolean;
  detail: string;
  hint: string | null;
  /** Null when the check passed or was skipped. */
  failure: DoctorFailure | null;
}

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

export interface DoctorOptions {
  /** How long each check may take (default 10 s). */
  timeoutMs?: number;
}

/**
 * Runs every check, independent ones side by side, each within its time limit, and never throws: a check that
 * throws or hangs becomes a failed result. A check whose `needs` did not pass is skipped, saying which one.
 * Results come back in the order the checks were given.
 */
export async function runDoctor(
  checks: readonly DoctorCheck[],
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = new Map<string, Promise<CheckResult>>();
  const byName = new Map(checks.map((check) => [check.name, check]));
  for (const check of checks) {
    const needs = (check.needs ?? []).map((name) => ({ name, result: started.get(name) }));
    started.set(check.name, runAfter(check, needs, byName, timeoutMs));
  }
  const results = await Promise.all(started.values());
  return { ok: results.every((r) => r.ok), checks: results };
}

/** 0 when every check passed; 3 when a config or credential check failed; 5 when only reachability did. */
export function doctorExitCode(report: DoctorReport): ExitCode {
  if (report.ok) return ExitCode.ok;
  return report.checks.some((c) => c.failure === 'config') ? ExitCode.config : ExitCode.backend;
}

async function runAfter(
  check: DoctorCheck,
  needs: readonly { name: string; result: Promise<CheckResult> | undefined }[],
  byName: ReadonlyMap<string, DoctorCheck>,
  timeoutMs: number,
): Promise<CheckResult> {
  for (const need of needs) {
    const result = await need.result;
    if (!result) return failed(check, `needs "${need.name}", which is not an earlier check`, 'config');
    if (!result.ok) {
      const reason =
        byName.get(need.name)?.failedAs ?? `${need.name} ${result.skipped ? 'skipped' : 'failed'}`;
      return {
        name: check.name,
        ok: false,
        skipped: true,
        detail: `skipped: ${reason}`,
        hint: null,
        failure: null,
      };
    }
  }
  return runWithTimeout(check, timeoutMs * (check.timeScale ?? 1));
}

async function runWithTimeout(check: DoctorCheck, timeoutMs: number): Promise<CheckResult> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seconds = timeoutMs >= 1000 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`;
      reject(
        new BackendError(`no answer within ${seconds}`, {
          hint: 'check the network and the endpoint, or give it longer with --timeout-ms',
        }),
      );
      controller.abort();
    }, timeoutMs);
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => check.run(controller.signal)), timeout]);
    return {
      name: check.name,
      ok: outcome.ok,
      skipped: false,
      detail: outcome.detail,
      hint: outcome.ok ? null : (outcome.hint ?? null),
      failure: outcome.ok ? null : (outcome.failure ?? check.failure ?? 'reachability'),
    };
  } catch (error) {
    return failedWith(check, error);
  } finally {
    clearTimeout(timer);
  }
}

function failedWith(check: DoctorCheck, error: unknown): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  if (!isDnMailerError(error)) return failed(check, message, check.failure ?? 'reachability');
  const details = error.details.length > 0 ? ` ${error.details.join('; ')}` : '';
  const failure: DoctorFailure = error instanceof BackendError ? 'reachability' : 'config';
  return { ...failed(check, `${message}${details}`, failure), hint: error.hint ?? null };
}

function failed(check: DoctorCheck, detail: string, failure: DoctorFailure): CheckResult {
  return { name: check.name, ok: false, skipped: false, detail, hint: null, failure };
}
