// The emulator's IAM evaluator: @cloud-copilot/iam-simulate (AGPL-3.0) in a process of its own.
// Reads one JSON request per line on stdin ({id, policies: [...], simulations: [...]}), answers one JSON line
// per request on stdout ({id, results: [...]} in the same order, or {id, error}). A test peer only; never part
// of the operator. A simulation names its policies by index into `policies` ({name, ref}): a call's
// simulations share the principal's policies, the boundary and the SCPs, sent once. A result keeps only what
// the emulator reads (the decisions and the decisive statements' policy ids), not every statement's analysis.
'use strict';
const readline = require('readline');
const { runSimulation } = require('@cloud-copilot/iam-simulate');

const ids = (statements) => (statements || []).map((s) => ({ policyId: s.policyId }));

function trimmed(result) {
  const analysis = (result.results && result.results[0] && result.results[0].analysis) || {};
  const identity = analysis.identityAnalysis || {};
  const boundary = analysis.permissionBoundaryAnalysis || {};
  return {
    overallResult: result.overallResult,
    errors: result.errors,
    results: [{ analysis: {
      identityAnalysis: { allowStatements: ids(identity.allowStatements), denyStatements: ids(identity.denyStatements) },
      permissionBoundaryAnalysis: { result: boundary.result, denyStatements: ids(boundary.denyStatements) },
      scpAnalysis: { result: (analysis.scpAnalysis || {}).result },
    } }],
  };
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let id = null;
  try {
    const req = JSON.parse(line);
    id = req.id;
    const resolve = (list) => list && list.map((p) => ({ name: p.name, policy: req.policies[p.ref] }));
    const results = await Promise.all(req.simulations.map((s) => runSimulation({
      ...s,
      identityPolicies: resolve(s.identityPolicies),
      permissionBoundaryPolicies: resolve(s.permissionBoundaryPolicies),
      serviceControlPolicies: s.serviceControlPolicies.map((level) => ({ ...level, policies: resolve(level.policies) })),
    }, {}).then(trimmed)));
    process.stdout.write(JSON.stringify({ id, results }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, error: String(e && e.stack || e) }) + '\n');
  }
});
