// What people outside the bot do for the Azure Stack Hub side, in words they can follow: the
// customer's global administrator registers the stamp's applications in their directory (AZ-3), and,
// when the customer manages the subscription and the bot does not, makes the CSP's account a guest
// Owner (AZ-7). Endpoints, directory and names are filled in; nothing secret.
import type { OnboardingRequest, StampChoice } from '../model';
import type { StampInfo } from '../ports';

/** The consent the run pauses for: the admin portal's Register link, or the AzureStack-Tools command. */
export function consentInstructions(request: OnboardingRequest, stamp: StampChoice, info: Pick<StampInfo, 'tenantArm' | 'registration'>, domain: string): string {
  return [
    `A global administrator of ${request.customer.companyName}'s directory ${domain} registers the Azure Stack Hub's applications there, once:`,
    `• either the operator sends them the link from the stamp's admin portal (Directories → ${domain} → Register → Copy link) and they open it and press Register;`,
    `• or they run, in PowerShell with the Azure Stack Hub Az modules and AzureStack-Tools' Identity module (Import-Module .\\Identity\\AzureStack.Identity.psm1):`,
    `Register-AzsWithMyDirectoryTenant -TenantResourceManagerEndpoint "${info.tenantArm}" -DirectoryTenantName "${domain}" -Verbose`,
    `Then an operator clicks "The customer has consented"; the bot checks the directory's health on the stamp of ${stamp.registration}.`,
  ].join('\n');
}

/** Customer manages, instructions: the customer's admin makes the CSP's account a guest Owner. */
export function guestOwnerInstructions(request: OnboardingRequest, stamp: StampChoice, portalLink: string, subscriptionId: string): string {
  return [
    `1. A global administrator of ${request.customer.companyName} invites ${stamp.cspAccount} as a guest user in their directory ${request.customer.domain} (Microsoft Entra ID → Users → New user → Invite external user).`,
    `2. ${stamp.owner} (the subscription's owner) opens the Azure Stack Hub user portal: ${portalLink}`,
    `3. Subscription ${subscriptionId} → Access control (IAM) → Add → role Owner → the invited guest ${stamp.cspAccount}.`,
    `4. The CSP accepts the invitation from ${stamp.cspAccount}'s mailbox.`,
  ].join('\n');
}
