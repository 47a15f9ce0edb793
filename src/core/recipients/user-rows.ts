import { z } from 'zod';

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

const channelSchema = z
  .object({
    customID: z.string().nullish(),
    // A display name only: anything but a string is ignored rather than failing the row.
    channelName: z.string().nullish().catch(null),
  })
  .loose();
const creatorSchema = z.object({ channels: z.array(channelSchema).nullish() }).loose();
const userRowSchema = z
  .object({
    userName: z.string().nullish(),
    status: z.string({ error: 'expected a string such as "active"' }),
    emailsUser: z.string({ error: 'expected a string (the e-mail address) or null' }).nullish(),
    creators: z.array(creatorSchema).nullish(),
  })
  .loose();

/** Validates every row; a bad row is reported with its index and the field at fault, and skipped. */
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
