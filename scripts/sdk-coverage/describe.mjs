// Asks the compiler what the headers under test actually declare under an SDK name (a function's
// return and parameter types, a field's type and offset, an enumerator's value and enum), for the
// notes that say what differs. A C++ program prints one JSON object a line; types are spelled as
// the compiler spells them (typedefs resolved). Nothing is called or linked from the library:
// every expression is unevaluated or a constant.
import { judge } from './compile.mjs';

const PRELUDE = [
  '#include <cstddef>',
  '#include <cstdint>',
  '#include <cstdio>',
  '#include <string_view>',
  'namespace otc_describe {',
  // The T of this template as the compiler names it: GCC writes "[with T = X; ...]", Clang "[T = X]".
  'template <class T> constexpr std::string_view name() {',
  '  std::string_view p = __PRETTY_FUNCTION__;',
  '  std::size_t b = p.find("T = ");',
  '  if (b == std::string_view::npos) return p;',
  '  b += 4;',
  '  std::size_t e = p.rfind(\']\');',
  '  std::size_t s = p.find("; ", b);',
  '  if (s != std::string_view::npos && s < e) e = s;',
  '  return p.substr(b, e - b);',
  '}',
  'inline void str(std::string_view s) {',
  '  std::putchar(\'"\');',
  '  for (char c : s) { if (c == \'"\' || c == \'\\\\\') std::putchar(\'\\\\\'); std::putchar(c); }',
  '  std::putchar(\'"\');',
  '}',
  'inline void begin(const char* id) { std::printf("{\\"id\\":"); str(id); }',
  'inline void end() { std::printf("}\\n"); }',
  'inline void kv(const char* k, std::string_view v) { std::printf(",\\"%s\\":", k); str(v); }',
  'inline void kv(const char* k, long long v) { std::printf(",\\"%s\\":%lld", k, v); }',
  'template <class R, class... A> void fn(R (*)(A...)) {',
  '  kv("returns", name<R>());',
  '  std::printf(",\\"params\\":[");',
  '  bool first = true;',
  '  ((std::printf(first ? "" : ","), first = false, str(name<A>())), ...);',
  '  std::printf("]");',
  '}',
  'template <class R, class... A> void fn(R (*f)(A...) noexcept) { fn(static_cast<R (*)(A...)>(f)); }',
  '}  // namespace otc_describe',
];

const q = (s) => JSON.stringify(s);

/** Statements that print what the headers declare for one item (only asked for items that exist). */
function describeLines(item) {
  const D = 'otc_describe::';
  const line = (body) => [`{ ${D}begin(${q(item.id)}); ${body} ${D}end(); }`];
  switch (item.kind) {
    case 'typedef':
      return [line(`${D}kv("type", ${D}name<${item.name}>());`)];
    case 'enum':
      return [line(`${D}kv("size", (long long)sizeof(enum ${item.name}));`)];
    case 'enumerator':
      return [
        line(`${D}kv("value", (long long)(${item.name})); ${D}kv("type", ${D}name<decltype(${item.name})>());`),
        [`#ifdef ${item.name}`, ...line(`${D}kv("macro", 1LL);`), '#endif'],
      ];
    case 'struct':
      return [line(`${D}kv("size", (long long)sizeof(struct ${item.name})); ${D}kv("align", (long long)alignof(struct ${item.name}));`)];
    case 'field':
      return [
        line(`${D}kv("type", ${D}name<decltype(((struct ${item.structName}*)nullptr)->${item.field})>());`),
        line(`${D}kv("offset", (long long)offsetof(struct ${item.structName}, ${item.field}));`),
      ];
    case 'function':
      // A null pointer of the function's type: the function itself is never referenced.
      return [line(`${D}fn(static_cast<decltype(&${item.name})>(nullptr));`)];
    case 'macro':
      return [line(`${D}kv("value", (long long)(${item.name}));`)];
    default:
      return [];
  }
}

/** Map item id -> what the headers declare for it, for the items `exists` says are declared.
 *  Lines the compiler rejects are left out (their facts stay unknown), never fatal. */
export function describe(compiler, head, items, exists) {
  const checks = [];
  for (const item of items) {
    if (!exists(item)) continue;
    for (const lines of describeLines(item)) checks.push({ check: 'describe', lang: 'cpp', lines });
  }
  const unit = { lang: 'cpp', name: 'describe', head, prelude: PRELUDE, open: ['int main() {'], close: ['}'], checks };
  const verdict = judge(compiler, unit);
  const good = checks.filter((_, i) => verdict[i].ok).flatMap((c) => c.lines);
  const program = [...head, ...PRELUDE, 'int main() {', ...good, 'return 0;', '}'].join('\n');
  const facts = new Map();
  for (const l of compiler.run('describe', `${program}\n`).split('\n')) {
    if (!l) continue;
    const { id, ...rest } = JSON.parse(l);
    facts.set(id, { ...facts.get(id), ...rest });
  }
  return facts;
}
