// Reads what `dn-mailer … --json` printed: one JSON document, or several one after the other (a stopped run prints
// its summary and then an `{ "error": … }` document). Shared by ci-summary.mjs and ci-merge-summaries.mjs.

/** Every top-level JSON value in `text` (one, or several one after the other). */
export function parseDocuments(input) {
  const documents = [];
  let rest = input.trim();
  while (rest.length > 0) {
    const end = valueEnd(rest);
    documents.push(JSON.parse(rest.slice(0, end)));
    rest = rest.slice(end).trim();
  }
  return documents;
}

/** Where the first JSON object / array of `text` ends (strings and escapes respected). */
function valueEnd(source) {
  if (source[0] !== '{' && source[0] !== '[') return source.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return source.length;
}
