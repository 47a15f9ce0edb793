import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../core/common/errors.js';
import type { Plan } from '../../core/plan/build-plan.js';
import { type Manifest, previewBaseName } from '../../core/plan/manifest.js';
import { messageIdFor } from '../../core/send/message-id.js';
import { composeMime, type MimeEnvelope } from '../mime.js';

const PREVIEW_FILE = /^(\d+-[A-Za-z0-9_-]+\.(html|txt|eml)|report\.html|plan-digest\.txt)$/;
/** The approved-plan digest, beside the manifest (`send-report --approve $(cat plan-digest.txt)`). */
export const PLAN_DIGEST_FILE = 'plan-digest.txt';

export interface PreviewOptions {
  from: string;
  replyTo?: string | undefined;
  bcc: readonly string[];
  date: Date;
}

/**
 * Writes a dry run's previews: per message `<n>-<id>.html`, `.txt` and the complete `.eml`, plus manifest.json.
 * A folder that holds something other than an earlier preview is refused rather than overwritten.
 */
export async function writePreviews(
  dir: string,
  plan: Plan,
  manifest: Manifest,
  options: PreviewOptions,
): Promise<void> {
  await prepareFolder(dir);
  const total = plan.messages.length;
  for (const message of plan.messages) {
    const base = path.join(dir, previewBaseName(message, total));
    const envelope: MimeEnvelope = {
      from: options.from,
      replyTo: options.replyTo,
      bcc: options.bcc,
      headers: message.headers,
      date: options.date,
      messageId: messageIdFor(plan.campaignId, message.to, options.from),
    };
    await writeFile(`${base}.html`, message.html);
    await writeFile(`${base}.txt`, message.text);
    await writeFile(`${base}.eml`, await composeMime(message, envelope));
  }
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (manifest.approval) await writeFile(path.join(dir, PLAN_DIGEST_FILE), `${manifest.approval.digest}\n`);
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
  const foreign = entries.filter((name) => name !== 'manifest.json' && !PREVIEW_FILE.test(name));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
    throw new UsageError(`--out ${dir} holds other files (${shown})`, {
      hint: 'choose an empty folder or an earlier preview folder',
    });
  }
  return entries;
}

async function prepareFolder(dir: string): Promise<void> {
  const entries = await checkPreviewFolder(dir);
  await mkdir(dir, { recursive: true });
  await Promise.all(entries.map((name) => rm(path.join(dir, name))));
}

/** `dn-mailer preview`: one rendered e-mail as an HTML file. */
export async function writePreviewHtml(file: string, html: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, html);
}
