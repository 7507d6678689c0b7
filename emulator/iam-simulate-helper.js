// The emulator's IAM evaluator: @cloud-copilot/iam-simulate (AGPL-3.0) in a process of its own.
// Reads one JSON request per line on stdin ({id, simulations: [...]}), answers one JSON line per request
// on stdout ({id, results: [...]} in the same order, or {id, error}). A test peer only; never part of the operator.
'use strict';
const readline = require('readline');
const { runSimulation } = require('@cloud-copilot/iam-simulate');

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let id = null;
  try {
    const req = JSON.parse(line);
    id = req.id;
    const results = await Promise.all(req.simulations.map((s) => runSimulation(s, {})));
    process.stdout.write(JSON.stringify({ id, results }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, error: String(e && e.stack || e) }) + '\n');
  }
});
