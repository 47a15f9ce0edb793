/** A header's value whatever the case of its name (node:http lowercases them, API Gateway passes them as sent). */
export function readHeader(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
