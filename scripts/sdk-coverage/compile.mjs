// Runs the C and C++ compilers on generated translation units and finds out which checks in a
// unit fail. One compile judges a whole unit: each check sits on its own lines, so an error's
// line names the failing check. Whatever cannot be traced to a check (an error in a header the
// probe includes) is narrowed down by compiling halves of the unit. Every verdict is confirmed:
// the checks called passing are compiled together once more and must give no error.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LANG = {
  c: { ext: 'c', std: '-std=c11' },
  cpp: { ext: 'cpp', std: '-std=c++20' },
};

export class Compiler {
  /** options: { cc, cxx, includeDir, niceness (null: do not renice), timeoutMs, workDir } */
  constructor(options) {
    this.options = options;
    this.compiles = 0;
    // Units without checks that are known to compile (every unit of a language starts the same).
    this.compiledCleanly = new Set();
    // Clang and GCC spell "no limit on the number of errors" differently.
    this.clang = { c: /clang/i.test(this.version('c')), cpp: /clang/i.test(this.version('cpp')) };
  }

  /** First line of `<compiler> --version`; throws when the compiler cannot run. */
  version(lang) {
    const r = this.#spawn(this.#driver(lang), ['--version']);
    if (r.error || r.status !== 0) {
      const how = this.options.niceness == null ? '' : ' under nice (--no-nice runs it directly)';
      throw new Error(`cannot run ${this.#driver(lang)}${how}: ${r.error?.message ?? r.stderr}`);
    }
    return r.stdout.split('\n')[0].trim();
  }

  #driver(lang) {
    return lang === 'c' ? this.options.cc : this.options.cxx;
  }

  #spawn(cmd, args) {
    const [file, argv] = this.options.niceness == null ? [cmd, args] : ['nice', ['-n', String(this.options.niceness), cmd, ...args]];
    const r = spawnSync(file, argv, {
      encoding: 'utf8',
      timeout: this.options.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
      // Plain ASCII diagnostics in a stable format.
      env: { ...process.env, LC_ALL: 'C', GCC_COLORS: '' },
    });
    if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL') {
      throw new Error(`${cmd} ${args.slice(-1)[0]} took longer than ${this.options.timeoutMs / 1000} s`);
    }
    return r;
  }

  #flags(lang) {
    return [LANG[lang].std, '-pedantic-errors', '-Werror', '-fdiagnostics-color=never',
      this.clang[lang] ? '-ferror-limit=0' : '-fmax-errors=0', '-I', this.options.includeDir];
  }

  /** Writes a unit to the work directory; returns its path. */
  write(lang, name, text) {
    const path = join(this.options.workDir, `${name}.${LANG[lang].ext}`);
    writeFileSync(path, text);
    return path;
  }

  /** Compiles `text` for syntax and semantics only; returns the diagnostics' error lines. */
  check(lang, name, text) {
    const path = this.write(lang, name, text);
    this.compiles++;
    const r = this.#spawn(this.#driver(lang), [...this.#flags(lang), '-fsyntax-only', path]);
    if (r.error) throw new Error(`cannot run ${this.#driver(lang)}: ${r.error.message}`);
    return { ok: r.status === 0, errors: parseErrors(r.stderr, path), stderr: r.stderr, path };
  }

  /** Compiles and links `text` as a C++ program, runs it and returns its standard output. */
  run(name, text) {
    const path = join(this.options.workDir, `${name}.cpp`);
    const exe = join(this.options.workDir, name);
    writeFileSync(path, text);
    this.compiles++;
    const c = this.#spawn(this.options.cxx, [LANG.cpp.std, '-w', '-I', this.options.includeDir, path, '-o', exe]);
    if (c.status !== 0) throw new Error(`${name}.cpp does not build:\n${c.stderr}`);
    const r = spawnSync(exe, [], { encoding: 'utf8', timeout: this.options.timeoutMs });
    if (r.status !== 0) throw new Error(`${name} failed: ${r.error?.message ?? r.stderr}`);
    return r.stdout;
  }
}

