import Handlebars from 'handlebars';
import type { TemplateSource } from '../../ports.js';
import { InputError } from '../common/errors.js';

export type { TemplateSource };

export interface EmailTemplates {
  html: TemplateSource;
  text: TemplateSource;
  subject: TemplateSource;
  greeting: TemplateSource;
  body: TemplateSource;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

type Compiled = (context: object) => string;

/**
 * Compiles the templates once, in Handlebars strict mode: a variable the context lacks is an error naming the
 * template and the variable (found at plan time, before anything is sent). Only the HTML template escapes; the
 * greeting and body are rendered as text first and then escaped like every other value inside the HTML.
 */
export function compileEmailTemplates(templates: EmailTemplates): (context: object) => RenderedEmail {
  const handlebars = Handlebars.create();
  const compile = (template: TemplateSource, noEscape: boolean): Compiled => {
    let compiled: Compiled;
    try {
      compiled = handlebars.compile(template.source, { strict: true, noEscape });
      // Parse now, so a syntax error is reported even for a template not used until later.
      handlebars.precompile(template.source, { strict: true, noEscape });
    } catch (error) {
      throw templateError(template.name, error);
    }
    return (context) => {
      try {
        return compiled(context);
      } catch (error) {
        throw templateError(template.name, error);
      }
    };
  };
  const html = compile(templates.html, false);
  const text = compile(templates.text, true);
  const subject = compile(templates.subject, true);
  const greeting = compile(templates.greeting, true);
  const body = compile(templates.body, true);
  return (context) => {
    const full = { ...context, greeting: greeting(context), body: body(context) };
    const subjectLine = subject(full).replace(/\s+/g, ' ').trim();
    return {
      subject: subjectLine,
      html: html({ ...full, subjectLine }),
      text: text({ ...full, subjectLine }),
    };
  };
}

function templateError(name: string, error: unknown): InputError {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /"([^"]+)" not defined in/.exec(message);
  const where = /- (\d+:\d+)/.exec(message)?.[1];
  if (missing) {
    return new InputError(
      `template ${name}: unknown variable "${missing[1]}"${where ? ` at ${where}` : ''}`,
      {
        hint: 'the variables a template may use are listed in README (Templates)',
      },
    );
  }
  return new InputError(`template ${name}: ${message.split('\n')[0]}`, {
    details: message.split('\n').slice(1, 4),
    hint: 'fix the Handlebars syntax',
  });
}
