// The simulated cloud's pages: stand-ins for the Azure portal, Partner Center, an Azure Stack Hub's
// user portal and the customer's directory consent, each served as one HTML page.

const NOT_REAL_TEXT = "This is the CSP Onboarding Bot's simulated cloud: nothing here is real.";
const NOT_REAL = `<p class="note">${NOT_REAL_TEXT}</p>`;

/** One simulated page: the shared look (font, heading, the "nothing here is real" note) around its own parts. */
function page(parts: { title: string; style: string; body: string; script: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${parts.title}</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; margin: 2rem; color: #201f1e; }
  h1 { font-size: 1.3rem; } .note { color: #605e5c; }
  ${parts.style}
</style>
</head>
<body>
${parts.body}<script>
${parts.script}</script>
</body>
</html>
`;
}

const CODE_STYLE = `code, pre { background: #f3f2f1; padding: .2rem .4rem; }
  pre { padding: 1rem; overflow-x: auto; }`;

/**
 * A stand-in for the Azure portal: the bot links to `{origin}/portal/#@/resource{resourceId}` in the
 * simulated cloud, and this page shows that resource as the simulator holds it.
 */
export const PORTAL_HTML = page({
  title: 'Simulated Azure portal',
  style: CODE_STYLE,
  body: `<h1>Simulated Azure portal</h1>
${NOT_REAL}
<p>Resource: <code id="resource-id">(none)</code></p>
<pre id="resource">Open a link of the form /portal/#@/resource/subscriptions/…</pre>
`,
  script: `  async function show() {
    const match = /^#@[^/]*\\/resource(\\/.+)$/.exec(decodeURIComponent(location.hash));
    const out = document.getElementById('resource');
    if (!match) return;
    document.getElementById('resource-id').textContent = match[1];
    const response = await fetch('/_sandbox/resource?id=' + encodeURIComponent(match[1]));
    out.textContent = response.ok ? JSON.stringify(await response.json(), null, 2) : 'This resource does not exist (any more).';
  }
  window.addEventListener('hashchange', show);
  show();
`,
});

/**
 * A stand-in for Partner Center's customer page (Customers → customer → Account → Microsoft
 * Customer Agreement): `/partner-center/#/customers/{customerTenantId}/agreement`. The agreement
 * pause card links here in the simulated cloud, so an operator can rehearse confirming by hand.
 */
export const PARTNER_CENTER_HTML = page({
  title: 'Simulated Partner Center',
  style: `body { max-width: 40rem; }
  h2 { font-size: 1.1rem; }
  label { display: block; margin: .6rem 0 .2rem; } input[type=text], input[type=email], input[type=date] { width: 100%; padding: .3rem; }
  button { margin-top: 1rem; padding: .4rem 1rem; } #status { margin-top: 1rem; font-weight: 600; }`,
  body: `<h1>Simulated Partner Center</h1>
${NOT_REAL}
<h2 id="customer">Customer: (open a link of the form /partner-center/#/customers/{id}/agreement)</h2>
<p id="agreement"></p>
<form id="form" hidden>
  <p>Confirm that the customer accepted the Microsoft Customer Agreement: who at the customer accepted it, and the day they did.</p>
  <label for="firstName">First name</label><input type="text" id="firstName" required>
  <label for="lastName">Last name</label><input type="text" id="lastName" required>
  <label for="email">Email</label><input type="email" id="email" required>
  <label for="phoneNumber">Phone (optional)</label><input type="text" id="phoneNumber">
  <label for="dateAgreed">Date the customer accepted</label><input type="date" id="dateAgreed" required>
  <button type="submit">Confirm the customer's acceptance</button>
</form>
<p id="status"></p>
`,
  script: `  const fields = ['firstName', 'lastName', 'email', 'phoneNumber', 'dateAgreed'];
  function customerId() {
    const match = /^#\\/customers\\/([^/]+)\\/agreement$/.exec(decodeURIComponent(location.hash));
    return match ? match[1] : undefined;
  }
  function describe(agreement) {
    const c = agreement.primaryContact;
    return 'Confirmed: accepted by ' + c.firstName + ' ' + c.lastName + ' (' + c.email + ') on ' + agreement.dateAgreed.slice(0, 10) + '. Go back to Teams and click Continue.';
  }
  async function show() {
    const id = customerId();
    if (!id) return;
    const response = await fetch('/_sandbox/customers/' + encodeURIComponent(id) + '/agreement');
    if (!response.ok) { document.getElementById('customer').textContent = 'No such customer.'; return; }
    const data = await response.json();
    document.getElementById('customer').textContent = 'Customer: ' + data.companyName + ' (' + data.domain + ')';
    const form = document.getElementById('form');
    if (data.agreements.length > 0) {
      form.hidden = true;
      document.getElementById('agreement').textContent = describe(data.agreements[0]);
      return;
    }
    document.getElementById('agreement').textContent = 'Microsoft Customer Agreement: not confirmed.';
    for (const name of ['firstName', 'lastName', 'email', 'phoneNumber']) document.getElementById(name).value = data.billingContact[name] || '';
    form.hidden = false;
  }
  document.getElementById('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    for (const name of fields) body[name] = document.getElementById(name).value;
    const response = await fetch('/_sandbox/customers/' + encodeURIComponent(customerId()) + '/agreement', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const answer = await response.json();
    document.getElementById('status').textContent = response.ok ? 'Saved.' : answer.error;
    if (response.ok) show();
  });
  window.addEventListener('hashchange', show);
  show();
`,
});

/**
 * A stand-in for an Azure Stack Hub's user portal: `/stamps/{name}/portal/{directoryDomain}#@{domain}/resource/subscriptions/{id}`
 * (the form a guest directory's users open). Shows the user subscription as the simulated stamp holds it.
 */
export const STAMP_PORTAL_HTML = page({
  title: 'Simulated Azure Stack Hub user portal',
  style: CODE_STYLE,
  body: `<h1>Simulated Azure Stack Hub user portal — <span id="stamp"></span></h1>
${NOT_REAL}
<p>Resource: <code id="resource-id">(none)</code></p>
<pre id="resource">Open a link of the form /stamps/{stamp}/portal/{directory}#@{directory}/resource/subscriptions/…</pre>
`,
  script: `  const stamp = decodeURIComponent(location.pathname.split('/')[2] || '');
  document.getElementById('stamp').textContent = stamp;
  async function show() {
    const match = /^#@[^/]*\\/resource\\/subscriptions\\/([^/]+)/.exec(decodeURIComponent(location.hash));
    const out = document.getElementById('resource');
    if (!match) return;
    document.getElementById('resource-id').textContent = '/subscriptions/' + match[1];
    const response = await fetch('/_sandbox/stamps/' + encodeURIComponent(stamp));
    if (!response.ok) { out.textContent = 'No such Azure Stack Hub.'; return; }
    const data = await response.json();
    const sub = data.subscriptions.find((s) => s.subscriptionId === match[1].toLowerCase());
    out.textContent = sub ? JSON.stringify(sub, null, 2) : 'This subscription does not exist (any more).';
  }
  window.addEventListener('hashchange', show);
  show();
`,
});

/**
 * A stand-in for what the customer's global administrator does (Register-AzsWithMyDirectoryTenant, or
 * Register on the admin portal's "Copy link"): `/stamps/{name}/consent?directory={domain}`. One click
 * registers the stamp's applications in the customer's directory (\`POST /_sandbox/stamps/{name}/consent\`).
 */
export const STAMP_CONSENT_HTML = page({
  title: 'Simulated directory consent for Azure Stack Hub',
  style: `button { font-size: 1rem; padding: .4rem 1rem; }`,
  body: `<h1>Register Azure Stack Hub <span id="stamp"></span> in the directory <span id="directory"></span></h1>
<p class="note">${NOT_REAL_TEXT} On a real stamp the
customer's global administrator runs Register-AzsWithMyDirectoryTenant (or opens the admin portal's link and presses Register).</p>
<button id="register">Register (as the customer's global administrator)</button>
<p id="result" role="status"></p>
`,
  script: `  const stamp = decodeURIComponent(location.pathname.split('/')[2] || '');
  const directory = new URLSearchParams(location.search).get('directory') || '';
  document.getElementById('stamp').textContent = stamp;
  document.getElementById('directory').textContent = directory;
  document.getElementById('register').addEventListener('click', async () => {
    const response = await fetch('/_sandbox/stamps/' + encodeURIComponent(stamp) + '/consent', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ directory }),
    });
    const body = await response.json().catch(() => ({}));
    document.getElementById('result').textContent = response.ok
      ? 'Registered: the directory ' + directory + ' has consented to the Azure Stack Hub applications.'
      : 'Not registered: ' + (body.error || response.status);
  });
`,
});
