import { readFileSync } from 'node:fs';
// What the benchmarks read of a process from /proc (Linux): its CPU time.

/** USER_HZ on Linux: /proc/<pid>/stat counts CPU time in these ticks per second. */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in seconds (undefined once it is gone). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it start past its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
