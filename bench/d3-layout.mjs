// d3-layout.mjs runs d3-force 3's default simulation (forceManyBody + forceLink + forceCenter,
// Barnes-Hut theta 0.9) on a jetdag graph file and prints one JSON line with the time per tick,
// the reference that `jetdag bench layout` is compared against (see bench/layout.sh).
//
//   node bench/d3-layout.mjs GRAPH.json TICKS [THETA]
//
// GRAPH.json is {"nodes": N, "edges": [[from, to], ...]} as written by
// `jetdag bench layout --generate N --out GRAPH.json`.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { forceSimulation, forceManyBody, forceLink, forceCenter } from "d3-force";

const [file, ticksArg, thetaArg] = process.argv.slice(2);
if (!file || !ticksArg) {
  console.error("usage: node d3-layout.mjs GRAPH.json TICKS [THETA]");
  process.exit(2);
}
const ticks = Number.parseInt(ticksArg, 10);
const theta = thetaArg === undefined ? 0.9 : Number.parseFloat(thetaArg);
if (!(ticks > 0) || !(theta > 0)) {
  console.error(`bad TICKS ${ticksArg} or THETA ${thetaArg}`);
  process.exit(2);
}
const graph = JSON.parse(readFileSync(file, "utf8"));
const nodes = Array.from({ length: graph.nodes }, (_, i) => ({ index: i }));
const links = graph.edges.map(([source, target]) => ({ source, target }));

const sim = forceSimulation(nodes)
  .force("charge", forceManyBody().theta(theta))
  .force("link", forceLink(links))
  .force("center", forceCenter())
  .stop();

const start = performance.now();
for (let i = 0; i < ticks; i++) sim.tick();
const ms = (performance.now() - start) / ticks;

const lengths = links.map((l) => Math.hypot(l.source.x - l.target.x, l.source.y - l.target.y));
lengths.sort((a, b) => a - b);
const medianEdge = lengths.length ? lengths[lengths.length >> 1] : 0;
console.log(JSON.stringify({
  ms_per_tick: ms,
  nodes: nodes.length,
  edges: links.length,
  ticks,
  median_edge: medianEdge,
}));
