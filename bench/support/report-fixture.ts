import { createRandom, pick } from './random.js';

/**
 * A synthetic report bucket for the resolve-paths benchmark: every default layout, month spelling and ID spelling
 * the old uploads used, creators without a report, a few ambiguous ones, and other periods as noise.
 *
 * IDs are fixed-width (a style prefix and five digits) so that no stored ID is a prefix of another: s3rver pages in
 * directory-walk order and would drop keys such as `X-1/…` after a page ending in `X/…` (real S3 does not).
 */

export interface ReportFixture {
  /** The custom IDs to resolve, as the user source spells them. */
  ids: string[];
  /** Every object key to put in the bucket. */
  keys: string[];
  /** What was seeded, for the printout. */
  counts: { withReport: number; withoutReport: number; ambiguous: number; noise: number; inactive: number };
}

type Layout = 'new' | 'legacy' | 'mixed';

const NEW_MONTHS = ['January', 'january', '01'] as const;
const LEGACY_MONTHS = ['JANUARY', 'January', 'january', '01'] as const;

/** The ID a creator is known by, and the spelling its reports were uploaded under. */
function spellId(index: number, random: () => number): { id: string; stored: string } {
  const n = String(index).padStart(5, '0');
  const r = random();
  if (r < 0.65) return { id: `C${n}`, stored: `C${n}` };
  if (r < 0.75) return { id: `m${n}`, stored: `M${n}` };
  if (r < 0.85) return { id: `AR-${n}`, stored: random() < 0.5 ? `AR${n}` : `AR-${n}` };
  if (r < 0.9) return { id: `LB_${n}`, stored: `LB-${n}` };
  return { id: `dn-${n}`, stored: pick(random, [`DN-${n}`, `DN${n}`, `DN_${n}`]) };
}

function youtubeKey(layout: Layout, year: number, month: string, id: string): string {
  return layout === 'legacy'
    ? `Exports/${year}/${month}/${id}/${id}.zip`
    : `financial-reports/${year}/${month}/${id}-youtube.pdf`;
}

function distroKey(layout: Layout, year: number, month: string, id: string): string {
  return layout === 'new'
    ? `financial-reports/${year}/${month}/${id}-distro.pdf`
    : `Distro/${year}/${month}/${id}/${id}.zip`;
}

/** The January 2025 reports of one creator, plus one more spelling of the YouTube report when `ambiguous`. */
function januaryKeys(stored: string, random: () => number, ambiguous: boolean): string[] {
  const layout = pick<Layout>(random, [
    'new',
    'new',
    'new',
    'new',
    'new',
    'legacy',
    'legacy',
    'legacy',
    'mixed',
    'mixed',
  ]);
  const month = layout === 'legacy' ? pick(random, LEGACY_MONTHS) : pick(random, NEW_MONTHS);
  const keys = [youtubeKey(layout, 2025, month, stored)];
  if (random() >= 0.1)
    keys.push(distroKey(layout, 2025, layout === 'mixed' ? pick(random, LEGACY_MONTHS) : month, stored));
  if (ambiguous) keys.push(youtubeKey(layout, 2025, month === '01' ? 'January' : '01', stored));
  return keys;
}

/** Builds the fixture for `creators` creators (about 2.4 objects each). */
export function buildReportFixture(creators: number, seed = 2025): ReportFixture {
  const random = createRandom(seed);
  const ids: string[] = [];
  const keys: string[] = [];
  const counts = { withReport: 0, withoutReport: 0, ambiguous: 0, noise: 0, inactive: 0 };
  const ambiguousEvery = Math.max(10, Math.floor(creators / 20));
  for (let index = 0; index < creators; index += 1) {
    const { id, stored } = spellId(index, random);
    ids.push(id);
    if (random() < 0.06) {
      counts.withoutReport += 1;
    } else {
      const ambiguous = index % ambiguousEvery === ambiguousEvery - 1;
      keys.push(...januaryKeys(stored, random, ambiguous));
      counts.withReport += 1;
      if (ambiguous) counts.ambiguous += 1;
    }
    // Other periods: listed by nobody, found by nobody.
    if (random() < 1 / 3) keys.push(youtubeKey('new', 2025, 'February', stored));
    if (random() < 1 / 6) keys.push(distroKey('legacy', 2024, pick(random, LEGACY_MONTHS), stored));
  }
  counts.noise = keys.filter((key) => !/\/2025\/(January|january|JANUARY|01)\//.test(key)).length;
  // Creators no longer active: their reports are listed but no ID asks for them.
  for (let index = 0; index < Math.ceil(creators / 50); index += 1) {
    keys.push(youtubeKey('new', 2025, 'January', `Z${String(index).padStart(5, '0')}`));
    counts.inactive += 1;
  }
  return { ids, keys, counts };
}
