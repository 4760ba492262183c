// The simulated cloud: one HTTPS server on loopback that plays Entra ID (root), Partner Center
// (/partnercenter), Microsoft Graph (/graph) and Azure Resource Manager (/arm), with state, delays,
// faults and holds that tests control. It imports nothing of the bot: it stands in for Microsoft.
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { ensureSandboxCa, serverCertificateFor } from './ca';
import { armResourceById, armRoutes } from './arm';
import { controlRoutes, type SandboxSeeding } from './control';
import { entraRoutes } from './entra';
import { FaultRegistry, HoldRegistry, type FaultRule, type Hold, type RecordedRequest } from './faults';
import { graphRoutes } from './graph';
import type { Route, Service } from './http';
import { agreementPageData, confirmAgreementByHand, partnerCenterRoutes } from './partnerCenter';
import { createRequestHandler } from './server';
import { consentDirectory, findStamp, seedStampSubscription, stampEndpoints, stampResourceAvailable, stampRoutes, type StampDirectoryTenant, type StampUserSubscription } from './stamp';
import {
  addGroupMember,
  seedCustomer,
  seedMappings,
  seedPartner,
  seedReconcileScenario,
  seedRegistration,
  seedUser,
  CSP_GUEST_ACCOUNT_UPN,
  type SeedCustomerInput,
  type SeededPartner,
  type SeedRegistrationInput,
} from './seed';
import { DEFAULT_DELAYS, createState, type SandboxDelays, type SandboxState } from './state';
import { TokenSigner } from './tokens';

export type { FaultRule, Hold, RecordedRequest } from './faults';
export type { SandboxDelays, SandboxState, SandboxCounts } from './state';
export type { SeedCustomerInput, SeededCustomer, ReconcileScenario, SeededRegistrations, SeedRegistrationInput, SandboxBillingModel } from './seed';
export type { Stamp, StampUserSubscription, StampDirectoryTenant, StampOffer, StampRoleAssignment } from './stamp';
export { ensureSandboxCa } from './ca';

export interface SandboxOptions {
  /** 0 = a free port (default). */
  port?: number;
  /** Where the CA lives (default `.sandbox`, relative to the working directory). */
  caDir?: string;
  delays?: Partial<SandboxDelays>;
  /** Demo customers (Contoso, Fabrikam, Northwind). Registrations and approvers are always there. Default true. */
  seed?: boolean;
  /** Lifetime of issued access tokens (default 3600 s). */
  tokenLifetimeSeconds?: number;
}

export interface Sandbox extends SandboxSeeding {
  /** https://127.0.0.1:PORT */
  url: string;
  /** The eleven variables a bot needs to use this as its cloud (with LOCAL_MODE=true: a local bot). */
  env: Record<string, string>;
  state: SandboxState;
  faults: { add(rule: FaultRule): string; remove(id: string): void; clear(): void };
  holds: { add(rule: { method?: string; path: string | RegExp }): Hold };
  requests: RecordedRequest[];
  /**
   * The stamp variables (`AZURESTACK_STAMPS`: one simulated Azure Stack Hub per PayAsYouUse registration;
   * `CSP_GUEST_ACCOUNT`: the CSP's dedicated account). Not in `env`: tests add them where they want the stamp side.
   */
  stampEnv: { AZURESTACK_STAMPS: string; CSP_GUEST_ACCOUNT: string };
  /** Stamp name (= its registration's name) → its admin ARM endpoint. */
  stamps: Record<string, string>;
  /** The customer's global admin registers the stamp's apps in the directory (domain or tenant id) registered on the stamp. */
  consentDirectory(stamp: string, directory: string): StampDirectoryTenant;
  /** A user subscription on a stamp made directly (its directory registered and consented). */
  seedStampSubscription(input: Parameters<typeof seedStampSubscription>[1]): StampUserSubscription;
  /** Redeemable at the token endpoint (grant_type=refresh_token) for a delegated Partner Center token. */
  delegatedRefreshToken: string;
  partnerTenantId: string;
  clientId: string;
  clientSecret: string;
  /** Resource ids of the seeded registrations. */
  registrations: SeededPartner['registrations'];
  /** The partner tenant's approvers group (Adele directly, Nestor through a nested group). */
  approverGroupId: string;
  /** Object ids of seeded partner users; `partnerAdmin` is who the delegated token stands for. */
  users: SeededPartner['users'] & { partnerAdmin: string };
  close(): Promise<void>;
}

