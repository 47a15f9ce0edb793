import type { SecretRegistry } from '../core/common/secret-registry.js';
import type { CliIO } from './io.js';

/**
 * The process's IO with stdout and stderr scrubbed of every secret the run resolves: each write passes through
 * `secrets.scrub`, whichever code path (an error message, a retry line, a JSON document, commander's own output)
 * produced it. The streams stay the same objects in every other respect (isTTY, columns, events), so spinners and
 * prompts work unchanged.
 */
export function scrubOutput(io: CliIO, secrets: SecretRegistry): CliIO {
  return { ...io, stdout: scrubStream(io.stdout, secrets), stderr: scrubStream(io.stderr, secrets) };
}

function scrubStream<S extends NodeJS.WritableStream>(stream: S, secrets: SecretRegistry): S {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const scrubbed =
      secrets.empty || (typeof chunk !== 'string' && !(chunk instanceof Uint8Array))
        ? chunk
        : secrets.scrub(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (stream.write as (...args: unknown[]) => boolean)(scrubbed, ...rest);
  };
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
