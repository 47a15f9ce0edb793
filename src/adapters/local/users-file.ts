import { readFile } from 'node:fs/promises';
import { ConfigError, InputError } from '../../core/errors.js';
import type { UserSource } from '../../ports.js';
import { parseJson, unwrapKorrectBody } from '../korrect/body.js';

/** Users from a JSON file in the Korrect `/dn_users_list` shape (`{ statusCode, body }` or a bare array). */
export function createFileUserSource(file: string): UserSource {
  return {
    origin: file,
    async loadUsers() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new ConfigError(`users.file: cannot read ${file}`, {
          cause: error,
          hint: 'check the path (relative paths are resolved against the config file)',
        });
      }
      const unwrapped = unwrapKorrectBody(parseJson(text, file), file);
      if ('statusCode' in unwrapped) {
        throw new InputError(`${file} records a failed Korrect answer (statusCode ${unwrapped.statusCode})`);
      }
      return unwrapped.rows;
    },
  };
}
