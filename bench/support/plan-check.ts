/**
 * Is the plan right, not just fast: every recipient mailed once with its two reports, its figures, and links that
 * point at its keys and carry a valid CloudFront signature (verified with the public key, as CloudFront would).
 */
import type { KeyObject } from 'node:crypto';
import Handlebars from 'handlebars';
import type { PlannedMessage } from '../../src/core/plan/build-plan.js';
import type { CampaignPlan } from '../../src/core/plan/plan-campaign.js';
import { decodeResourceKey, parseSignedUrl, verifySignature } from '../../test/support/signed-url.js';
import { BASE_URL, KEY_PAIR_ID, type PlanWorkspace } from './plan-workspace.js';

export interface PlanCheck {
  /** Messages that are wrong or missing, plus plan-level counts that are off. 0 when the plan is right. */
  mismatches: number;
  /** The first few reasons, for the printout. */
  reasons: string[];
  verifiedSignatures: number;
  links: number;
}

const MAX_REASONS = 5;

export function checkPlan(planned: CampaignPlan, workspace: PlanWorkspace): PlanCheck {
  const { plan, users } = planned;
  const { expected, counts, publicKey } = workspace;
  const reasons: string[] = [];
  let mismatches = 0;
  const fail = (reason: string) => {
    mismatches += 1;
    if (reasons.length < MAX_REASONS) reasons.push(reason);
  };
  const expectCount = (what: string, actual: number, wanted: number) => {
    if (actual !== wanted) fail(`${what}: ${actual}, expected ${wanted}`);
  };
  const links = plan.messages.reduce((sum, message) => sum + message.links.length, 0);
  expectCount('messages', plan.messages.length, expected.size);
  expectCount('links', links, 2 * expected.size);
  expectCount('recipients', users.recipients, expected.size);
  expectCount('unsent recipients', plan.unsent.length, 0);
  expectCount('missing reports', plan.missingReports.length, 0);
  expectCount('payout problems', planned.payoutProblems.length, 0);
  expectCount('payout warnings', plan.payoutWarnings.length, 0);
  expectCount('users skipped (inactive)', users.skipped.length, counts.inactive);
  expectCount('rejected IDs', users.rejectedIds.length, 0);

  const expires = String(Math.floor(plan.expiresAt.getTime() / 1000));
  const seen = new Set<string>();
  let verifiedSignatures = 0;
  for (const message of plan.messages) {
    const wrong = checkMessage(message, workspace, expires, publicKey, seen);
    verifiedSignatures += wrong === undefined ? message.links.length : 0;
    if (wrong !== undefined) fail(`${message.to}: ${wrong}`);
  }
  for (const email of expected.keys()) if (!seen.has(email)) fail(`${email}: no message`);
  return { mismatches, reasons, verifiedSignatures, links };
}

export function checkMessage(
  message: PlannedMessage,
  workspace: PlanWorkspace,
  expires: string,
  publicKey: KeyObject,
  seen: Set<string>,
): string | undefined {
  const want = workspace.expected.get(message.to);
  if (want === undefined) return 'not a recipient';
  if (seen.has(message.to)) return 'mailed twice';
  seen.add(message.to);
  const ids = message.customIds.map((id) => id.resolved);
  if (ids.join() !== want.customId) return `custom IDs ${ids.join()}, expected ${want.customId}`;
  if (message.totals.closingCents !== want.closingCents)
    return `closing ${message.totals.closingCents} cents, expected ${want.closingCents}`;
  if (message.contracts !== want.contracts)
    return `${message.contracts} contracts, expected ${want.contracts}`;
  const keys = message.links.map((link) => link.key);
  if (keys.join() !== want.keys.join()) return `keys ${keys.join()}, expected ${want.keys.join()}`;
  for (const link of message.links) {
    const parts = parseSignedUrl(link.url);
    if (decodeResourceKey(parts.resource, BASE_URL) !== link.key)
      return `${link.url} does not open ${link.key}`;
    if (parts.expires !== expires || parts.keyPairId !== KEY_PAIR_ID)
      return `${link.url}: wrong Expires/Key-Pair-Id`;
    if (!verifySignature(parts, publicKey)) return `${link.url}: signature does not verify`;
    if (!message.text.includes(link.url)) return `text part lacks ${link.url}`;
    if (!message.html.includes(Handlebars.Utils.escapeExpression(link.url)))
      return `HTML part lacks ${link.url}`;
  }
  return undefined;
}
