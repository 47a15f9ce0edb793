import { App } from 'aws-cdk-lib';
import { DnMailerStack } from '../lib/dn-mailer-stack.js';
import { SettingsError, type StackSettings, stackSettings } from '../lib/settings.js';

const app = new App();
let settings: StackSettings | undefined;
try {
  settings = stackSettings(app);
} catch (error) {
  // A setting to fix is a message, not a stack trace.
  if (!(error instanceof SettingsError)) throw error;
  process.stderr.write(`dn-mailer infra: ${error.message}\n`);
  process.exitCode = 2;
}
if (settings) {
  new DnMailerStack(app, settings.stackName, {
    settings,
    stackName: settings.stackName,
    description: 'dn-mailer: tables, SES events, contact list, unsubscribe endpoint, GitHub Actions role',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  app.synth();
}
