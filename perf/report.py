#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Aggregates the benchmarks' JSON lines into results.json / results.csv,
draws the plots with gnuplot and writes report.md.

usage: report.py --raw DIR --out DIR --report FILE --meta KEY=VALUE ...

Every raw file is <bench>-<run>.jsonl (one JSON object per line, as printed
by perf/bench.c). Points are grouped by (bench, case, x_name, x, fixed):
across runs the figure is the minimum of the per-run minima and the median of
the per-run medians; ratios likewise. Also usable as a checker: --check FILE
validates one raw file and exits non-zero when a line is malformed or a
point says ok=false (the meson 'perf' test uses it).
"""
import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys

FIELDS = {
    "bench": str, "case": str, "unit": str, "x_name": (str, type(None)),
    "x": (int, float), "fixed": (str, type(None)), "reps": int,
    "min": (int, float), "median": (int, float), "baseline": (str, type(None)),
    "baseline_min": (int, float, type(None)), "baseline_median": (int, float, type(None)),
    "ratio_median": (int, float, type(None)), "ratio_min": (int, float, type(None)),
    "tsc_hz": int, "hugepages": bool, "ok": bool, "note": (str, type(None)),
}

# Issue 3's targets, checked against the aggregated figures.
TARGETS = [
    # (title, bench, case, x_name, x, field, op, limit, how it is read)
    ("MHAE verification, 64 B, bursts of 32", "auth", "ipsecmb_batch", "size", 64,
     "median", "<=", 350, "cycles/msg"),
    ("MHAE verification, 128 B, bursts of 32", "auth", "ipsecmb_batch", "size", 128,
     "median", "<=", 350, "cycles/msg"),
    ("MHAE batched vs libmip scalar, 64 B", "auth", "libmip_scalar", "size", 64,
     "ratio_median", ">=", 2.5, "x faster (scalar / batched)"),
    ("MHAE batched vs libmip scalar, 128 B", "auth", "libmip_scalar", "size", 128,
     "ratio_median", ">=", 2.5, "x faster (scalar / batched)"),
    ("Full re-registration, 100k MNs, burst 32", "reg", "reg_fastpath", "mns", 100000,
     "median", "<=", 900, "cycles/reg"),
    ("Encapsulation, 1M bindings, vs plain rx->tx loop", "tunnel", "encap", "bindings",
     1000000, "ratio_median", "<=", 1.8, "x the plain loop"),
    ("Memory, 1M bindings with SAs (2 keys each)", "mem", "heap_total", "bindings", 1000000,
     "median", "<=", 512, "MiB"),
]


def check_line(obj):
    """Returns None or what is wrong with one parsed line."""
    if not isinstance(obj, dict):
        return "not an object"
    for k, t in FIELDS.items():
        if k not in obj:
            return "missing %s" % k
        if not isinstance(obj[k], t) or (t is int and isinstance(obj[k], bool)):
            return "%s has the wrong type" % k
    for k in ("min", "median"):
        if not math.isfinite(obj[k]) or obj[k] < 0:
            return "%s is not a finite non-negative number" % k
    if obj["reps"] < 1 or obj["min"] > obj["median"] + 1e-9:
        return "reps < 1 or min > median"
    if obj["baseline"] is not None and obj["baseline_median"] is not None:
        if obj["ratio_median"] is None or obj["ratio_median"] <= 0:
            return "baseline without a ratio"
    return None


def check_file(path, expect_benches):
    n = 0
    seen = set()
    with open(path) as f:
        for i, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                print("%s:%d: not JSON: %s" % (path, i, e))
                return 1
            why = check_line(obj)
            if why is not None:
                print("%s:%d: %s" % (path, i, why))
                return 1
            if not obj["ok"]:
                print("%s:%d: %s/%s x=%s says ok=false" % (path, i, obj["bench"], obj["case"],
                                                         obj["x"]))
                return 1
            seen.add(obj["bench"])
            n += 1
    if n == 0:
        print("%s: no results" % path)
        return 1
    missing = set(expect_benches) - seen
    if missing:
        print("%s: no lines of %s" % (path, ",".join(sorted(missing))))
        return 1
    print("%s: %d well-formed results" % (path, n))
    return 0


def load(raw):
    groups = {}
    order = []
    for name in sorted(os.listdir(raw)):
        if not name.endswith(".jsonl"):
            continue
        run = name[:-6].rsplit("-", 1)[-1]
        with open(os.path.join(raw, name)) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if check_line(obj) is not None:
                    continue
                key = (obj["bench"], obj["case"], obj["x_name"], obj["x"], obj["fixed"])
                if key not in groups:
                    groups[key] = []
                    order.append(key)
                obj["run"] = run
                groups[key].append(obj)
    out = []
    for key in order:
        rs = groups[key]
        first = rs[0]

        def agg(field, fn):
            vals = [r[field] for r in rs if r.get(field) is not None]
            return fn(vals) if vals else None

        out.append({
            "bench": key[0], "case": key[1], "x_name": key[2], "x": key[3], "fixed": key[4],
            "unit": first["unit"], "runs": len(rs), "reps_per_run": first["reps"],
            "min": agg("min", min), "median": agg("median", statistics.median),
            "baseline": first["baseline"],
            "baseline_min": agg("baseline_min", min),
            "baseline_median": agg("baseline_median", statistics.median),
            "ratio_median": agg("ratio_median", statistics.median),
            "ratio_min": agg("ratio_min", min),
            "ok": all(r["ok"] for r in rs), "hugepages": all(r["hugepages"] for r in rs),
            "tsc_hz": first["tsc_hz"], "note": first["note"],
            "per_run_median": [r["median"] for r in rs],
        })
    return out


def find(results, bench, case, x_name=None, x=None):
    for r in results:
        if r["bench"] == bench and r["case"] == case and \
           (x_name is None or r["x_name"] == x_name) and (x is None or r["x"] == x):
            return r
    return None


def series(results, bench, case, x_name):
    return sorted(((r["x"], r) for r in results
                   if r["bench"] == bench and r["case"] == case and r["x_name"] == x_name),
                  key=lambda t: t[0])


def fmt(v, digits=0):
    if v is None:
        return "-"
    if digits == 0 and abs(v) >= 100:
        return "{:,.0f}".format(v)
    return "{:.{d}f}".format(v, d=max(digits, 1 if abs(v) < 100 else 0))


def fmtx(v):
    return "{:,.0f}".format(v) if v is not None else "-"


def plot(out_dir, name, title, xlabel, ylabel, lines, logx=False, logy=False):
    """lines: [(label, [(x, y), ...])]. Returns the PNG's file name or None."""
    lines = [(l, pts) for l, pts in lines if pts]
    if not lines:
        return None
    dat = os.path.join(out_dir, name + ".dat")
    with open(dat, "w") as f:
        for label, pts in lines:
            f.write("# %s\n" % label)
            for x, y in pts:
                f.write("%g %g\n" % (x, y))
            f.write("\n\n")
    png = name + ".png"
    script = [
        "set terminal pngcairo size 900,520 noenhanced font 'sans,10'",
        "set output '%s'" % os.path.join(out_dir, png),
        "set title '%s'" % title, "set xlabel '%s'" % xlabel, "set ylabel '%s'" % ylabel,
        "set grid", "set key outside right top",
    ]
    if logx:
        script.append("set logscale x")
        script.append("set format x '%.0s%c'")  # 1k, 100k, 1M
    if logy:
        script.append("set logscale y")
    plots = ["'%s' index %d using 1:2 with linespoints lw 2 title '%s'" % (dat, i, l)
             for i, (l, _) in enumerate(lines)]
    script.append("plot " + ", ".join(plots))
    try:
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: gnuplot failed for %s: %s" % (name, e), file=sys.stderr)
        return None
    return png


