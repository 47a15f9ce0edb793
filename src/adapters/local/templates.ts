import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/common/errors.js';
import type { TemplateStore } from '../../ports.js';

export const HTML_TEMPLATE = 'financial-report.html.hbs';
export const TEXT_TEMPLATE = 'financial-report.txt.hbs';

/** The templates shipped with dn-mailer (`templates/` at the package root). */
export const BUILT_IN_TEMPLATES = fileURLToPath(new URL('../../../templates/', import.meta.url));

/** Reads `financial-report.html.hbs` and `.txt.hbs` from a folder. */
export function createTemplateStore(dir: string = BUILT_IN_TEMPLATES): TemplateStore {
  const read = async (name: string) => {
    const file = path.join(dir, name);
    try {
      return { name: file, source: await readFile(file, 'utf8') };
    } catch (error) {
      throw new ConfigError(`email.templates: cannot read ${file}`, {
        cause: error,
        hint: `the folder needs ${HTML_TEMPLATE} and ${TEXT_TEMPLATE}; copy them from the built-in templates/`,
      });
    }
  };
  return {
    location: dir,
    load: async () => ({ html: await read(HTML_TEMPLATE), text: await read(TEXT_TEMPLATE) }),
  };
}
