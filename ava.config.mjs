// Routed-session tests need Janus, and browser tests Chromium, in a private network namespace:
// they run only inside scripts/netns-run.sh (which sets OTC_NETNS=1, see `npm run test:routed`),
// everything else outside.
const routed = process.env.OTC_NETNS === '1';

export default {
  files: routed ? ['test/routed/**/*.test.ts', 'test/browser/**/*.test.ts'] : ['test/**/*.test.ts', '!test/routed/**', '!test/browser/**'],
  typescript: {
    rewritePaths: { 'test/': 'dist/test/' },
    compile: false,
  },
  timeout: '2m',
  workerThreads: false,
};
