import { createHash } from 'node:crypto';

/** `<campaign>.<hash of the recipient>@<sender domain>`: stable for a campaign and recipient. */
export function messageIdFor(campaignId: string, recipient: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'dn-mailer.invalid';
  return `${campaignId}.${recipientHash(`${campaignId}\n${recipient}`)}@${domain}`;
}

/** A short, stable, non-reversible tag for an address (SES tags and logs must not carry the address). */
export function recipientHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 20);
}
