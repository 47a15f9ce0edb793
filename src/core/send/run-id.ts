import type { Random, RunInstance } from '../../ports.js';

/** Host names as a run ID carries them: safe in a file name (the report is named after the run). */
const cleanHost = (host: string) => host.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 63) || 'host';

/**
 * A run's ID: unique (time + random) and naming its process, `<time>-<random>-<pid>@<host>`, so the ledger rows it
 * claims say who holds them.
 */
export function createRunId(at: Date, random: Random, instance: RunInstance): string {
  const unique = `${at.getTime().toString(36)}-${Math.floor(random() * 36 ** 6).toString(36)}`;
  return `${unique}-${instance.pid}@${cleanHost(instance.host)}`;
}

/** The process a run ID names; undefined for IDs made before they carried one. */
export function runOwner(runId: string | undefined): { host: string; pid: number } | undefined {
  const match = /-(\d+)@([A-Za-z0-9.-]+)$/.exec(runId ?? '');
  return match ? { pid: Number(match[1]), host: match[2] ?? '' } : undefined;
}

/**
 * True when the run that holds a claim is known to be dead: it ran on this host and its process is gone. A claim
 * from another host, or from an older ID, cannot be judged here: its lease decides.
 */
export function isAbandonedClaim(runId: string | undefined, instance: RunInstance): boolean {
  const owner = runOwner(runId);
  return owner !== undefined && owner.host === cleanHost(instance.host) && !instance.isAlive(owner.pid);
}
