// Turns SDK items into compile checks. A check is a few lines of C11 or C++20 that compile only if
// one fact about the headers under test holds (a name is declared, a type is identical, an offset
// or value is equal), so the compiler itself is the judge: no parsing of the headers under test.
// Checks of one SDK header share a translation unit; compile.mjs finds which ones fail.

/** Probes for the system headers the SDK's own headers include: a macro only that header defines
 *  (on glibc), tested before anything else is included so that nothing else can provide it. */
const INCLUDE_PROBES = {
  'stdint.h': 'INT16_MAX',
  'stdlib.h': 'EXIT_SUCCESS',
  'unistd.h': 'STDIN_FILENO',
  'sys/time.h': 'ITIMER_REAL',
};

export const C_PRELUDE = ['#include <stddef.h>', '#include <stdint.h>'];

// fn<F> splits a function pointer type into return type, arity and parameter types; a parameter
// past the end is otc_probe::none, so that asking for it is a false comparison, not an error
// inside <type_traits> that could not be traced back to a check.
export const CXX_PRELUDE = [
  '#include <cstddef>',
  '#include <cstdint>',
  '#include <type_traits>',
  'namespace otc_probe {',
  'struct none;',
  'template <std::size_t I, class... A> struct nth { using type = none; };',
  'template <class H, class... T> struct nth<0, H, T...> { using type = H; };',
  'template <std::size_t I, class H, class... T> struct nth<I, H, T...> { using type = typename nth<I - 1, T...>::type; };',
  'template <class F> struct fn;',
  'template <class R, class... A> struct fn<R (*)(A...)> {',
  '  using ret = R;',
  '  static constexpr std::size_t arity = sizeof...(A);',
  '  template <std::size_t I> using arg = typename nth<I, A...>::type;',
  '};',
  'template <class R, class... A> struct fn<R (*)(A...) noexcept> : fn<R (*)(A...)> {};',
  '}  // namespace otc_probe',
];

/** `R (*)(P)` with a name put in: `R (*name)(P)`; any other type: `T name`. The SDK description
 *  only has object types, pointers and pointers to functions. */
export function declarator(type, name) {
  const fp = /^(.*?)\(\*\)(\(.*\))$/s.exec(type);
  return fp ? `${fp[1]}(*${name})${fp[2]}` : `${type} ${name}`;
}

const paramList = (params) => (params.length ? params.join(', ') : 'void');
const cstr = (s) => JSON.stringify(s);

/** Checks for one item: [{check, lang, lines, early?}]; `early` checks go before any include of
 *  the probe's own. Identifiers are made unique with `uid()`. */
export function checksFor(item, uid) {
  const both = (check, line) => [
    { check, lang: 'c', lines: [line('c')] },
    { check, lang: 'cpp', lines: [line('cpp')] },
  ];
  const assert = (lang, cond, what) => (lang === 'c'
    ? `_Static_assert(${cond}, ${cstr(what)});`
    : `static_assert(${cond}, ${cstr(what)});`);
  const cpp = (check, line) => ({ check, lang: 'cpp', lines: [line] });

  switch (item.kind) {
    case 'include': {
      const macro = INCLUDE_PROBES[item.name];
      if (!macro) return [];
      const lines = [`#ifndef ${macro}`, `#error ${cstr(`${item.name} is not included`)}`, '#endif'];
      return [{ check: 'defined', lang: 'c', lines, early: true },
        { check: 'defined', lang: 'cpp', lines, early: true }];
    }
    case 'typedef': {
      const t = uid();
      return [
        cpp('exists', `using ${uid()} = ${item.name};`),
        { check: 'type', lang: 'c', lines: [`typedef ${declarator(item.type, t)}; ${assert('c', `_Generic((${item.name}*)0, ${t}*: 1, default: 0)`, item.id)}`] },
        cpp('type', assert('cpp', `std::is_same_v<${item.name}, ${item.type}>`, item.id)),
      ];
    }
    case 'enum':
      return [
        cpp('exists', `using ${uid()} = enum ${item.name};`),
        ...both('size', (l) => assert(l, `sizeof(enum ${item.name}) == ${item.size}`, item.id)),
      ];
    case 'enumerator':
      return [
        cpp('exists', `constexpr long long ${uid()} = (long long)(${item.name});`),
        ...both('value', (l) => assert(l, `(long long)(${item.name}) == ${item.value}LL`, item.id)),
        cpp('member', assert('cpp', `std::is_same_v<decltype(${item.name}), enum ${item.enumName}>`, item.id)),
      ];
    case 'struct': {
      const s = `struct ${item.name}`;
      return [
        ...both('exists', () => `typedef char ${uid()}[sizeof(${s})];`),
        ...both('size', (l) => assert(l, `sizeof(${s}) == ${item.size}`, item.id)),
        ...both('align', (l) => assert(l, `${l === 'c' ? '_Alignof' : 'alignof'}(${s}) == ${item.align}`, item.id)),
      ];
    }
    case 'field': {
      const member = `((struct ${item.structName}*)0)->${item.field}`;
      const t = uid();
      return [
        ...both('exists', () => `typedef char ${uid()}[sizeof(${member})];`),
        // C compares through a pointer to the member: _Generic would drop a qualifier of the
        // member itself (lvalue conversion), and the SDK has const members.
        { check: 'type', lang: 'c', lines: [`typedef ${declarator(item.type, t)}; ${assert('c', `_Generic(&${member}, ${t}*: 1, default: 0)`, item.id)}`] },
        cpp('type', assert('cpp', `std::is_same_v<decltype(((struct ${item.structName}*)nullptr)->${item.field}), ${item.type}>`, item.id)),
        ...both('offset', (l) => assert(l, `offsetof(struct ${item.structName}, ${item.field}) == ${item.offset}`, item.id)),
      ];
    }
    case 'function': {
      const fn = `otc_probe::fn<decltype(&${item.name})>`;
      // The exact SDK type, initialised from the function: in C an incompatible pointer is a
      // constraint violation (an error with -pedantic-errors -Werror); C++ allows no conversion
      // between function pointer types except dropping noexcept.
      const pointer = (lang) => `${lang === 'c' ? 'static ' : ''}${item.returns} (*const ${uid()})(${paramList(item.params)}) = ${lang === 'c' ? '' : '&'}${item.name};`;
      return [
        cpp('exists', `using ${uid()} = decltype(&${item.name});`),
        { check: 'pointer', lang: 'c', lines: [pointer('c')] },
        { check: 'pointer', lang: 'cpp', lines: [pointer('cpp')] },
        // The parts, to say what differs.
        cpp('returns', assert('cpp', `std::is_same_v<${fn}::ret, ${item.returns}>`, item.id)),
        cpp('arity', assert('cpp', `${fn}::arity == ${item.params.length}`, item.id)),
        ...item.params.map((p, i) => cpp(`param${i + 1}`, assert('cpp', `std::is_same_v<${fn}::arg<${i}>, ${p}>`, item.id))),
      ];
    }
    case 'macro': {
      const lines = [`#ifndef ${item.name}`, `#error ${cstr(`${item.name} is not a macro`)}`, '#endif'];
      return [
        { check: 'defined', lang: 'c', lines },
        { check: 'defined', lang: 'cpp', lines },
        ...both('value', (l) => assert(l, `(long long)(${item.name}) == ${item.value}LL`, item.id)),
      ];
    }
    default:
      throw new Error(`unknown item kind ${item.kind}`);
  }
}
