import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ACKNOWLEDGEMENTS, acknowledge } from '../nag';
import { SECRETS } from '../topology';
import { markTopology } from './topology-metadata';

/**
 * The Stripe API key the flows read with (credit-noted invoices, payout balance transactions).
 * Created with a random placeholder: calls fail (and park as technical errors) until the operator
 * stores a restricted key, rather than running with anything guessable.
 */
export class BillingApiCredentials extends Construct {
  readonly stripeApiKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { key: kms.IKey }) {
    super(scope, id);
    this.stripeApiKey = new secretsmanager.Secret(this, SECRETS.stripeApiKey.id, {
      description: SECRETS.stripeApiKey.description,
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    markTopology(this.stripeApiKey, 'SECRETS', 'stripeApiKey');
    acknowledge(this.stripeApiKey, ACKNOWLEDGEMENTS.stripeApiKeyRotation);
  }
}
