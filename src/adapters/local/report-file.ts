import path from 'node:path';
import { makePrivateDir, writePrivateFile } from './private-files.js';

/**
 * Writes a campaign report (report.html, 0600: it lists recipients) to `file`, creating its folders (0700);
 * returns the absolute path.
 */
export async function writeReportFile(file: string, html: string): Promise<string> {
  const absolute = path.resolve(file);
  await makePrivateDir(path.dirname(absolute));
  return writePrivateFile(absolute, html);
}
