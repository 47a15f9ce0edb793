#!/usr/bin/env node
// Merges the summaries of a sharded send (`send-report --shard i/n --json`, one artifact per shard) into one
// Markdown report for the GitHub job summary, and exits with the worst shard's exit code. Plain Node, no
// dependencies. examples/github-actions/monthly-financial-report-sharded.yml runs it in its `merge` job.
//
//   node scripts/ci-merge-summaries.mjs <folder> --shards <n> [--status status.json] [--json merged.json]
//
// <folder> holds one sub-folder per shard artifact, each with `shard.json` ({ shard, shards, attempt, code }: what
// the send step recorded) and `summary.json` (what dn-mailer printed). When a shard was re-run, its latest attempt
// counts. A shard with no artifact is reported as "no summary" (exit 5: the job died or was cancelled before it
// uploaded; run it again, nothing is sent twice). --status is `dn-mailer status --json` of the shared ledger: the
// campaign's truth, shown beside the shards' totals; a ledger with rows not sent or skipped makes the result at
// least 6 (partial). Addresses are printed as they are in the JSON (masked unless the run used --verbose).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COUNT_FIELDS, renderMerged } from './ci-merge-render.mjs';
import { parseDocuments } from './json-documents.mjs';

/** dn-mailer's exit codes from the least to the most serious; anything else ranks as a bug (1). */
const SEVERITY = [0, 6, 5, 130, 4, 3, 2, 1];
const MISSING_CODE = 5;
const text = (value) => String(value ?? '').replace(/\r?\n/g, ' ');

function readJson(file) {
  try {
    return { documents: parseDocuments(readFileSync(file, 'utf8')) };
  } catch (error) {
    return { problem: `${path.basename(file)}: ${text(error.message)}` };
  }
}

function worstCode(codes) {
  const rank = (code) => {
    const at = SEVERITY.indexOf(code);
    return at < 0 ? SEVERITY.length - 1 : at;
  };
  return codes.reduce((worst, code) => (rank(code) > rank(worst) ? code : worst), 0);
}

/** The folders (the folder itself and its sub-folders) that hold a shard.json or a summary.json. */
function shardFolders(root) {
  const folders = [root, ...readdirSync(root).map((name) => path.join(root, name))];
  return folders.filter(
    (dir) =>
      statSync(dir).isDirectory() &&
      (existsSync(path.join(dir, 'shard.json')) || existsSync(path.join(dir, 'summary.json'))),
  );
}

/** One shard's artifact: which shard and attempt, its exit code, its summary (or why there is none). */
function readShard(dir, count) {
  const meta = existsSync(path.join(dir, 'shard.json')) ? readJson(path.join(dir, 'shard.json')) : {};
  const info = meta.documents?.[0] ?? {};
  const summaryFile = path.join(dir, 'summary.json');
  const read = existsSync(summaryFile) ? readJson(summaryFile) : { problem: 'no summary.json' };
  const documents = read.documents ?? [];
  const summary = documents.find((d) => d && typeof d === 'object' && d.data);
  const error = documents.find((d) => d && typeof d === 'object' && d.error)?.error;
  const recorded = Number.parseInt(info.code, 10);
  // A step stopped before it wrote shard.json: the artifact's name (…-shard-<i>-attempt-<n>) still says which.
  const named = /-shard-(\d+)-attempt-(\d+)$/.exec(path.basename(dir));
  const derived = error?.exitCode ?? (summary ? codeOf(summary) : MISSING_CODE);
  const ofShards = Number.parseInt(info.shards, 10);
  // A slice of another split (3/5 among 1/4, 2/4, 4/4) leaves recipients of this split unsent: a usage error.
  const otherSplit = Number.isInteger(ofShards) && ofShards !== count;
  const code = Number.isInteger(recorded) ? recorded : derived;
  return {
    dir,
    shard: Number.parseInt(info.shard ?? named?.[1], 10) || undefined,
    attempt: Number.parseInt(info.attempt ?? named?.[2], 10) || 1,
    code: otherSplit ? worstCode([code, 2]) : code,
    summary,
    error,
    problem:
      read.problem ??
      (summary || error ? undefined : 'no dn-mailer JSON in summary.json') ??
      (otherSplit
        ? `it ran as one of ${ofShards} shards, not ${count}: its slice is not a slice of this split — run --shard i/${count}`
        : undefined),
  };
}

/** The exit code a send summary stands for (when shard.json did not record it). */
function codeOf(summary) {
  const d = summary.data ?? {};
  if (summary.success) return 0;
  if (d.interrupted) return 130;
  return d.stopped ? 5 : 6;
}

