// The emulator's IAM evaluator: @cloud-copilot/iam-simulate (AGPL-3.0) in a process of its own.
// Reads one JSON request per line on stdin ({id, policies: [...], simulations: [...]}), answers one JSON line
// per request on stdout ({id, results: [...]} in the same order, or {id, error}). A test peer only; never part
// of the operator. A simulation names its policies by index into `policies` ({name, ref}): a call's
// simulations share the principal's policies, the boundary and the SCPs, sent once and validated once per
// request and kind. A result keeps only what the emulator reads (the decisions and the decisive statements'
// policy ids), not every statement's analysis.
//
// AWS reports, beside the decision, the boundary's own decision and the SCPs' own decision, whatever the
// other policies say (PermissionsBoundaryDecisionDetail, OrganizationsDecisionDetail). iam-simulate evaluates
// every layer of a request on its own and keeps each layer's result in the request's analysis, so where the
// simulation was one evaluation, those are read from it (`boundary` in the result of a simulation with a
// boundary, `scps` in that of one with SCPs). A resource with a
// wildcard may take iam-simulate none or several evaluations (the pattern, then the resources the policies
// name); then each layer is simulated alone, as its own policies: the boundary as the only identity policy,
// the SCPs under an identity policy that allows everything. A simulation that failed (an action or resource
// the catalogue does not know) would fail alone too: its layers are not asked.
'use strict';
const readline = require('readline');
const { runSimulation } = require('@cloud-copilot/iam-simulate');
const { createValidatedPolicy, validateIdentityPolicy, validateServiceControlPolicy } = require('@cloud-copilot/iam-policy');

const FULL_AWS_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const ids = (statements) => (statements || []).map((s) => ({ policyId: s.policyId }));

/** The analyses of a simulation's evaluations: one for most, none or several for a wildcard resource. */
function analyses(result) {
  if (result.resultType === 'single') {
    return [result.result.analysis];
  }
  return (result.results || []).map((r) => r.analysis);
}

function trimmed(result, analysis) {
  const identity = analysis.identityAnalysis || {};
  const boundary = analysis.permissionBoundaryAnalysis || {};
  return {
    overallResult: result.overallResult,
    errors: result.errors,
    results: [{ analysis: {
      identityAnalysis: { allowStatements: ids(identity.allowStatements), denyStatements: ids(identity.denyStatements) },
      permissionBoundaryAnalysis: { denyStatements: ids(boundary.denyStatements) },
    } }],
  };
}

/** Each policy of a request validated once per kind (identity or SCP), not once per simulation. */
function validator(policies) {
  const done = { identity: new Map(), scp: new Map() };
  const check = { identity: validateIdentityPolicy, scp: validateServiceControlPolicy };
  return (list, kind) => list && list.map((p) => {
    if (!done[kind].has(p.ref)) {
      done[kind].set(p.ref, createValidatedPolicy(policies[p.ref], check[kind]));
    }
    return { name: p.name, policy: done[kind].get(p.ref) };
  });
}

async function decide(s, resolve) {
  const simulation = {
    ...s,
    identityPolicies: resolve(s.identityPolicies, 'identity'),
    permissionBoundaryPolicies: resolve(s.permissionBoundaryPolicies, 'identity'),
    serviceControlPolicies: s.serviceControlPolicies.map((level) => ({ ...level, policies: resolve(level.policies, 'scp') })),
  };
  const result = await runSimulation(simulation, {});
  const evaluated = analyses(result);
  const answer = trimmed(result, evaluated[0] || {});
  if (result.errors) {
    return answer;  // an input AWS would refuse (an action or resource the catalogue does not know) fails alone too
  }
  const one = evaluated.length === 1 ? evaluated[0] : null;
  if (simulation.permissionBoundaryPolicies) {
    answer.boundary = one ? one.permissionBoundaryAnalysis.result : (await runSimulation({
      ...simulation, identityPolicies: simulation.permissionBoundaryPolicies, serviceControlPolicies: [],
      permissionBoundaryPolicies: undefined,
    }, {})).overallResult;
  }
  if (simulation.serviceControlPolicies.length > 0) {
    answer.scps = one ? one.scpAnalysis.result : (await runSimulation({
      ...simulation, identityPolicies: [{ name: 'any', policy: FULL_AWS_ACCESS }], permissionBoundaryPolicies: undefined,
    }, {})).overallResult;
  }
  return answer;
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let id = null;
  try {
    const req = JSON.parse(line);
    id = req.id;
    const resolve = validator(req.policies);
    const results = await Promise.all(req.simulations.map((s) => decide(s, resolve)));
    process.stdout.write(JSON.stringify({ id, results }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, error: String(e && e.stack || e) }) + '\n');
  }
});
