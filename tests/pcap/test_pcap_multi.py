#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Two workers, two ports, the uplink's gateway resolved by ARP at start.

  port.home (net_pcap0): rx queue 0 <- h0, rx queue 1 <- h1; tx queues 0, 1
                         (workers) and 2 (control) -> home_q0/1/2.pcap
  port.up   (net_pcap1): rx queue 0 <- u0, rx queue 1 <- u1; every tx queue
                         -> u0 on the wire, read back on its peer u0p, where
                         the kernel owns the gateway address 192.0.2.254 and
                         answers the HA's ARP at start.

MN1 registers through queue 0 (worker 0), MN2 through queue 1 (worker 1);
data to each arrives on the other worker's queue. The test checks that each
worker did its share (per-worker telemetry and final counters), that control
answered both first registrations, that tunnels go to the MAC learned by ARP,
and that the reverse tunnel leaves on the home port.

Usage: test_pcap_multi.py MIPHA_BINARY   (root; runs itself again inside the netns)
"""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_pcap as t  # noqa: E402
from scapy.all import ARP, IP, UDP, Ether, Raw, rdpcap  # noqa: E402

HOME_GW_MAC = "02:00:00:00:00:fd"
UP_GW = "192.0.2.254"

CONFIG = f"""
[ha]
address = {t.HA}
home_prefix = 10.1.0.0/24
replay_tolerance = 30

[port.home]
device = net_pcap0
role = home
gateway = 10.1.0.254
gateway_mac = {HOME_GW_MAC}

[port.up]
device = net_pcap1
role = uplink
gateway = {UP_GW}

[lcores]
control = 0
workers = 1-2
idle_sleep_us = 20

[sa.mn1]
home_address = {t.MN1_HOME}
spi = {t.MN1_SPI}
key = {t.MN1_KEY.hex()}

