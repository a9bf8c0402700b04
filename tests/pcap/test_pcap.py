#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
The Home Agent process end to end, frame by frame.

mipha runs in a network namespace this test creates, reading a veth with
net_pcap (rx_iface=ha0) and writing what it sends into pcap files, one per tx
queue (tx_pcap=q0.pcap for the worker, q1.pcap for the control lcore). The
test injects frames on the veth's peer in stages and waits between stages on
telemetry (/mipha/bindings, /mipha/stats), so nothing assumes that a binding
exists in the rx burst of the request that created it. Then it stops mipha
with SIGTERM and checks every output frame: the reply bytes (code,
identification, MHAE verified with the key; the spec's re-registration reply
byte for byte), the tunnelled and decapsulated packets, gratuitous ARPs, and
the counters of every drop.

Usage: test_pcap.py MIPHA_BINARY   (root; runs itself again inside the netns)
"""
import hashlib
import hmac
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from scapy.all import ARP, IP, UDP, Ether, Raw, rdpcap  # noqa: E402

SHARED = os.environ.get("MIP_SHARED_DIR", "/work/shared")
VEC = json.load(open(os.path.join(SHARED, "spec/vectors/dynkey-example.json")))

HA = "10.1.0.1"
MN1_HOME = VEC["inputs"]["home_address"]          # 10.1.0.10, the spec's MN
MN1_COA = VEC["rereg"]["care_of"]                 # 198.51.100.9
MN1_SPI = VEC["inputs"]["spi2"]                   # 4098, static SA with Skey'
MN1_KEY = bytes.fromhex(VEC["skey2"])
MN2_HOME = "10.1.0.11"
MN2_COA = "198.51.100.20"
MN2_SPI = 4097
MN2_KEY = bytes(range(16))
MN3_HOME = "10.1.0.14"                            # registers briefly, then expires
MN3_COA = "198.51.100.30"
MN3_SPI = 300
MN3_KEY = bytes(range(100, 116))
CN = "203.0.113.5"                                # a correspondent node
GW_MAC = "02:00:00:00:00:fe"
PEER_MAC = "02:00:00:00:00:aa"                    # the frames we inject come from here
CLOCK = VEC["rereg"]["identification"]            # HA clock starts at the rereg's time
T0 = int(CLOCK, 16) >> 32                         # its seconds
STAGE_TIMEOUT = 10.0


def ident(sec_offset, low):
    return ((T0 + sec_offset) << 32) | low


CONFIG = f"""
; written by tests/pcap/test_pcap.py
[ha]
address = {HA}
home_prefix = 10.1.0.0/24
name = ha-pcap
max_lifetime = 3600
replay_tolerance = 30

[port.net0]
device = net_pcap0
role = both
gateway = 192.0.2.254
gateway_mac = {GW_MAC}

[lcores]
control = 0
workers = 1
idle_sleep_us = 20

[sa.mn1]
home_address = {MN1_HOME}
spi = {MN1_SPI}
key = {MN1_KEY.hex()}
algorithm = hmac-md5

[sa.mn2]
home_address = {MN2_HOME}
spi = {MN2_SPI}
key = {MN2_KEY.hex()}

