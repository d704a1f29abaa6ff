#!/usr/bin/env python3
"""Start-up time and memory of a kiosk program under Xvfb, measured the same
way for ghiseu and for Chromium: launch the command, grab the X screen every
20 ms (xwd) until it shows the form (more than 40 distinct colours, where a
blank screen has one), then wait 5 s and sum the PSS of the whole process
tree from /proc/PID/smaps_rollup. Prints one JSON line.

usage: startmem.py NAME -- COMMAND...   (DISPLAY must name the Xvfb screen)
"""
import json, os, signal, subprocess, sys, time

def colours(xwd: bytes) -> int:
    # xwd: a 100-byte header plus the window name, then 32-bit pixels; sample every 7th pixel.
    header = int.from_bytes(xwd[0:4], "big")
    ncolors = int.from_bytes(xwd[76:80], "big")
    pixels = xwd[header + ncolors * 12:]
    return len({pixels[i:i + 3] for i in range(0, len(pixels) - 4, 28)})

def tree(pid: int) -> list[int]:
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out

def pss_kib(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total

def main() -> None:
    name, cmd = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    blank = colours(subprocess.run(["xwd", "-root", "-silent"], capture_output=True, check=True).stdout)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    shown = None
    while time.monotonic() - t0 < 60:
        shot = subprocess.run(["xwd", "-root", "-silent"], capture_output=True).stdout
        if shot and colours(shot) > max(40, blank * 4):
            shown = time.monotonic() - t0
            break
        time.sleep(0.02)
    time.sleep(5)
    pids = tree(proc.pid)
    pss = pss_kib(pids)
    parts = None
    if len(pids) == 1:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import pssmap
        try:
            parts = pssmap.groups(pids[0], cmd[0])
        except OSError:
            parts = None
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    print(json.dumps({"name": name, "first_frame_s": shown, "pss_mib": round(pss / 1024, 1), "processes": len(pids), "parts_kib": parts}))

if __name__ == "__main__":
    main()
