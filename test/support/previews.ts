import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { DEMO, DEMO_PUBLIC_KEY, DEMO_REPORTS, type ManifestJson } from './demo.js';
import { htmlLinks, textLinks } from './email-content.js';
import { decodeResourceKey, parseSignedUrl, verifySignature } from './signed-url.js';

export interface MessageFiles {
  html: string;
  text: string;
  eml: Buffer;
  parsed: ParsedMail;
}

/** One message's preview files (`.html`, `.txt`, `.eml`), the `.eml` parsed with mailparser. */
export async function readMessage(outDir: string, message: ManifestJson['messages'][number]) {
  const [htmlFile, textFile, emlFile] = message.files.map((name) => path.join(outDir, name));
  const eml = await readFile(emlFile ?? '');
  return {
    html: await readFile(htmlFile ?? '', 'utf8'),
    text: await readFile(textFile ?? '', 'utf8'),
    eml,
    parsed: await simpleParser(eml),
  } satisfies MessageFiles;
}

/** Whether a URL is the demo's unsubscribe link (its endpoint, with or without the per-recipient token). */
export function isUnsubscribeLink(url: string): boolean {
  return url.split('?')[0] === DEMO.unsubscribe.baseUrl;
}

/** The report links of an HTML part (every href except the unsubscribe link). */
export function reportLinksOfHtml(html: string): string[] {
  return htmlLinks(html).filter((url) => !isUnsubscribeLink(url));
}

export function reportLinksOfText(text: string): string[] {
  return textLinks(text).filter((url) => !isUnsubscribeLink(url));
}

export interface CheckedLink {
  url: string;
  /** Query parameter names, sorted. */
  params: string[];
  keyPairId: string;
  valid: boolean;
  expiresMs: number;
  key: string;
  /** The key names a file of the demo's reports/ folder. */
  keyExists: boolean;
}

/** Checks a link the way CloudFront would, with the demo's public key, and maps it back to its report file. */
export function checkDemoLink(url: string): CheckedLink {
  const parts = parseSignedUrl(url);
  const key = decodeResourceKey(parts.resource, DEMO.links.baseUrl);
  const file = path.join(DEMO_REPORTS, key);
  return {
    url,
    params: Object.keys(parts.params).sort(),
    keyPairId: parts.keyPairId,
    valid: verifySignature(parts, DEMO_PUBLIC_KEY),
    expiresMs: Number(parts.expires) * 1000,
    key,
    keyExists:
      !key.split('/').includes('..') &&
      file.startsWith(`${DEMO_REPORTS}${path.sep}`) &&
      existsSync(file) &&
      statSync(file).isFile(),
  };
}
