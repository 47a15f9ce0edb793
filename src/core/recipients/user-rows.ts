import { z } from 'zod';

/** One user row in the Korrect `/dn_users_list` shape (also the JSON file shape and the Firestore document). */
export interface UserRow {
  userName: string;
  status: string;
  emailsUser: string;
  customIds: string[];
}

export interface RowProblem {
  /** 0-based index of the row in the source. */
  index: number;
  field: string;
  message: string;
}

const channelSchema = z.object({ customID: z.string().nullish() }).loose();
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
    users.push({
      index,
      userName: data.userName ?? '',
      status: data.status,
      emailsUser: data.emailsUser ?? '',
      customIds: (data.creators ?? []).flatMap((creator) =>
        (creator.channels ?? []).flatMap((channel) => (channel.customID == null ? [] : [channel.customID])),
      ),
    });
  });
  return { users, problems };
}

export interface IndexedUserRow extends UserRow {
  index: number;
}
