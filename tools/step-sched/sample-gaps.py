#!/usr/bin/env python3
"""Was a slow minute step stalled below the guest? The profile's samples say.

    DOTNET_PerfMapEnabled=1 perf record -F 4999 -k CLOCK_MONOTONIC -o /tmp/cpu.data -- \\
        ./engine bench replay --store DIR --read-order minute --config C --step-spans /tmp/spans.txt
    perf script -i /tmp/cpu.data -F tid,time --ns > /tmp/samples.txt
    tools/step-sched/sample-gaps.py /tmp/spans.txt /tmp/samples.txt [--over-ms 5] [--hz 4999]

`perf record` samples on the guest's cpu-clock: while a thread runs, a sample every 1/hz s. For
every step over the threshold (wall; a supervision snapshot right after it included) this prints
its wall and the thread's own CPU ms (from the spans file), the samples of the shard's thread
inside it against those its CPU time should have drawn, and the longest stretch of the step with
no sample. The samples follow the guest's view of the CPU (the thread on a CPU, steal included);
the thread's CPU clock leaves out the steal the guest accounts. So a step

- whose CPU clock ran for (nearly) all its wall but that drew far fewer samples, with one long
  silent stretch, was paused beneath the guest, which charged the pause as the thread's CPU;
- whose wall is well above its CPU but whose samples cover the wall sat on its CPU throughout,
  and the rest was a pause below the guest that it accounted as steal;
- whose wall is well above its CPU and whose samples match the CPU waited in the guest, off its
  CPU (tools/step-sched/attribute.py says for whom);
- with its samples all there did the work.

`engine bench jitter` counts such pauses on an idle machine. docs/factor-core-rounds.md, "Twenty-eighth round".
"""
import bisect
import collections
import sys

from spans import read_spans


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    over_ms = float(argv[argv.index('--over-ms') + 1]) if '--over-ms' in argv else 5.0
    hz = float(argv[argv.index('--hz') + 1]) if '--hz' in argv else 4999.0
    spans = []
    for s in read_spans(argv[1]):
        if s.cpu_ms is None:
            sys.exit('the spans file has no step_ms / step_cpu_ms columns (an older bench)')
        spans.append((s.minute, s.shard, s.start, s.start + s.wall_ns, s.thread, s.wall_ns / 1e6, s.cpu_ms))
    threads = {s[4] for s in spans}
    samples = collections.defaultdict(list)
    for line in open(argv[2]):
        f = line.split()
        if len(f) < 2 or not f[0].isdigit() or int(f[0]) not in threads:
            continue
        samples[int(f[0])].append(round(float(f[1].rstrip(':')) * 1e9))
    if not samples:
        sys.exit('no samples of the shard threads in ' + argv[2])
    for t in samples.values():
        t.sort()
    first = min(t[0] for t in samples.values())
    last = max(t[-1] for t in samples.values())
    covered = [s for s in spans if s[2] >= first and s[3] <= last]
    slow = [s for s in covered if s[5] >= over_ms]
    print(f'steps in the profile: {len(covered)} of {len(spans)}; over {over_ms:g} ms: {len(slow)}')
    counts = collections.Counter()
    for minute, shard, start, end, thread, wall, cpu in sorted(slow, key=lambda s: -s[5]):
        ts = samples[thread]
        inside = ts[bisect.bisect_left(ts, start):bisect.bisect_right(ts, end)]
        edges = [start] + inside + [end]
        silent = max(b - a for a, b in zip(edges, edges[1:])) / 1e6
        expected = cpu * hz / 1000
        on_cpu = len(inside) * 1000 / hz  # the guest's view: ms the thread sat on a CPU in the step
        if wall - cpu > 1.0 and on_cpu >= 0.8 * wall - 0.4:
            kind = 'paused below the guest, accounted as steal (on its CPU throughout, its CPU clock stopped)'
        elif wall - cpu > 1.0:
            kind = 'waited in the guest (off its CPU)'
        elif len(inside) < 0.7 * expected and silent >= 1.0:
            kind = 'paused below the guest, charged as its CPU (a silent stretch)'
        else:
            kind = 'ran (its samples are there)'
        counts[kind] += 1
        print(f'minute {minute} shard {shard}: {wall:.2f} ms wall, {cpu:.2f} CPU; {len(inside)} samples of ≈ {expected:.0f}, '
              f'longest silence {silent:.2f} ms: {kind}')
    if slow:
        print('; '.join(f'{k}: {v}' for k, v in counts.most_common()))


if __name__ == '__main__':
    main(sys.argv)
