// The bundled frame worker's source, inlined by scripts/build-web.mjs so that one file (or one
// module) is the whole client.
declare module 'otc:frame-worker-source' {
  const source: string;
  export default source;
}
