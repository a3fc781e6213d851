// The --check file: item ids that must be `same`, one a line; `*` matches any run of characters
// (e.g. `function:otc_session_*`, `field:otc_session_callbacks.*`); `#` starts a comment. A
// pattern that matches no item is an error too, so that a typo cannot pass silently.
import { readFileSync } from 'node:fs';

export function readRequired(path) {
  return readFileSync(path, 'utf8').split('\n')
    .map((l, i) => ({ pattern: l.replace(/#.*/, '').trim(), line: i + 1 }))
    .filter((p) => p.pattern);
}

const toRegExp = (pattern) => new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/** The requirements not met: [{ pattern, line, id?, status?, note? }]. */
export function unmetRequirements(required, results) {
  const unmet = [];
  for (const req of required) {
    const re = toRegExp(req.pattern);
    const matched = results.filter((r) => re.test(r.id));
    if (matched.length === 0) unmet.push({ ...req, note: 'matches no item of the SDK description' });
    for (const r of matched) {
      if (r.status !== 'same') unmet.push({ ...req, id: r.id, status: r.status, note: r.note });
    }
  }
  return unmet;
}
