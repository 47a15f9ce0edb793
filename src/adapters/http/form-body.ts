/**
 * Reads the text fields of a POST body. RFC 8058 says the one-click POST is `multipart/form-data` (SHOULD) or
 * `application/x-www-form-urlencoded` (MAY), and mail providers send both; any other or missing type is read as
 * urlencoded, which is what a bare `List-Unsubscribe=One-Click` is. File parts are ignored; for a repeated name
 * the first value wins.
 */
export function parseFormBody(body: string, contentType: string | undefined): Record<string, string> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const boundary = type === 'multipart/form-data' ? readBoundary(contentType ?? '') : undefined;
  const pairs = boundary === undefined ? [...new URLSearchParams(body)] : readMultipart(body, boundary);
  const fields = new Map<string, string>();
  for (const [name, value] of pairs) if (!fields.has(name)) fields.set(name, value);
  // fromEntries defines own properties, so a field named __proto__ cannot reach the prototype.
  return Object.fromEntries(fields);
}

function readBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary === undefined || boundary === '' ? undefined : boundary;
}

function readMultipart(body: string, boundary: string): [string, string][] {
  const pairs: [string, string][] = [];
  const parts = body.split(`--${boundary}`).slice(1);
  for (const raw of parts) {
    if (raw.startsWith('--')) break;
    const part = raw.replace(/^\r?\n/, '');
    const split = /\r?\n\r?\n/.exec(part);
    if (!split) continue;
    const head = part.slice(0, split.index);
    const value = part.slice(split.index + split[0].length).replace(/\r?\n$/, '');
    const disposition = head.split(/\r?\n/).find((line) => /^content-disposition:/i.test(line)) ?? '';
    if (/\bfilename\*?=/i.test(disposition)) continue;
    const name = /;\s*name=(?:"([^"]*)"|([^;\s]+))/i.exec(disposition);
    const fieldName = name?.[1] ?? name?.[2];
    if (fieldName !== undefined) pairs.push([fieldName, value]);
  }
  return pairs;
}
