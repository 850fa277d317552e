// Prints the share fragments (`w1.` + base64url of raw DEFLATE, the format
// of web/src/share.rs) of the three moments of examples/tutorial/index.html,
// made from the playground's default scene (web/scenes/order-flow.json):
//   1. before any queue exists: the exchange and the web shop only;
//   2. the consumers start: the whole order flow, nothing published yet;
//   3. publish again: the same, the web shop placing three orders a second apart.
// Run it after changing that scene and paste the fragments into the page:
//   node scripts/tutorial-links.mjs
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';

const full = JSON.parse(readFileSync(new URL('../web/scenes/order-flow.json', import.meta.url), 'utf8'));
const fragment = (scene) => `w1.${deflateRawSync(Buffer.from(JSON.stringify(scene))).toString('base64url')}`;

const before = structuredClone(full);
before.name = 'Before any queue exists';
delete before.description;
before.definitions.queues = [];
before.definitions.bindings = [];
before.actors.consumers = [];
for (const k of Object.keys(before.layout)) if (!/^(producer|exchange):/.test(k)) delete before.layout[k];

const consumers = structuredClone(full);
consumers.name = 'The consumers start';
delete consumers.description;

const again = structuredClone(consumers);
again.name = 'Publish again';
Object.assign(again.actors.producers[0], { rate_per_sec: 1, count: 3, start_ms: 500 });

for (const [name, scene] of [['before', before], ['consumers', consumers], ['again', again]]) {
  console.log(`${name}: ${fragment(scene)}`);
}