def pts(results, bench, case, x_name, field="median"):
    return [(x, r[field]) for x, r in series(results, bench, case, x_name)
            if r[field] is not None]


def make_plots(results, out_dir):
    p = {}
    p["auth_size"] = plot(out_dir, "auth_size", "MHAE verification (HMAC-MD5) by message size, bursts of 32",
                          "message bytes", "cycles/message (median)",
                          [(c, pts(results, "auth", c, "size")) for c in
                           ("ipsecmb_raw_jobs", "ipsecmb_batch", "nettle_precomp", "libmip_scalar",
                            "openssl_hmac")],
                          logy=True)
    p["auth_burst"] = plot(out_dir, "auth_burst", "Batched MHAE verification by batch size (96-byte RRQs)",
                           "messages per batch", "cycles/message (median)",
                           [("ipsecmb_batch", pts(results, "auth", "ipsecmb_batch", "burst")),
                            ("libmip_scalar (same run)",
                             pts(results, "auth", "ipsecmb_batch", "burst", "baseline_median"))],
                           logx=True)
    p["reg_mns"] = plot(out_dir, "reg_mns", "Re-registration fast path by registered MNs (burst 32)",
                        "registered MNs", "cycles/registration (median)",
                        [("reg_fastpath", pts(results, "reg", "reg_fastpath", "mns")),
                         ("floor = rx/tx + 2 x batched HMAC",
                          pts(results, "reg", "reg_fastpath", "mns", "baseline_median")),
                         ("hmac_floor", pts(results, "reg", "hmac_floor", "mns"))],
                        logx=True)
    p["reg_burst"] = plot(out_dir, "reg_burst", "Re-registration fast path by rx burst size",
                          "rx burst", "cycles/registration (median)",
                          [("reg_fastpath", pts(results, "reg", "reg_fastpath", "burst")),
                           ("floor", pts(results, "reg", "reg_fastpath", "burst", "baseline_median"))],
                          logx=True)
    p["tunnel"] = plot(out_dir, "tunnel", "Tunnel stages by number of bindings (64-byte frames)",
                       "bindings", "cycles/packet (median)",
                       [("encap", pts(results, "tunnel", "encap", "bindings")),
                        ("decap", pts(results, "tunnel", "decap", "bindings")),
                        ("binding lookup alone (bulk + read)",
                         pts(results, "tunnel", "binding_lookup", "bindings")),
                        ("touch loop (MAC rewrite)", pts(results, "tunnel", "touch_loop_encap", "bindings")),
                        ("plain rx->tx loop", pts(results, "tunnel", "rxtx_loop_encap", "bindings"))],
                       logx=True, logy=True)
    p["mem"] = plot(out_dir, "mem", "Memory per binding with its SA",
                    "bindings", "bytes/binding",
                    [("total", pts(results, "mem", "bytes_per_binding", "bindings")),
                     ("binding table", pts(results, "mem", "binding_table", "bindings")),
                     ("SA table", pts(results, "mem", "sa_table", "bindings")),
                     ("limit (512 MiB per 1M)",
                      pts(results, "mem", "bytes_per_binding", "bindings", "baseline_median"))],
                    logx=True)
    return p


