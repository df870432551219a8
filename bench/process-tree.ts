/**
 * Reads the process table from /proc (Linux): who descends from whom, what each
 * runs, and its memory. The benchmark measures runtime children with it; the
 * reliability and orphan tests find and judge runtime processes with it.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The kernel's short name (comm): "workerd", "viceroy", "redis-server". */
  name: string;
  /** R, S, T (stopped), Z (zombie), … */
  state: string;
  /** Clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTime: number;
  cmdline: string;
}

/** One process, or null when it is gone (or unreadable). */
export function processInfo(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {}
    return { pid, ppid: Number(fields[1]), name, state: fields[0], startTime: Number(fields[19]), cmdline };
  } catch {
    return null;
  }
}

export function allProcesses(): ProcessInfo[] {
  const list: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = processInfo(Number(entry));
    if (info) list.push(info);
  }
  return list;
}

/** Every live process below `root` (children, grandchildren, …), zombies excluded. */
export function descendants(root: number): ProcessInfo[] {
  const all = allProcesses();
  const found: ProcessInfo[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (parents.has(info.ppid) && !parents.has(info.pid)) {
        parents.add(info.pid);
        if (info.state !== 'Z') found.push(info);
        grew = true;
      }
    }
  }
  return found;
}

/** Still running as the same process (not exited, not a zombie, pid not reused)? */
export function stillRunning(info: Pick<ProcessInfo, 'pid' | 'startTime'>): boolean {
  const now = processInfo(info.pid);
  return now !== null && now.startTime === info.startTime && now.state !== 'Z';
}

/**
 * A process's environment as NAME=value entries; null when there is none to read: the process is
 * gone, or exiting (its memory, and so its environment, already released), or not ours to read.
 */
export function environment(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/environ`, 'utf8');
    return text ? text.split('\0') : null;
  } catch {
    return null;
  }
}

/** A /proc/<pid>/status memory field in KiB: VmHWM (peak RSS) or VmRSS; null when unreadable. */
export function memoryKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