const PARTNER_TENANT_ID = '7c2f1d3e-4b5a-4c6d-9e8f-0a1b2c3d4e5f';
const CLIENT_ID = '3f9a8b7c-6d5e-4f3a-8b2c-1d0e9f8a7b6c';

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const caDir = path.resolve(options.caDir ?? '.sandbox');
  const ca = ensureSandboxCa(caDir);
  const certificate = serverCertificateFor(ca, caDir);
  const delays: SandboxDelays = { ...DEFAULT_DELAYS, ...options.delays };
  const state = createState(PARTNER_TENANT_ID, CLIENT_ID, delays);
  const seeded = seedPartner(state, options.seed ?? true);
  const partnerAdmin = seedUser(state, PARTNER_TENANT_ID, { displayName: 'Parker Admin', mail: 'parker@csp-partner.onmicrosoft.com' });
  const signer = new TokenSigner();
  const faults = new FaultRegistry();
  const holds = new HoldRegistry();
  const requests: RecordedRequest[] = [];
  const clientSecret = randomBytes(24).toString('base64url');
  const delegatedRefreshToken = `sandbox-rt.${randomBytes(32).toString('base64url')}`;
  let closed = false;

  const server = https.createServer({ cert: certificate.certPem, key: certificate.keyPem, ca: ca.certPem });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `https://127.0.0.1:${port}`;

  const helpers = {
    seedCustomer: (input: SeedCustomerInput) => seedCustomer(state, input),
    seedMappings: (registrationId: string, count: number) => seedMappings(state, registrationId, count),
    seedRegistration: (input: SeedRegistrationInput) => seedRegistration(state, input),
    seedReconcileScenario: (o: { first?: string; second?: string } = {}) =>
      seedReconcileScenario(state, { first: o.first ?? seeded.registrations.payAsYouUse, second: o.second ?? seeded.registrations.payAsYouUse2 }),
    seedUser: (input: { tenantId?: string; displayName: string; mail: string; userType?: 'Member' | 'Guest' }) =>
      seedUser(state, input.tenantId ?? PARTNER_TENANT_ID, input),
    addGroupMember: (groupId: string, memberId: string) => addGroupMember(state, groupId, memberId),
    setDelays: (patch: Partial<SandboxDelays>) => Object.assign(delays, patch),
    consentDirectory: (stamp: string, directory: string) => consentDirectory(state, stamp, directory),
    seedStampSubscription: (input: Parameters<typeof seedStampSubscription>[1]) => seedStampSubscription(state, input),
  };
  const stamps = Object.fromEntries(seeded.stampNames.map((name) => [name, stampEndpoints(origin, name).adminArm]));
  const stampEnv = {
    AZURESTACK_STAMPS: Object.entries(stamps).map(([name, endpoint]) => `${name}=${endpoint}`).join(','),
    CSP_GUEST_ACCOUNT: CSP_GUEST_ACCOUNT_UPN,
  };

  const env: Record<string, string> = {
    AZURE_AUTHORITY_HOST: origin,
    AZURE_TENANT_ID: PARTNER_TENANT_ID,
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_CLIENT_SECRET: clientSecret,
    AZURE_DISABLE_INSTANCE_DISCOVERY: 'true',
    ARM_ENDPOINT: `${origin}/arm`,
    GRAPH_ENDPOINT: `${origin}/graph`,
    PARTNER_CENTER_ENDPOINT: `${origin}/partnercenter`,
    REGISTRATIONS: Object.values(seeded.registrations).join(','),
    NODE_EXTRA_CA_CERTS: ca.certPath,
    // The one way the bot knows its cloud is simulated (local mode is allowed only then).
    CLOUD: 'sandbox',
  };

  const routes: Record<Service, Route[]> = {
    entra: entraRoutes({
      origin,
      state,
      signer,
      clientSecret,
      delegatedRefreshToken,
      delegatedUser: { objectId: partnerAdmin, upn: 'parker@csp-partner.onmicrosoft.com' },
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
      resourceAvailable: (resource, tenantId) => stampResourceAvailable(state, resource, tenantId),
    }),
    partnercenter: partnerCenterRoutes({ state }),
    graph: graphRoutes({ origin, state }),
    arm: armRoutes({ origin, state }),
    stamp: stampRoutes({ origin, state }),
    control: controlRoutes({
      state,
      faults,
      holds,
      requests,
      resourceById: (id) => armResourceById(state, id),
      agreementPage: {
        read: (customerId) => agreementPageData(state, customerId),
        confirm: (customerId, body) => confirmAgreementByHand(state, customerId, body, partnerAdmin),
      },
      describe: () => {
        state.advance();
        return {
          ...state,
          counts: state.counts(),
          faults: faults.list().map((f) => ({ ...f, path: String(f.path) })),
          approverGroupId: seeded.approverGroupId,
          registrationIds: seeded.registrations,
          users: { ...seeded.users, partnerAdmin },
          delegatedRefreshToken,
          env,
          stampEnv,
        };
      },
      ...helpers,
    }),
  };

  const pipeline = createRequestHandler({
    origin,
    port,
    partnerTenantId: PARTNER_TENANT_ID,
    state,
    delays,
    signer,
    faults,
    holds,
    requests,
    routes,
    stampAudience: (name) => findStamp(state, name)?.audience,
    isClosed: () => closed,
  });
  server.on('request', pipeline.handle);

  // Statuses move with the clock even when nobody asks (tests read `state` directly).
  const clock = setInterval(() => state.advance(), 100);
  clock.unref();

  return {
    url: origin,
    env,
    state,
    faults: { add: (rule) => faults.add(rule), remove: (id) => faults.remove(id), clear: () => faults.clear() },
    holds: { add: (rule) => holds.add(rule) },
    requests,
    delegatedRefreshToken,
    partnerTenantId: PARTNER_TENANT_ID,
    clientId: CLIENT_ID,
    clientSecret,
    registrations: seeded.registrations,
    approverGroupId: seeded.approverGroupId,
    users: { ...seeded.users, partnerAdmin },
    stampEnv,
    stamps,
    ...helpers,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(clock);
      holds.releaseAll();
      pipeline.abandonHanging();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
