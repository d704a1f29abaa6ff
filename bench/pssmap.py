#!/usr/bin/env python3
"""What a running process's memory (PSS) is made of, from /proc/PID/smaps,
in the groups BENCHMARKS.md reports: the program's code and constant data
(file-backed, touched pages only), its relocated data (.data.rel.ro and
.data, private copies), shared libraries, the malloc heap (glibc's main heap
and its per-thread arenas), thread stacks, the window's pixel buffer (the X
shared-memory segment softbuffer draws into), and other anonymous memory.

usage: pssmap.py PID [BINARY_PATH]   prints one JSON object (KiB per group)
"""
import json, os, re, sys

def groups(pid: int, binary: str) -> dict:
    out: dict = {}
    maps = []
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if m:
                cur = {"perm": m.group(3), "name": m.group(4).strip(), "pss": 0, "anon": 0,
                       "size": int(m.group(2), 16) - int(m.group(1), 16)}
                maps.append(cur)
            elif line.startswith("Pss:") and cur is not None:
                cur["pss"] += int(line.split()[1])
            elif line.startswith("Anonymous:") and cur is not None:
                cur["anon"] += int(line.split()[1])
    for m in maps:
        name, perm = m["name"], m["perm"]
        if name and (os.path.realpath(name) == os.path.realpath(binary) if binary else name.endswith("/ghiseu")):
            # Pages of the file as mapped, or private copies made by relocation.
            key = "program: relocated data" if m["anon"] or "w" in perm else "program: code and constants"
        elif name == "[heap]":
            key = "malloc heap"
        elif name == "[stack]":
            key = "thread stacks"
        elif "softbuffer" in name or name.startswith("/dev/shm") or name.startswith("/SYSV"):
            key = "window pixel buffer (X shm)"
        elif name.startswith("/") and (".so" in name):
            key = "shared libraries"
        elif name.startswith("/"):
            key = "other files (fonts, caches)"
        elif name == "" and m["size"] >= 0x1000000:
            key = "malloc heap"  # a thread arena (64 MiB reserved)
        elif name == "" and 0x100000 <= m["size"] < 0x900000:
            key = "thread stacks"  # 2 MiB (+ guard) per thread, a few pages touched
        else:
            key = "other anonymous"
        out[key] = out.get(key, 0) + m["pss"]
    out["total"] = sum(v for k, v in out.items())
    return out

if __name__ == "__main__":
    pid = int(sys.argv[1])
    binary = sys.argv[2] if len(sys.argv) > 2 else ""
    print(json.dumps(groups(pid, binary)))
