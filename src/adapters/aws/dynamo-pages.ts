/** A DynamoDB key or item, as the document client gives it. */
export type Item = Record<string, unknown>;

/**
 * Follows `LastEvaluatedKey` from page to page, one request at a time, and returns every item. `readPage` makes one
 * Query or Scan request from the given start key (and turns its errors into the project's).
 */
export async function readAllPages(
  readPage: (
    start: Item | undefined,
  ) => Promise<{ Items?: Item[] | undefined; LastEvaluatedKey?: Item | undefined }>,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await readPage(start);
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
