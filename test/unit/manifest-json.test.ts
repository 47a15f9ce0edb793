import { describe, expect, it } from 'vitest';
import { LazyList } from '../../src/core/plan/lazy-list.js';
import { prettyJsonChunks } from '../../src/core/plan/manifest-json.js';

const join = (value: unknown, size?: number) => [...prettyJsonChunks(value, size)].join('');

describe('prettyJsonChunks', () => {
  it('writes exactly what JSON.stringify(value, null, 2) writes, in chunks', () => {
    const messages = Array.from({ length: 40 }, (_, n) => ({
      n,
      to: `c${n}@example.com`,
      totals: { closing: '1.00' },
      links: [{ key: 'a/b.pdf' }],
      warnings: [],
      none: undefined,
    }));
    const value = {
      campaignId: 'financial-2025-01',
      generatedAt: new Date('2025-02-01T00:00:00Z'),
      empty: {},
      emptyList: [],
      skip: undefined,
      fn: () => 1,
      messages,
      approval: { digest: 'ab', plan: { version: 1, recipients: messages.map((m) => ({ email: m.to })) } },
      tail: [1, 2, 3],
      nested: { deeper: { deepest: { list: Array.from({ length: 20 }, (_, i) => ({ i })) } } },
    };
    const expected = `${JSON.stringify(value, null, 2)}\n`;
    expect(join(value)).toBe(expected);
    expect(join(value, 10)).toBe(expected);
    expect([...prettyJsonChunks(value, 100)].length).toBeGreaterThan(10);
  });

  it('matches JSON.stringify on empty and scalar values', () => {
    for (const value of [{}, [], 'x', 3, null, { a: [] }, Array.from({ length: 20 }, () => [])]) {
      expect(join(value)).toBe(`${JSON.stringify(value, null, 2)}\n`);
    }
  });

  it('never cuts a value in two: each chunk ends between values', () => {
    const long = 'x'.repeat(500);
    const value = { items: Array.from({ length: 30 }, () => long) };
    for (const chunk of prettyJsonChunks(value, 100)) {
      expect(chunk.split(long).join('')).not.toContain('x');
    }
  });

  it('writes a LazyList (the manifest messages) item by item, as JSON.stringify writes its array', () => {
    let made = 0;
    const messages = new LazyList(3, function* () {
      for (let n = 1; n <= 3; n += 1) {
        made += 1;
        yield { n, to: `c${n}@example.com`, links: [] };
      }
    });
    const value = { counts: { messages: 3 }, messages, empty: new LazyList(0, () => []) };
    expect(join(value)).toBe(`${JSON.stringify(value, null, 2)}\n`);
    expect(messages.map((m) => m.n)).toEqual([1, 2, 3]);
    expect(messages.length).toBe(3);
    // Made afresh on every read, never kept: two writes and a map made the three entries three times.
    expect(made).toBe(9);
  });
});
