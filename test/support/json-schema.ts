/**
 * A small JSON Schema (draft 2020-12) validator for the subset our schema files use: `type` (one or a list),
 * `properties`, `required`, `additionalProperties` (false or a schema), `items`, `enum`, `const`, `minimum`,
 * `oneOf` and local `$ref` (`#/$defs/...`). Annotations (`title`, `description`, `$id`, `$schema`, `$defs`) are
 * ignored; any other keyword throws, so a schema can never rely on something this validator silently skips.
 */
export type JsonSchema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description', '$comment', 'examples']);
const KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'minimum',
  'oneOf',
  '$ref',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const matchesType = (value: unknown, type: string) =>
  typeOf(value) === type || (type === 'number' && typeOf(value) === 'integer');

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'object' || node === null) throw new Error(`$ref ${ref} resolves to nothing`);
  return node as JsonSchema;
}

/** Every violation of `schema` by `value`, as `<json pointer>: <problem>`; empty when valid. */
export function validate(schema: JsonSchema, value: unknown): string[] {
  return errorsOf(schema, schema, value, '');
}

function errorsOf(root: JsonSchema, schema: JsonSchema, value: unknown, at: string): string[] {
  const errors: string[] = [];
  check(root, schema, value, at, errors);
  return errors;
}

function check(root: JsonSchema, schema: JsonSchema, value: unknown, at: string, errors: string[]): void {
  const where = at || '/';
  for (const keyword of Object.keys(schema)) {
    if (!KEYWORDS.has(keyword) && !ANNOTATIONS.has(keyword))
      throw new Error(`unsupported keyword ${keyword} at ${where}`);
  }
  if (typeof schema.$ref === 'string') check(root, resolveRef(root, schema.$ref), value, at, errors);
  if (Array.isArray(schema.oneOf)) {
    const passing = schema.oneOf.filter((sub) => errorsOf(root, sub as JsonSchema, value, at).length === 0);
    if (passing.length !== 1) {
      const why = (schema.oneOf as JsonSchema[]).map((sub, i) =>
        errorsOf(root, sub, value, at)
          .slice(0, 5)
          .map((e) => `[${i}] ${e}`)
          .join('; '),
      );
      errors.push(`${where}: matches ${passing.length} of oneOf (need exactly 1): ${why.join(' | ')}`);
    }
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => matchesType(value, t))) {
      errors.push(`${where}: expected ${types.join(' | ')}, got ${typeOf(value)}`);
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value))
    errors.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value)
    errors.push(`${where}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum)
    errors.push(`${where}: ${value} < minimum ${schema.minimum}`);
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const name of (schema.required ?? []) as string[])
      if (!(name in object)) errors.push(`${at}/${name}: required`);
    for (const [name, child] of Object.entries(object)) {
      const sub = properties[name];
      if (sub) check(root, sub, child, `${at}/${name}`, errors);
      else if (schema.additionalProperties === false) errors.push(`${at}/${name}: not allowed`);
      else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null)
        check(root, schema.additionalProperties as JsonSchema, child, `${at}/${name}`, errors);
    }
  }
  if (Array.isArray(value) && typeof schema.items === 'object' && schema.items !== null) {
    value.forEach((item, i) => {
      check(root, schema.items as JsonSchema, item, `${at}/${i}`, errors);
    });
  }
}
