// What the bulk onboarding benches (bench/bulkOnboarding.js, bench/bulkTwoInstances.js) share: the
// rows they submit, the throttled cloud, the check that no call went out before its Retry-After,
// every row's own footprint in the simulated cloud, and the bounds on the batch's time.

const { newCustomerPlan } = require('./plans');

/**
 * Rows at a time where the throttle binds, for the measured runs (BENCH_MEASURED_CONCURRENCY). With
 * ARM throttled per subscription the mappings (one per row, on the registration's subscription)
 * are the throttled writes: 10 a second needs a row finishing every 0.1 s, and a row takes about 3 s
 * here (the order's and the subscription's delays, each found by a poll a second later, the
 * mapping's own wait): at 24 at a time the rows fed 7.7 mappings a second, at 40 the throttle binds.
 */
const MEASURED_CONCURRENCY = Number(process.env.BENCH_MEASURED_CONCURRENCY || 40);

/**
 * The scenario both bulk benches run, from the environment: BENCH_ROWS (200; 40 with BENCH_QUICK=1),
 * BENCH_CONCURRENCY (else `defaultConcurrency`), BENCH_ARM_WRITES_PER_SECOND (10), BENCH_PC_THROTTLES
 * (10), BENCH_LATENCY_MS (20), BENCH_ORDER_MS and BENCH_ENTITLEMENT_MS (500).
 */
function bulkSettings(defaultConcurrency) {
  return {
    rows: Number(process.env.BENCH_ROWS || (process.env.BENCH_QUICK === '1' ? 40 : 200)),
    concurrency: Number(process.env.BENCH_CONCURRENCY || defaultConcurrency),
    armWritesPerSecond: Number(process.env.BENCH_ARM_WRITES_PER_SECOND || 10),
    pcThrottles: Number(process.env.BENCH_PC_THROTTLES || 10),
    latencyMs: Number(process.env.BENCH_LATENCY_MS || 20),
    orderMs: Number(process.env.BENCH_ORDER_MS || 500),
    entitlementMs: Number(process.env.BENCH_ENTITLEMENT_MS || 500),
  };
}

/** Partner Center's Retry-After on the throttled customer creations, in seconds. */
const PC_RETRY_AFTER_SECONDS = 2;

/** One ready row of a bulk list (a new customer, an Azure plan, guest access), as the plan check hands it to Submit. */
function bulkRow(line, registration) {
  return { line, plan: { ...newCustomerPlan(`bulk${line}x${process.pid}`, `Bulk ${line}`), registration } };
}

/**
 * How ARM's write limit is shared (BENCH_ARM_THROTTLE_PER): `subscription` (default), a window per
 * subscription, as ARM keeps its buckets per subscription, principal and kind of operation
 * (docs/reference: "a regional token bucket per subscription + principal + op type"): the tenant
 * mappings, all on the registration's subscription, share one; each customer's role assignment is
 * in the customer's own subscription. `all`: one window for every ARM write the bot makes, a cloud
 * stricter than ARM (each customer's writes held by every other's).
 */
const ARM_THROTTLE_PER = process.env.BENCH_ARM_THROTTLE_PER || 'subscription';
if (!['subscription', 'all'].includes(ARM_THROTTLE_PER)) throw new Error('BENCH_ARM_THROTTLE_PER is subscription or all.');

/**
 * The throttled cloud as FaultRules (the simulator's `faults.add`, or POST /_sandbox/faults): ARM
 * writes limited to `armWritesPerSecond` per ARM_THROTTLE_PER (the rest 429 with Retry-After), and
 * the first `pcThrottles` Partner Center customer creations answered 429 with Retry-After.
 */
