// Managing tenant mappings in chat, assembled: the commands (`tenants`, `tenant`, `remap`,
// `remove tenant`, `reconcile`), the `tenants.*` buttons, and what they share: the directory (reads
// go straight to the cloud, cached briefly), the reconcile reports and the change submission
// (changes become requests that go through the same approval and durable run as an onboarding).
import type { Cloud } from '../../onboarding/ports';
import type { Intake } from '../../onboarding/requests/intake';
import { createTenantDirectory, type TenantDirectory } from '../../onboarding/tenants/tenantDirectory';
import type { BotStore } from '../../store/types';
import type { CardActionHandler, CommandHandler } from '../../bot/handlers';
import { ChangeSubmission } from './changeSubmission';
import { ReconcileReports } from './reconcileReports';
import { TenantCardActions } from './tenantCardActions';
import { createTenantCommands } from './tenantCommands';

export { RECONCILE_PAGE_SIZE, TENANT_PAGE_SIZE, TENANT_VERBS } from './tenantCards';

export interface TenantFeatureOptions {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter' | 'simulated' | 'stamps' | 'directory'>;
  store: Pick<BotStore, 'requests' | 'leases'>;
  /** Where a change request comes in (stored, audited, posted for approval), like an onboarding. */
  intake: Intake;
  logger: { warn(obj: object, msg: string): void };
  directory?: TenantDirectory;
  /** How long a button waits for a reconcile before answering "still checking". Default 8 s (Teams' invoke limit is about 15 s). */
  invokeWaitMs?: number;
}

export interface TenantFeature {
  directory: TenantDirectory;
  commands: CommandHandler[];
  cardActions: CardActionHandler[];
}

export function createTenantFeature(options: TenantFeatureOptions): TenantFeature {
  const { cloud, store } = options;
  const directory = options.directory ?? createTenantDirectory({ cloud });
  const shared = {
    cloud,
    store,
    directory,
    reports: new ReconcileReports({ cloud, directory }),
    simulated: cloud.simulated,
    changes: new ChangeSubmission(options),
  };
  return {
    directory,
    commands: createTenantCommands(shared),
    cardActions: [new TenantCardActions({ ...shared, invokeWaitMs: options.invokeWaitMs })],
  };
}
