import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createS3ReportStore } from '../../src/adapters/aws/s3-report-store.js';
import { ConfigError, ExitCode } from '../../src/core/common/errors.js';
import { classifyReports } from '../../src/core/reports/classify-reports.js';
import {
  DEFAULT_REPORT_PATTERNS,
  type IdResolution,
  listingPrefixes,
  resolveReportKeys,
} from '../../src/core/reports/report-paths.js';
import {
  countRequests,
  createBucket,
  createS3rverClient,
  putObjects,
  type RequestCounter,
} from '../support/s3-client.js';

const january = { month: 1, year: 2025 };
const bucket = `dn-report-store-${randomUUID().slice(0, 8)}`;

/** More than two pages of ListObjectsV2 (1,000 keys each) under one listing prefix of January 2025. */
const PAGED_PREFIX = 'Exports/2025/01/';
const pagedIds = Array.from({ length: 2_100 }, (_, i) => `P${String(i).padStart(4, '0')}`);
const pagedKeys = pagedIds.map((id) => `${PAGED_PREFIX}${id}/${id}.zip`);

/**
 * Keys that share the start of PAGED_PREFIX as a string but are not under it. Each sorts after PAGED_PREFIX: s3rver
 * pages in directory-walk order and drops, on later pages, keys that sort before the continuation token (e.g.
 * `Exports/2025/01-old/…` or `Exports/2025/01`), which real S3 never does.
 */
const besidePagedPrefix = [
  'Exports/2025/010/P0001/P0001.zip',
  'Exports/2025/01_old/P0002.zip',
  'Exports/2025/01x.zip',
];

/** One report per layout and month spelling, ID variants, an ambiguous ID and noise from other periods. */
const layoutKeys = [
  'financial-reports/2025/January/YT1-youtube.pdf',
  'financial-reports/2025/january/DS1-distro.pdf',
  'Exports/2025/JANUARY/EX1/EX1.zip',
  'Distro/2025/January/DR1/DR1.zip',
  'financial-reports/2025/01/NUM-distro.pdf',
  'Exports/2025/january/LOW/LOW.zip',
  'Distro/2025/JANUARY/UP/UP.zip',
  'financial-reports/2025/January/ART01-youtube.pdf',
  'Distro/2025/01/ART_02/ART_02.zip',
  'financial-reports/2025/January/DUP-1-youtube.pdf',
  'financial-reports/2025/JANUARY/DUP1-youtube.pdf',
  'financial-reports/2025/February/GONE-youtube.pdf',
  'financial-reports/2024/January/GONE-distro.pdf',
  'Exports/2025/Jan/GONE/GONE.zip',
  'financial-reports/2025/January/GONEX-youtube.pdf',
];

let client: S3Client;
let requests: RequestCounter;

beforeAll(async () => {
  client = createS3rverClient(inject('s3Endpoint'));
  requests = countRequests(client);
  await createBucket(client, bucket);
  await putObjects(client, bucket, [...pagedKeys, ...besidePagedPrefix, ...layoutKeys]);
}, 120_000);

afterAll(() => client?.destroy());

beforeEach(() => requests.reset());

describe('createS3ReportStore: listKeys', () => {
  it('returns every key of a prefix longer than one page, following the continuation token', async () => {
    const keys = await createS3ReportStore(client, bucket).listKeys(PAGED_PREFIX);
    expect(keys).toHaveLength(pagedKeys.length);
    expect(new Set(keys)).toEqual(new Set(pagedKeys));
    expect(requests.count('ListObjectsV2Command')).toBe(3);
    expect(requests.total()).toBe(3);
  });

  it('returns only keys under the prefix', async () => {
    const store = createS3ReportStore(client, bucket);
    expect(await store.listKeys('Exports/2025/JANUARY/')).toEqual(['Exports/2025/JANUARY/EX1/EX1.zip']);
    const paged = await store.listKeys(PAGED_PREFIX);
    expect(paged.filter((key) => !key.startsWith(PAGED_PREFIX))).toEqual([]);
    for (const key of besidePagedPrefix) expect(paged).not.toContain(key);
    // The prefix is a plain string match, not a folder: without the slash the neighbours are listed too.
    const wider = await store.listKeys(PAGED_PREFIX.slice(0, -1));
    expect(new Set(wider)).toEqual(new Set([...pagedKeys, ...besidePagedPrefix]));
  });

  it('returns nothing (in one call) for a prefix without keys', async () => {
    expect(await createS3ReportStore(client, bucket).listKeys('financial-reports/2031/')).toEqual([]);
    expect(requests.total()).toBe(1);
  });

  it('rejects with a ConfigError when the bucket does not exist (NoSuchBucket)', async () => {
    const store = createS3ReportStore(client, `${bucket}-missing`);
    const error = await store.listKeys('Exports/').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      exitCode: ExitCode.config,
      message: expect.stringMatching(
        new RegExp(`^not found while listing s3://${bucket}-missing/Exports/: `),
      ),
      hint: 'check the name in config',
      cause: expect.objectContaining({ name: 'NoSuchBucket' }),
    });
  });

  it('rejects resolveReportKeys with the same ConfigError when the bucket does not exist', async () => {
    const store = createS3ReportStore(client, `${bucket}-missing`);
    await expect(resolveReportKeys(store, ['YT1'], DEFAULT_REPORT_PATTERNS, january)).rejects.toThrow(
      ConfigError,
    );
  });
});

