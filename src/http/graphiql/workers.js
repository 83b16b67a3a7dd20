// Monaco's web workers, served by this server next to the page (never from a CDN). Each worker
// is bundled on its own by esbuild into /graphiql/<label>.worker.js.
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === 'json' || label === 'graphql' ? label : 'editor';
    return new Worker(`/graphiql/${name}.worker.js`);
  },
};