[sa.mn3]
home_address = {MN3_HOME}
spi = {MN3_SPI}
key = {MN3_KEY.hex()}
algorithm = keyed-md5
"""


def fail(msg):
    print("FAIL:", msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok  ", msg, flush=True)


def ip4(a):
    return socket.inet_aton(a)


# ---- registration messages (RFC 5944 3.3/3.4, spec section 2) ----

def rrq(flags, lifetime, home, ha, coa, ident_, exts=b""):
    return struct.pack("!BBH4s4s4sQ", 1, flags, lifetime, ip4(home), ip4(ha), ip4(coa),
                       ident_) + exts


def nai_ext(nai):
    return struct.pack("!BB", 131, len(nai)) + nai


def signed_rrq(flags, lifetime, home, ha, coa, ident_, spi, key, exts=b"", keyed=False):
    body = rrq(flags, lifetime, home, ha, coa, ident_, exts) + struct.pack("!BBI", 32, 20, spi)
    if keyed:  # keyed-MD5 prefix+suffix (RFC 3344)
        return body + hashlib.md5(key + body + key).digest()
    return body + hmac.new(key, body, hashlib.md5).digest()


def rrp_hdr(code, lifetime, home, ha, ident_):
    return struct.pack("!BBH4s4sQ", 3, code, lifetime, ip4(home), ip4(ha), ident_)


def udp_frame(ha_mac, src, dst, sport, payload):
    return Ether(src=PEER_MAC, dst=ha_mac) / IP(src=src, dst=dst, ttl=64) / \
        UDP(sport=sport, dport=434) / Raw(payload)


# ---- telemetry (SOCK_SEQPACKET, one JSON answer per command) ----

class Telemetry:
    def __init__(self, prefix):
        path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
        deadline = time.time() + STAGE_TIMEOUT
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    fail(f"no telemetry socket {path}")
                time.sleep(0.1)
        json.loads(self.s.recv(1024))
        # The socket exists from EAL init; the commands once the HA runs.
        while self.get("/mipha/stats") is None:
            if time.time() > deadline:
                fail("mipha never registered /mipha/stats")
            time.sleep(0.1)

    def get(self, cmd):
        self.s.send(cmd.encode())
        out = json.loads(self.s.recv(1 << 16))
        return out[cmd.split(",")[0]]

    def total(self, name):
        st = self.get("/mipha/stats")
        return st["total"].get(name, st["control"].get(name))

    def wait(self, what, pred):
        deadline = time.time() + STAGE_TIMEOUT
        while time.time() < deadline:
            if pred(self):
                return
            time.sleep(0.05)
        fail(f"timed out waiting for {what}: {json.dumps(self.get('/mipha/stats')['total'])}")


# ---- the test, inside the namespace ----

def run_inside(mipha, workdir):
    cfg = os.path.join(workdir, "ha.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    q0, q1 = os.path.join(workdir, "q0.pcap"), os.path.join(workdir, "q1.pcap")
    prefix = f"mipha-pcap-{os.getpid()}"
    cmd = [mipha, "-l", "0-1", "--no-pci", "--no-huge", "-m", "512", "--file-prefix", prefix,
           "--vdev", f"net_pcap0,rx_iface=ha0,tx_pcap={q0},tx_pcap={q1}",
           "--", "--config", cfg, "--clock", CLOCK]
    out = open(os.path.join(workdir, "stdout"), "w+")
    err = open(os.path.join(workdir, "stderr"), "w+")
    proc = subprocess.Popen(cmd, stdout=out, stderr=err)
    try:
        tel = Telemetry(prefix)
        sent = run_stages(tel)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        err.seek(0)
        sys.stderr.write(err.read()[-2000:])
    check(rc == 0, f"mipha exited 0 on SIGTERM (got {rc})")
    out.seek(0)
    text = out.read()
    check("mipha: stopped" in text, "mipha printed its final counters and stopped")
    stats = {}
    for line in text.splitlines():
        if line.startswith("stat "):
            _, name, value = line.split()
            stats[name] = int(value)
    check_counters(stats, sent)
    check_output(rdpcap(q0), rdpcap(q1), sent)
    check_tshark([q0, q1])


def run_stages(tel):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind(("mn0", 0))
    ha_mac = tel.get("/ethdev/info,0")["mac_addr"]
    sent = {"ha_mac": ha_mac, "n": 0}

    def send(frame):
        sock.send(bytes(frame))
        sent["n"] += 1

    def wait_rx():
        tel.wait(f"{sent['n']} frames received", lambda t: t.total("rx_packets") >= sent["n"])

    # Stage 1: registrations.
    mn1_rrq = bytes.fromhex(VEC["rereg"]["rrq"])
    send(udp_frame(ha_mac, MN1_COA, HA, 40001, mn1_rrq))
    # MN2 first asks for minimal encapsulation (M): 139, signed, nothing bound.
    send(udp_frame(ha_mac, MN2_COA, HA, 434,
                   signed_rrq(0x12, 600, MN2_HOME, HA, MN2_COA, ident(0, 4), MN2_SPI, MN2_KEY)))
    mn2_rrq = signed_rrq(0x02, 600, MN2_HOME, HA, MN2_COA, ident(0, 5), MN2_SPI, MN2_KEY)
    send(udp_frame(ha_mac, MN2_COA, HA, 434, mn2_rrq))
    sent["mn2_rrq"] = mn2_rrq
    # An initial dynamic-key RRQ (the spec's), an unknown SPI, a malformed
    # RRQ, one to the wrong HA.
    send(udp_frame(ha_mac, VEC["inputs"]["care_of"], HA, 434, bytes.fromhex(VEC["initial_rrq"])))
    unknown = signed_rrq(0, 600, "10.1.0.13", HA, MN2_COA, ident(0, 6), 5000, MN2_KEY)
    send(udp_frame(ha_mac, MN2_COA, HA, 434, unknown))
    sent["unknown"] = unknown
    malformed = rrq(0, 600, MN2_HOME, HA, MN2_COA, ident(0, 7), b"\x83\x32user")
    send(udp_frame(ha_mac, MN2_COA, HA, 434, malformed))
    sent["malformed"] = malformed
    wrong_ha = signed_rrq(0, 600, MN2_HOME, "10.1.0.2", MN2_COA, ident(0, 8), MN2_SPI, MN2_KEY)
    send(udp_frame(ha_mac, MN2_COA, HA, 434, wrong_ha))
    sent["wrong_ha"] = wrong_ha
    # MN3 (keyed-MD5): 4 s, refreshed below on the fast path for 6 s (the
    # first expiry check must find it refreshed), then left to expire.
    send(udp_frame(ha_mac, MN3_COA, HA, 434,
                   signed_rrq(0, 4, MN3_HOME, HA, MN3_COA, ident(0, 9), MN3_SPI, MN3_KEY,
                              keyed=True)))
    wait_rx()
    tel.wait("three bindings", lambda t: t.get("/mipha/bindings")["count"] == 3)
    lst = tel.get("/mipha/bindings")
    homes = sorted(b["home_address"] for b in lst["bindings"].values())
    check(lst["shown"] == 3 and homes == [MN1_HOME, MN2_HOME, MN3_HOME],
          f"telemetry: /mipha/bindings lists the three bindings {lst}")
    b = tel.get(f"/mipha/binding,{MN1_HOME}")
    check(b["state"] == "bound" and b["care_of_address"] == MN1_COA,
          f"telemetry: {MN1_HOME} bound to {MN1_COA}")
    check(0 < b["remaining"] <= 1800, f"telemetry: remaining lifetime {b['remaining']} <= 1800")
    b = tel.get(f"/mipha/binding,{MN2_HOME}")
    check(b["reverse_tunnel"] == 1 and b["flag_names"] == "T", "telemetry: MN2 asked for T")
    sa = tel.get("/mipha/sa")
    text = json.dumps(sa)
    by_name = {v["name"]: v for v in sa["static"].values()}
    check(sa["installed"] == 3 and by_name["mn1"]["spi"] == MN1_SPI and
          by_name["mn1"]["home_address"] == MN1_HOME and
          by_name["mn2"]["algorithm"] == "hmac-md5" and by_name["mn3"]["algorithm"] == "keyed-md5",
          "telemetry: /mipha/sa lists the static SAs")
    check(MN1_KEY.hex() not in text and MN2_KEY.hex() not in text.lower(),
          "telemetry: /mipha/sa shows no key")

    # Stage 2: data, once the bindings exist; an exact copy of MN1's RRQ (the
    # worker resends control's reply from the SA's cache); MN3 refreshes.
    send(udp_frame(ha_mac, MN1_COA, HA, 40001, mn1_rrq))
    send(udp_frame(ha_mac, MN3_COA, HA, 434,
                   signed_rrq(0, 6, MN3_HOME, HA, MN3_COA, ident(1, 10), MN3_SPI, MN3_KEY,
                              keyed=True)))
    data = IP(src=CN, dst=MN1_HOME, ttl=33, id=77) / UDP(sport=5000, dport=6000) / Raw(b"to-mn1")
    send(Ether(src=PEER_MAC, dst=ha_mac) / data)
    sent["data"] = bytes(data)
    send(Ether(src=PEER_MAC, dst=ha_mac) / IP(src=CN, dst="10.1.0.12") / UDP() / Raw(b"nobody"))
    inner = IP(src=MN2_HOME, dst=CN, ttl=20, id=99) / UDP(sport=7000, dport=8000) / Raw(b"rev")
    send(Ether(src=PEER_MAC, dst=ha_mac) / IP(src=MN2_COA, dst=HA, proto=4) / inner)
    sent["inner"] = bytes(inner)
    spoofed = IP(src=MN1_HOME, dst=CN) / UDP() / Raw(b"spoof")
    send(Ether(src=PEER_MAC, dst=ha_mac) / IP(src=MN2_COA, dst=HA, proto=4) / spoofed)
    wait_rx()
    tel.wait("encap and decap", lambda t: t.total("encap_packets") >= 1 and
             t.total("decap_packets") >= 1)

    # Stage 3: MN1 deregisters; then data to it has nowhere to go.
    dereg = signed_rrq(0, 0, MN1_HOME, HA, MN1_COA, ident(1, 3), MN1_SPI, MN1_KEY,
                       nai_ext(VEC["inputs"]["nai"].encode()))
    send(udp_frame(ha_mac, MN1_COA, HA, 40001, dereg))
    sent["dereg"] = dereg
    wait_rx()
    tel.wait("MN1 deregistered", lambda t: t.get("/mipha/bindings")["count"] == 2)
    check(tel.get(f"/mipha/binding,{MN1_HOME}")["state"] == "not bound",
          "telemetry: MN1 not bound after deregistration")
    send(Ether(src=PEER_MAC, dst=ha_mac) / data)
    wait_rx()
    tel.wait("second no-binding drop", lambda t: t.total("drop_no_binding") >= 2)
    # Stage 4: MN3's lifetime ends (after its first expiry found it refreshed).
    tel.wait("MN3 expired", lambda t: t.total("ctrl_bindings_expired") >= 1)
    check(tel.get(f"/mipha/binding,{MN3_HOME}")["state"] == "not bound",
          "telemetry: MN3 not bound after its lifetime")
    check(tel.get("/mipha/bindings")["count"] == 1, "telemetry: one binding left")
    st = tel.get("/mipha/stats")
    check(st["workers"] == 1 and "0" in st["per_worker"] and "net0" in st["ports"],
          "telemetry: /mipha/stats has per-worker and per-port parts")
    return sent


def check_counters(stats, sent):
    want = {
        "ctrl_bindings_installed": 3,
        "ctrl_bindings_deregistered": 1,
        "ctrl_bindings_expired": 1,
        "ctrl_gratuitous_arps": 3,
        "ctrl_replies_accepted": 4,
        "reg_accepted": 1,
        "reg_duplicate_replies": 1,
        "ctrl_replies_131_dynkey": 1,
        "ctrl_replies_131_unknown_spi": 1,
        "reg_replies_134_140": 1,
        "reg_replies_136": 1,
        "drop_reg_malformed": 1,
        "reg_malformed_ext_overrun": 1,
        "encap_packets": 1,
        "decap_packets": 1,
        "drop_no_binding": 2,
        "drop_reverse_tunnel_spoofed": 1,
        "ctrl_drop_malformed": 0,
        "ctrl_drop_unexpected": 0,
        "ctrl_drop_reply": 0,
        "ctrl_drop_tx_full": 0,
    }
    for name, value in want.items():
        check(stats.get(name) == value, f"counter {name} = {value} (got {stats.get(name)})")
    check(stats.get("rx_packets", 0) >= sent["n"], f"rx_packets >= {sent['n']}")
    # Worker or control may refuse M/G with 139 (either is right): once in all.
    check(stats.get("ctrl_replies_139", 0) + stats.get("reg_replies_139", 0) == 1,
          "one 139 reply (ctrl_replies_139 + reg_replies_139)")
    check(stats.get("ctrl_expiry_rearmed", 0) >= 1,
          "the first expiry check found MN3 refreshed and re-armed")


def rrps(frames):
    """UDP/434 replies as (frame, rrp bytes), by Identification."""
    out = {}
    for f in frames:
        if UDP in f and f[UDP].sport == 434 and bytes(f[UDP].payload)[:1] == b"\x03":
            p = bytes(f[UDP].payload)
            out[struct.unpack("!Q", p[12:20])[0]] = (f, p)
    return out


def verify_mhae(rrp, spi, key):
    """The MHAE is last: type 32, length 20, SPI, HMAC-MD5 over everything before it."""
    auth_off = len(rrp) - 16
    t, ln, s = struct.unpack("!BBI", rrp[auth_off - 6:auth_off])
    return (t, ln, s) == (32, 20, spi) and hmac.compare_digest(
        hmac.new(key, rrp[:auth_off], hashlib.md5).digest(), rrp[auth_off:])


def checksums_ok(f):
    """The frame's IPv4 (and UDP) checksums equal freshly computed ones."""
    ip = IP(bytes(f[IP]))
    got = (ip.chksum, ip[UDP].chksum if UDP in ip and ip.proto == 17 else None)
    del ip.chksum
    if got[1] is not None:
        del ip[UDP].chksum
    again = IP(bytes(ip))
    return got == (again.chksum, again[UDP].chksum if got[1] is not None else None)


