import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirestoreUserSource, openFirestore } from '../../src/adapters/firebase/firestore-users.js';
import { createKorrectClient } from '../../src/adapters/korrect/client.js';
import { createKorrectUserSource } from '../../src/adapters/korrect/users.js';
import { createFileUserSource } from '../../src/adapters/local/users-file.js';
import { ConfigError } from '../../src/core/common/errors.js';
import { loadRecipients } from '../../src/core/recipients/load-recipients.js';
import type { UserSource } from '../../src/ports.js';
import { DEMO_CONFIG } from '../support/cli.js';
import { type KorrectFake, startKorrectFake } from '../support/korrect-fake.js';

/**
 * One contract for every UserSource: given the same user documents, each source yields the same recipients.
 * Firestore runs here through its collection reader (no Firestore emulator can run on loopback only on this
 * machine: firebase-tools needs Java 21 and a download, @firestore-emulator/server binds every interface).
 */
const rules = {
  excludeEmails: ['qa-team@distro-nation.test'],
  customIdAliases: { MOLS: 'MOL', JODYHIGHROLLER: 'RIFFRAFF' },
};

let rows: unknown[];
let korrect: KorrectFake;
let file: string;

beforeAll(async () => {
  const demoUsers = JSON.parse(await readFile(path.join(path.dirname(DEMO_CONFIG), 'users.json'), 'utf8'));
  rows = demoUsers.body;
  korrect = await startKorrectFake({ users: rows });
  file = path.join(await mkdtemp(path.join(tmpdir(), 'dn-users-')), 'users.json');
  await writeFile(file, JSON.stringify(rows));
});
afterAll(async () => {
  await korrect?.stop();
});

const sources: Record<string, () => UserSource> = {
  file: () => createFileUserSource(file),
  korrect: () =>
    createKorrectUserSource(
      createKorrectClient({
        baseUrl: korrect.baseUrl,
        apiKey: async () => 'k',
        timeoutMs: 5_000,
        retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
        deps: { sleep: async () => {}, random: () => 0 },
      }),
    ),
  firestore: () => {
    let closed = 0;
    return createFirestoreUserSource(
      async () => ({
        readAll: async (collection) =>
          collection === 'users' ? rows.map((row) => structuredClone(row)) : [],
        close: async () => {
          closed += 1;
        },
      }),
      { collection: 'users', projectId: `demo-${closed}` },
    );
  },
};

describe.each(Object.keys(sources))('UserSource contract: %s', (name) => {
  it('delivers every row, and the recipient rules give the same selection as the file source', async () => {
    const source = sources[name]?.();
    if (!source) throw new Error(name);
    const selection = await loadRecipients(source, rules);
    const reference = await loadRecipients(createFileUserSource(file), rules);
    expect(selection.totalRows).toBe(rows.length);
    expect(selection.recipients).toEqual(reference.recipients);
    expect(selection.skipped).toEqual(reference.skipped);
    expect(selection.rowProblems).toEqual(reference.rowProblems);
    expect(selection.recipients.map((r) => r.email)).toContain('mollie@example.com');
  });
});

describe('openFirestore (firebase-admin 13)', () => {
  it('a service account that is not JSON, or not a service account, is a config error', () => {
    expect(() => openFirestore('not json', undefined)).toThrow(ConfigError);
    expect(() => openFirestore('{"type":"service_account"}', undefined)).toThrow(
      /users\.firestore\.serviceAccount/,
    );
  });

  it('a well-formed service account opens (no request is made until the collection is read)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const reader = openFirestore(
      JSON.stringify({
        type: 'service_account',
        project_id: 'demo',
        private_key: privateKey,
        client_email: 'dn@demo.iam.gserviceaccount.com',
      }),
      'demo',
    );
    await reader.close();
  });
});
