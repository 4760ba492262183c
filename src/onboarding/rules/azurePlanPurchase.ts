// Can the bot buy an Azure plan in this cloud? Only in the public cloud. In Partner Center operated by
// 21Vianet (AzureChinaCloud) and Partner Center for Microsoft Cloud for US Government
// (AzureUSGovernment) the customer-agreement APIs "do not apply", and no Azure plan purchase is
// documented there (docs/reference/partner-center.md PC-12): the bot can only map an Azure
// subscription the customer already has. The dialog offers only that, and the run refuses an
// Azure-plan request before it changes anything, both with this one sentence.

export type AzurePlanPurchase = { available: true } | { available: false; reason: string };

/** The clouds where the purchase does not apply, with the Partner Center that serves them. */
const NO_PURCHASE: Record<string, string> = {
  AzureChinaCloud: 'Partner Center operated by 21Vianet',
  AzureUSGovernment: 'Partner Center for Microsoft Cloud for US Government',
};

/** `cloudName` is the configured cloud (`Cloud.name`): AzureCloud, AzureChinaCloud, AzureUSGovernment or sandbox. */
export function azurePlanPurchase(cloudName: string): AzurePlanPurchase {
  const partnerCenter = NO_PURCHASE[cloudName];
  if (!partnerCenter) return { available: true };
  return {
    available: false,
    reason:
      `In ${cloudName} (${partnerCenter}) the Microsoft Customer Agreement and Azure plan purchase APIs do not apply: ` +
      'the bot can only map an Azure subscription the customer already has.',
  };
}

/** What a new customer (who has no Azure subscription yet) needs in such a cloud. */
export const NEW_CUSTOMER_WITHOUT_PURCHASE =
  'A new customer has no Azure subscription yet, so the bot cannot onboard it here: create the customer and its Azure subscription in Partner Center first, then type onboard and choose the existing customer.';