# Expert severities as tshark -T fields prints them: 0x00600000 warning, 0x00800000 error.
EXPERT_WARNING = 0x00600000


def check_tshark(paths):
    """Wireshark decodes every frame with no malformed packet or expert warning.

    Every frame's expert severities are read as fields: a display filter
    `_ws.expert.severity >= warning` misses some warnings in tshark 4.0.
    """
    for path in paths:
        out = subprocess.run(["tshark", "-r", path, "-E", "aggregator=|", "-T", "fields",
                              "-e", "frame.number", "-e", "_ws.malformed",
                              "-e", "_ws.expert.severity", "-e", "_ws.expert.message"],
                             capture_output=True, text=True, timeout=60)
        check(out.returncode == 0, f"tshark reads {os.path.basename(path)}: {out.stderr[-200:]}")
        bad = []
        for line in out.stdout.splitlines():
            cols = line.split("\t") + [""] * 4
            num, malformed, sevs, msgs = cols[:4]
            why = [m for sv, m in zip(sevs.split("|"), msgs.split("|") + [""] * 64)
                   if sv.strip() and int(sv, 0) >= EXPERT_WARNING]
            if malformed or why:
                bad.append(f"frame {num}:{' malformed' if malformed else ''} {why}")
        check(not bad, f"tshark: no malformed frame or warning in {os.path.basename(path)} "
              f"{'; '.join(bad)[:300]}")