[sa.mn2]
home_address = {t.MN2_HOME}
spi = {t.MN2_SPI}
key = {t.MN2_KEY.hex()}
"""


class Wire:
    """Frames the HA puts on u0, read on its peer u0p (incoming only)."""

    def __init__(self, ifname):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.s.bind((ifname, 0))
        self.frames = []

    def drain(self, seconds):
        end = time.time() + seconds
        while True:
            left = end - time.time()
            if left <= 0:
                return
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return
            data, addr = self.s.recvfrom(65535)
            if addr[2] != socket.PACKET_OUTGOING:
                self.frames.append(Ether(data))


def mac_of(ifname):
    with open(f"/sys/class/net/{ifname}/address") as f:
        return f.read().strip()


def run_inside(mipha, workdir):
    cfg = os.path.join(workdir, "ha.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    homeq = [os.path.join(workdir, f"home_q{i}.pcap") for i in range(3)]
    prefix = f"mipha-pcap-multi-{os.getpid()}"
    wire = Wire("u0p")
    cmd = [mipha, "--lcores", "0@0,1@1,2@1", "--no-pci", "--no-huge", "-m", "512",
           "--file-prefix", prefix,
           "--vdev", "net_pcap0,rx_iface_in=h0,rx_iface_in=h1," +
           ",".join(f"tx_pcap={q}" for q in homeq),
           "--vdev", "net_pcap1,rx_iface_in=u0,rx_iface_in=u1,tx_iface=u0,tx_iface=u0,tx_iface=u0",
           "--", "--config", cfg, "--clock", t.CLOCK]
    out = open(os.path.join(workdir, "stdout"), "w+")
    err = open(os.path.join(workdir, "stderr"), "w+")
    proc = subprocess.Popen(cmd, stdout=out, stderr=err)
    try:
        tel = t.Telemetry(prefix)
        run_stages(tel, wire)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        err.seek(0)
        sys.stderr.write(err.read()[-2000:])
    t.check(rc == 0, f"mipha exited 0 on SIGTERM (got {rc})")
    out.seek(0)
    stats = {}
    for line in out.read().splitlines():
        if line.startswith("stat "):
            _, name, value = line.split()
            stats[name] = int(value)
    for w in ("0", "1"):
        t.check(stats.get(f"worker.{w}.class_reg") == 1 and
                stats.get(f"worker.{w}.class_encap") == 1,
                f"final counters: worker {w} took one registration and one packet to tunnel")
    t.check(stats.get("worker.1.decap_packets") == 1, "final counters: worker 1 decapsulated")
    t.check(stats.get("ctrl_bindings_installed") == 2, "final counters: 2 bindings installed")
    check_home_port([rdpcap(q) for q in homeq])
    t.check_tshark(homeq)


def run_stages(tel, wire):
    port_ids = {tel.get(f"/ethdev/info,{i}")["name"]: i for i in (0, 1)}
    home_mac = tel.get(f"/ethdev/info,{port_ids['net_pcap0']}")["mac_addr"]
    up_mac = tel.get(f"/ethdev/info,{port_ids['net_pcap1']}")["mac_addr"]
    socks = {}
    for ifname in ("h0p", "h1p", "u0p", "u1p"):
        socks[ifname] = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        socks[ifname].bind((ifname, 0))
    n = 0

    def send(ifname, frame):
        nonlocal n
        socks[ifname].send(bytes(frame))
        n += 1

    def wait_rx():
        tel.wait(f"{n} frames", lambda x: x.total("rx_packets") >= n)

    mn1 = bytes.fromhex(t.VEC["rereg"]["rrq"])
    send("u0p", t.udp_frame(up_mac, t.MN1_COA, t.HA, 40001, mn1))
    mn2 = t.signed_rrq(0x02, 600, t.MN2_HOME, t.HA, t.MN2_COA, t.ident(0, 5), t.MN2_SPI,
                       t.MN2_KEY)
    send("u1p", t.udp_frame(up_mac, t.MN2_COA, t.HA, 434, mn2))
    wait_rx()
    tel.wait("two bindings", lambda x: x.get("/mipha/bindings")["count"] == 2)

    to_mn1 = t.IP(src=t.CN, dst=t.MN1_HOME) / UDP(sport=1, dport=2) / Raw(b"one")
    to_mn2 = t.IP(src=t.CN, dst=t.MN2_HOME) / UDP(sport=1, dport=2) / Raw(b"two")
    send("h1p", Ether(src=t.PEER_MAC, dst=home_mac) / to_mn1)
    send("h0p", Ether(src=t.PEER_MAC, dst=home_mac) / to_mn2)
    inner = IP(src=t.MN2_HOME, dst=t.CN, ttl=9) / UDP(sport=3, dport=4) / Raw(b"rev")
    send("u1p", Ether(src=t.PEER_MAC, dst=up_mac) / IP(src=t.MN2_COA, dst=t.HA, proto=4) / inner)
    wait_rx()
    tel.wait("tunnels", lambda x: x.total("encap_packets") >= 2 and x.total("decap_packets") >= 1)

    st = tel.get("/mipha/stats")
    per = st["per_worker"]
    t.check(st["workers"] == 2 and per["0"].get("class_reg") == 1 and
            per["1"].get("class_reg") == 1, f"telemetry: one registration per worker {per}")
    w1 = tel.get("/mipha/stats,1")
    t.check(w1["worker"] == 1 and w1["decap_packets"] == 1 and "drop_no_binding" in w1,
            "telemetry: /mipha/stats,1 gives every counter of worker 1")
    t.check(st["total"]["class_reg"] == 2 and st["total"]["encap_packets"] == 2,
            "telemetry: totals sum the workers")
    t.check(st["ports"]["home"]["rx_packets"] >= 2 and st["ports"]["up"]["rx_packets"] >= 3,
            f"telemetry: per-port counters {json.dumps(st['ports'])}")

    wire.drain(1.0)
    gw_mac = mac_of("u0p")
    frames = wire.frames
    rrps = {bytes(f[UDP].payload)[12:20]: f for f in frames
            if UDP in f and f[UDP].sport == 434}
    f = rrps.get(bytes.fromhex(t.VEC["rereg"]["identification"]))
    t.check(f is not None and bytes(f[UDP].payload) == bytes.fromhex(t.VEC["rereg"]["rrp"]),
            "MN1 (worker 0): the spec's reply byte for byte, on the uplink wire")
    f = rrps.get(t.ident(0, 5).to_bytes(8, "big"))
    t.check(f is not None and t.verify_mhae(bytes(f[UDP].payload), t.MN2_SPI, t.MN2_KEY),
            "MN2 (worker 1): accepted, MHAE verified")
    tunnels = [f for f in frames if IP in f and f[IP].proto == 4]
    t.check(sorted(f[IP].dst for f in tunnels) == sorted([t.MN1_COA, t.MN2_COA]),
            "one tunnel to each care-of address")
    t.check(all(f[Ether].dst == gw_mac and f[Ether].src == up_mac for f in tunnels),
            f"tunnels go to the gateway MAC learned by ARP at start ({gw_mac})")


def check_home_port(queues):
    decap = [f for q in queues for f in q if IP in f and f[IP].src == t.MN2_HOME]
    t.check(len(decap) == 1 and decap[0][Ether].dst == HOME_GW_MAC,
            "reverse tunnel: decapsulated onto the home port, to the home gateway")
    t.check(len(queues[1]) >= 1 and decap[0] in queues[1],
            "reverse tunnel: sent by worker 1 (its tx queue)")
    garps = sorted(f[ARP].psrc for f in queues[2] if ARP in f)
    t.check(garps == [t.MN1_HOME, t.MN2_HOME], "gratuitous ARPs from control on the home port")


if __name__ == "__main__":
    t.netns_main(__file__, [("h0", "h0p", None), ("h1", "h1p", None),
                            ("u0", "u0p", f"{UP_GW}/24"), ("u1", "u1p", None)], run_inside)