/** The error diagnostics of one compile, each with the line of `path` it belongs to (or null):
 *  its own location when in `path`, else the nearest "required from here" (GCC, before the error)
 *  or "requested here" (Clang, after it) that points into `path`. */
export function parseErrors(stderr, path) {
  const lines = stderr.split('\n');
  const located = /^(.*?):(\d+):(?:\d+:)? (?:fatal )?error: (.*)$/;
  const context = /^(.*?):(\d+):(?:\d+:)?\s+(?:required from here|note: .*requested here)/;
  const errors = [];
  const errorAt = [];
  lines.forEach((l, i) => {
    const m = located.exec(l);
    if (m) { errors.push({ file: m[1], line: Number(m[2]), message: m[3], index: i }); errorAt.push(i); }
  });
  return errors.map((e, n) => {
    if (e.file === path) return { line: e.line, message: e.message };
    const from = n > 0 ? errorAt[n - 1] + 1 : 0;
    const to = n + 1 < errorAt.length ? errorAt[n + 1] : lines.length;
    const near = [...lines.slice(from, e.index).reverse(), ...lines.slice(e.index + 1, to)]
      .map((l) => context.exec(l)).find((m) => m && m[1] === path);
    return { line: near ? Number(near[2]) : null, message: e.message };
  });
}

/** Lays out a unit: head, the early checks, prelude, open, the checks, close. Returns the text
 *  and, for each line number, the index of the check it belongs to. */
function layout(unit, checks) {
  const text = [];
  const owner = new Map();
  const put = (lines, who) => lines.forEach((l) => { text.push(l); if (who != null) owner.set(text.length, who); });
  put(unit.head);
  checks.forEach((c, i) => { if (c.early) put(c.lines, i); });
  put(unit.prelude);
  put(unit.open ?? []);
  checks.forEach((c, i) => { if (!c.early) put(c.lines, i); });
  put(unit.close ?? []);
  return { text: `${text.join('\n')}\n`, owner };
}

/** Judges every check of a unit ({ lang, name, head, prelude, open?, close?, checks }).
 *  Returns an array parallel to unit.checks of { ok, message }. Throws when the unit does not
 *  compile even without checks (the headers under test or the prelude are broken). */
export function judge(compiler, unit) {
  const empty = layout(unit, []).text;
  if (!compiler.compiledCleanly.has(empty)) {
    const base = compiler.check(unit.lang, unit.name, empty);
    if (!base.ok) {
      throw new Error(`the headers do not compile as ${unit.lang === 'c' ? 'C' : 'C++'} (${base.path}):\n${base.stderr.split('\n').slice(0, 20).join('\n')}`);
    }
    compiler.compiledCleanly.add(empty);
  }
  const verdict = new Array(unit.checks.length);
  const solve = (indexes) => {
    if (indexes.length === 0) return;
    const subset = indexes.map((i) => unit.checks[i]);
    const { text, owner } = layout(unit, subset);
    const r = compiler.check(unit.lang, unit.name, text);
    if (r.ok) { indexes.forEach((i) => { verdict[i] = { ok: true }; }); return; }
    // An error on a check's own lines fails that check whatever else fails; the rest is compiled
    // again, which confirms it or narrows down errors that could not be traced.
    const failed = new Map();
    for (const e of r.errors) {
      const who = e.line == null ? undefined : owner.get(e.line);
      if (who != null && !failed.has(who)) failed.set(who, e.message);
    }
    if (failed.size > 0) {
      for (const [who, message] of failed) verdict[indexes[who]] = { ok: false, message };
      solve(indexes.filter((_, k) => !failed.has(k)));
      return;
    }
    if (indexes.length === 1) {
      verdict[indexes[0]] = { ok: false, message: r.errors[0]?.message ?? r.stderr.trim().split('\n')[0] };
      return;
    }
    const half = Math.ceil(indexes.length / 2);
    solve(indexes.slice(0, half));
    solve(indexes.slice(half));
  };
  solve(unit.checks.map((_, i) => i));
  // Leave the whole unit on disk, as a record of what was compiled (--keep).
  compiler.write(unit.lang, unit.name, layout(unit, unit.checks).text);
  return verdict;
}