def check_output(q0, q1, sent):
    ha_mac = sent["ha_mac"]
    print(f"output: {len(q0)} frames from the worker, {len(q1)} from control")
    for f in list(q0) + list(q1):
        check(f[Ether].src == ha_mac, f"sent from the HA's MAC: {f.summary()}")

    ctl = rrps(q1)
    wrk = rrps(q0)
    # The spec's re-registration, answered by control as a first registration
    # with a static SA: the spec's reply byte for byte.
    r = ctl.get(int(VEC["rereg"]["identification"], 16))
    check(r is not None, "reply to MN1's registration (from the control queue)")
    f, p = r
    check(p == bytes.fromhex(VEC["rereg"]["rrp"]), "MN1 reply = the spec's rereg RRP byte for byte")
    check(f[IP].src == HA and f[IP].dst == MN1_COA and f[UDP].dport == 40001,
          "MN1 reply goes from the HA to the RRQ's source address and port")
    check(f[Ether].dst == PEER_MAC, "MN1 reply goes back to the sender's MAC")
    check(checksums_ok(f), "MN1 reply: IPv4 and UDP checksums")
    check(verify_mhae(p, MN1_SPI, MN1_KEY), "MN1 reply MHAE verifies with the SA key")

    dup = [x for x in q0 if UDP in x and x[UDP].sport == 434 and
           bytes(x[UDP].payload) == bytes.fromhex(VEC["rereg"]["rrp"])]
    check(len(dup) == 1 and dup[0][UDP].dport == 40001,
          "exact copy of MN1's RRQ: the same reply again, from the worker")

    f, p = wrk.get(ident(1, 10), (None, None))
    check(p is not None and p[:20] == rrp_hdr(0, 6, MN3_HOME, HA, ident(1, 10)),
          "MN3 refresh: 0 with lifetime 6 from the worker")
    f, p = ctl.get(ident(0, 9), (None, None))
    check(p is not None and p[:20] == rrp_hdr(0, 4, MN3_HOME, HA, ident(0, 9)) and
          p[-16:] == hashlib.md5(MN3_KEY + p[:-16] + MN3_KEY).digest(),
          "MN3 first reply: 0, lifetime 4, keyed-MD5 MHAE verified")

    f, p = ctl.get(ident(0, 4), wrk.get(ident(0, 4), (None, None)))
    check(p is not None and p[:20] == rrp_hdr(139, 0, MN2_HOME, HA, ident(0, 4)) and
          verify_mhae(p, MN2_SPI, MN2_KEY), "MN2 asking for M: 139, signed with MN2's key")

    f, p = ctl.get(ident(0, 5), (None, None))
    check(p is not None, "reply to MN2's registration")
    check(p[:20] == rrp_hdr(0, 600, MN2_HOME, HA, ident(0, 5)),
          "MN2 reply: code 0, lifetime 600, home address, HA, identification")
    check(len(p) == 20 + 22 and verify_mhae(p, MN2_SPI, MN2_KEY),
          "MN2 reply: only an MHAE, verified with MN2's key")

    init_id = int(VEC["inputs"]["identification"], 16)
    f, p = ctl.get(init_id, (None, None))
    nai = VEC["inputs"]["nai"].encode()
    check(p == rrp_hdr(131, 0, MN1_HOME, HA, init_id) + nai_ext(nai),
          "initial dynamic-key RRQ: 131, NAI echoed, no MHAE")
    f, p = ctl.get(ident(0, 6), (None, None))
    check(p == rrp_hdr(131, 0, "10.1.0.13", HA, ident(0, 6)), "unknown SPI: 131 without MHAE")
    f, p = wrk.get(ident(0, 7), (None, None))
    check(p is not None and p[1] == 134, "malformed RRQ: 134 from the worker")
    f, p = wrk.get(ident(0, 8), (None, None))
    check(p is not None and p[1] == 136, "RRQ to another HA: 136 from the worker")

    f, p = ctl.get(ident(1, 3), (None, None))
    check(p is not None and p[:20] == rrp_hdr(0, 0, MN1_HOME, HA, ident(1, 3)),
          "deregistration reply: code 0, lifetime 0")
    check(p[20:20 + 2 + len(nai)] == nai_ext(nai) and verify_mhae(p, MN1_SPI, MN1_KEY),
          "deregistration reply: NAI echoed, MHAE verified")

    garps = [f for f in q1 if ARP in f]
    homes = sorted(f[ARP].psrc for f in garps)
    check(homes == [MN1_HOME, MN2_HOME, MN3_HOME],
          f"gratuitous ARP for each new binding ({homes})")
    for f in garps:
        check(f[Ether].dst == "ff:ff:ff:ff:ff:ff" and f[ARP].pdst == f[ARP].psrc and
              f[ARP].hwsrc == ha_mac, f"gratuitous ARP fields for {f[ARP].psrc}")

    tunnels = [f for f in q0 if IP in f and f[IP].proto == 4]
    check(len(tunnels) == 1, "one tunnelled packet")
    t = tunnels[0]
    check(t[IP].src == HA and t[IP].dst == MN1_COA and t[IP].ttl == 64,
          "tunnel: outer 10.1.0.1 -> MN1's care-of, TTL 64")
    check(t[Ether].dst == GW_MAC, "tunnel: to the gateway's MAC")
    want = IP(sent["data"])
    want.ttl -= 1
    del want.chksum
    check(bytes(t[IP].payload) == bytes(IP(bytes(want))), "tunnel: inner packet, TTL - 1")
    check(checksums_ok(t), "tunnel: outer checksum")

    decap = [f for f in q0 if IP in f and f[IP].src == MN2_HOME]
    check(len(decap) == 1, "one decapsulated packet")
    want = IP(sent["inner"])
    want.ttl -= 1
    del want.chksum
    check(bytes(decap[0][IP]) == bytes(IP(bytes(want))), "decapsulated: the inner packet, TTL - 1")
    check(decap[0][Ether].dst == GW_MAC, "decapsulated: to the gateway's MAC")