/** The latest attempt of each shard 1..n, and the numbers with no artifact at all. */
function collectShards(root, count) {
  const latest = new Map();
  for (const dir of shardFolders(root)) {
    const shard = readShard(dir, count);
    if (!shard.shard) continue;
    const seen = latest.get(shard.shard);
    if (!seen || shard.attempt > seen.attempt) latest.set(shard.shard, shard);
  }
  const shards = [];
  for (let i = 1; i <= count; i += 1)
    shards.push(latest.get(i) ?? { shard: i, missing: true, code: MISSING_CODE });
  return shards;
}

const countsOf = (data) => Object.fromEntries(COUNT_FIELDS.map(([, key]) => [key, data?.[key] ?? 0]));

/** The shards' rows as the ledger holds them (sent, failed, unknown, skipped), for comparing with `status`. */
function ledgerViewOf(shards) {
  const view = { sent: 0, failed: 0, unknown: 0, skipped: 0 };
  for (const { summary } of shards) {
    const d = summary?.data;
    if (!d) continue;
    const held = d.results?.heldForRetry ?? [];
    view.sent += (d.successful ?? 0) + (d.alreadySent ?? 0);
    view.failed += (d.failed ?? 0) + held.filter((h) => h.status === 'failed').length;
    view.unknown += (d.unknown ?? 0) + held.filter((h) => h.status === 'unknown').length;
    view.skipped += (d.skipped ?? 0) + (d.alreadySkipped ?? 0);
  }
  return view;
}

/** The merged result: per shard, the totals, the rows not sent, the ledger's own counts and the exit code. */
function mergeShards(shards, status) {
  const totals = countsOf({});
  for (const { summary } of shards)
    for (const [, key] of COUNT_FIELDS) totals[key] += summary?.data?.[key] ?? 0;
  const notSent = shards.flatMap(({ shard, summary }) => {
    const r = summary?.data?.results ?? {};
    const row = (label) => (x) => ({
      shard,
      status: label(x),
      email: x.email,
      customIds: x.customIds ?? [],
      reason: x.reason,
    });
    return [
      ...(r.failed ?? []).map(row(() => 'failed')),
      ...(r.unknown ?? []).map(row(() => 'unknown')),
      ...(r.heldForRetry ?? []).map(row((x) => `${x.status} earlier (held for retry)`)),
      ...(r.heldBack ?? []).map(row(() => 'held back')),
    ];
  });
  const ledger = status?.counts
    ? { ...status.counts, total: status.total, finished: status.finished }
    : undefined;
  const unfinished = ledger ? ledger.finished === false : false;
  const code = worstCode([...shards.map((s) => s.code), ...(unfinished ? [6] : [])]);
  const first = shards.find((s) => s.summary)?.summary?.data ?? {};
  return {
    campaignId: first.campaignId ?? status?.campaignId,
    month: first.month,
    year: first.year,
    code,
    shards: shards.map((s) => ({
      shard: s.shard,
      attempt: s.missing ? null : s.attempt,
      code: s.code,
      missing: Boolean(s.missing),
      runId: s.summary?.data?.batchId ?? null,
      counts: s.summary ? countsOf(s.summary.data) : null,
      error: s.error
        ? { message: s.error.message, exitCode: s.error.exitCode, hint: s.error.hint ?? null }
        : null,
      problem: s.problem ?? null,
    })),
    totals,
    notSent,
    shardsLedgerView: ledgerViewOf(shards),
    ledger: ledger ?? null,
  };
}
function parseArgs(argv) {
  const options = { folder: undefined, shards: undefined, status: undefined, json: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--shards') options.shards = argv[++i];
    else if (arg === '--status') options.status = argv[++i];
    else if (arg === '--json') options.json = argv[++i];
    else options.folder = arg;
  }
  return options;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const count = Number(options.shards);
  if (!options.folder || !Number.isInteger(count) || count < 1) {
    process.stderr.write(
      'usage: node scripts/ci-merge-summaries.mjs <folder of shard artifacts> --shards <n> [--status status.json] [--json merged.json]\n',
    );
    process.exitCode = 2;
    return;
  }
  // No folder at all (no shard uploaded anything): every shard is missing.
  const shards = existsSync(options.folder)
    ? collectShards(options.folder, count)
    : Array.from({ length: count }, (_, i) => ({ shard: i + 1, missing: true, code: MISSING_CODE }));
  const status =
    options.status && existsSync(options.status) ? readJson(options.status).documents?.[0] : undefined;
  const merged = mergeShards(shards, status?.counts ? status : undefined);
  if (options.json) writeFileSync(options.json, `${JSON.stringify(merged, null, 2)}\n`);
  process.stdout.write(renderMerged(merged));
  process.exitCode = merged.code;
}

main();