def target_rows(results):
    rows = []
    for title, bench, case, x_name, x, field, op, limit, how in TARGETS:
        r = find(results, bench, case, x_name, x)
        if r is None or r[field] is None:
            rows.append((title, "not measured", "%s %s" % (op, limit), "-", how))
            continue
        v = r[field]
        met = v <= limit if op == "<=" else v >= limit
        rows.append((title, fmt(v, 2 if v < 10 else 0), "%s %s" % (op, limit),
                     "met" if met else "MISSED", how))
    return rows


def table(results, bench, x_name, cases, extra_cols=None):
    lines = []
    head = "| %s | case | min | median | baseline (same run) | baseline median | ratio (median) |" % x_name
    lines.append(head)
    lines.append("|---|---|---|---|---|---|---|")
    for case in cases:
        for x, r in series(results, bench, case, x_name):
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                fmtx(x), case + ("" if r["ok"] else " (NOT OK)"), fmt(r["min"]), fmt(r["median"]),
                r["baseline"] or "-", fmt(r["baseline_median"]),
                fmt(r["ratio_median"], 3) if r["ratio_median"] is not None else "-"))
    return "\n".join(lines)


def write_report(path, results, meta, plots, rel):
    hz = None
    for r in results:
        hz = r["tsc_hz"]
        break
    # the kernel comparison runs no EAL: its lines say nothing about hugepages
    eal = [r for r in results if r["bench"] != "kernel"]
    hp = all(r["hugepages"] for r in eal) if eal else False
    L = []
    L.append("# mipha performance report\n")
    L.append("Generated by `perf/run%s` on %s. Do not edit by hand: rerun it.\n" %
             (" --quick" if meta.get("quick") == "1" else "", meta.get("date", "?")))
    L.append("| | |\n|---|---|")
    for k in ("cpu_model", "cores", "dpdk", "ipsec_mb", "openssl", "commit", "hugepages",
              "runs", "load_before", "load_after"):
        if k in meta:
            L.append("| %s | %s |" % (k, meta[k]))
    L.append("| TSC | %s Hz (every cycle count is TSC ticks) |" % ("{:,}".format(hz) if hz else "?"))
    L.append("| EAL memory | %s |" % ("hugepages (--in-memory)" if hp else
                                    "NO hugepages (--no-huge): per-packet paths run slower"))
    L.append("")
    L.append("Each benchmark is a separate process run %s times; inside a run every point "
             "is repeated (reps) and the case and its baseline run interleaved on the same "
             "data. **min** = minimum over all runs and repetitions, **median** = median of "
             "the per-run medians; **ratio** = median of the per-run ratios case/baseline "
             "(both measured in the same process). The machine is a shared 2-core VM: "
             "medians carry other tenants' noise, minima are the best estimate of the code's "
             "own cost.\n" % meta.get("runs", "?"))
    L.append("## Issue 3 targets\n")
    L.append("| figure | measured (median) | target | verdict | unit |")
    L.append("|---|---|---|---|---|")
    for row in target_rows(results):
        L.append("| %s | %s | %s | %s | %s |" % row)
    L.append("")

    def img(key):
        if plots.get(key):
            L.append("![%s](%s)\n" % (key, os.path.join(rel, plots[key])))

    L.append("## MHAE verification (HMAC-MD5) per message\n")
    L.append("Limit: the batched ipsec-mb HMAC-MD5 measured in the same run "
             "(`ipsecmb_batch`, the dataplane's `mipha_auth_verify_burst`); every other "
             "case's ratio is to it. `libmip_scalar` is `mip_auth_verify` (nettle, key set per "
             "message), `nettle_precomp` the best scalar (per-SA precomputed HMAC context), "
             "`openssl_hmac` OpenSSL `HMAC()` one-shot, `ipsecmb_raw_jobs` the same HMAC-MD5 jobs "
             "submitted straight to ipsec-mb's job API without the dataplane's wrapper "
             "(ipsec-mb's own floor on this CPU). For `ipsecmb_batch` the baseline is "
             "libmip_scalar (ratio < 1 = faster). Message size = the whole RRQ (header, NAI, "
             "padding extension, MHAE); the HMAC covers all of it but the 16 authenticator "
             "bytes. Each message has its own SA (1024 keys in turn).\n")
    img("auth_size")
    L.append(table(results, "auth", "size", ["ipsecmb_batch", "ipsecmb_raw_jobs", "libmip_scalar",
                                             "nettle_precomp", "openssl_hmac"]))
    L.append("")
    img("auth_burst")
    L.append(table(results, "auth", "burst", ["ipsecmb_batch"]))
    L.append("")
    L.append("## Registration fast path\n")
    L.append("rx burst from a net_ring port (frames in memory) -> classify -> parse -> bulk SA "
             "lookup -> batched MHAE verification -> duplicate cache -> replay -> binding refresh "
             "-> reply built and signed in a batch -> tx burst, in one worker, every RRQ a fresh "
             "re-registration of a random bound MN. Limit (`floor`): the plain rx->tx loop over "
             "the same port plus two batched HMAC-MD5 per registration (verify + sign) over the "
             "same frames, measured window by window in the same run.\n")
    img("reg_mns")
    L.append(table(results, "reg", "mns", ["reg_fastpath", "reg_fastpath_vs_rxtx", "hmac_floor",
                                           "rxtx_loop"]))
    L.append("")
    img("reg_burst")
    L.append(table(results, "reg", "burst", ["reg_fastpath", "hmac_floor"]))
    L.append("")
    L.append("## Encapsulation and decapsulation\n")
    L.append("Two net_ring ports fed pre-built 64-byte IPv4/UDP frames to (encap) or "
             "reverse-tunnelled from (decap) random bound MNs; the worker's loop body "
             "(quiescent report, rx on both ports, `mipha_worker_process`, tx flush). Baselines "
             "in the same run on the same frames and ports: the plain rx->tx loop (issue 3's "
             "reference; it never touches packet data) and a touch loop (rx, rewrite the "
             "Ethernet addresses, tx: the cost of reading each packet once). "
             "`binding_lookup` is the binding table's share alone: "
             "`mipha_binding_lookup_bulk` on the same addresses plus one read of each binding. "
             "Packets/s per core = TSC Hz / cycles.\n")
    L.append("Issue 3's target is 1.8x the plain loop. On net_ring that loop only moves "
             "mbuf pointers from one ring to another (a few cycles per packet) and never reads "
             "a packet, so no stage that reads a header can come near 1.8x of it: the touch "
             "loop alone, one Ethernet header read and written per packet, is already "
             "several times the plain loop. The absolute cycles/packet and the ratio to the "
             "touch loop are the informative figures here; with a real NIC the rx/tx loop "
             "itself costs far more (descriptors, DMA'd data not in cache), which is where a "
             "1.8x target is meaningful.\n")
    img("tunnel")
    L.append(table(results, "tunnel", "bindings", ["encap", "encap_vs_touch", "decap",
                                                   "decap_vs_touch", "binding_lookup",
                                                   "rxtx_loop_encap", "touch_loop_encap"]))
    L.append("")
    if hz:
        L.append("| bindings | encap Mpps/core (median) | decap Mpps/core (median) |")
        L.append("|---|---|---|")
        for x, r in series(results, "tunnel", "encap", "bindings"):
            d = find(results, "tunnel", "decap", "bindings", x)
            L.append("| %s | %.2f | %s |" % (fmtx(x), hz / r["median"] / 1e6,
                                              "%.2f" % (hz / d["median"] / 1e6) if d else "-"))
        L.append("")
    L.append("## Linux kernel IP-in-IP forwarding vs mipha\n")
    k = [r for r in results if r["bench"] == "kernel"]
    if k:
        L.append("`perf/kernel_ipip.sh`: network namespaces created by the benchmark, a "
                 "sender, a kernel 'HA' (ip_forward; an NBMA ipip device with one /32 route per "
                 "MN via its care-of address - or, on a kernel without ipip, plain /32 routes "
                 "to the sink, cases `kernel_plain_*`) and a sink; 64-byte UDP frames from a "
                 "local sender (udp_blast, sendmmsg, pinned to one CPU), bounded in count and "
                 "time. CPU = the sender's user+system time plus its CPU's softirq time (veth "
                 "delivery and forwarding run in softirq on the sending CPU). The baseline "
                 "drops the same packets at the HA's routing step (blackhole route) in the same "
                 "run, so `*_net` = total - drop is what forwarding costs the kernel; mipha's "
                 "counterpart is the encap figure above (its rx/tx are in-memory rings, so "
                 "the comparison favours neither side's I/O).\n")
        L.append("| case | x | min | median | unit | baseline | ratio | note |")
        L.append("|---|---|---|---|---|---|---|---|")
        for r in k:
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r["case"], fmtx(r["x"]), fmt(r["min"]), fmt(r["median"]), r["unit"],
                r["baseline"] or "-",
                fmt(r["ratio_median"], 3) if r["ratio_median"] is not None else "-",
                r["note"] or ""))
        kf = find(results, "kernel", "kernel_forward_net")
        what = "forwarding + IP-in-IP encapsulation"
        if kf is None:
            kf = find(results, "kernel", "kernel_plain_forward_net")
            what = ("plain IPv4 forwarding (this kernel has no ipip device; IP-in-IP would "
                    "cost it more, so this is a lower bound)")
        enc = find(results, "tunnel", "encap", "bindings", kf["x"]) if kf else None
        if enc is None:
            enc = find(results, "tunnel", "encap", "bindings", 1000)
        if enc and kf and hz:
            L.append("\nmipha encapsulates at %s cycles/packet (%.2f Mpps/core, %s bindings); "
                     "the kernel's %s alone costs %s cycles/packet (%.2f Mpps/core, %s MNs): "
                     "%.1fx mipha's cost.\n" % (
                         fmt(enc["median"]), hz / enc["median"] / 1e6, fmtx(enc["x"]), what,
                         fmt(kf["median"]), hz / kf["median"] / 1e6, fmtx(kf["x"]),
                         kf["median"] / enc["median"]))
    else:
        L.append("Not measured in this run (needs root and `ip netns`; see perf/run's output).\n")
    L.append("## Memory per binding\n")
    L.append("Binding table + SA table sized for N MNs and filled with N bindings and N "
             "two-key dynamic SAs; growth of the DPDK heaps. Limit: 512 MiB per 1M bindings "
             "(536.9 bytes/binding).\n")
    img("mem")
    L.append(table(results, "mem", "bindings", ["bytes_per_binding", "binding_table", "sa_table",
                                                "heap_total", "resident_total", "fill_time"]))
    L.append("")
    L.append("## AAA: registrations/s through FreeRADIUS\n")
    aaa = [r for r in results if r["bench"] == "aaa"]
    if aaa:
        L.append(table(results, "aaa", aaa[0]["x_name"], sorted({r["case"] for r in aaa})))
    else:
        L.append("Slot kept for the dynamic-keys work (initial registrations/s through "
                 "FreeRADIUS MS-CHAPv2 vs a bare RADIUS client); a benchmark that prints "
                 "`\"bench\":\"aaa\"` lines into the raw directory appears here.\n")
    L.append("")
    cmds = os.path.join(os.path.dirname(os.path.abspath(path)), "raw", "commands.txt")
    if meta.get("raw"):
        cmds = os.path.join(meta["raw"], "commands.txt")
    if os.path.exists(cmds):
        L.append("## Commands\n")
        L.append("Exactly what `perf/run` ran (run numbers in --file-prefix):\n")
        L.append("```")
        seen = set()
        for c in open(cmds):
            c = c.strip()
            if c and c not in seen:
                seen.add(c)
                L.append(c)
        L.append("```\n")
    L.append("## Raw data\n")
    L.append("`results.json` (with the metadata above) and `results.csv` beside this "
             "report's plots; per-run lines in `raw/`.\n")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", help="validate one raw file and exit")
    ap.add_argument("--expect", default="", help="with --check: benches that must appear")
    ap.add_argument("--raw")
    ap.add_argument("--out")
    ap.add_argument("--report")
    ap.add_argument("--meta", action="append", default=[])
    a = ap.parse_args()
    if a.check:
        return check_file(a.check, [b for b in a.expect.split(",") if b])
    meta = dict(m.split("=", 1) for m in a.meta)
    meta["raw"] = os.path.abspath(a.raw)
    results = load(a.raw)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    with open(os.path.join(a.out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        cols = ["bench", "case", "x_name", "x", "fixed", "unit", "runs", "min", "median",
                "baseline", "baseline_min", "baseline_median", "ratio_median", "ratio_min",
                "ok", "hugepages"]
        w.writerow(cols + ["cpu_model", "dpdk", "ipsec_mb", "commit"])
        for r in results:
            w.writerow([r[c] for c in cols] + [meta.get("cpu_model"), meta.get("dpdk"),
                                               meta.get("ipsec_mb"), meta.get("commit")])
    plots = make_plots(results, a.out)
    rel = os.path.relpath(a.out, os.path.dirname(os.path.abspath(a.report)))
    write_report(a.report, results, meta, plots, rel)
    bad = [r for r in results if not r["ok"]]
    for r in bad:
        print("report: %s/%s x=%s not ok" % (r["bench"], r["case"], r["x"]), file=sys.stderr)
    print("report: %d figures -> %s" % (len(results), a.report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
