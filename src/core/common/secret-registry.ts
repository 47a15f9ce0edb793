/**
 * Every secret value a run resolves (API keys, private keys, token keys, service accounts) is registered here once,
 * and everything the program writes — stdout, stderr, JSON documents, files — passes through `scrub`. So a secret
 * that reaches an error message (an HTTP library quoting a header, an SDK echoing a request, a parse error quoting a
 * file) is replaced by a marker before any byte leaves the process, whichever path carried it.
 */
export interface SecretRegistry {
  /** Registers a resolved value under the config field it came from (the field name is what the marker shows). */
  register(value: string, field: string): void;
  /**
   * `text` with every registered secret — whole, JSON-escaped, URL-encoded, line by line — replaced by
   * `[secret <field>]`, and also any run of 10 or more characters of a key (JSON.parse quotes just 10 characters of
   * what it could not read).
   */
  scrub(text: string): string;
  /** Whether anything is registered (callers skip work when not). */
  readonly empty: boolean;
}

/** A part shorter than this alone is not worth hunting for: it would match ordinary text. */
const MIN_PART = 8;
/** Fragments of key material this long are recognised anywhere (a V8 JSON error quotes 10 characters). */
const GRAM = 10;
/** Key material: a long run of base64 / token characters, which ordinary prose never contains. */
const KEY_MATERIAL = /^[A-Za-z0-9+/=_\-.~:]{12,}$/;

export function createSecretRegistry(): SecretRegistry {
  let needles: { text: string; marker: string }[] = [];
  /** The needles searched for whole; key material is not: every 10 characters of it are a gram already. */
  let searched: { text: string; marker: string }[] = [];
  const grams = new Map<string, string>();
  const gramHashes = new GramHashes();
  return {
    register(value, field) {
      const marker = `[secret ${field}]`;
      const known = new Set(needles.map((n) => n.text));
      for (const text of variantsOf(value)) {
        if (!known.has(text)) needles.push({ text, marker });
        known.add(text);
        if (KEY_MATERIAL.test(text))
          for (let i = 0; i + GRAM <= text.length; i += 1) {
            const gram = text.slice(i, i + GRAM);
            grams.set(gram, marker);
            gramHashes.add(gramHash(gram));
          }
      }
      // Longest first, so a whole value is replaced before one of its lines could be.
      needles = needles.sort((a, b) => b.text.length - a.text.length);
      searched = needles.filter((needle) => !KEY_MATERIAL.test(needle.text));
    },
    scrub(text) {
      if (needles.length === 0) return text;
      let out = text;
      for (const needle of searched)
        if (out.includes(needle.text)) out = out.split(needle.text).join(needle.marker);
      return scrubFragments(out, grams, gramHashes);
    },
    get empty() {
      return needles.length === 0;
    },
  };
}

/** Key-material characters (`[A-Za-z0-9+/=_\-.~:]`), by char code: where key pieces can be. */
const KEY_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.~:')
  KEY_CHAR[c.charCodeAt(0)] = 1;
/** The rolling hash of a gram: Σ code·B^(GRAM-1-i) mod 2^32. */
const HASH_BASE = 0x01000193;
/** B^GRAM mod 2^32: what the character leaving the window takes out of the hash. */
const HASH_DROP = gramHash('\u0001'.padEnd(GRAM + 1, '\u0000'));

function gramHash(gram: string): number {
  let hash = 0;
  for (let i = 0; i < gram.length; i += 1) hash = (Math.imul(hash, HASH_BASE) + gram.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The grams' hashes: a bitmap of their top 20 bits (128 KB) answers most windows with one typed-array load, where a
 * Set lookup costs ~8 ns; a set bit is confirmed in the Set (so a run is checked exactly only on a real hash match).
 */
class GramHashes {
  private readonly bits = new Uint32Array(1 << 15);
  private readonly all = new Set<number>();
  add(hash: number): void {
    const bit = hash >>> 12;
    this.bits[bit >>> 5] = (this.bits[bit >>> 5] ?? 0) | (1 << (bit & 31));
    this.all.add(hash);
  }
  has(hash: number): boolean {
    const bit = hash >>> 12;
    return ((this.bits[bit >>> 5] ?? 0) & (1 << (bit & 31))) !== 0 && this.all.has(hash);
  }
}

/**
 * Replaces every run of text made of overlapping known grams (a piece of a key) by its marker. One pass over the
 * text: each maximal run of ten or more key-material characters keeps a rolling hash of its last ten; only a run
 * where some window's hash is a known gram's is checked exactly (`scrubRun`), so ordinary text — long signed URLs
 * included — costs a table lookup and two multiplications per character.
 */
function scrubFragments(text: string, grams: ReadonlyMap<string, string>, hashes: GramHashes): string {
  if (grams.size === 0 || text.length < GRAM) return text;
  let out = '';
  let last = 0;
  let runStart = -1;
  let hash = 0;
  let suspect = false;
  for (let i = 0; i <= text.length; i += 1) {
    const code = i < text.length ? text.charCodeAt(i) : 0;
    if (code < 128 && KEY_CHAR[code] === 1) {
      if (runStart < 0) {
        runStart = i;
        hash = 0;
        suspect = false;
      }
      hash = (Math.imul(hash, HASH_BASE) + code) | 0;
      if (i - runStart >= GRAM) hash = (hash - Math.imul(text.charCodeAt(i - GRAM), HASH_DROP)) | 0;
      if (!suspect && i - runStart + 1 >= GRAM && hashes.has(hash)) suspect = true;
    } else if (runStart >= 0) {
      if (suspect) {
        out += text.slice(last, runStart) + scrubRun(text.slice(runStart, i), grams);
        last = i;
      }
      runStart = -1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

function scrubRun(text: string, grams: ReadonlyMap<string, string>): string {
  let out = '';
  let last = 0;
  let i = 0;
  while (i + GRAM <= text.length) {
    const marker = grams.get(text.slice(i, i + GRAM));
    if (marker === undefined) {
      i += 1;
      continue;
    }
    let end = i + GRAM;
    while (end < text.length && grams.has(text.slice(end + 1 - GRAM, end + 1))) end += 1;
    out += text.slice(last, i) + marker;
    last = end;
    i = end;
  }
  return out + text.slice(last);
}

/**
 * The forms in which a value shows up in messages: as is, JSON-escaped (inside a JSON document or a quoted error),
 * URL-encoded, and — for multi-line values such as PEM keys and service-account JSON — each line on its own and the
 * key material quoted inside JSON (a private key field), since a message may quote just a piece of it.
 */
function variantsOf(value: string): string[] {
  const parts = new Set<string>();
  const add = (text: string) => {
    if (text.length >= MIN_PART || (text === value && text.length >= 4)) parts.add(text);
  };
  add(value);
  add(JSON.stringify(value).slice(1, -1));
  add(encodeURIComponent(value));
  for (const line of value.split(/\r?\n|\\n/)) add(line.trim());
  for (const match of value.matchAll(/"((?:[^"\\]|\\.){16,})"/g)) {
    for (const line of (match[1] ?? '').split('\\n')) if (KEY_MATERIAL.test(line.trim())) add(line.trim());
  }
  // A PEM's armour lines are public text, not secret.
  for (const part of [...parts]) if (/^-----(BEGIN|END) [A-Z ]+-----$/.test(part)) parts.delete(part);
  return [...parts];
}
