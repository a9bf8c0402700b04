#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
mipha refuses to start with one clear line on stderr, and exit status 1 (2
for a bad command line), for each mistake found at start: configuration
errors (file:line), a device that does not exist, queues a device cannot
give, a control lcore that is not the main lcore, a gateway that does not
answer ARP, an SA the HA cannot serve yet. And a good start stops with 0 on
SIGINT. Each run is bounded.

Usage: test_startup.py MIPHA_BINARY
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

MIPHA = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="mipha-startup-")
failures = 0

GOOD = """[ha]
address = 10.1.0.1
home_prefix = 10.1.0.0/24
[port.net0]
device = net_null0
role = both
gateway = 192.0.2.254
gateway_mac = 02:00:00:00:00:fe
[lcores]
control = 0
workers = 1
[sa.mn1]
home_address = 10.1.0.10
spi = 4097
key = 000102030405060708090a0b0c0d0e0f
"""


def eal(vdev="net_null0,copy=1"):
    return ["-l", "0-1", "--no-pci", "--no-huge", "-m", "512",
            "--file-prefix", f"mipha-startup-{os.getpid()}", "--vdev", vdev]


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(args, timeout=20):
    return subprocess.run([MIPHA] + args, capture_output=True, text=True, timeout=timeout)


def expect(name, args, rc, line):
    global failures
    r = run(args)
    errs = [x for x in r.stderr.splitlines() if x.startswith("mipha")]
    ok = r.returncode == rc and line in errs
    print(f"{'ok  ' if ok else 'FAIL'} {name}: rc {r.returncode}, {errs}")
    if not ok:
        print(f"     wanted rc {rc} and line: {line}")
        failures += 1
    if "000102030405060708090a0b0c0d0e0f" in r.stdout + r.stderr:
        print(f"FAIL {name}: a key was printed")
        failures += 1


def main():
    global failures
    bad = write("bad.ini", GOOD.replace("address = 10.1.0.1", "address = 10.1.0.256"))
    expect("bad address", eal() + ["--", "--config", bad], 1,
           f"mipha: {bad}:2: [ha] address: '10.1.0.256' is not an IPv4 address")
    typo = write("typo.ini", GOOD.replace("role = both", "role = both\nrloe = home"))
    expect("unknown key", eal() + ["--", "--config", typo], 1,
           f"mipha: {typo}:7: [port.net0] rloe: unknown key")
    key = write("key.ini", GOOD.replace("0e0f", "0e0z"))
    expect("bad key (not echoed)", eal() + ["--", "--config", key], 1,
           f"mipha: {key}:15: [sa.mn1] key: not 32 hex digits (value not shown)")
    expect("no --config", eal() + ["--"], 2, "mipha: --config FILE is required")
    expect("missing file", eal() + ["--", "--config", "/nonexistent.ini"], 1,
           "mipha: /nonexistent.ini: cannot open: No such file or directory")
    good = write("good.ini", GOOD)
    expect("no such device", eal("net_null1,copy=1") + ["--", "--config", good], 1,
           f"mipha: {good}:4: [port.net0] device 'net_null0': no such DPDK port "
           "(give it with --vdev, or allow its PCI address)")
    pcap_in = os.path.join(WORK, "in.pcap")
    with open(pcap_in, "wb") as f:  # an empty pcap file (global header only)
        f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
    one_txq = write("pcap.ini", GOOD.replace("net_null0", "net_pcap0"))
    expect("too few tx queues",
           eal(f"net_pcap0,rx_pcap={pcap_in},tx_pcap={WORK}/o.pcap") +
           ["--", "--config", one_txq], 1,
           f"mipha: {one_txq}:4: [port.net0] device 'net_pcap0': needs 1 rx queues (one per "
           "worker) and 2 tx queues (workers + control); it offers 1 and 1 (net_pcap: give "
           "rx_pcap/tx_pcap once per queue)")
    txq3 = write("txq3.ini", GOOD.replace("gateway = 192.0.2.254\n",
                                          "gateway = 192.0.2.254\ntx_queues = 3\n"))
    expect("tx_queues above the sending lcores", eal() + ["--", "--config", txq3], 1,
           f"mipha: {txq3}:4: [port.net0] tx_queues: 3 is more than the lcores that send "
           "(2: workers + control)")
    ctl1 = write("ctl1.ini", GOOD.replace("control = 0", "control = 1"))
    expect("control not main", eal() + ["--", "--config", ctl1], 1,
           f"mipha: {ctl1}: [lcores] control = 1 is not the EAL main lcore 0 (start with "
           "--main-lcore 1, or set control = 0)")
    two = write("two.ini", GOOD.replace("workers = 1", "workers = 2"))
    expect("too few lcores", eal() + ["--", "--config", two], 1,
           f"mipha: {two}: [lcores] workers = 2 needs 2 EAL lcores besides control; EAL has "
           "1 (-l / --lcores)")
    nai = write("nai.ini", GOOD.replace("home_address = 10.1.0.10", "nai = mn@example.net"))
    expect("SA by NAI alone without home_pool", eal() + ["--", "--config", nai], 1,
           f"mipha: {nai}:13: [sa.mn1] nai: an SA by nai alone needs [ha] home_pool (its "
           "home address is assigned from there)")
    arp = write("arp.ini", GOOD.replace("gateway_mac = 02:00:00:00:00:fe\n", ""))
    expect("gateway does not answer ARP", eal() + ["--", "--config", arp], 1,
           f"mipha: {arp}:4: [port.net0]: gateway 192.0.2.254 did not answer ARP within "
           "3000 ms (set gateway_mac)")

    # [aaa] dae_listen on a UDP port another process holds.
    import socket
    held = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    held.bind(("127.0.0.1", 0))
    port = held.getsockname()[1]
    secret = write("radius.secret", "s3cret\n")
    dae = write("dae.ini", GOOD + f"[aaa]\nserver = 127.0.0.1:18812\nsecret_file = {secret}\n"
                f"dae_listen = 127.0.0.1:{port}\n")
    expect("dae_listen port in use", eal() + ["--", "--config", dae], 1,
           f"mipha: [aaa] dae_listen 127.0.0.1:{port}: cannot listen: Address already in use")
    held.close()

    # A good start, then SIGINT: exit 0 with the final counters.
    p = subprocess.Popen([MIPHA] + eal() + ["--", "--config", good], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    ok = (p.returncode == 0 and line.startswith("mipha: running: 1 worker(s), 1 port(s), 1 static")
          and "stat ctrl_msgs 0" in out and out.rstrip().endswith("mipha: stopped"))
    print(f"{'ok  ' if ok else 'FAIL'} SIGINT: rc {p.returncode}, first line {line.strip()!r}")
    failures += 0 if ok else 1
    if failures == 0:
        subprocess.run(["rm", "-rf", WORK])
    print("PASS" if failures == 0 else f"{failures} FAILED (kept {WORK})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
