"""Times whole commands: median wall time over several runs and the largest
resident set any run reached. Shared by the *_command.py benchmarks."""
import os
import resource
import statistics
import subprocess
import time


def time_command(argv, runs, cwd=None):
    """Runs argv `runs` times; returns (median_s, min_s, max_s, peak_mib)."""
    times = []
    peak_kib = 0
    for _ in range(runs):
        start = time.perf_counter()
        pid = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL).pid
        _, status, usage = os.wait4(pid, 0)
        times.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) not in (0, 2):
            raise SystemExit(f"{argv[0]} failed: exit {status}")
        peak_kib = max(peak_kib, usage.ru_maxrss)
    return (statistics.median(times), min(times), max(times), peak_kib / 1024)


def report(title, figures):
    median, low, high, peak = figures
    print(f"{title}\n  wall: median {median * 1000:.1f} ms, "
          f"min {low * 1000:.1f} ms, max {high * 1000:.1f} ms; "
          f"peak RSS {peak:.0f} MiB")


def default_occam(here):
    return os.path.join(here, "..", "build", "release", "cli", "occam")
