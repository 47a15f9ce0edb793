import { GetAccountCommand, type GetAccountCommandOutput, type SESv2Client } from '@aws-sdk/client-sesv2';
import { BackendError } from '../../core/common/errors.js';
import type { SendingAccount } from '../../ports.js';
import { translateAwsError } from './errors.js';

/** The SES account's sending limits from `GetAccount`; credentials and permissions become config errors. */
export function createSesAccount(client: SESv2Client): SendingAccount {
  return {
    async getQuota() {
      let account: GetAccountCommandOutput;
      try {
        account = await client.send(new GetAccountCommand({}));
      } catch (error) {
        throw translateAwsError(error, 'reading the SES account (GetAccount)');
      }
      const quota = account.SendQuota;
      if (
        quota?.Max24HourSend === undefined ||
        quota.MaxSendRate === undefined ||
        quota.SentLast24Hours === undefined
      ) {
        // Sending without knowing the limits could blow the quota half-way: refuse instead.
        throw new BackendError('SES GetAccount answered without a complete SendQuota', {
          hint: 'check AWS_ENDPOINT_URL_SESV2 points at SES v2',
        });
      }
      return {
        max24HourSend: quota.Max24HourSend,
        maxSendRate: quota.MaxSendRate,
        sentLast24Hours: quota.SentLast24Hours,
        sendingEnabled: account.SendingEnabled === true,
      };
    },
  };
}
