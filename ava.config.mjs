// Routed-session tests need Janus, and browser tests Chromium, in a private network namespace:
// they run only inside scripts/netns-run.sh (which sets OTC_NETNS=1, see `npm run test:routed`),
// everything else outside. The NAT traversal tests (test/topology) build namespaces of their own
// (root, outside netns-run.sh): only with OTC_TOPOLOGY=1.
const routed = process.env.OTC_NETNS === '1';
const topology = process.env.OTC_TOPOLOGY === '1';

export default {
  files: topology ? ['test/topology/**/*.test.ts']
    : routed ? ['test/routed/**/*.test.ts', 'test/browser/**/*.test.ts']
      : ['test/**/*.test.ts', '!test/routed/**', '!test/browser/**', '!test/topology/**'],
  typescript: {
    rewritePaths: { 'test/': 'dist/test/' },
    compile: false,
  },
  timeout: '2m',
  // Topology files each build the namespaces (after sweeping stale ones): one file at a time.
  // The namespace suite's media tests too: run together on 2 cores they starved each other
  // (a Janus restart not resumed within 20 s, a page reading half its frames); alone they pass.
  ...((topology || routed) && { concurrency: 1 }),
  workerThreads: false,
};
