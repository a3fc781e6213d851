// A REST call to the session server as the OpenTok server SDKs make it (X-OPENTOK-AUTH with the
// credentials in OTC_API_KEY / OTC_API_SECRET), for the C++ tests: prints the HTTP status (0 when
// the request failed). Usage: node rest_call.cjs BASE_URL METHOD PATH [JSON_BODY]
const path = require('node:path');
const { signRestAuth } = require(path.join(__dirname, '..', '..', 'dist', 'lib', 'server', 'index.js'));

const [base, method, target, body] = process.argv.slice(2);
fetch(base + target, {
  method,
  headers: { 'X-OPENTOK-AUTH': signRestAuth(process.env.OTC_API_KEY, process.env.OTC_API_SECRET), 'Content-Type': 'application/json' },
  ...(body ? { body } : {}),
  signal: AbortSignal.timeout(10000),
}).then(async (res) => {
  await res.text();
  console.log(res.status);
}, (err) => {
  console.error(err.message);
  console.log(0);
});
