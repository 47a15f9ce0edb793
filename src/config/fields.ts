import { z } from 'zod';

/** Resolves a relative path from the config against the config file's folder (the loader supplies it). */
export type ResolvePath = (path: string) => string;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isAllowedServiceUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  } catch {
    return false;
  }
}

/** An https URL (http only on loopback, for tests and local tools), without a trailing slash. */
export const httpsUrl = (description: string, sample: string) =>
  z
    .string()
    .refine(isAllowedServiceUrl, { message: 'must be an https URL (http only for 127.0.0.1 / localhost)' })
    .transform((value) => value.replace(/\/+$/, ''))
    .meta({ description, sample });

/** A whole number with a default; numeric strings (from DN_MAILER_* variables) are accepted. */
export const count = (description: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback).meta({ description });

export const pathField = (resolvePath: ResolvePath, description: string, sample?: string) =>
  z
    .string()
    .min(1)
    .transform(resolvePath)
    .meta(sample === undefined ? { description } : { description, sample });

/** A reference to a secret; the value itself never sits in the config. */
export function secretRef(resolvePath: ResolvePath, description: string, sample: Record<string, string>) {
  return z
    .strictObject({
      env: z.string().min(1).optional().meta({ description: 'name of an environment variable' }),
      file: z.string().min(1).transform(resolvePath).optional().meta({ description: 'path of a file' }),
      secret: z.string().min(1).optional().meta({ description: 'AWS Secrets Manager secret name or ARN' }),
      key: z.string().min(1).optional().meta({ description: 'JSON field of that secret' }),
    })
    .refine((ref) => [ref.env, ref.file, ref.secret].filter((v) => v !== undefined).length === 1, {
      message: 'must name exactly one of env, file or secret, e.g. { env: KORRECT_API_KEY }',
    })
    .refine((ref) => ref.key === undefined || ref.secret !== undefined, { message: 'key is only for secret' })
    .meta({
      description: `${description} — a reference { env: NAME } | { file: path } | { secret: name, key? }`,
      sample,
    });
}

/** `a@example.com` or `Name <a@example.com>`. */
export const mailbox = (description: string, sample: string) =>
  z
    .string()
    .regex(/^(?:[^<>]*<[^<>\s]+@[^<>\s]+\.[^<>\s]+>|[^<>\s]+@[^<>\s]+\.[^<>\s]+)$/, {
      message: 'expected an address, e.g. reports@example.com or "Distro Nation <reports@example.com>"',
    })
    .meta({ description, sample });
