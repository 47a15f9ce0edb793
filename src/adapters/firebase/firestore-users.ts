import { type App, cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { BackendError, ConfigError } from '../../core/common/errors.js';
import type { UserSource } from '../../ports.js';

/** The part of Firestore the user source reads: one collection, every document's data. */
export interface UserCollectionReader {
  readAll(collection: string): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Users from the Firestore `users` collection (documents in the Korrect user shape, same recipient rules). */
export function createFirestoreUserSource(
  open: () => Promise<UserCollectionReader>,
  options: { collection: string; projectId: string | undefined },
): UserSource {
  return {
    origin: `Firestore ${options.projectId ?? '(project of the service account)'}/${options.collection}`,
    async loadUsers() {
      const reader = await open();
      try {
        return await reader.readAll(options.collection);
      } finally {
        await reader.close();
      }
    },
  };
}

const FIELDS = ['userName', 'emailsUser', 'status', 'creators'] as const;

/** firebase-admin 13 with the service account JSON (from a `{ secret }` / `{ file }` reference). */
export function openFirestore(
  serviceAccountJson: string,
  projectId: string | undefined,
): UserCollectionReader {
  let app: App;
  try {
    const account = JSON.parse(serviceAccountJson) as Record<string, string>;
    app = initializeApp(
      { credential: cert(account), ...(projectId ? { projectId } : {}) },
      `dn-mailer-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
    );
  } catch (error) {
    throw new ConfigError('users.firestore.serviceAccount: not a usable Firebase service account JSON', {
      cause: error,
      hint: 'point it at the JSON key of a service account (Firebase console → Project settings → Service accounts)',
    });
  }
  const db = getFirestore(app);
  return {
    async readAll(collection) {
      try {
        // Only the fields the recipient rules read: less data over the wire for tens of thousands of users.
        const snapshot = await db
          .collection(collection)
          .select(...FIELDS)
          .get();
        return snapshot.docs.map((doc) => doc.data());
      } catch (error) {
        throw translateFirestoreError(error, collection);
      }
    },
    close: () => deleteApp(app),
  };
}

function translateFirestoreError(error: unknown, collection: string): Error {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  // gRPC status codes: 7 PERMISSION_DENIED, 16 UNAUTHENTICATED, 5 NOT_FOUND (database or project).
  if (code === 7 || code === 16 || code === 5) {
    return new ConfigError(`Firestore refused to read ${collection}: ${message}`, {
      cause: error,
      hint: 'check users.firestore (project, service account and its Firestore read permission)',
    });
  }
  return new BackendError(`Firestore is unavailable while reading ${collection}: ${message}`, {
    cause: error,
    hint: 'the SDK already retried; check the network and run again',
  });
}
