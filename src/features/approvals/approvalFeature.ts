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
  /** Resolves when no run is active and every card update is sent (tests, benchmark). */
  idle(): Promise<void>;
}

export function createApprovalFeature(deps: FeatureDependencies): ApprovalFeature {
  const { config, logger, store, cloud, adapter } = deps;
  const policy = createApprovalPolicy(
    {
      approverIds: config.APPROVER_IDS,
      approverGroupId: config.APPROVER_GROUP_ID,
      allowSelfApproval: config.ALLOW_SELF_APPROVAL,
      operatorIds: config.OPERATOR_IDS,
      operatorGroupId: config.OPERATOR_GROUP_ID,
    },
    cloud.directory,
  );
  const cardSettings = {
    simulated: cloud.simulated,
    noApprovers: !policy.configured,
    portalLink: (resourceId: string) => cloud.registrations.portalLink(resourceId),
    agreementPageLink: (customerTenantId: string) => cloud.partnerCenter.agreementPageLink?.(customerTenantId as Guid),
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
    bulkConcurrency: config.BULK_CONCURRENCY,
  });
  const lifecycle = createRequestLifecycle({ requests: store.requests, audit: store.audit, leases: store.leases, policy, notifier, runs: runner, logger });

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
    },
    async stop() {
      clearInterval(sweepTimer);
      await runner.stop();
      await sweeping;
      await notifier.idle();
    },
  };

  return {
    policy,
    lifecycle,
    runner,
    notifier,
    commands: [new StatusCommand({ requests: store.requests, audit: store.audit }), new RetryCommand(lifecycle)],
    cardActions: [new ApprovalActions({ lifecycle, policy, requests: store.requests, cardSettings })],
    services: [runnerService],
    intake: createIntake({ store, approvals: { requestApproval: (request) => lifecycle.requestApproval(request) } }),
    onSubmitted: (request) => lifecycle.requestApproval(request),
    cancelRequest: createCancelRequest(lifecycle),
    async idle() {
      await runner.idle();
      await notifier.idle();
    },
  };
}
