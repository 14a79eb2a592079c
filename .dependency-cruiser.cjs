// The import rule of docs/ARCHITECTURE.md: pure layers first, each may import only the layers above it.
// Tests (*.test.ts, *.case.ts) may also import src/testing; nothing else may.
const layers = {
  lib: [],
  wire: ['lib'],
  routing: ['lib', 'wire'],
  policy: ['lib', 'routing', 'wire'],
  addressing: ['lib'],
  snapshot: ['lib', 'addressing', 'routing'],
  rollout: ['lib', 'addressing', 'routing', 'snapshot'],
  edge: ['lib', 'addressing', 'routing', 'snapshot'],
  monitor: ['lib', 'wire', 'routing'],
  testing: ['lib'],
  // Simulation (simulated fleet, memory speaker, synthetic data, the incident tracker): over the pure
  // layers, and itself imported only by composition roots, benchmarks and tests (rule below).
  sim: ['lib', 'addressing', 'routing', 'snapshot', 'rollout', 'edge'],
};
const pure = Object.keys(layers).filter((l) => l !== 'testing' && l !== 'sim');
const adapters = ['store', 'api', 'agent', 'fleet', 'probe'];

const forbidden = [];
for (const [layer, allowed] of Object.entries(layers)) {
  const ok = [layer, ...allowed].join('|');
  forbidden.push({
    name: `layer-${layer}`,
    comment: `src/${layer} may import only: ${allowed.join(', ') || 'nothing of ours'}`,
    severity: 'error',
    from: { path: `^src/${layer}/`, pathNot: '\\.(test|case)\\.ts$' },
    to: { path: '^src/', pathNot: `^src/(${ok})/` },
  });
}
for (const adapter of adapters) {
  forbidden.push({
    name: `adapter-${adapter}`,
    comment: `src/${adapter} may import the pure layers, not the other adapters or src/bin`,
    severity: 'error',
    from: { path: `^src/${adapter}/`, pathNot: '\\.(test|case)\\.ts$' },
    to: { path: '^src/', pathNot: `^src/(${[adapter, ...pure].join('|')})/` },
  });
}
// The lab composes real parts (agent, fleet, api, probe, rollout) like a composition root, but never src/bin.
forbidden.push({
  name: 'lab-not-bin',
  comment: 'src/lab may import every layer and adapter, not src/bin',
  severity: 'error',
  from: { path: '^src/lab/' },
  to: { path: '^src/bin/' },
});
forbidden.push({
  name: 'sim-only-from-roots-and-tests',
  comment: 'src/sim is simulation: only src/bin, bench and tests may import it, never product code',
  severity: 'error',
  from: { path: '^src/', pathNot: ['\\.(test|case)\\.ts$', '^src/(bin|sim|testing)/'] },
  to: { path: '^src/sim/' },
});
forbidden.push({
  name: 'testing-only-in-tests',
  comment: 'src/testing is for tests and benchmarks only',
  severity: 'error',
  from: { path: '^src/', pathNot: ['\\.(test|case)\\.ts$', '^src/testing/'] },
  to: { path: '^src/testing/' },
});
forbidden.push({
  name: 'tests-stay-in-their-lane',
  comment: 'a test imports its own layer, the layers it may import, src/testing, and (for system tests) adapters',
  severity: 'error',
  from: { path: '^src/(lib|wire|routing|policy|addressing|snapshot|rollout|monitor)/.*\\.(test|case)\\.ts$' },
  to: { path: '^src/bin/' },
});
// src/monitor is pure except its adapter folder src/monitor/feeds (sockets, files, websockets, metrics).
const monitorCore = { path: '^src/monitor/(?!feeds/)', pathNot: '\\.(test|case)\\.ts$' };
forbidden.push({
  name: 'monitor-core-not-feeds',
  comment: 'the monitor core (detectors, state) does not import its adapter src/monitor/feeds',
  severity: 'error',
  from: monitorCore,
  to: { path: '^src/monitor/feeds/' },
});
forbidden.push({
  name: 'monitor-core-no-io',
  comment: 'the monitor core does no I/O: node built-ins, ws and prom-client belong in src/monitor/feeds',
  severity: 'error',
  from: monitorCore,
  to: { dependencyTypesNot: ['local', 'npm-no-pkg'], path: '^(node:|fs$|net$|dgram$|http|crypto$)|node_modules/(ws|prom-client)/' },
});
forbidden.push({ name: 'no-circular', severity: 'error', from: {}, to: { circular: true } });

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
