// Approval and the durable run, assembled: policy, proactive notifier, lifecycle, runner, the card
// buttons and the commands. The composition root (src/app.ts) registers what this returns.
import type { TurnContext } from 'botbuilder';
import type { BackgroundService, FeatureDependencies } from '../feature';
import { createApprovalPolicy, NO_APPROVERS_MESSAGE, type ApprovalPolicy } from '../../onboarding/requests/approvalPolicy';
import type { Guid, ServiceRequest } from '../../onboarding/model';
import { createIntake, type Intake } from '../../onboarding/requests/intake';
import { createRequestLifecycle, type RequestLifecycle } from '../../onboarding/requests/requestLifecycle';
import { createRunner, type Runner } from '../../onboarding/run/runner';
import { ApprovalActions } from './approvalActions';
import type { CardActionHandler, CommandHandler } from '../../bot/handlers';
import { createProactive } from '../../bot/proactive';
import { createCancelRequest, RetryCommand, StatusCommand } from './requestCommands';
import { createTeamsRunNotifier, type TeamsRunNotifier } from '../../bot/runNotifier';
import { createPendingInbox } from './pendingInbox';

export interface ApprovalFeature {
  policy: ApprovalPolicy;
  lifecycle: RequestLifecycle;
  runner: Runner;
  notifier: TeamsRunNotifier;
  commands: CommandHandler[];
  cardActions: CardActionHandler[];
  services: BackgroundService[];
  /** Where every request comes in (the onboarding dialog's Submit, the tenant commands); stored requests go to `onSubmitted`. */
  intake: Intake;
  /** Posts the approval card of a stored request (the intake calls it). */
  onSubmitted(request: ServiceRequest, context?: TurnContext): Promise<void>;
  /** The dialog's `cancel <id>`. */
  cancelRequest(context: TurnContext, args: string): Promise<void>;
  /** One pass of the reminder and expiry sweep (the timer runs it every WAITING_SWEEP_MS). */
  sweepWaitingApprovals(): Promise<void>;
  /** Resolves when no run is active and every card update is sent (tests, benchmark). */
  idle(): Promise<void>;
}

/** How often each instance looks for reminders and expiries due: well inside the 30 s promised. */
export const WAITING_SWEEP_MS = 10_000;

