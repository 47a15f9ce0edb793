import { ConfigError } from '../../core/common/errors.js';

/** The Firestore user source module: it imports firebase-admin, so it is loaded only when users.source is firestore. */
export type FirestoreAdapter = typeof import('./firestore-users.js');

/** The version package.json pins in optionalDependencies: the one to install when it is missing. */
const FIREBASE_ADMIN = 'firebase-admin@13.9.0';

/**
 * Loads the Firestore user source, and with it firebase-admin — an optional dependency, absent from an install made
 * with `--omit=optional` (or `--no-optional`). Its absence is a config error that says what to install; any other
 * failure to load (a broken install of firebase-admin itself) is left as it is.
 */
export async function loadFirestoreAdapter(): Promise<FirestoreAdapter> {
  try {
    return await import('./firestore-users.js');
  } catch (error) {
    if (!isFirebaseAdminMissing(error)) throw error;
    throw new ConfigError(
      'users.source is firestore but the optional package firebase-admin is not installed',
      {
        cause: error,
        hint: `npm install ${FIREBASE_ADMIN} where dn-mailer is installed, or set users.source to korrect or file`,
      },
    );
  }
}

/** Node's error for a bare import of firebase-admin (or one of its subpaths) that resolves to no package. */
function isFirebaseAdminMissing(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    /['"]firebase-admin(\/[^'"]*)?['"]/.test(message)
  );
}
