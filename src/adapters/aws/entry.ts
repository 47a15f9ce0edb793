import type { BackendEntry } from '../../backend.js';

/**
 * The aws backend's entry in `adapters/backends.ts`. Its factory imports `backend.ts` (and with it the AWS SDK, most
 * of the CLI's start-up memory and time) only when a config names the aws backend: a local run never loads it.
 */
export const awsBackend: BackendEntry = {
  create: async (loaded, options) => (await import('./backend.js')).createAwsBackend(loaded, options),
  doctorCheckNames: { identity: ['AWS identity'], sending: ['SES account', 'contact list'] },
};
