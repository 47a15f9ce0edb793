import { LazyList } from './lazy-list.js';

/**
 * `JSON.stringify(value, null, 2)` piece by piece: the same text, but a month's manifest (tens of thousands of
 * messages, the reviewed plan) is never one string. Arrays are written item by item and plain objects key by key;
 * anything else (strings, numbers, dates, small arrays) is one `JSON.stringify` call. Pieces are joined into chunks
 * of about `chunkSize` characters, each split only between two values (a value is never cut in two).
 */
export function* prettyJsonChunks(value: unknown, chunkSize = 64 * 1024): Generator<string> {
  let buffer = '';
  for (const piece of pieces(value, '')) {
    buffer += piece;
    if (buffer.length >= chunkSize) {
      yield buffer;
      buffer = '';
    }
  }
  yield `${buffer}\n`;
}

/** Arrays shorter than this are one `JSON.stringify` call. */
const SMALL_ARRAY = 16;
/** Objects deeper than this (a message of the manifest, a recipient of the reviewed plan) are one call each. */
const MAX_OBJECT_INDENT = 4;

function* pieces(value: unknown, indent: string): Generator<string> {
  if (value instanceof LazyList) {
    yield* arrayPieces(value, indent);
    return;
  }
  if (Array.isArray(value) && value.length >= SMALL_ARRAY) {
    yield* arrayPieces(value, indent);
    return;
  }
  if (indent.length <= MAX_OBJECT_INDENT && isPlainObject(value)) {
    yield* objectPieces(value, indent);
    return;
  }
  // A leaf: JSON.stringify indents nested lines from column 0; shift them to this depth.
  const text = JSON.stringify(value, null, 2) as string | undefined;
  yield (text ?? 'null').replaceAll('\n', `\n${indent}`);
}

function* arrayPieces(items: Iterable<unknown>, indent: string): Generator<string> {
  const inner = `${indent}  `;
  let first = true;
  for (const item of items) {
    yield `${first ? '[' : ','}\n${inner}`;
    first = false;
    // JSON.stringify writes null for an undefined or a function in an array.
    yield* item === undefined || typeof item === 'function' ? ['null'] : pieces(item, inner);
  }
  yield first ? '[]' : `\n${indent}]`;
}

function* objectPieces(object: Record<string, unknown>, indent: string): Generator<string> {
  const inner = `${indent}  `;
  // JSON.stringify leaves out properties whose value is undefined, a function or a symbol.
  const entries = Object.entries(object).filter(
    ([, item]) => item !== undefined && typeof item !== 'function' && typeof item !== 'symbol',
  );
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < entries.length; i += 1) {
    const [key, item] = entries[i] as [string, unknown];
    yield `${i === 0 ? '' : ','}\n${inner}${JSON.stringify(key)}: `;
    yield* pieces(item, inner);
  }
  yield `\n${indent}}`;
}

/** An object JSON.stringify writes key by key: no `toJSON` (a Date), not an array. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
