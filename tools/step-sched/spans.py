"""The steps of a `bench replay --step-spans FILE` file, for attribute.py and sample-gaps.py."""
import collections

Step = collections.namedtuple('Step', 'minute shard start span_end thread wall_ns cpu_ms')


def read_spans(path):
    """One Step per line: the span's start and end (CLOCK_MONOTONIC ns), the shard's OS thread, the
    step's whole wall in ns (a supervision snapshot after the span included; the span alone in files
    without it) and its CPU ms (None in files without it)."""
    steps = []
    for line in open(path):
        if line.startswith('#'):
            continue
        f = line.split()
        minute, shard, start, end, thread = (int(x) for x in f[:5])
        wall = round(float(f[5]) * 1e6) if len(f) > 5 else end - start
        steps.append(Step(minute, shard, start, end, thread, max(wall, end - start) if len(f) > 5 else wall,
                          float(f[6]) if len(f) > 6 else None))
    return steps
