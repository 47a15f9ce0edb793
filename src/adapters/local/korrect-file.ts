import { readFile } from 'node:fs/promises';
import { ConfigError, InputError } from '../../core/common/errors.js';
import { parseJson, unwrapKorrectBody } from '../korrect/body.js';

/**
 * The rows of a JSON file in a Korrect answer's shape (`{ statusCode, body }` with body an array or a JSON string,
 * or a bare array). `field` names the config key that points at the file, for errors.
 */
export async function readKorrectFile(file: string, field: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${field}: cannot read ${file}`, {
      cause: error,
      hint: 'check the path (relative paths are resolved against the config file)',
    });
  }
  const unwrapped = unwrapKorrectBody(parseJson(text, file), file);
  if ('statusCode' in unwrapped) {
    throw new InputError(`${file} records a failed Korrect answer (statusCode ${unwrapped.statusCode})`);
  }
  return unwrapped.rows;
}
