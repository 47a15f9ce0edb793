import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BODY, DEFAULT_GREETING, DEFAULT_SUBJECT } from '../../src/config/sections/campaign.js';
import type { EmailTemplates } from '../../src/core/plan/compile-templates.js';

const builtIn = (name: string) => {
  const file = fileURLToPath(new URL(`../../templates/${name}`, import.meta.url));
  return { name: file, source: readFileSync(file, 'utf8') };
};

/** The built-in templates with the default subject, greeting and body; override any of them. */
export function defaultTemplates(overrides: Partial<EmailTemplates> = {}): EmailTemplates {
  return {
    html: builtIn('financial-report.html.hbs'),
    text: builtIn('financial-report.txt.hbs'),
    subject: { name: 'email.subject', source: DEFAULT_SUBJECT },
    greeting: { name: 'email.greeting', source: DEFAULT_GREETING },
    body: { name: 'email.body', source: DEFAULT_BODY },
    ...overrides,
  };
}
