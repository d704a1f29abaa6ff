#!/usr/bin/env python3
"""Peak memory of a command's whole process tree while it runs: the PSS from
/proc/PID/smaps_rollup summed over the tree, sampled every 10 ms, and the
moment of the peak. Prints one JSON line. Used for the kiosk's peak while a
page is processed (`ghiseu demo --headless DIR` takes one from the simulated
camera); startmem.py measures the settled start instead.

usage: peakpss.py NAME -- COMMAND...
"""
import json, subprocess, sys, time

from startmem import pss_kib, tree


def main() -> None:
    name, cmd = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, at, samples = 0, 0.0, []
    while proc.poll() is None:
        pss = pss_kib(tree(proc.pid))
        now = time.monotonic() - t0
        samples.append(pss)
        if pss > peak:
            peak, at = pss, now
        time.sleep(0.01)
    settled = sorted(samples)[len(samples) // 2] if samples else 0
    print(json.dumps({
        "name": name,
        "exit": proc.returncode,
        "seconds": round(time.monotonic() - t0, 1),
        "peak_pss_mib": round(peak / 1024, 1),
        "peak_at_s": round(at, 1),
        "median_pss_mib": round(settled / 1024, 1),
        "samples": len(samples),
    }))


if __name__ == "__main__":
    main()
