import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ConfigError, DnMailerError } from '../../core/common/errors.js';

/**
 * Signs large batches of links on worker threads (sign-worker.ts), one per core: RSA signing is CPU-bound and the
 * main thread would otherwise sign alone while the other cores idle. Each worker receives the PEM once, by
 * postMessage, and parses it once. Workers keep the process alive only while they sign.
 */

/** When to use workers and how many; `createCloudFrontLinkSigner` takes it as an option (tests, benchmarks). */
export interface SigningThreads {
  /** Batches with fewer URLs stay on the main thread: starting a worker costs more than it saves. */
  minUrls: number;
  /** At most this many workers (the pool size). */
  max: number;
  /** Idle workers are terminated after this long (a next batch within it reuses them). */
  idleMs: number;
  /** Called with the number of workers started, each time some are. */
  onStart?: ((workers: number) => void) | undefined;
}

/**
 * Below this many URLs a batch is signed on the main thread: ~150 ms of signing on one core, about what it takes
 * to start the workers (each loads node, the SDK and the key) and get the first URLs back. `npm run bench -- sign`
 * prints the start-up and the batch size from which the pool pays off on the machine it runs on.
 */
export const MIN_URLS_FOR_WORKERS = 500;
/** More workers than this only add start-up time on bigger machines: the batches are a few thousand links. */
const MAX_WORKERS = 8;
/** A streamed plan signs batch after batch: the workers wait this long for the next one before they stop. */
const IDLE_MS = 2_000;
/** Each worker gets at least this many URLs, so a small pool batch does not start a worker per core. */
const MIN_URLS_PER_WORKER = 100;

export function defaultSigningThreads(): SigningThreads {
  return {
    minUrls: MIN_URLS_FOR_WORKERS,
    max: Math.max(1, Math.min(availableParallelism(), MAX_WORKERS)),
    idleMs: IDLE_MS,
  };
}

/** How many workers sign a batch of `urls` URLs; 0 keeps it on the main thread. */
export function countSigningWorkers(urls: number, threads: SigningThreads): number {
  if (urls < Math.max(1, threads.minUrls) || threads.max < 1) return 0;
  return Math.min(Math.floor(threads.max), Math.ceil(urls / MIN_URLS_PER_WORKER));
}

/** Messages to a worker: the key first (once), then batches of URLs, one at a time. */
export type ToSignWorker =
  | { type: 'key'; pem: string; keyPairId: string }
  | { type: 'sign'; dateLessThan: number; urls: string[]; objectKeys: string[] };

/** A worker's answer to each `sign` message. */
export type FromSignWorker = { type: 'signed'; urls: string[] } | { type: 'failed'; failure: SignFailure };

/** A DnMailerError thrown in a worker, as it crosses back (structured clone drops the class). */
export interface SignFailure {
  name: string;
  message: string;
  hint: string | undefined;
}

export interface SignBatch {
  /** URLs built by encodeKeyPath, and the key each is for (an error names it). */
  urls: readonly string[];
  objectKeys: readonly string[];
  dateLessThan: Date;
}

export interface SignPool {
  /** The batch signed on at least `workers` workers, in order: byte for byte what the main thread would produce. */
  sign(batch: SignBatch, workers: number): Promise<string[]>;
}

export interface SignPoolOptions {
  pem: string;
  keyPairId: string;
  /** Idle workers are terminated after this long; until then a next batch (a streamed plan) reuses them. */
  idleMs: number;
  onStart?: ((workers: number) => void) | undefined;
}

interface Job {
  signed: string[];
  remaining: number;
  failed: boolean;
  resolve: (signed: string[]) => void;
  reject: (error: Error) => void;
}

