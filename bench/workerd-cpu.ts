/**
 * CPU time of the workerd processes a bench starts, read from /proc (Linux only).
 *
 * On a shared machine wall time swings with the load of other processes; the CPU time workerd
 * spends per event moves much less, so benches report it beside their wall-clock figures.
 *
 * @example
 * const before = workerdCpuMs(wranglerPid);
 * await sendBatches();
 * const usPerEvent = ((workerdCpuMs(wranglerPid)! - before!) / events) * 1000;
 */
import { readFileSync, readdirSync } from "node:fs";

/** `/proc/<pid>/stat` counts CPU time in clock ticks of 10 ms (USER_HZ 100 on Linux). */
const MS_PER_TICK = 10;

/**
 * CPU time (user + system, ms) of the workerd processes descending from `root` (for example
 * `wrangler dev`'s pid, or this process's for Miniflare's workerd); `undefined` without /proc.
 * Processes that already exited are not counted, so read it while they run.
 */
export function workerdCpuMs(root: number): number | undefined {
  let names: string[];
  try {
    names = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const procs = new Map<number, { parent: number; workerd: boolean; ms: number }>();
  for (const pid of names) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command name: state, ppid, ..., utime (14th), stime (15th), in ticks.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.set(Number(pid), {
        parent: Number(fields[1]),
        workerd: stat.includes("(workerd)"),
        ms: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK,
      });
    } catch {
      // the process ended
    }
  }
  let total = 0;
  for (const p of procs.values()) {
    if (!p.workerd) continue;
    for (let up: number | undefined = p.parent, depth = 0; up && depth < 8; depth++) {
      if (up === root) {
        total += p.ms;
        break;
      }
      up = procs.get(up)?.parent;
    }
  }
  return total;
}
