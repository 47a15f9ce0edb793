import type { TestProject } from 'vitest/node';
import { startS3rver } from './s3rver.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

/** Starts the real local peers once for the whole run and stops them (by the PIDs we started) afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const s3 = await startS3rver();
  project.provide('s3Endpoint', s3.endpoint);
  return async () => {
    await s3.stop();
  };
}
