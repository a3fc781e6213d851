#!/usr/bin/env node
// How much of the OpenTok Linux SDK's C API node-otc's headers provide, judged by the compiler:
// for every function, struct field, enum value, typedef and macro of the SDK description
// (cpp/sdk-compat/sdk-2.19.1.json) small C and C++ probes are compiled against the headers under
// test (cpp/include: <opentok.h> once it exists, <otc/otc.h> until then). See
// cpp/sdk-compat/README.md.
//
//   node scripts/sdk-coverage.mjs [--out FILE] [--json] [--check FILE]
//        [--oracle FILE] [--include DIR] [--umbrella HEADER] [--cc CC] [--cxx CXX]
//        [--timeout SECONDS] [--no-nice] [--keep DIR] [--readme FILE | --readme-check FILE]
//        [--notes FILE]
//
// --readme rewrites the coverage table between the README's sdk-coverage markers (every SDK
// function and callback, with the behavioural notes of cpp/sdk-compat/behaviour-notes.txt);
// --readme-check only says whether that table is current.
//
// Exit status: 0; 1 when --check names an item that is not `same` or --readme-check finds the
// table stale; 2 on a usage or tool error.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { classify } from './sdk-coverage/classify.mjs';
import { Compiler, judge } from './sdk-coverage/compile.mjs';
import { describe } from './sdk-coverage/describe.mjs';
import { flattenOracle, headerOrder, loadOracle } from './sdk-coverage/oracle.mjs';
import { C_PRELUDE, CXX_PRELUDE, checksFor } from './sdk-coverage/probes.mjs';
import { projectAdditions, readBehaviourNotes, renderReadmeTable, spliceReadme } from './sdk-coverage/readme-table.mjs';
import { readRequired, unmetRequirements } from './sdk-coverage/required.mjs';
import { renderJson, renderMarkdown } from './sdk-coverage/report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: node scripts/sdk-coverage.mjs [--out FILE] [--json] [--check FILE] [--oracle FILE]
  [--include DIR] [--umbrella HEADER] [--cc CC] [--cxx CXX] [--timeout SECONDS] [--no-nice] [--keep DIR]
  [--readme FILE | --readme-check FILE] [--notes FILE]`;

function options() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      check: { type: 'string' },
      oracle: { type: 'string', default: join(root, 'cpp/sdk-compat/sdk-2.19.1.json') },
      include: { type: 'string', default: join(root, 'cpp/include') },
      umbrella: { type: 'string' },
      cc: { type: 'string', default: process.env.CC || 'gcc' },
      cxx: { type: 'string', default: process.env.CXX || 'g++' },
      timeout: { type: 'string', default: '120' },
      'no-nice': { type: 'boolean', default: false },
      keep: { type: 'string' },
      readme: { type: 'string' },
      'readme-check': { type: 'string' },
      notes: { type: 'string', default: join(root, 'cpp/sdk-compat/behaviour-notes.txt') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) throw new Error(`--timeout must be a positive number of seconds, not ${values.timeout}`);
  if (values.readme && values['readme-check']) throw new Error('--readme and --readme-check exclude each other');
  return { ...values, includeDir: resolve(values.include), oracle: resolve(values.oracle), timeoutMs: timeout * 1000 };
}

/** The header the probes include: --umbrella, else the SDK's umbrella (opentok.h) once the
 *  headers under test have one, else node-otc's own. */
function umbrellaHeader(opts, oracle) {
  const umbrella = opts.umbrella
    ?? (oracle.umbrella && existsSync(join(opts.includeDir, oracle.umbrella)) ? oracle.umbrella : 'otc/otc.h');
  if (!existsSync(join(opts.includeDir, umbrella))) throw new Error(`no ${umbrella} in ${opts.includeDir}`);
  return umbrella;
}

/** A path as the report shows it: relative to the repository when inside it. */
const shown = (p) => { const r = relative(root, p); return r && !r.startsWith('..') && !isAbsolute(r) ? r : p; };

function main() {
  const opts = options();
  const started = Date.now();
  const oracle = loadOracle(opts.oracle);
  const umbrella = umbrellaHeader(opts, oracle);
  const items = flattenOracle(oracle);
  const headers = headerOrder(oracle, items);
  const workDir = opts.keep ? resolve(opts.keep) : mkdtempSync(join(tmpdir(), 'otc-sdk-coverage-'));
  mkdirSync(workDir, { recursive: true });
  try {
    const compiler = new Compiler({
      cc: opts.cc, cxx: opts.cxx, includeDir: opts.includeDir, timeoutMs: opts.timeoutMs,
      niceness: opts['no-nice'] ? null : 19, workDir,
    });
    const compilers = { c: compiler.version('c'), cpp: compiler.version('cpp') };
    const head = [`#include <${umbrella}>`];
    let uidCount = 0;
    const uid = () => `otc_probe_${++uidCount}`;

    // One C and one C++ unit per SDK header.
    const results = new Map();
    for (const header of headers) {
      const checks = items.filter((i) => i.header === header).flatMap((item) => checksFor(item, uid).map((c) => ({ ...c, item })));
      for (const lang of ['c', 'cpp']) {
        const mine = checks.filter((c) => c.lang === lang);
        if (mine.length === 0) continue;
        const name = header.replace(/[^A-Za-z0-9]+/g, '_');
        const unit = { lang, name, head, prelude: lang === 'c' ? C_PRELUDE : CXX_PRELUDE, checks: mine };
        judge(compiler, unit).forEach((v, i) => results.set(`${mine[i].item.id}|${mine[i].check}|${lang}`, v));
      }
    }

    const passed = (item, check, langs) => langs.every((l) => results.get(`${item.id}|${check}|${l}`)?.ok);
    const exists = (item) => {
      switch (item.kind) {
        case 'struct': case 'field': return passed(item, 'exists', ['c', 'cpp']);
        case 'macro': return passed(item, 'value', ['cpp']);
        case 'include': return false;
        default: return passed(item, 'exists', ['cpp']);
      }
    };
    const facts = describe(compiler, head, items, exists);
    const classified = classify(items, results, facts);

    const run = {
      sdk: oracle.sdk, version: oracle.version, results: classified, headers, umbrella, compilers,
      oracleFile: shown(opts.oracle), includeDir: shown(opts.includeDir),
      command: ['node scripts/sdk-coverage.mjs', ...process.argv.slice(2)].join(' '),
    };
    const text = opts.json ? renderJson(run) : renderMarkdown(run);
    const readmePath = opts.readme ?? opts['readme-check'];
    if (opts.out) writeFileSync(opts.out, text.endsWith('\n') ? text : `${text}\n`);
    else if (!opts.check && !readmePath) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    console.error(`sdk-coverage: ${items.length} items, ${compiler.compiles} compiles, ${((Date.now() - started) / 1000).toFixed(1)} s`);

    if (readmePath) {
      const sdkFunctions = new Set(items.filter((i) => i.kind === 'function').map((i) => i.name));
      const additions = projectAdditions({ cc: opts.cc, includeDir: opts.includeDir, umbrella, workDir, sdkFunctions });
      const section = renderReadmeTable(run, readBehaviourNotes(opts.notes, classified), additions);
      const { text: readme, changed } = spliceReadme(readFileSync(readmePath, 'utf8'), section, readmePath);
      if (opts.readme) {
        if (changed) writeFileSync(readmePath, readme);
        console.log(`sdk-coverage --readme: ${readmePath} ${changed ? 'updated' : 'already current'}`);
      } else if (changed) {
        console.error(`sdk-coverage --readme-check: the coverage table in ${readmePath} is stale; run node scripts/sdk-coverage.mjs --readme ${readmePath}`);
        return 1;
      } else {
        console.log(`sdk-coverage --readme-check: ${readmePath} is current`);
      }
    }

    if (opts.check) {
      const required = readRequired(opts.check);
      const unmet = unmetRequirements(required, classified);
      for (const u of unmet) {
        console.error(`${opts.check}:${u.line}: ${u.id ?? u.pattern}${u.status ? ` is ${u.status}` : ''}${u.note ? ` (${u.note})` : ''}`);
      }
      console.log(`sdk-coverage --check: ${required.length} requirement line(s), ${unmet.length} unmet`);
      return unmet.length ? 1 : 0;
    }
    return 0;
  } finally {
    if (!opts.keep) rmSync(workDir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`sdk-coverage: ${err.message}`);
  process.exitCode = 2;
}
