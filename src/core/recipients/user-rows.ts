import { z } from 'zod';
import { checkTextField } from '../common/text-fields.js';

/** One user row in the Korrect `/dn_users_list` shape (also the JSON file shape and the Firestore document). */
export interface UserRow {
  userName: string;
  status: string;
  emailsUser: string;
  customIds: string[];
  /** `channels[].channelName` by the raw `customID` it sits beside (the first non-empty one). */
  channelNames: Map<string, string>;
}

export interface RowProblem {
  /** 0-based index of the row in the source. */
  index: number;
  field: string;
  message: string;
}

const channelName = z.unknown().transform((value, ctx) => {
  // A display name only: anything but a string is ignored rather than failing the row; a string is checked.
  if (typeof value !== 'string') return null;
  checkTextField('channelName')(value, ctx);
  return value;
});
const channelSchema = z
  .object({
    customID: z.string().superRefine(checkTextField('id')).nullish(),
    channelName: channelName.optional(),
  })
  .loose();
const creatorSchema = z.object({ channels: z.array(channelSchema).nullish() }).loose();
// Every text field is bounded and free of control characters here, where rows enter (`checkTextField`).
const userRowSchema = z
  .object({
    userName: z.string().superRefine(checkTextField('name')).nullish(),
    status: z.string({ error: 'expected a string such as "active"' }).superRefine(checkTextField('text')),
    emailsUser: z
      .string({ error: 'expected a string (the e-mail address) or null' })
      .superRefine(checkTextField('email'))
      .nullish(),
    creators: z.array(creatorSchema).nullish(),
  })
  .loose();

/**
 * Validates every row; a bad row is reported with its index and the field at fault, and skipped. A text field too
 * long or holding a control character is such a fault (`FIELD_LIMITS`).
 */
export function parseUserRows(rows: readonly unknown[]): { users: IndexedUserRow[]; problems: RowProblem[] } {
  const users: IndexedUserRow[] = [];
  const problems: RowProblem[] = [];
  rows.forEach((row, index) => {
    const result = userRowSchema.safeParse(row);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push({ index, field: issue.path.join('.') || '(row)', message: issue.message });
      }
      return;
    }
    const data = result.data;
    const channels = (data.creators ?? []).flatMap((creator) => creator.channels ?? []);
    users.push({
      index,
      userName: data.userName ?? '',
      status: data.status,
      emailsUser: data.emailsUser ?? '',
      customIds: channels.flatMap((channel) => (channel.customID == null ? [] : [channel.customID])),
      channelNames: channelNamesOf(channels),
    });
  });
  return { users, problems };
}

function channelNamesOf(channels: readonly { customID?: string | null; channelName?: string | null }[]) {
  const names = new Map<string, string>();
  for (const channel of channels) {
    const id = channel.customID?.trim();
    const name = channel.channelName?.trim();
    if (id && name && !names.has(id)) names.set(id, name);
  }
  return names;
}

export interface IndexedUserRow extends UserRow {
  index: number;
}
