// Reads an SDK interface description (cpp/sdk-compat/sdk-*.json) and flattens it into items, each
// with a stable id that reports and --check files refer to:
//   include:<header>  typedef:<name>  enum:<name>  enumerator:<NAME>  struct:<name>
//   field:<struct>.<field>  function:<name>  macro:<NAME>
import { readFileSync } from 'node:fs';

/** Parses the description file; throws with the path on malformed input. */
export function loadOracle(path) {
  let oracle;
  try {
    oracle = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the SDK description ${path}: ${err.message}`);
  }
  for (const key of ['typedefs', 'enums', 'structs', 'functions']) {
    if (!Array.isArray(oracle[key])) throw new Error(`${path}: "${key}" must be an array`);
  }
  return oracle;
}

/** Every item of the description: includes, typedefs, enums and their enumerators, structs and
 *  their fields, functions, macros. Items from later SDK versions carry `since`. */
export function flattenOracle(oracle) {
  const items = [];
  const add = (item, since) => items.push(since ? { ...item, since } : item);
  for (const inc of oracle.systemIncludes ?? []) {
    add({ id: `include:${inc.header}`, kind: 'include', header: inc.from, name: inc.header }, inc.since);
  }
  for (const t of oracle.typedefs) {
    add({ id: `typedef:${t.name}`, kind: 'typedef', header: t.header, name: t.name, type: t.type }, t.since);
  }
  for (const e of oracle.enums) {
    // An enum is judged on the enumerators of its own version; later additions are items of their own.
    const own = e.enumerators.filter((x) => !x.since || x.since === e.since);
    add({ id: `enum:${e.name}`, kind: 'enum', header: e.header, name: e.name, size: e.size,
      enumerators: own.map((x) => x.name) }, e.since);
    for (const x of e.enumerators) {
      add({ id: `enumerator:${x.name}`, kind: 'enumerator', header: e.header, name: x.name, enumName: e.name,
        value: x.value }, x.since ?? e.since);
    }
  }
  for (const s of oracle.structs) {
    add({ id: `struct:${s.name}`, kind: 'struct', header: s.header, name: s.name, size: s.size, align: s.align,
      fields: s.fields.map((f) => f.name) }, s.since);
    for (const f of s.fields) {
      add({ id: `field:${s.name}.${f.name}`, kind: 'field', header: s.header, name: `${s.name}.${f.name}`,
        structName: s.name, field: f.name, type: f.type, offset: f.offset }, f.since ?? s.since);
    }
  }
  for (const f of oracle.functions) {
    add({ id: `function:${f.name}`, kind: 'function', header: f.header, name: f.name, returns: f.returns,
      params: f.params }, f.since);
  }
  for (const m of oracle.macros ?? []) {
    add({ id: `macro:${m.name}`, kind: 'macro', header: m.header, name: m.name, value: m.value }, m.since);
  }
  const seen = new Set();
  for (const item of items) {
    if (seen.has(item.id)) throw new Error(`the SDK description names ${item.id} twice`);
    seen.add(item.id);
  }
  return items;
}

/** Headers in the order of the description's umbrella include list, then any others by name. */
export function headerOrder(oracle, items) {
  const order = [...(oracle.umbrellaIncludes ?? [])];
  for (const h of [...new Set(items.map((i) => i.header))].sort()) if (!order.includes(h)) order.push(h);
  return order.filter((h) => items.some((i) => i.header === h));
}