interface Task {
  job: Job;
  offset: number;
  message: ToSignWorker;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

/**
 * Workers that pull the next slice of work when they answer (a worker on a busier core takes fewer slices).
 * Busy workers keep the process alive; idle ones are unref'd, so an exiting CLI never waits for them, and are
 * terminated after `idleMs`. A worker that crashes fails every batch in progress and the pool starts afresh.
 */
export function createSignPool(options: SignPoolOptions): SignPool {
  let slots: Slot[] = [];
  let queue: Task[] = [];
  let idleTimer: ReturnType<typeof setTimeout> | undefined;

  const feed = (slot: Slot) => {
    while (queue[0]?.job.failed) queue.shift();
    slot.task = queue.shift();
    if (slot.task) slot.worker.postMessage(slot.task.message);
  };
  const stopAll = (error: Error | undefined) => {
    const stopping = slots;
    const jobs = new Set([
      ...queue.map((task) => task.job),
      ...slots.flatMap((slot) => slot.task?.job ?? []),
    ]);
    slots = [];
    queue = [];
    clearTimeout(idleTimer);
    for (const job of jobs) failJob(job, error ?? new DnMailerError('the link-signing workers were stopped'));
    return Promise.all(stopping.map((slot) => slot.worker.terminate()));
  };
  const onAnswer = (slot: Slot, answer: FromSignWorker) => {
    if (!slots.includes(slot)) return; // answered just before it was terminated
    const task = slot.task;
    if (task && answer.type === 'failed') failJob(task.job, toError(answer.failure));
    if (task && answer.type === 'signed' && !task.job.failed) {
      for (const [index, url] of answer.urls.entries()) task.job.signed[task.offset + index] = url;
      task.job.remaining -= 1;
      if (task.job.remaining === 0) task.job.resolve(task.job.signed);
    }
    feed(slot);
    if (slots.every((other) => other.task === undefined)) {
      for (const other of slots) other.worker.unref();
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => void stopAll(undefined), options.idleMs).unref();
    }
  };
  const startSlot = () => {
    const slot: Slot = { worker: startSignWorker(), task: undefined };
    slot.worker.on('message', (answer: FromSignWorker) => onAnswer(slot, answer));
    slot.worker.on('error', (error) => {
      if (slots.includes(slot)) void stopAll(workerFailed(error.message, error));
    });
    slot.worker.on('exit', (code) => {
      if (slots.includes(slot)) void stopAll(workerFailed(`it stopped with exit code ${code}`));
    });
    slot.worker.postMessage({
      type: 'key',
      pem: options.pem,
      keyPairId: options.keyPairId,
    } satisfies ToSignWorker);
    slots.push(slot);
  };

  return {
    sign(batch, workers) {
      if (batch.urls.length === 0) return Promise.resolve([]);
      clearTimeout(idleTimer);
      const promise = new Promise<string[]>((resolve, reject) => {
        queue.push(...splitIntoTasks(batch, { resolve, reject }, Math.max(workers, slots.length)));
      });
      const missing = Math.max(0, workers - slots.length);
      try {
        for (let i = 0; i < missing; i += 1) startSlot();
      } catch (error) {
        void stopAll(error instanceof Error ? error : workerFailed(String(error)));
        return promise;
      }
      if (missing > 0) options.onStart?.(missing);
      for (const slot of slots) {
        slot.worker.ref();
        if (slot.task === undefined) feed(slot);
      }
      return promise;
    },
  };
}

function splitIntoTasks(batch: SignBatch, settle: Pick<Job, 'resolve' | 'reject'>, workers: number): Task[] {
  // A few slices per worker, so the work evens out when one core is busier than the other.
  const size = Math.min(500, Math.max(25, Math.ceil(batch.urls.length / (workers * 4))));
  const job: Job = { signed: new Array<string>(batch.urls.length), remaining: 0, failed: false, ...settle };
  const dateLessThan = batch.dateLessThan.getTime();
  const tasks: Task[] = [];
  for (let offset = 0; offset < batch.urls.length; offset += size) {
    const end = Math.min(batch.urls.length, offset + size);
    const urls = batch.urls.slice(offset, end);
    const objectKeys = batch.objectKeys.slice(offset, end);
    tasks.push({ job, offset, message: { type: 'sign', dateLessThan, urls, objectKeys } });
  }
  job.remaining = tasks.length;
  return tasks;
}

function failJob(job: Job, error: Error): void {
  if (job.failed) return;
  job.failed = true;
  job.reject(error);
}

function workerFailed(reason: string, cause?: unknown): DnMailerError {
  return new DnMailerError(`a link-signing worker failed: ${reason}`, {
    cause,
    hint: 'run again; if it persists, report it with the output of --verbose',
  });
}

function toError(failure: SignFailure): DnMailerError {
  const options = { hint: failure.hint };
  return failure.name === 'ConfigError'
    ? new ConfigError(failure.message, options)
    : new DnMailerError(failure.message, options);
}

/**
 * Built (dist/, plain ESM) the worker is sign-worker.js beside this file. Running the TypeScript sources (vitest,
 * `node --import tsx`), it is sign-worker.ts, and a worker is a fresh isolate that does not inherit the loader
 * which compiled this file: it registers tsx (a devDependency) itself before importing the worker module.
 */
function startSignWorker(): Worker {
  // The parent's flags are for its entry point, not this module (`--input-type` even stops a worker file loading).
  const options = { execArgv: [] };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./sign-worker.js', import.meta.url), options);
  const entry = new URL('./sign-worker.ts', import.meta.url).href;
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch (error) {
    throw new DnMailerError('signing links on worker threads from the TypeScript sources needs tsx', {
      cause: error,
      hint: 'run the built CLI (npm run build), or npm install the devDependencies',
    });
  }
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
