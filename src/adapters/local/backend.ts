import path from 'node:path';
import type { Backend, BackendDoctorChecks, BackendEntry, CreateBackend } from '../../backend.js';
import type { LoadedConfig } from '../../config/load.js';
import { requireBackendConfig } from '../../config/validate.js';
import { whoAmI } from '../operator.js';
import { createProcessInstance } from '../process-instance.js';
import { createSharedPorts } from '../shared-ports.js';
import { fileExists, probeWritableDir, probeWritableFile } from './doctor-probes.js';
import { createLocalFiles, createLocalListener } from './host.js';
import { createOutboxMailer, unlimitedAccount } from './outbox.js';
import { describeSimulation, isSimulating } from './outbox-simulation.js';
import { createDirectoryReportStore } from './report-dir.js';
import { openSqliteStore } from './sqlite-store.js';

/**
 * The local backend: reports in a folder, the outbox folder as the mail provider, one SQLite file for the
 * ledger, tracking rows, contacts, suppressions and the audit trail. No AWS credentials needed.
 */
export const createLocalBackend: CreateBackend = (loaded, options) => {
  const { config } = loaded;
  requireBackendConfig(config, 'reports');
  const shared = createSharedPorts(loaded, options);
  const openStore = () => openSqliteStore(config.tracking.file, { topic: config.unsubscribe.topic });
  const backend: Backend = {
    name: 'local',
    users: shared.users,
    reports: createDirectoryReportStore(config.reports.dir ?? ''),
    campaign: shared.campaign,
    sending: () => {
      const store = openStore();
      return {
        mailer: createOutboxMailer(config.outbox.dir, {
          simulate: config.outbox.simulate,
          clock: options.clock,
        }),
        account: unlimitedAccount,
        gates: [store.contacts, store.suppressions],
        ledger: store.ledger,
        tracking: store.tracking,
        ledgerLocation: config.tracking.file,
        close: () => store.close(),
      };
    },
    subscriptions: () => {
      const store = openStore();
      return {
        ...shared.subscriptionSettings,
        contacts: store.contactList,
        audit: store.audit,
        actor: () => whoAmI({ env: loaded.env }),
        close: () => store.close(),
      };
    },
    files: createLocalFiles(),
    listener: createLocalListener(),
    doctor: createLocalChecks(loaded, () => backend),
    clock: options.clock,
    sleep: options.sleep,
    random: options.random,
    instance: createProcessInstance(),
  };
  return backend;
};

export const localBackend: BackendEntry = {
  create: createLocalBackend,
  doctorCheckNames: { identity: [], sending: ['outbox'] },
};

function createLocalChecks(loaded: LoadedConfig, backend: () => Backend): BackendDoctorChecks {
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
      run: async () => {
        const file = config.tracking.file;
        if (!(await fileExists(file))) {
          // Opening it would create it: say so instead of leaving a file behind.
          await probeWritableDir(path.dirname(file), 'tracking.file');
          return {
            ok: true,
            detail: `SQLite ${file} will be created on the first send (its folder is writable)`,
          };
        }
        await probeWritableFile(file, 'tracking.file');
        const sending = backend().sending();
        try {
          await sending.ledger.listRows('__doctor__');
        } finally {
          sending.close();
        }
        return {
          ok: true,
          detail: `SQLite ${file} opens and is writable (ledger, tracking, contacts, audit)`,
        };
      },
    },
  };
}
