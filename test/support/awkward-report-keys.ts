/** Report keys with what S3 and URLs treat specially (spaces, `+`, `=`, `%`, `#`, `?`, quotes, non-ASCII, emoji). */
export const AWKWARD_REPORT_KEYS = [
  'financial-reports/2025/January/DYLVN-youtube.pdf',
  'Exports/2025/01/A B/A B.zip',
  'x/a+b=c.pdf',
  "x/O'Brien.pdf",
  'x/Zoë 日本.pdf',
  'x/100%.pdf',
  'x/%41%2F already-encoded.pdf',
  'x/a#b?c&d.pdf',
  'x/emoji 📄 (1) [final]*!~.pdf',
] as const;

/** `count` distinct keys, each an awkward key under its own numbered folder: a month of links, at scale. */
export function manyAwkwardKeys(count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `batch ${index % 13}/${index}/${AWKWARD_REPORT_KEYS[index % AWKWARD_REPORT_KEYS.length]}`,
  );
}
