import { maskAddressesIn } from '../common/email-address.js';
import type { QueueMessage } from './delivery-event.js';
import { clip } from './json-fields.js';

/** Problems and reasons are one line in a sync report: never the message itself, never more than this. */
const MAX = 200;

// A quoted field can hold an address; reports mask addresses everywhere else, so here too.
export function ignored(why: string): QueueMessage {
  return { kind: 'ignored', why: clip(maskAddressesIn(why), MAX) };
}

export function malformed(problem: string): QueueMessage {
  return { kind: 'malformed', problem: clip(maskAddressesIn(problem), MAX) };
}
