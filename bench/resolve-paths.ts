/**
 * Resolving report keys for a month's creators: list each prefix once and match in memory (ours), against the old
 * Lambda's way, one HeadObject per pattern × month spelling × ID spelling (the baseline), on a seeded s3rver.
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { createS3ReportStore } from '../src/adapters/aws/s3-report-store.js';
import { monthVariants, type Period } from '../src/core/common/months.js';
import { classifyReports, countReportStatuses } from '../src/core/reports/classify-reports.js';
import {
  DEFAULT_REPORT_PATTERNS,
  type IdResolution,
  idVariants,
  type ReportMatch,
  type ReportPattern,
  type ReportResolution,
  resolveReportKeys,
} from '../src/core/reports/report-paths.js';
import { countRequests, createBucket, createS3rverClient, putObjects } from '../test/support/s3-client.js';
import { startS3rver } from '../test/support/s3rver.js';
import { buildReportFixture } from './support/report-fixture.js';

const PERIOD: Period = { month: 1, year: 2025 };
const BUCKET = 'bench-reports';
const HEAD_CONCURRENCY = 16;
const TARGET_REQUESTS_PER_ID = 0.05;
const TARGET_SPEEDUP = 20;

interface Measured {
  resolutions: Map<string, IdResolution>;
  requests: number;
  seconds: number;
}

export async function run(): Promise<void> {
  const creators = readCreatorCount(process.env.BENCH_IDS);
  const fixture = buildReportFixture(creators);
  const s3 = await startS3rver();
  const client = createS3rverClient(s3.endpoint);
  try {
    const requests = countRequests(client);
    await createBucket(client, BUCKET);
    const seedStart = performance.now();
    await putObjects(client, BUCKET, fixture.keys, 16);
    const { counts } = fixture;
    console.log(
      `seeded ${fixture.keys.length} objects in ${seconds(performance.now() - seedStart)} s: ${creators} creators ` +
        `(${counts.withReport} with reports, ${counts.ambiguous} of them ambiguous, ${counts.withoutReport} without), ` +
        `${counts.noise} objects of other months/years, ${counts.inactive} of inactive creators`,
    );

    const ours = await measure(requests, () =>
      resolveReportKeys(createS3ReportStore(client, BUCKET), fixture.ids, DEFAULT_REPORT_PATTERNS, PERIOD),
    );
    const baseline = await measure(requests, () =>
      resolveByHeadObject(client, BUCKET, fixture.ids, DEFAULT_REPORT_PATTERNS, PERIOD),
    );
    printResults(fixture.ids.length, ours, baseline);
  } finally {
    client.destroy();
    await s3.stop();
  }
}

function readCreatorCount(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 5_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`BENCH_IDS must be a positive integer, got "${raw}"`);
  return value;
}

async function measure(
  requests: ReturnType<typeof countRequests>,
  resolve: () => Promise<Map<string, IdResolution>>,
): Promise<Measured> {
  requests.reset();
  const start = performance.now();
  const resolutions = await resolve();
  return { resolutions, requests: requests.total(), seconds: (performance.now() - start) / 1000 };
}

/** The old way: HeadObject every candidate key (16 in flight overall); NotFound is a miss. */
async function resolveByHeadObject(
  client: S3Client,
  bucket: string,
  ids: readonly string[],
  patterns: readonly ReportPattern[],
  period: Period,
): Promise<Map<string, IdResolution>> {
  const limit = pLimit(HEAD_CONCURRENCY);
  const exists = (key: string) => limit(() => headObjectExists(client, bucket, key));
  const unique = [...new Set(ids)];
  const resolved = await Promise.all(
    unique.map(async (id) => {
      const candidates = candidateKeys(id, patterns, period);
      const found = await Promise.all(candidates.map((candidate) => exists(candidate.key)));
      return toResolution(
        id,
        patterns,
        candidates.filter((_, index) => found[index]),
      );
    }),
  );
  return new Map(resolved.map((resolution) => [resolution.id, resolution]));
}

async function headObjectExists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFound') return false;
    throw error;
  }
}

