import type { UserSource } from '../../ports.js';
import type { KorrectClient } from './client.js';

/** Users from Korrect `GET {baseUrl}/dn_users_list`. */
export function createKorrectUserSource(client: KorrectClient): UserSource {
  return {
    origin: `Korrect ${client.baseUrl}/dn_users_list`,
    loadUsers: () => client.request('/dn_users_list', { method: 'GET' }),
  };
}
