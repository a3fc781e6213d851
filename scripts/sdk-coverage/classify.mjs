// Turns check verdicts into one status per item, and a note that says what differs.
//   function:   same | different | missing   (same: a pointer of the SDK's exact type can be
//                                             initialised from it in C and in C++)
//   field:      same | different-type | different-offset | missing
//   enumerator: same | different-value | missing
//   struct, enum, typedef: same | different | missing     macro: same | different-value | missing
//   include:    same | missing

/** results: Map `${id}|${check}|${lang}` -> { ok, message }; facts: Map id -> described facts. */
export function classify(items, results, facts) {
  const byId = new Map(items.map((i) => [i.id, i]));
  const out = new Map();
  const ok = (item, check, langs = ['c', 'cpp']) => langs.every((l) => {
    const r = results.get(`${item.id}|${check}|${l}`);
    return r ? r.ok : true;
  });
  const message = (item, check, lang) => results.get(`${item.id}|${check}|${lang}`)?.message;
  const set = (item, status, notes = []) => out.set(item.id, { status, note: notes.filter(Boolean).join('; ') });

  // SDK types a signature or field type names that the headers under test lack: the usual
  // reason for a difference, worth saying.
  const undeclared = (typeText) => {
    const names = new Set();
    for (const m of typeText.matchAll(/\b(struct|enum)\s+(\w+)/g)) names.add(`${m[1]}:${m[2]}`);
    for (const m of typeText.matchAll(/\b([A-Za-z_]\w*)\b/g)) names.add(`typedef:${m[1]}`);
    const lacking = [];
    for (const key of names) {
      const dep = byId.get(key);
      if (dep && !ok(dep, 'exists', dep.kind === 'struct' ? ['c', 'cpp'] : ['cpp'])) {
        lacking.push(`${dep.kind === 'typedef' ? '' : `${dep.kind} `}${dep.name}`);
      }
    }
    return lacking.length ? `SDK type${lacking.length > 1 ? 's' : ''} not declared: ${lacking.join(', ')}` : '';
  };

  // Enumerators and fields first: an enum's or struct's verdict sums up its members'.
  const order = ['include', 'typedef', 'enumerator', 'enum', 'field', 'struct', 'function', 'macro'];
  const sorted = [...items].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  for (const item of sorted) {
    const f = facts.get(item.id) ?? {};
    switch (item.kind) {
      case 'include':
        if (!results.has(`${item.id}|defined|c`)) set(item, 'missing', ['no probe for this header']);
        else if (ok(item, 'defined')) set(item, 'same');
        else set(item, 'missing', [`<${item.name}> is not included by the umbrella header`]);
        break;
      case 'typedef':
        if (!ok(item, 'exists', ['cpp'])) set(item, 'missing');
        else if (ok(item, 'type')) set(item, 'same');
        else set(item, 'different', [`ours: ${f.type ?? '?'} (SDK ${item.type})`]);
        break;
      case 'enumerator': {
        if (!ok(item, 'exists', ['cpp'])) { set(item, 'missing'); break; }
        const where = ok(item, 'member', ['cpp']) ? ''
          : f.macro ? `a macro, not an enumerator of enum ${item.enumName}`
            : `declared in ${f.type && f.type !== 'int' ? `enum ${f.type}` : `another type (${f.type ?? '?'})`}, not enum ${item.enumName}`;
        if (ok(item, 'value')) set(item, 'same', [where]);
        else set(item, 'different-value', [`ours ${f.value ?? '?'} (SDK ${item.value})`, where]);
        break;
      }
      case 'enum': {
        if (!ok(item, 'exists', ['cpp'])) { set(item, 'missing'); break; }
        const members = item.enumerators.map((n) => byId.get(`enumerator:${n}`));
        const good = members.filter((m) => out.get(m.id).status === 'same' && ok(m, 'member', ['cpp']));
        const sizeOk = ok(item, 'size');
        if (sizeOk && good.length === members.length) { set(item, 'same'); break; }
        set(item, 'different', [
          sizeOk ? '' : `size ${f.size ?? '?'} (SDK ${item.size})`,
          `${good.length} of ${members.length} enumerators same, with the same value, in this enum`,
        ]);
        break;
      }
      case 'field': {
        if (!ok(item, 'exists')) {
          set(item, 'missing', [ok(byId.get(`struct:${item.structName}`), 'exists') ? '' : `no struct ${item.structName}`]);
          break;
        }
        const typeOk = ok(item, 'type');
        const offsetOk = ok(item, 'offset');
        const offsetNote = offsetOk ? '' : `offset ${f.offset ?? '?'} (SDK ${item.offset})`;
        if (!typeOk) set(item, 'different-type', [`ours: ${f.type ?? '?'} (SDK ${item.type})`, offsetNote, undeclared(item.type)]);
        else if (!offsetOk) set(item, 'different-offset', [offsetNote]);
        else set(item, 'same');
        break;
      }
      case 'struct': {
        if (!ok(item, 'exists')) { set(item, 'missing'); break; }
        const fields = item.fields.map((n) => out.get(`field:${item.name}.${n}`).status);
        const same = fields.filter((s) => s === 'same').length;
        const layoutOk = ok(item, 'size') && ok(item, 'align');
        if (layoutOk && same === fields.length) { set(item, 'same'); break; }
        set(item, 'different', [
          ok(item, 'size') ? '' : `size ${f.size ?? '?'} (SDK ${item.size})`,
          ok(item, 'align') ? '' : `align ${f.align ?? '?'} (SDK ${item.align})`,
          `${same} of ${fields.length} fields same`,
        ]);
        break;
      }
      case 'function': {
        if (!ok(item, 'exists', ['cpp'])) { set(item, 'missing'); break; }
        const inC = ok(item, 'pointer', ['c']);
        const inCxx = ok(item, 'pointer', ['cpp']);
        if (inC && inCxx) { set(item, 'same'); break; }
        const notes = [];
        if (!ok(item, 'returns', ['cpp'])) notes.push(`returns ${f.returns ?? '?'} (SDK ${item.returns})`);
        if (!ok(item, 'arity', ['cpp'])) {
          notes.push(`${f.params ? f.params.length : '?'} parameters (SDK ${item.params.length})${f.params ? `: (${f.params.join(', ')})` : ''}`);
        } else {
          item.params.forEach((p, i) => {
            if (!ok(item, `param${i + 1}`, ['cpp'])) notes.push(`parameter ${i + 1} is ${f.params?.[i] ?? '?'} (SDK ${p})`);
          });
        }
        if (inCxx && !inC) notes.push(`C rejects it: ${message(item, 'pointer', 'c')}`);
        if (inC && !inCxx) notes.push('C accepts it, C++ does not');
        if (notes.length === 0) notes.push(message(item, 'pointer', inCxx ? 'c' : 'cpp'));
        notes.push(undeclared([item.returns, ...item.params].join(', ')));
        set(item, 'different', notes);
        break;
      }
      case 'macro':
        if (!ok(item, 'defined')) set(item, 'missing', [ok(item, 'value') ? 'declared, but not as a macro' : '']);
        else if (ok(item, 'value')) set(item, 'same');
        else set(item, 'different-value', [`ours ${f.value ?? `? (${message(item, 'value', 'cpp')})`} (SDK ${item.value})`]);
        break;
      default:
        throw new Error(`unknown item kind ${item.kind}`);
    }
  }
  return items.map((item) => ({ ...item, ...out.get(item.id) }));
}