describe('resolveReportKeys through the S3 store', () => {
  const resolve = (ids: readonly string[]) =>
    resolveReportKeys(createS3ReportStore(client, bucket), ids, DEFAULT_REPORT_PATTERNS, january);
  const namedIds = 'YT1 DS1 EX1 DR1 NUM LOW up ART-01 art_02 DUP-1 GONE NONE P'.split(' ');
  let resolved: Map<string, IdResolution>;

  beforeAll(async () => {
    resolved = await resolve(namedIds);
  });

  it.each([
    ['YT1', 'youtube', 'financial-reports/2025/January/YT1-youtube.pdf'],
    ['DS1', 'distro', 'financial-reports/2025/january/DS1-distro.pdf'],
    ['EX1', 'youtube', 'Exports/2025/JANUARY/EX1/EX1.zip'],
    ['DR1', 'distro', 'Distro/2025/January/DR1/DR1.zip'],
    ['NUM', 'distro', 'financial-reports/2025/01/NUM-distro.pdf'],
    ['LOW', 'youtube', 'Exports/2025/january/LOW/LOW.zip'],
    ['up', 'distro', 'Distro/2025/JANUARY/UP/UP.zip'],
    ['ART-01', 'youtube', 'financial-reports/2025/January/ART01-youtube.pdf'],
    ['art_02', 'distro', 'Distro/2025/01/ART_02/ART_02.zip'],
  ])('%s: finds the %s report at %s', (id, type, key) => {
    const resolution = resolved.get(id);
    // One type each: the other type has no file.
    expect(classifyReports(id, resolution).status).toBe('partial');
    const report = resolution?.reports.find((r) => r.type === type);
    expect(report?.chosen?.key).toBe(key);
    expect(report?.others).toEqual([]);
    const other = resolution?.reports.find((r) => r.type !== type);
    expect(other?.chosen).toBeUndefined();
  });

  it('reports ambiguous when two variants of the same report both exist, choosing by precedence', () => {
    const resolution = resolved.get('DUP-1');
    expect(classifyReports('DUP-1', resolution).status).toBe('ambiguous');
    const youtube = resolution?.reports.find((r) => r.type === 'youtube');
    expect(youtube?.chosen?.key).toBe('financial-reports/2025/January/DUP-1-youtube.pdf');
    expect(youtube?.others.map((match) => match.key)).toEqual([
      'financial-reports/2025/JANUARY/DUP1-youtube.pdf',
    ]);
  });

  it.each(['GONE', 'NONE', 'P'])(
    'reports none for %s (other months, years, spellings and IDs do not count)',
    (id) => {
      const resolution = resolved.get(id);
      expect(classifyReports(id, resolution).status).toBe('none');
      expect(resolution?.reports.every((r) => r.chosen === undefined && r.others.length === 0)).toBe(true);
    },
  );

  it('resolving many IDs issues only list calls: one per listing prefix and page, no HeadObject', async () => {
    const ids = [...pagedIds, ...namedIds];
    const prefixes = listingPrefixes(DEFAULT_REPORT_PATTERNS, january);
    expect(prefixes).toContain(PAGED_PREFIX);
    const result = await resolve(ids);
    expect(result.size).toBe(ids.length);
    expect(pagedIds.every((id) => classifyReports(id, result.get(id)).status === 'partial')).toBe(true);
    expect(result.get('P2099')?.reports[0]?.chosen?.key).toBe('Exports/2025/01/P2099/P2099.zip');
    // Every prefix fits in one page except PAGED_PREFIX, which takes three.
    expect(requests.count('ListObjectsV2Command')).toBe(prefixes.length + 2);
    expect(requests.count('HeadObjectCommand')).toBe(0);
    expect(requests.total()).toBe(prefixes.length + 2);
  });
});
