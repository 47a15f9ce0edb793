import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type Bundle, bundleUnsubscribeLambda } from '../lib/bundle.js';
import { DnMailerStack } from '../lib/dn-mailer-stack.js';
import { type StackSettings, stackSettings } from '../lib/settings.js';

/** The context of cdk.json (the feature flags `cdk deploy` uses), so the tests synthesize what a deploy would. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export const REPOSITORY = 'distro-nation/dn-mailer';

let prebuilt: Bundle | undefined;
const tempDirs: string[] = [];

/** A new folder under the OS temp dir, removed by `removeTempDirs`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  prebuilt = undefined;
}

/** One esbuild bundle shared by the variants (the default synth builds its own, as `cdk deploy` does). */
export function prebuiltBundle(): Bundle {
  prebuilt ??= bundleUnsubscribeLambda(tempDir('dn-infra-bundle-'));
  return prebuilt;
}

export interface Synthesized {
  template: Template;
  settings: StackSettings;
  stack: DnMailerStack;
}

/**
 * Synthesizes the stack as `cdk synth -c key=value …` would (the settings from context, through `stackSettings`).
 * `bundle: 'esbuild'` stages the asset the way a deploy does (esbuild at synth time); otherwise the shared bundle.
 */
export function synthesize(
  context: Record<string, string> = {},
  options: { bundle?: 'esbuild' | 'shared' } = {},
): Synthesized {
  const app = new App({
    outdir: tempDir('dn-infra-cdk-out-'),
    context: { ...CDK_CONTEXT, githubRepository: REPOSITORY, ...context },
  });
  const settings = stackSettings(app);
  const stack = new DnMailerStack(app, settings.stackName, {
    settings,
    unsubscribeCode:
      options.bundle === 'esbuild' ? undefined : lambda.Code.fromAsset(path.dirname(prebuiltBundle().file)),
  });
  return { template: Template.fromStack(stack), settings, stack };
}

/** The resources of one type, by logical ID. */
export function resourcesOf(
  template: Template,
  type: string,
): [string, { Properties: Record<string, unknown> }][] {
  return Object.entries(template.findResources(type)) as [string, { Properties: Record<string, unknown> }][];
}

/** The one resource of a type (fails otherwise). */
export function onlyResource(
  template: Template,
  type: string,
): [string, { Properties: Record<string, unknown> }] {
  const all = resourcesOf(template, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0] as [string, { Properties: Record<string, unknown> }];
}