export function createApprovalFeature(deps: FeatureDependencies): ApprovalFeature {
  const { config, logger, store, cloud, adapter } = deps;
  const policy = createApprovalPolicy(
    {
      approverIds: config.APPROVER_IDS,
      approverGroupId: config.APPROVER_GROUP_ID,
      allowSelfApproval: config.ALLOW_SELF_APPROVAL,
      operatorIds: config.OPERATOR_IDS,
      operatorGroupId: config.OPERATOR_GROUP_ID,
      approvalsRequired: config.APPROVALS_REQUIRED,
      approvalsRequiredForBillingChanges: config.APPROVALS_REQUIRED_FOR_BILLING_CHANGES,
    },
    cloud.directory,
  );
  const cardSettings = {
    simulated: cloud.simulated,
    noApprovers: !policy.configured,
    portalLink: (resourceId: string) => cloud.registrations.portalLink(resourceId),
    agreementPageLink: (customerTenantId: string) => cloud.partnerCenter.agreementPageLink?.(customerTenantId as Guid),
    approvalsRequired: (request: ServiceRequest) => policy.approvalsRequired(request),
  };
  const proactive = createProactive({ adapter, appId: config.MicrosoftAppId ?? '', conversations: store.conversations, logger });
  const notifier = createTeamsRunNotifier({
    proactive,
    conversations: store.conversations,
    facts: store.facts,
    policy,
    approverIds: config.APPROVER_IDS,
    approvalChannelId: config.APPROVAL_CHANNEL_ID,
    cardSettings,
    logger,
  });
  const runner = createRunner({
    store,
    cloud,
    notifier,
    logger,
    pollIntervalMs: config.POLL_INTERVAL_SECONDS * 1000,
    pollMaxIntervalMs: config.POLL_MAX_INTERVAL_SECONDS * 1000,
    pollTimeoutMs: config.POLL_TIMEOUT_MINUTES * 60_000,
    leaseMs: config.LEASE_SECONDS * 1000,
    observer: deps.runObserver,
    bulkConcurrency: config.BULK_CONCURRENCY,
  });
  const lifecycle = createRequestLifecycle({
    requests: store.requests,
    audit: store.audit,
    leases: store.leases,
    policy,
    notifier,
    runs: runner,
    logger,
    now: deps.now,
    timers: { remindAfterMs: config.APPROVAL_REMIND_HOURS * 3_600_000, expireAfterMs: config.APPROVAL_EXPIRE_HOURS * 3_600_000 },
  });

  // What Teams or the directory would not take the first time: approval cards never posted (a 429
  // burst, a Graph 503 while rendering, the bot not yet installed) and card updates that failed. One
  // pass at start-up, then every lease period (LEASE_SECONDS), like the runner's sweep for runs.
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  const sweepCards = () => {
    sweeping ??= (async () => {
      try {
        await lifecycle.postMissingApprovals();
        await notifier.retryFailedUpdates();
      } catch (e) {
        logger.warn({ err: (e as Error).message }, 'could not post the missing approval cards');
      }
    })().finally(() => (sweeping = undefined));
    return sweeping;
  };

  // Reminders and expiry: every instance sweeps often enough to act within 30 s of one falling due;
  // a lease per request and a compare-and-set make each happen once.
  let waitTimer: NodeJS.Timeout | undefined;
  let waitSweeping: Promise<void> | undefined;
  const sweepWaiting = () => {
    waitSweeping ??= lifecycle
      .sweepWaitingApprovals()
      .then(() => undefined)
      .catch((e) => logger.warn({ err: (e as Error).message }, 'could not remind or expire the waiting requests'))
      .finally(() => (waitSweeping = undefined));
    return waitSweeping;
  };

  const runnerService: BackgroundService = {
    name: 'onboarding-runner',
    async start() {
      if (!policy.configured) logger.warn({}, NO_APPROVERS_MESSAGE);
      if (!policy.operatorsRestricted) logger.warn({}, 'OPERATOR_IDS and OPERATOR_GROUP_ID are not set: everyone in an allowed tenant is an operator (demo setting)');
      if (config.ALLOW_SELF_APPROVAL) logger.warn({}, 'ALLOW_SELF_APPROVAL=true: requesters may approve their own requests (demo setting; never in production)');
      await runner.start();
      if (config.APPROVAL_CHANNEL_ID) {
        await notifier.warmApprovers(config.APPROVAL_CHANNEL_ID).catch((e) => logger.warn({ err: (e as Error).message }, 'could not start finding the approvers of the approvals channel'));
      }
      void sweepCards();
      sweepTimer = setInterval(() => void sweepCards(), Math.max(1000, config.LEASE_SECONDS * 1000));
      sweepTimer.unref();
      void sweepWaiting();
      waitTimer = setInterval(() => void sweepWaiting(), WAITING_SWEEP_MS);
      waitTimer.unref();
    },
    async stop() {
      clearInterval(sweepTimer);
      clearInterval(waitTimer);
      await waitSweeping;
      await runner.stop();
      await sweeping;
      await notifier.idle();
    },
  };

  const inbox = createPendingInbox({ requests: store.requests, policy, lifecycle, simulated: cloud.simulated, now: deps.now });

  return {
    policy,
    lifecycle,
    runner,
    notifier,
    commands: [new StatusCommand({ requests: store.requests, audit: store.audit }), new RetryCommand(lifecycle), inbox.command],
    cardActions: [new ApprovalActions({ lifecycle, policy, requests: store.requests, cardSettings }), inbox.actions],
    services: [runnerService],
    intake: createIntake({ store, now: deps.now, approvals: { requestApproval: (request) => lifecycle.requestApproval(request) } }),
    onSubmitted: (request) => lifecycle.requestApproval(request),
    cancelRequest: createCancelRequest(lifecycle),
    sweepWaitingApprovals: sweepWaiting,
    async idle() {
      await runner.idle();
      await notifier.idle();
    },
  };
}