# ---- the namespace around it ----

def sh(*args):
    subprocess.run(args, check=True)


def netns_main(script, links, run_inside_fn):
    """
    Runs run_inside_fn(mipha, workdir) inside a fresh network namespace
    holding the veth pairs links = [(ha_side, peer_side, peer_cidr or None)]:
    the script calls itself with --inside there. Removes the namespace after.
    """
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        run_inside_fn(sys.argv[2], sys.argv[3])
        print("PASS")
        return
    if len(sys.argv) != 2:
        print(sys.modules["__main__"].__doc__)
        sys.exit(2)
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespace)")
        sys.exit(77)
    mipha = os.path.abspath(sys.argv[1])
    ns = f"mipha-pcap-{os.getpid()}"
    workdir = tempfile.mkdtemp(prefix="mipha-pcap-")
    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        for ha_side, peer, cidr in links:
            sh("ip", "-n", ns, "link", "add", ha_side, "type", "veth", "peer", "name", peer)
            if cidr is not None:
                sh("ip", "-n", ns, "addr", "add", cidr, "dev", peer)
            sh("ip", "-n", ns, "link", "set", ha_side, "up")
            sh("ip", "-n", ns, "link", "set", peer, "up")
        rc = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(script),
                             "--inside", mipha, workdir], timeout=150).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])
    if rc == 0:
        subprocess.run(["rm", "-rf", workdir])
    else:
        print(f"kept {workdir} for inspection")
    sys.exit(rc)


if __name__ == "__main__":
    netns_main(__file__, [("ha0", "mn0", None)], run_inside)
