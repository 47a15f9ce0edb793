import Handlebars from 'handlebars';
import { InputError } from '../common/errors.js';
import type { TemplateSource } from './compile-templates.js';

type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;

const CONDITIONALS = new Set(['if', 'unless']);
const CONTEXT_HELPERS = new Set(['each', 'with']);
const INLINE_HELPERS = new Set(['lookup', 'log']);

/**
 * Strict mode only checks plain `{{name}}`; a misspelt name in `{{#if hasActivty}}` or `{{#each creatorz}}` would
 * silently change the e-mail. This walks the template and resolves every path against a sample context that has
 * every variable (following `#each` / `#with` into their items), so any unknown name fails the plan.
 */
export function checkTemplatePaths(template: TemplateSource, sample: object): void {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(template.source);
  } catch {
    return; // syntax errors are reported by the compiler, with its own message
  }
  walk(program, [sample], template.name);
}

function walk(node: Node | undefined, stack: readonly unknown[], name: string): void {
  if (!node) return;
  switch (node.type) {
    case 'Program':
      for (const statement of (node as hbs.AST.Program).body) walk(statement, stack, name);
      return;
    case 'MustacheStatement':
    case 'SubExpression': {
      const call = node as hbs.AST.MustacheStatement | hbs.AST.SubExpression;
      const helper = helperName(call.path);
      if (helper && INLINE_HELPERS.has(helper)) {
        for (const param of call.params) resolveExpression(param, stack, name);
      } else {
        if (call.params.length > 0) throw unknownHelper(name, helper ?? '?', call.loc);
        resolveExpression(call.path, stack, name);
      }
      return;
    }
    case 'BlockStatement':
      walkBlock(node as hbs.AST.BlockStatement, stack, name);
      return;
    default:
      return; // content, comments, partials (none are registered, so the compiler refuses them)
  }
}

function walkBlock(block: hbs.AST.BlockStatement, stack: readonly unknown[], name: string): void {
  const helper = helperName(block.path) ?? '';
  const [first] = block.params;
  if (CONDITIONALS.has(helper) && first) {
    resolveExpression(first, stack, name);
    walk(block.program, stack, name);
    walk(block.inverse, stack, name);
    return;
  }
  if (CONTEXT_HELPERS.has(helper) && first) {
    const value = resolveExpression(first, stack, name);
    const inner =
      helper === 'each' ? (Array.isArray(value) ? value[0] : Object.values(value ?? {})[0]) : value;
    walk(block.program, inner === undefined ? stack : [...stack, inner], name);
    walk(block.inverse, stack, name);
    return;
  }
  if (block.params.length === 0 && block.path.type === 'PathExpression') {
    // `{{#name}}…{{/name}}`: a section on a variable.
    resolveExpression(block.path, stack, name);
    walk(block.program, stack, name);
    walk(block.inverse, stack, name);
    return;
  }
  throw unknownHelper(name, helper, block.loc);
}

function resolveExpression(expression: Expression, stack: readonly unknown[], name: string): unknown {
  if (expression.type === 'SubExpression') {
    walk(expression, stack, name);
    return undefined;
  }
  if (expression.type !== 'PathExpression') return undefined; // literals
  const path = expression as hbs.AST.PathExpression;
  let value: unknown;
  if (path.data) {
    if (path.parts[0] !== 'root') return undefined; // @index, @key, @first, @last
    value = stack[0];
    return follow(value, path.parts.slice(1), path, name);
  }
  value = stack[stack.length - 1 - path.depth];
  if (path.parts.length === 0) return value; // `this`, `..`
  return follow(value, path.parts, path, name);
}

function follow(
  start: unknown,
  parts: readonly string[],
  path: hbs.AST.PathExpression,
  name: string,
): unknown {
  let value = start;
  for (const part of parts) {
    if (typeof value !== 'object' || value === null || !(part in value)) {
      throw new InputError(`template ${name}: unknown variable "${path.original}" at ${where(path.loc)}`, {
        hint: 'the variables a template may use are listed in README (Templates)',
      });
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function helperName(path: hbs.AST.PathExpression | hbs.AST.Literal): string | undefined {
  return path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : undefined;
}

function unknownHelper(name: string, helper: string, loc: hbs.AST.SourceLocation): InputError {
  return new InputError(`template ${name}: unknown helper "${helper}" at ${where(loc)}`, {
    hint: 'templates may use if, unless, each, with, lookup and log',
  });
}

function where(loc: hbs.AST.SourceLocation): string {
  return `${loc.start.line}:${loc.start.column}`;
}
