#!/usr/bin/python3
"""A userspace IP-in-IP end point for the Mobile Node (e2e helper).

    ipip_echo.py (--home A | --home-prefix P/LEN) --ha A [--duration S]
                 [--no-reply] [--any-proto]

Run in the MN's namespace (this kernel has no ipip module). Receives what the
HA tunnels to any local care-of address (raw IPPROTO_IPIP socket); for each
inner ICMP echo request to the home address (or any address of the prefix)
it prints one line "rx OUTER_SRC OUTER_DST INNER_SRC INNER_DST ID SEQ"
(with --any-proto, every inner packet: "rx ... INNER_DST proto N") and, unless --no-reply,
answers with an echo reply from the home address, encapsulated from the care-of
address the request arrived on back to the HA (the reverse tunnel). Stops
after --duration seconds (default 60) or on SIGTERM.
"""
import argparse
import ipaddress
import signal
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_hdr(src, dst, proto, payload_len, ident=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident, 0x4000, 64,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--home")
    g.add_argument("--home-prefix")
    ap.add_argument("--any-proto", action="store_true")
    ap.add_argument("--ha", required=True)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--no-reply", action="store_true")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    net = ipaddress.ip_network(a.home_prefix or a.home + "/32")
    end = time.monotonic() + a.duration
    print("ready", flush=True)
    while time.monotonic() < end:
        rx.settimeout(max(0.01, end - time.monotonic()))
        try:
            pkt = rx.recv(65535)
        except socket.timeout:
            break
        ohl = (pkt[0] & 0x0F) * 4
        osrc, odst = pkt[12:16], pkt[16:20]
        inner = pkt[ohl:]
        if len(inner) < 20 or ipaddress.ip_address(inner[16:20]) not in net:
            continue
        if a.any_proto:
            print("rx", socket.inet_ntoa(osrc), socket.inet_ntoa(odst),
                  socket.inet_ntoa(inner[12:16]), socket.inet_ntoa(inner[16:20]),
                  "proto", inner[9], flush=True)
            continue
        if len(inner) < 28 or inner[9] != 1:
            continue
        ihl = (inner[0] & 0x0F) * 4
        icmp = inner[ihl:]
        if icmp[0] != 8:
            continue
        ident, seq = struct.unpack("!HH", icmp[4:8])
        print("rx", socket.inet_ntoa(osrc), socket.inet_ntoa(odst),
              socket.inet_ntoa(inner[12:16]), socket.inet_ntoa(inner[16:20]),
              ident, seq, flush=True)
        if a.no_reply:
            continue
        body = b"\0\0\0\0" + icmp[4:]
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        reply = ip_hdr(socket.inet_ntoa(inner[16:20]), socket.inet_ntoa(inner[12:16]), 1, len(body)) + body
        outer = ip_hdr(socket.inet_ntoa(odst), a.ha, 4, len(reply)) + reply
        tx.sendto(outer, (a.ha, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
