import { createUnsubscribeLambda } from '../../src/adapters/aws/unsubscribe-lambda.js';

export const handler = createUnsubscribeLambda(process.env);
