"""process_* metrics for a whole process tree (Gunicorn master + workers), read from /proc.

With one Uvicorn process, prometheus_client's own ProcessCollector describes the service. Under
Gunicorn each worker's collector sees only itself, and the multiprocess registry has none, so
this collector sums CPU time and resident memory over the master and its live children: the
same family names and meaning (the service's CPU and memory) in every mode. CPU time of workers
that have already exited is not included (Gunicorn restarts none unless one crashes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return out


def _cpu_rss(pid: int) -> tuple[float, int]:
    """(utime + stime in seconds, resident bytes) of one process; (0, 0) if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0.0, 0
    # the command name (field 2) may contain spaces: split after its closing parenthesis
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime, rss_pages = int(fields[11]), int(fields[12]), int(fields[21])
    return (utime + stime) / _TICKS, rss_pages * _PAGE


class ProcessTreeCollector(Collector):
    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        cpu, rss = 0.0, 0
        for pid in [self.root_pid, *_children(self.root_pid)]:
            c, r = _cpu_rss(pid)
            cpu += c
            rss += r
        yield CounterMetricFamily(
            "process_cpu_seconds_total",
            "Total user and system CPU time spent in seconds (all processes of the service).",
            value=cpu,
        )
        yield GaugeMetricFamily(
            "process_resident_memory_bytes",
            "Resident memory size in bytes (all processes of the service).",
            value=rss,
        )
