// The graphql-http package's server audit (GraphQL over HTTP specification) against a live
// Koiki server. Prints one line per audit and a JSON summary; exits 1 when a MUST fails.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node http-audit.mjs http://host:port/graphql');
  process.exit(2);
}
const results = await auditServer({ url });
const summary = { total: results.length, ok: 0, notice: 0, warn: 0, error: 0, mustFailed: [], shouldNotOk: [] };
for (const r of results) {
  summary[r.status] += 1;
  console.log(`${r.status.padEnd(6)} ${r.id} ${r.name}${r.status === 'ok' ? '' : ` :: ${r.reason}`}`);
  if (r.name.startsWith('MUST') && r.status !== 'ok') summary.mustFailed.push(`${r.id} ${r.name}`);
  if (r.name.startsWith('SHOULD') && r.status !== 'ok') summary.shouldNotOk.push(`${r.id} ${r.name}`);
}
summary.must = results.filter((r) => r.name.startsWith('MUST')).length;
summary.should = results.filter((r) => r.name.startsWith('SHOULD')).length;
console.log(`SUMMARY ${JSON.stringify(summary)}`);
process.exit(summary.mustFailed.length === 0 ? 0 : 1);
