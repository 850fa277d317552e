// Runs the routing bench family compiled to wasm32 in Node and prints its
// table: node scripts/routing-wasm-bench.mjs PATH/TO/routing_wasm.wasm
// (scripts/routing-wasm-bench.sh builds it and calls this). Environment:
// ROUTING_GRID=full for the whole grid, ROUTING_ONLY=text to filter rows,
// as in `cargo bench -p warren-core --bench routing`.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const path = process.argv[2];
if (!path) {
  console.error("usage: node scripts/routing-wasm-bench.mjs routing_wasm.wasm");
  process.exit(2);
}
let memory;
const decoder = new TextDecoder();
const imports = {
  env: {
    now_ns: () => performance.now() * 1e6,
    print: (ptr, len) =>
      console.log(decoder.decode(new Uint8Array(memory.buffer, ptr, len))),
  },
};
const { instance } = await WebAssembly.instantiate(readFileSync(path), imports);
memory = instance.exports.memory;
const only = new TextEncoder().encode(process.env.ROUTING_ONLY ?? "");
const ptr = instance.exports.alloc(Math.max(only.length, 1));
new Uint8Array(memory.buffer, ptr, only.length).set(only);
instance.exports.run(process.env.ROUTING_GRID === "full" ? 1 : 0, ptr, only.length);
