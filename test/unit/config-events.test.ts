import { describe, expect, it } from 'vitest';
import { schemaEntry } from '../../src/config/example.js';
import { applyEnvOverrides } from '../../src/config/load.js';
import { backendProblems, validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/core/common/errors.js';

const identity = (p: string) => p;
const withEvents = (events?: Record<string, unknown>) => ({
  users: { file: 'users.json' },
  reports: { dir: 'reports' },
  ...(events === undefined ? {} : { events }),
});

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, identity, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.details];
    throw error;
  }
  return [];
}

describe('config: events', () => {
  it('defaults: no queue, unknown rows settle 15 minutes, 4 receivers', () => {
    expect(validateConfig(withEvents(), identity, 'test').events).toEqual({
      settleMinutes: 15,
      receivers: 4,
      suppressionDays: 365,
    });
    expect(schemaEntry('events.settleMinutes').default).toBe(15);
    expect(schemaEntry('events.queueUrl').description).toMatch(/SQS queue/);
  });

  it('takes an https SQS queue URL, http only on loopback (an emulator)', () => {
    const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dn-mailer-events';
    expect(validateConfig(withEvents({ queueUrl: url }), identity, 'test').events.queueUrl).toBe(url);
    expect(problemsOf(withEvents({ queueUrl: 'http://127.0.0.1:4566/000000000000/q' }))).toEqual([]);
    const [problem, ...rest] = problemsOf(withEvents({ queueUrl: 'http://sqs.eu-west-1.amazonaws.com/1/q' }));
    expect(rest).toEqual([]);
    expect(problem).toMatch(/events\.queueUrl.*https/);
  });

  it('refuses a negative settle time and receivers outside 1–16, naming each key; 0 minutes is allowed', () => {
    expect(problemsOf(withEvents({ settleMinutes: 0 }))).toEqual([]);
    const problems = problemsOf(withEvents({ settleMinutes: -1, receivers: 17 }));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/events\.settleMinutes/);
    expect(problems.join('\n')).toMatch(/events\.receivers/);
  });

  it('DN_MAILER_EVENTS__QUEUE_URL and DN_MAILER_EVENTS__SETTLE_MINUTES set them', () => {
    const raw: Record<string, unknown> = withEvents();
    applyEnvOverrides(raw, {
      DN_MAILER_EVENTS__QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q',
      DN_MAILER_EVENTS__SETTLE_MINUTES: '30',
    });
    expect(validateConfig(raw, identity, 'test').events).toEqual({
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q',
      settleMinutes: 30,
      receivers: 4,
      suppressionDays: 365,
    });
  });

  it('on aws, a queue needs the suppression table its bounces and complaints are written to', () => {
    const aws = (tracking: Record<string, unknown>) =>
      validateConfig(
        {
          ...withEvents({ queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q' }),
          backend: 'aws',
          users: { source: 'file', file: 'users.json' },
          reports: { bucket: 'b' },
          tracking: { ledgerTable: 'l', table: 't', ...tracking },
        },
        identity,
        'test',
      );
    expect(backendProblems(aws({}), 'sending')).toEqual([
      'tracking.suppressionTable: required with events.queueUrl (bounces and complaints are recorded there)',
    ]);
    expect(backendProblems(aws({ suppressionTable: 's' }), 'sending')).toEqual([]);
  });
});
