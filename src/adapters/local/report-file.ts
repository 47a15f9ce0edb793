import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes a campaign report (report.html) to `file`, creating its folders; returns the absolute path. */
export async function writeReportFile(file: string, html: string): Promise<string> {
  const absolute = path.resolve(file);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, html);
  return absolute;
}
