// Runs the graphql-http server audit against a running Salesgraph and fails on any MUST
// that does not pass. Usage: node audit.mjs http://127.0.0.1:18080/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let failedMust = 0;
for (const result of results) {
  const level = result.name.split(' ')[0];
  const mark = result.status === 'ok' ? 'ok  ' : result.status === 'warn' ? 'warn' : 'FAIL';
  console.log(`${mark} ${result.id} ${result.name}`);
  if (result.status !== 'ok' && level === 'MUST') {
    failedMust += 1;
    console.log(`     ${result.reason}`);
  }
}
const counts = results.reduce((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
console.log(`audit: ${JSON.stringify(counts)}; MUST failures: ${failedMust}`);
process.exit(failedMust === 0 ? 0 : 1);
