import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { PreviewWriter } from '../../backend.js';
import { UsageError } from '../../core/common/errors.js';
import { previewBaseName } from '../../core/plan/manifest.js';
import { prettyJsonChunks } from '../../core/plan/manifest-json.js';
import { messageIdFor } from '../../core/send/message-id.js';
import { composeMime, type MimeEnvelope } from '../mime.js';
import { isPrivateTempName, makePrivateDir, makePrivateTempDir, writePrivateFile } from './private-files.js';

const PREVIEW_FILE = /^(\d+-[A-Za-z0-9_-]+\.(html|txt|eml)|report\.html|plan-digest\.txt)$/;
/** The approved-plan digest, beside the manifest (`send-report --approve $(cat plan-digest.txt)`). */
export const PLAN_DIGEST_FILE = 'plan-digest.txt';

export interface PreviewOptions {
  from: string;
  replyTo?: string | undefined;
  bcc: readonly string[];
  date: Date;
  /** Applied to every text written (the run's secrets scrubbed out); default: unchanged. */
  scrub?: (text: string) => string;
}

/**
 * Opens a dry run's preview folder (earlier previews removed now) and writes, as the plan streams, per message
 * `<n>-<id>.html`, `.txt` and the complete `.eml`, then manifest.json piece by piece (all 0600, the folders it
 * creates 0700: they hold addresses and working links). A folder that holds something other than an earlier
 * preview is refused rather than overwritten.
 */
export async function openPreviews(
  dir: string,
  campaignId: string,
  options: PreviewOptions,
): Promise<PreviewWriter> {
  await prepareFolder(dir);
  const scrub = options.scrub ?? ((text: string) => text);
  const from = scrub(options.from);
  const replyTo = options.replyTo === undefined ? undefined : scrub(options.replyTo);
  const bcc = options.bcc.map(scrub);
  return {
    async write(messages, total) {
      // A few messages at a time: the files go through the thread pool while the next e-mail is composed.
      await forEachLimited(messages, WRITES_IN_FLIGHT, async (message) => {
        const base = path.join(dir, previewBaseName(message, total));
        // The .eml is composed from scrubbed parts (its quoted-printable lines could split a secret a scrub of the
        // encoded text would miss), so each text is scrubbed once.
        const html = scrub(message.html);
        const text = scrub(message.text);
        const headers = Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, scrub(v)]));
        const envelope: MimeEnvelope = {
          from,
          replyTo,
          bcc,
          headers,
          date: options.date,
          messageId: messageIdFor(campaignId, message.to, options.from),
        };
        const mime = await composeMime(
          { to: scrub(message.to), subject: scrub(message.subject), html, text },
          envelope,
        );
        // The folder was just emptied of earlier previews and checked for anything else: no lstat per file.
        await Promise.all([
          writePrivateFile(`${base}.html`, html, 'replace-any'),
          writePrivateFile(`${base}.txt`, text, 'replace-any'),
          writePrivateFile(`${base}.eml`, mime, 'replace-any'),
        ]);
      });
    },
    async finish(manifest) {
      // Each chunk ends between two JSON values, so a secret is never split across two scrubbed pieces.
      const chunks = prettyJsonChunks(manifest);
      await writePrivateFile(path.join(dir, 'manifest.json'), mapChunks(chunks, scrub));
      if (manifest.approval) {
        await writePrivateFile(path.join(dir, PLAN_DIGEST_FILE), `${manifest.approval.digest}\n`);
      }
    },
  };
}

/** Messages whose three files are written at once. */
const WRITES_IN_FLIGHT = 8;

async function forEachLimited<T>(items: readonly T[], limit: number, each: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await each(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function* mapChunks(chunks: Iterable<string>, scrub: (text: string) => string): Generator<string> {
  for (const chunk of chunks) yield scrub(chunk);
}

/**
 * Refuses, before any work, a preview folder that is a file or holds something other than an earlier preview;
 * returns what an earlier preview left there.
 */
export async function checkPreviewFolder(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') throw new UsageError(`--out ${dir} is a file, not a folder`);
    throw error;
  }
  const foreign = entries.filter((name) => !isPreviewFile(name));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
    throw new UsageError(`--out ${dir} holds other files (${shown})`, {
      hint: 'choose an empty folder or an earlier preview folder',
    });
  }
  return entries;
}

/** A file an earlier preview wrote, or the temp file of one it did not finish. */
function isPreviewFile(name: string): boolean {
  const file = isPrivateTempName(name) ? name.slice(0, -'.tmp'.length) : name;
  return file === 'manifest.json' || PREVIEW_FILE.test(file);
}

async function prepareFolder(dir: string): Promise<void> {
  const entries = await checkPreviewFolder(dir);
  await makePrivateDir(dir);
  await Promise.all(entries.map((name) => rm(path.join(dir, name))));
}

/** `dn-mailer preview --out`: one rendered e-mail as an HTML file (0600), creating its folders (0700). */
export async function writePreviewHtml(file: string, html: string): Promise<void> {
  await makePrivateDir(path.dirname(file));
  await writePrivateFile(file, html);
}

/**
 * `dn-mailer preview` without `--out`: the page goes into a new folder of its own in the temp folder (mkdtemp:
 * 0700, an unpredictable name), never to a guessable path another user could plant a symlink at.
 */
export async function writeTempPreviewHtml(tmpdir: string, name: string, html: string): Promise<string> {
  const dir = await makePrivateTempDir(tmpdir, 'dn-mailer-preview-');
  return writePrivateFile(path.join(dir, safeFileName(name)), html, 'fail');
}

/** A name typed by the operator (a custom ID) as one file name: no folders, no dot files. */
function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
}
