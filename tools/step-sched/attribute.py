#!/usr/bin/env python3
"""Who had the CPUs while a slow minute step ran.

    perf record -k CLOCK_MONOTONIC -e sched:sched_switch -a -o /tmp/sched.data -- sleep 40 &
    ./engine bench replay --store DIR --read-order minute --config C --step-spans /tmp/spans.txt
    perf script -i /tmp/sched.data -F tid,cpu,time,event,trace --ns > /tmp/sched.txt
    tools/step-sched/attribute.py /tmp/spans.txt /tmp/sched.txt [--over-ms 5]

For every step over the threshold (wall, the bench table's figure: a supervision snapshot taken
right after the evaluation included, and said when there was one) that the trace covers: how long
the shard's own thread was on a CPU, and which other threads ran on each CPU inside the step (thread names with
their trailing digits dropped). A step on its CPU for less than its wall waited for whatever ran
on that CPU; a step on its CPU for all of it but slow anyway ran slowly (its own work, or a stall
below the guest while something else ran on the other CPU). Also the total time kdamond (the
kernel's DAMON monitor) ran in the trace. docs/factor-core-rounds.md, "Twenty-fifth round".
"""
import collections
import re
import sys

from spans import read_spans

SWITCH = re.compile(r'\s*\d+\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch:\s+prev_comm=.*? prev_pid=\d+ '
                    r'prev_prio=\d+ prev_state=\S+ ==> next_comm=(.*?) next_pid=(\d+)')


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    over_ms = float(argv[argv.index('--over-ms') + 1]) if '--over-ms' in argv else 5.0
    spans = [(s.minute, s.shard, s.start, s.span_end, s.thread, s.wall_ns) for s in read_spans(argv[1])]
    runs = collections.defaultdict(list)  # cpu -> [(start_ns, end_ns, name, tid)]
    current = {}
    for line in open(argv[2]):
        m = SWITCH.match(line)
        if not m:
            continue
        cpu, t, name, tid = int(m.group(1)), round(float(m.group(2)) * 1e9), m.group(3), int(m.group(4))
        if cpu in current:
            runs[cpu].append((current[cpu][0], t, current[cpu][1], current[cpu][2]))
        current[cpu] = (t, name, tid)
    if not runs:
        sys.exit('no sched_switch events in ' + argv[2])
    first = min(r[0][0] for r in runs.values())
    last = max(r[-1][1] for r in runs.values())
    covered = [s for s in spans if s[2] >= first and s[2] + s[5] <= last]
    kdamond = sum(e - s for r in runs.values() for s, e, name, _ in r if name.startswith('kdamond'))
    print(f'steps in the trace: {len(covered)} of {len(spans)}; kdamond ran {kdamond / 1e6:.1f} ms in {(last - first) / 1e9:.1f} s')
    for minute, shard, start, span_end, thread, step in covered:
        wall, end = step / 1e6, start + max(step, span_end - start)
        if wall < over_ms:
            continue
        snapshot = (end - span_end) / 1e6
        own, others = 0, collections.Counter()
        for cpu, r in runs.items():
            for s, e, name, tid in r:
                overlap = min(e, end) - max(s, start)
                if overlap <= 0:
                    continue
                if tid == thread:
                    own += overlap
                else:
                    others[(cpu, re.sub(r'[/\d]+$', '', name))] += overlap
        who = ', '.join(f'cpu{cpu} {name} {ns / 1e6:.2f}' for (cpu, name), ns in others.most_common(5))
        after = f' (a supervision snapshot after the evaluation: {snapshot:.2f} ms)' if snapshot >= 0.05 else ''
        print(f'minute {minute} shard {shard}: wall {wall:.2f} ms{after}, on a CPU {own / 1e6:.2f} ms; others: {who}')


if __name__ == '__main__':
    main(sys.argv)
