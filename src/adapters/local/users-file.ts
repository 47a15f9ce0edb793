import type { UserSource } from '../../ports.js';
import { readKorrectFile } from './korrect-file.js';

/** Users from a JSON file in the Korrect `/dn_users_list` shape (`{ statusCode, body }` or a bare array). */
export function createFileUserSource(file: string): UserSource {
  return { origin: file, loadUsers: () => readKorrectFile(file, 'users.file') };
}
