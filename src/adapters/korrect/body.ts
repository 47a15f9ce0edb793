import { InputError } from '../../core/common/errors.js';

/**
 * Korrect answers `{ statusCode, body }` where `body` is an array or a JSON string of one; a bare array is
 * accepted too. Returns the rows, or the inner status code when the envelope reports a failure.
 */
export function unwrapKorrectBody(json: unknown, what: string): { rows: unknown[] } | { statusCode: number } {
  if (Array.isArray(json)) return { rows: json };
  if (typeof json !== 'object' || json === null || !('body' in json)) {
    throw new InputError(`${what}: expected an array or { statusCode, body }, got ${describe(json)}`);
  }
  const { statusCode, body } = json as { statusCode?: unknown; body: unknown };
  if (typeof statusCode === 'number' && (statusCode < 200 || statusCode > 299)) return { statusCode };
  const parsed = typeof body === 'string' ? parseJson(body, `${what}: body`) : body;
  if (!Array.isArray(parsed)) throw new InputError(`${what}: body must be an array, got ${describe(parsed)}`);
  return { rows: parsed };
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${what} is not valid JSON (${reason})`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object without body' : `a ${typeof value}`;
}
