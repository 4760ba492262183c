// Teams-shaped activities for tests that talk to a bot over HTTP: messages and Action.Execute clicks,
// as Teams sends them to /api/messages (local mode: no token), replies going to a loopback connector.
export const TEAMS_TENANT = '11111111-2222-4333-8444-555555555555';
export const APPROVALS_CHANNEL = '19:approvals@thread.tacv2';

export interface TeamsUser {
  id: string;
  aadObjectId: string;
  name: string;
}

export interface ActivityOptions {
  type: 'message' | 'invoke';
  from: TeamsUser;
  conversationId: string;
  serviceUrl: string;
  tenantId?: string;
  text?: string;
  name?: string;
  value?: unknown;
  id?: string;
}

let sequence = 0;

export function teamsActivity(a: ActivityOptions): Record<string, unknown> {
  const tenantId = a.tenantId ?? TEAMS_TENANT;
  return {
    type: a.type,
    name: a.name,
    id: a.id ?? `act-${process.pid}-${++sequence}`,
    channelId: 'msteams',
    serviceUrl: a.serviceUrl,
    from: a.from,
    recipient: { id: '28:bot', name: 'CSP Onboarding' },
    conversation: { id: a.conversationId, tenantId, conversationType: a.conversationId.startsWith('19:') ? 'channel' : 'personal' },
    channelData: { tenant: { id: tenantId } },
    text: a.text,
    value: a.value,
    timestamp: new Date().toISOString(),
  };
}

export function clickActivity(
  who: TeamsUser,
  verb: string,
  data: unknown,
  options: { serviceUrl: string; conversationId?: string; tenantId?: string; id?: string },
): Record<string, unknown> {
  return teamsActivity({
    type: 'invoke',
    name: 'adaptiveCard/action',
    from: who,
    conversationId: options.conversationId ?? APPROVALS_CHANNEL,
    serviceUrl: options.serviceUrl,
    tenantId: options.tenantId,
    id: options.id,
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  });
}

export interface PostResult {
  status: number;
  body: Record<string, unknown> | undefined;
  text: string;
  ms: number;
}

export async function postActivity(messagesUrl: string, activity: unknown): Promise<PostResult> {
  const started = performance.now();
  const res = await fetch(messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text, ms: performance.now() - started };
}

/** Runs `work` over `items` with at most `limit` at once (a closed loop, like a busy channel). */
export async function inBatches<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
