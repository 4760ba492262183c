// A stand-in for the Azure portal: the bot links to `{origin}/portal/#@/resource{resourceId}` in the
// simulated cloud, and this page shows that resource as the simulator holds it.
export const PORTAL_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Simulated Azure portal</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; margin: 2rem; color: #201f1e; }
  h1 { font-size: 1.3rem; } code, pre { background: #f3f2f1; padding: .2rem .4rem; }
  pre { padding: 1rem; overflow-x: auto; } .note { color: #605e5c; }
</style>
</head>
<body>
<h1>Simulated Azure portal</h1>
<p class="note">This is the CSP Onboarding Bot's simulated cloud: nothing here is real.</p>
<p>Resource: <code id="resource-id">(none)</code></p>
<pre id="resource">Open a link of the form /portal/#@/resource/subscriptions/…</pre>
<script>
  async function show() {
    const match = /^#@[^/]*\\/resource(\\/.+)$/.exec(decodeURIComponent(location.hash));
    const out = document.getElementById('resource');
    if (!match) return;
    document.getElementById('resource-id').textContent = match[1];
    const response = await fetch('/_sandbox/resource?id=' + encodeURIComponent(match[1]));
    out.textContent = response.ok ? JSON.stringify(await response.json(), null, 2) : 'This resource does not exist (any more).';
  }
  window.addEventListener('hashchange', show);
  show();
</script>
</body>
</html>
`;
