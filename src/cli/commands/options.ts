import { UsageError } from '../../core/common/errors.js';

/** `--only a,b c` → ['a', 'b', 'c']; undefined when the flag is absent. */
export function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** A positive whole number flag such as `--limit 20`. */
export function parseCount(value: string, flag: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(`${flag}: "${value}" is not a positive whole number`);
  }
  return count;
}

/** A positive number of messages per second, e.g. `--rate 14` or `--rate 0.5`. */
export function parseRate(value: string, flag: string): number {
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0)
    throw new UsageError(`${flag}: "${value}" is not a positive number`);
  return rate;
}

/** `--shard 2/3` → { index: 2, count: 3 }. */
export function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > 1000 || index < 1 || index > count) {
    throw new UsageError(`--shard: "${value}" is not i/n with 1 ≤ i ≤ n`, {
      hint: 'e.g. --shard 2/3 (the second of three parallel jobs)',
    });
  }
  return { index, count };
}