function throttleRules({ armWritesPerSecond, pcThrottles }) {
  return [
    { method: 'PUT', path: /^\/arm\//, kind: 'rate', perSecond: armWritesPerSecond, per: ARM_THROTTLE_PER },
    { method: 'POST', path: '/partnercenter/v1/customers', kind: 'status', status: 429, retryAfterSeconds: PC_RETRY_AFTER_SECONDS, times: pcThrottles },
  ];
}

/** A FaultRule as the control surface takes it in JSON (a RegExp path as `{ regex, flags }`). */
function ruleAsJson(rule) {
  return rule.path instanceof RegExp ? { ...rule, path: { regex: rule.path.source, flags: rule.path.flags } } : rule;
}

/**
 * Calls sent although the client already knew it had to wait: after a 429 reached the bot (its
 * arrival plus the simulated latency, plus a little for the answer to travel), a Partner Center
 * call of any row (the gate is per service) or the same ARM call again (per client) before the
 * Retry-After passed. Calls already on the wire when the 429 was answered do not count.
 */
function earlyCalls(requests, latencyMs) {
  return earlyCallList(requests, latencyMs).length;
}

/** The calls earlyCalls counts, each with the 429 it came after: `afterMs` from that 429's arrival, and its Retry-After. */
function earlyCallList(requests, latencyMs) {
  const margin = latencyMs + 50;
  const early = [];
  requests.forEach((throttled, i) => {
    if (throttled.status !== 429) return;
    const at = Date.parse(throttled.at);
    const retryAfterMs = throttled.service === 'partnercenter' ? PC_RETRY_AFTER_SECONDS * 1000 : 1000;
    const sameGate = (r) => (throttled.service === 'partnercenter' ? r.service === 'partnercenter' : r.method === throttled.method && r.path === throttled.path);
    for (const later of requests.slice(i + 1)) {
      const gap = Date.parse(later.at) - at;
      if (sameGate(later) && gap > margin && gap + latencyMs < retryAfterMs) early.push({ method: later.method, path: later.path, at: later.at, afterMs: gap, retryAfterMs });
    }
  });
  return early;
}

/**
 * The calls a new-customer row makes one after another, none before the previous one's answer
 * (tokens left out): the registration; find and create the customer; the agreement (read, its
 * metadata, confirm); the Azure plan (subscriptions, catalog item, cart, checkout); then, after the
 * order's and the subscription's delays, the entitlement; the guest (find, invite) and its Owner
 * role; the mappings and the mapping. The order's poll overlaps the subscription's delay.
 */
const SEQUENTIAL_CALLS_PER_ROW = 16;
/** Of those, the calls before the row's first ARM write (the Owner role), and before the mapping. */
const CALLS_BEFORE_ROLE = 13;
const CALLS_BEFORE_MAPPING = 15;
/** ARM writes per row: the guest's Owner role assignment and the tenant mapping. */
const ARM_WRITES_PER_ROW = 2;

/**
 * The lower bounds on a batch's wall time (ms).
 *
 * The throttle-bound minimum: the soonest the last throttled ARM write can be answered. No ARM write
 * can go before the first row has waited out Partner Center's Retry-After (every call waits for it,
 * and a round throttles at most one creation per row in flight, so there are at least
 * pcThrottles / concurrency rounds) and made the calls before its first write, one after another,
 * with the order's and the subscription's delays: the lead. From then on the busiest window (all
 * writes, or the registration's subscription with its mappings) takes `armWritesPerSecond` in any
 * second: its writes / rate seconds, less the last second's (they go at its start), plus one answer.
 *
 * The concurrency bound, apart: rows / concurrency × a row's unavoidable sequential time.
 */
function bulkBounds({ rows, concurrency, armWritesPerSecond, pcThrottles, orderMs, entitlementMs, latencyMs }) {
  const perSubscription = ARM_THROTTLE_PER === 'subscription';
  const bucketWrites = perSubscription ? rows : ARM_WRITES_PER_ROW * rows;
  const pcRetryAfterMs = Math.ceil(pcThrottles / concurrency) * PC_RETRY_AFTER_SECONDS * 1000;
  const leadMs = pcRetryAfterMs + orderMs + entitlementMs + (perSubscription ? CALLS_BEFORE_MAPPING : CALLS_BEFORE_ROLE) * latencyMs;
  const armWriteMs = (Math.ceil(bucketWrites / armWritesPerSecond) - 1) * 1000 + latencyMs;
  const rowSequentialMs = orderMs + entitlementMs + SEQUENTIAL_CALLS_PER_ROW * latencyMs;
  return {
    armThrottlePer: ARM_THROTTLE_PER,
    bucketWrites,
    pcRetryAfterMs,
    leadMs,
    armWriteMs,
    throttleMs: leadMs + armWriteMs,
    rowSequentialMs,
    concurrencyMs: Math.round((rows / concurrency) * rowSequentialMs),
  };
}

/**
 * Each row's footprint in the simulated cloud's state (GET /_sandbox/state, or the in-process
 * state): customers created with its domain, orders, mappings on the registration and Owner role
 * assignments on its subscriptions. A row done once has exactly one of each.
 */
function footprints(state, rows, registration) {
  const mapped = Object.values(state.registrations[registration.resourceId.toLowerCase()].customerSubscriptions);
  const customers = Object.values(state.customers);
  const orders = Object.values(state.orders);
  const entitlements = Object.values(state.entitlements);
  return rows.map((row) => {
    const mine = customers.filter((c) => c.domain.toLowerCase() === row.plan.customer.domain.toLowerCase());
    const tenants = new Set(mine.map((c) => c.id));
    const subscriptions = new Set(entitlements.filter((e) => tenants.has(e.customerTenantId)).map((e) => e.id.toLowerCase()));
    return {
      line: row.line,
      customers: mine.length,
      orders: orders.filter((o) => tenants.has(o.customerTenantId)).length,
      mappings: mapped.filter((m) => tenants.has(m.tenantId)).length,
      roleAssignments: state.roleAssignments.filter((a) => subscriptions.has(String(a.subscriptionId).toLowerCase())).length,
    };
  });
}

/** Footprints summed up: rows with exactly one of each, and the rows that are not (with what they have). */
function onceEach(prints) {
  const once = (p) => p.customers === 1 && p.orders === 1 && p.mappings === 1 && p.roleAssignments === 1;
  const sum = (key) => prints.reduce((n, p) => n + p[key], 0);
  return {
    rowsOnce: prints.filter(once).length,
    customersCreated: sum('customers'),
    orders: sum('orders'),
    mappings: sum('mappings'),
    roleAssignments: sum('roleAssignments'),
    notOnce: prints.filter((p) => !once(p)),
  };
}

module.exports = { MEASURED_CONCURRENCY, bulkSettings, PC_RETRY_AFTER_SECONDS, ARM_WRITES_PER_ROW, ARM_THROTTLE_PER, bulkRow, throttleRules, ruleAsJson, earlyCalls, earlyCallList, bulkBounds, footprints, onceEach };
