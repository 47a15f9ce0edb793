import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface StsFake {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_STS. */
  readonly endpoint: string;
  /** The `Action` of every request received, in order. */
  readonly actions: string[];
  stop(): Promise<void>;
}

export const FAKE_ARN = 'arn:aws:sts::123456789012:assumed-role/finance/doctor-test';

/**
 * The one STS call dn-mailer makes — GetCallerIdentity — in STS's wire protocol (awsQuery: a form-encoded POST,
 * an XML answer), so the SDK's own serialization and parsing run. Anything else answers an InvalidAction error.
 */
export async function startStsFake(arn = FAKE_ARN): Promise<StsFake> {
  const actions: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      actions.push(action);
      response.setHeader('content-type', 'text/xml');
      if (action !== 'GetCallerIdentity') {
        response.statusCode = 400;
        response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
        );
        return;
      }
      const account = arn.split(':')[4] ?? '';
      response.end(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AROAFAKE:doctor-test</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    });
  });
  const origin = await listenOnLoopback(server);
  return {
    endpoint: origin,
    actions,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