/** Every key an ID's reports could have, in precedence order (pattern, then month, then ID spelling). */
function candidateKeys(id: string, patterns: readonly ReportPattern[], period: Period) {
  const candidates: Array<{ type: string; key: string; pattern: string }> = [];
  const seen = new Set<string>();
  for (const { type, pattern } of patterns) {
    for (const month of monthVariants(period.month)) {
      for (const variant of idVariants(id)) {
        const key = pattern
          .replaceAll('{year}', String(period.year))
          .replaceAll('{month}', month)
          .replaceAll('{id}', variant);
        if (seen.has(key)) continue;
        seen.add(key);
        candidates.push({ type, key, pattern });
      }
    }
  }
  return candidates;
}

function toResolution(
  id: string,
  patterns: readonly ReportPattern[],
  hits: ReadonlyArray<{ type: string; key: string; pattern: string }>,
): IdResolution {
  const byType = new Map<string, ReportResolution>();
  for (const { type, label } of patterns) {
    if (!byType.has(type)) byType.set(type, { type, label, chosen: undefined, others: [] });
  }
  for (const { type, key, pattern } of hits) {
    const report = byType.get(type);
    const match: ReportMatch = { key, pattern };
    if (!report) continue;
    if (report.chosen) report.others.push(match);
    else report.chosen = match;
  }
  return { id, reports: [...byType.values()] };
}

/** Chosen key per ID and type, and status per ID, that differ between the two resolutions. */
function countMismatches(ours: Map<string, IdResolution>, baseline: Map<string, IdResolution>) {
  let chosen = 0;
  let status = 0;
  for (const [id, theirs] of baseline) {
    const mine = ours.get(id);
    if (classifyReports(id, mine).status !== classifyReports(id, theirs).status) status += 1;
    for (const report of theirs.reports) {
      const match = mine?.reports.find((r) => r.type === report.type);
      if (match?.chosen?.key !== report.chosen?.key) chosen += 1;
    }
  }
  if (ours.size !== baseline.size) status += Math.abs(ours.size - baseline.size);
  return { chosen, status };
}

function printResults(ids: number, ours: Measured, baseline: Measured): void {
  const statuses = countReportStatuses(
    [...ours.resolutions.values()].map((resolution) => classifyReports(resolution.id, resolution).status),
  );
  const mismatches = countMismatches(ours.resolutions, baseline.resolutions);
  const row = (name: string, requests: string, perId: string, time: string) =>
    console.log(`${name.padEnd(24)}${requests.padStart(12)}${perId.padStart(14)}${time.padStart(14)}`);
  const perId = (m: Measured) => m.requests / ids;
  const requestRatio = baseline.requests / Math.max(1, ours.requests);
  const timeRatio = baseline.seconds / ours.seconds;

  console.log(`\nresolve January 2025 for ${ids} IDs (${DEFAULT_REPORT_PATTERNS.length} default layouts)`);
  row('', 'requests', 'requests/ID', 'wall time');
  row('ours (list + match)', String(ours.requests), perId(ours).toFixed(4), `${ours.seconds.toFixed(2)} s`);
  row(
    'baseline (HeadObject)',
    String(baseline.requests),
    perId(baseline).toFixed(2),
    `${baseline.seconds.toFixed(2)} s`,
  );
  row('ratio baseline/ours', `${requestRatio.toFixed(0)}×`, '', `${timeRatio.toFixed(1)}×`);
  console.log(
    `statuses (ours): complete ${statuses.complete}, partial ${statuses.partial}, none ${statuses.none}, ambiguous ${statuses.ambiguous}`,
  );
  console.log(
    `mismatches vs baseline: chosen key per ID and type ${mismatches.chosen}, status ${mismatches.status}`,
  );
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `targets: ≤ ${TARGET_REQUESTS_PER_ID} requests/ID ${met(perId(ours) <= TARGET_REQUESTS_PER_ID)} ` +
      `(${perId(ours).toFixed(4)}); ≥ ${TARGET_SPEEDUP}× faster ${met(timeRatio >= TARGET_SPEEDUP)} (${timeRatio.toFixed(1)}×)`,
  );
  if (mismatches.chosen > 0 || mismatches.status > 0) process.exitCode = 1;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
