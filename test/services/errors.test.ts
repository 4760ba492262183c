// The error table: every documented code of the reference becomes a plain sentence with a next
// step, keeps the service's code and correlation ids, and says whether trying later may help.
import { DomainError } from '../../src/onboarding/errors';
import { fromThrown, toDomainError, type ServiceName } from '../../src/services/errors';

const ids = { correlationId: 'corr-1', requestId: 'req-1' };

const cases: Array<[ServiceName, string, RegExp, boolean]> = [
  // Azure Stack registration codes (docs/reference/arm-and-azure-stack.md §AS-2).
  ['Azure Resource Manager', 'RegistrationNotFound', /registration.* was not found/, false],
  ['Azure Resource Manager', 'BadCustomerSubscriptionId', /does not roll up to the same CSP/, false],
  ['Azure Resource Manager', 'InvalidCustomerSubscriptionId', /not a valid Azure subscription/, false],
  ['Azure Resource Manager', 'InvalidCSPSubscription', /not a CSP subscription/, false],
  ['Azure Resource Manager', 'CustomerSubscriptionNotFound', /not mapped on this registration/, false],
  ['Azure Resource Manager', 'UnauthorizedCspRegistration', /not approved for multi-tenant billing/, false],
  ['Azure Resource Manager', 'CustomerSubscriptionsNotAllowed', /Capacity or Development billing model/, false],
  ['Azure Resource Manager', 'MetadataResolverBadGatewayError', /could not reach a service/, true],
  ['Azure Resource Manager', 'AuthorizationFailed', /not allowed to do this in Azure/, false],
  ['Azure Resource Manager', 'PrincipalNotFound', /not visible to Azure yet/, true],
  ['Azure Resource Manager', 'RoleAssignmentExists', /already exists/, false],
  // Partner Center codes (docs/reference/partner-center.md §PC-13).
  ['Partner Center', '600061', /agreement already exists/, false],
  ['Partner Center', '600049', /organization registration number/, false],
  ['Partner Center', '600002', /not accepted for customers in this country/, false],
  ['Partner Center', '600050', /not in the format/, false],
  ['Partner Center', '600051', /phone number/, false],
  ['Partner Center', '600006', /does not allow this action/, false],
  ['Partner Center', '13605', /Microsoft Customer Agreement/, false],
  ['Partner Center', '800065', /already checked out/, false],
  ['Partner Center', '800064', /still processing this cart/, true],
  ['Partner Center', '800060', /order is still in progress/, true],
  ['Partner Center', '900116', /sandbox account has reached its limit/, false],
  ['Partner Center', '800002', /invalid input/, false],
  ['Partner Center', '2030', /not enrolled to sell/, false],
  ['Partner Center', '400013', /Azure plan offer is not available/, false],
  // Graph.
  ['Microsoft Graph', 'Authorization_RequestDenied', /not allowed to do this in the customer's directory/, false],
];

describe('the error table', () => {
  it.each(cases)('%s %s', (service, code, message, transient) => {
    const error = toDomainError({ service, operation: 'op', code, statusCode: 400, subject: 'X', ...ids });
    expect(error).toBeInstanceOf(DomainError);
    expect(error.message).toMatch(message);
    expect(error.nextStep.length).toBeGreaterThan(10);
    expect(error.code).toBe(code);
    expect(error.transient).toBe(transient);
    expect(error.toInfo()).toMatchObject({ correlationId: 'corr-1', requestId: 'req-1', statusCode: 400 });
  });

  it('tells the operator whom to email for an unapproved registration', () => {
    const error = toDomainError({ service: 'Azure Resource Manager', operation: 'putMapping', code: 'UnauthorizedCspRegistration', subject: '/subscriptions/s/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/r' });
    expect(error.message).toBe('The registration r in resource group azurestack is not approved for multi-tenant billing.');
    expect(error.nextStep).toContain('azstcsp@microsoft.com');
  });

  it('names the registration, not the subscription, in every registration error of a mapping call', () => {
    const subscription = '0b8f8c6e-1111-4a4a-8b8b-2c2c2c2c2c2c';
    const failure = { service: 'Azure Resource Manager' as const, operation: 'putMapping', subject: subscription, registration: { name: 'payg-east', resourceGroup: 'azurestack' } };
    for (const [code, words] of [
      ['RegistrationNotFound', 'The Azure Stack registration payg-east in resource group azurestack was not found'],
      ['UnauthorizedCspRegistration', 'The registration payg-east in resource group azurestack is not approved'],
      ['CustomerSubscriptionsNotAllowed', 'The registration payg-east in resource group azurestack uses the Capacity or Development billing model'],
    ]) {
      const error = toDomainError({ ...failure, code });
      expect(error.message).toContain(words);
      expect(error.message).not.toContain(subscription);
    }
    // Subscription errors name the subscription (and the registration where it helps).
    expect(toDomainError({ ...failure, code: 'CustomerSubscriptionNotFound' }).message).toBe(
      `The customer subscription ${subscription} is not mapped on the registration payg-east.`,
    );
    expect(toDomainError({ ...failure, code: 'BadCustomerSubscriptionId' }).message).toContain(`The customer subscription ${subscription} does not roll up`);
    // Without a registration, a subject that is not a registration id is not passed off as one.
    expect(toDomainError({ service: 'Azure Resource Manager', operation: 'getMapping', code: 'RegistrationNotFound', subject: subscription }).message).not.toContain(subscription);
  });

  it.each([
    [401, /did not accept the bot's sign-in/, false],
    [403, /lacks the permission/, false],
    [404, /did not find/, false],
    [429, /throttling/, true],
    [500, /temporary problem/, true],
    [502, /temporary problem/, true],
    [503, /temporary problem/, true],
    [504, /temporary problem/, true],
  ])('an unknown code with status %d is put in general words', (statusCode, message, transient) => {
    const error = toDomainError({ service: 'Partner Center', operation: 'op', statusCode, code: '999999' });
    expect(error.message).toMatch(message);
    expect(error.transient).toBe(transient);
    expect(error.code).toBe('999999');
  });

  it('says a timeout, a dropped connection and a cancel in plain words, all worth trying again', () => {
    const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    const timedOut = fromThrown(abort, { service: 'Partner Center', operation: 'op' });
    expect(timedOut.message).toBe('Partner Center did not answer in time.');
    expect(timedOut).toMatchObject({ code: 'timeout', transient: true });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', name: 'RestError' });
    expect(fromThrown(reset, { service: 'Microsoft Graph', operation: 'op' })).toMatchObject({ code: 'dropped', transient: true });
    const controller = new AbortController();
    controller.abort();
    expect(fromThrown(abort, { service: 'Partner Center', operation: 'op' }, controller.signal).code).toBe('aborted');
  });

  it('never quotes a sign-in failure, which may echo the token endpoint', () => {
    const signIn = Object.assign(new Error('AADSTS7000215: Invalid client secret provided: s3cr3t'), { name: 'AuthenticationError', statusCode: 401 });
    const error = fromThrown(signIn, { service: 'Azure Resource Manager', operation: 'op' });
    expect(error.code).toBe('SignInFailed');
    expect(error.message).not.toContain('s3cr3t');
    expect(error.nextStep).toMatch(/AZURE_CLIENT_ID/);
  });
});
