import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ACKNOWLEDGEMENTS, acknowledge } from '../nag';
import { SECRETS } from '../topology';
import { markTopology } from './topology-metadata';

/** The vendor API credentials the flows call out with, each with why Secrets Manager cannot rotate it. */
const VENDOR_SECRETS = {
  stripeApiKey: ACKNOWLEDGEMENTS.stripeApiKeyRotation,
  netsuiteCredentials: ACKNOWLEDGEMENTS.netsuiteCredentialsRotation,
  salesforceApi: ACKNOWLEDGEMENTS.salesforceApiCredentialsRotation,
} as const;

/**
 * Stripe API key (credit-noted invoices, payout balance transactions; customers and subscriptions of won
 * deals), Salesforce connected app credentials (deal loads and write-backs) and NetSuite token-based
 * credentials. Created with random placeholders: calls fail (and park as technical errors) until the
 * operator stores real values, rather than running with anything guessable.
 */
export class BillingApiCredentials extends Construct {
  readonly secrets = {} as Record<keyof typeof VENDOR_SECRETS, secretsmanager.Secret>;

  constructor(scope: Construct, id: string, props: { key: kms.IKey }) {
    super(scope, id);
    for (const name of Object.keys(VENDOR_SECRETS) as (keyof typeof VENDOR_SECRETS)[]) {
      const secret = new secretsmanager.Secret(this, SECRETS[name].id, {
        description: SECRETS[name].description,
        encryptionKey: props.key,
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      });
      markTopology(secret, 'SECRETS', name);
      acknowledge(secret, VENDOR_SECRETS[name]);
      this.secrets[name] = secret;
    }
  }

  get stripeApiKey(): secretsmanager.Secret {
    return this.secrets.stripeApiKey;
  }
}
