import type {
  Backend,
  BackendDoctorChecks,
  BackendEntry,
  BackendOptions,
  CreateBackend,
} from '../../backend.js';
import type { LoadedConfig } from '../../config/load.js';
import { requireBackendConfig } from '../../config/validate.js';
import { parseInboundMime } from '../mime-parse.js';
import { whoAmI } from '../operator.js';
import { createProcessInstance } from '../process-instance.js';
import { createSharedPorts } from '../shared-ports.js';
import { probeWritableDir } from './doctor-probes.js';
import { createLocalFiles, createLocalListener } from './host.js';
import { createOutboxMailer, createOutboxRecord, unlimitedAccount } from './outbox.js';
import { describeSimulation, isSimulating } from './outbox-simulation.js';
import { createDirectoryReportStore } from './report-dir.js';
import { checkSqliteStore } from './sqlite-doctor.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

/**
 * The local backend: reports in a folder, the outbox folder as the mail provider, one SQLite file for the
 * ledger, tracking rows, contacts, suppressions and the audit trail. No AWS credentials needed.
 */
export const createLocalBackend: CreateBackend = (loaded, options) => createLocalBackendWith(loaded, options);

/** How long each user of the SQLite file waits for a lock another process holds (tests shorten them). */
export interface LocalStoreTimeouts {
  sending?: StoreTimeouts;
  subscriptions?: StoreTimeouts;
  doctor?: StoreTimeouts;
}
type StoreTimeouts = Pick<SqliteStoreOptions, 'openTimeoutMs' | 'busyTimeoutMs'>;

/**
 * A send may wait its turn for a few seconds; the unsubscribe commands and endpoint (a person waiting on a page)
 * and doctor give up sooner. A lock held longer is another process stuck on the file: `StoreBusyError`, exit 5.
 * Once open, the endpoint's statements wait at most 250 ms (better-sqlite3 waits synchronously, stalling every
 * other request): a send's transactions take milliseconds, so a longer lock is answered 503 + Retry-After.
 */
const STORE_TIMEOUTS = {
  sending: { openTimeoutMs: 5_000, busyTimeoutMs: 10_000 },
  subscriptions: { openTimeoutMs: 2_000, busyTimeoutMs: 250 },
  doctor: { openTimeoutMs: 2_000, busyTimeoutMs: 2_000 },
} as const satisfies Required<LocalStoreTimeouts>;

/** The local backend with its own lock waits (tests give a locked file a short one). */
export function createLocalBackendWith(
  loaded: LoadedConfig,
  options: BackendOptions,
  timeouts: LocalStoreTimeouts = {},
): Backend {
  const { config } = loaded;
  requireBackendConfig(config, 'reports');
  const shared = createSharedPorts(loaded, options);
  const openStore = (use: keyof LocalStoreTimeouts) =>
    openSqliteStore(config.tracking.file, {
      topic: config.unsubscribe.topic,
      ...STORE_TIMEOUTS[use],
      ...timeouts[use],
    });
  const backend: Backend = {
    name: 'local',
    users: shared.users,
    reports: createDirectoryReportStore(config.reports.dir ?? ''),
    campaign: shared.campaign,
    sending: () => {
      const store = openStore('sending');
      return {
        mailer: createOutboxMailer(config.outbox.dir, {
          simulate: config.outbox.simulate,
          clock: options.clock,
        }),
        account: unlimitedAccount,
        providerRecord: createOutboxRecord(config.outbox.dir),
        gates: [store.contacts, store.suppressions],
        ledger: store.ledger,
        tracking: store.tracking,
        suppressions: store.suppressionStore,
        ledgerLocation: config.tracking.file,
        close: () => store.close(),
      };
    },
    // The local backend reads events from a file (`events import`), never from a queue.
    events: () => undefined,
    // `events import` reads receipt notifications that carry their MIME; nothing is stored in S3 locally.
    parseMime: parseInboundMime,
    subscriptions: () => {
      const store = openStore('subscriptions');
      return {
        ...shared.subscriptionSettings,
        contacts: store.contactList,
        audit: store.audit,
        actor: () => whoAmI({ env: loaded.env }),
        close: () => store.close(),
      };
    },
    files: createLocalFiles((text) => options.secrets.scrub(text)),
    listener: createLocalListener(),
    doctor: createLocalChecks(loaded, { ...STORE_TIMEOUTS.doctor, ...timeouts.doctor }),
    clock: options.clock,
    sleep: options.sleep,
    random: options.random,
    instance: createProcessInstance(),
  };
  return backend;
}

export const localBackend: BackendEntry = {
  create: createLocalBackend,
  doctorCheckNames: { identity: [], sending: ['outbox'] },
};

function createLocalChecks(loaded: LoadedConfig, storeTimeouts: StoreTimeouts): BackendDoctorChecks {
  const { config } = loaded;
  const simulation = isSimulating(config.outbox.simulate)
    ? ` — ${describeSimulation(config.outbox.simulate)}`
    : '';
  return {
    describe: () => `local (outbox folder and SQLite; no AWS credentials needed)${simulation}`,
    identity: [],
    sending: [
      {
        name: 'outbox',
        failure: 'config',
        run: async () => {
          const dir = config.outbox.dir;
          const { exists } = await probeWritableDir(dir, 'outbox.dir');
          return {
            ok: true,
            detail: `${dir} ${exists ? 'is writable' : 'will be created (its parent is writable)'}${simulation}`,
          };
        },
      },
    ],
    ledger: {
      name: 'ledger/tracking',
      failure: 'reachability',
      run: async () => checkSqliteStore(config.tracking.file, storeTimeouts),
    },
  };
}
