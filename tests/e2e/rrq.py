#!/usr/bin/python3
"""Sends Registration Requests and prints the replies (e2e helper).

    rrq.py send --to ADDR[:PORT] [--timeout S] [--src ADDR] HEX [HEX...]
        sends each RRQ (hex) from one UDP socket (source port 434 unless
        --sport) and prints each reply as one hex line ('-' when none came
        within the timeout). Exit 0 when every RRQ got a reply.
    rrq.py ntp [--offset S]
        prints the current time as a 64-bit NTP timestamp (16 hex digits),
        the Identification of an RRQ sent now.
    rrq.py code HEX
        prints the reply code of an RRP.
"""
import argparse
import socket
import sys
import time

NTP_EPOCH = 2208988800


def ntp_now(offset=0.0):
    t = time.time() + offset
    sec = int(t) + NTP_EPOCH
    frac = int((t - int(t)) * (1 << 32)) & 0xFFFFFFFF
    return f"{sec & 0xFFFFFFFF:08x}{frac:08x}"


def addr(s, port):
    host, _, p = s.partition(":")
    return host, int(p) if p else port


def send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, a.sport))
    s.settimeout(a.timeout)
    ok = True
    for h in a.hex:
        s.sendto(bytes.fromhex(h), addr(a.to, 434))
        deadline = time.monotonic() + a.timeout
        got = None
        rrq_ident = bytes.fromhex(h)[16:24]
        while got is None and time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, _ = s.recvfrom(4096)
            except socket.timeout:
                break
            # A reply to this RRQ echoes its Identification's low 32 bits.
            if len(data) >= 20 and data[0] == 3 and data[16:20] == rrq_ident[4:8]:
                got = data
        print(got.hex() if got else "-", flush=True)
        ok = ok and got is not None
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("send")
    p.add_argument("--to", required=True)
    p.add_argument("--src", default="0.0.0.0")
    p.add_argument("--sport", type=int, default=434)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("hex", nargs="+")
    p = sub.add_parser("ntp")
    p.add_argument("--offset", type=float, default=0.0)
    p = sub.add_parser("code")
    p.add_argument("hex")
    a = ap.parse_args()
    if a.cmd == "send":
        return send(a)
    if a.cmd == "ntp":
        print(ntp_now(a.offset))
        return 0
    print(bytes.fromhex(a.hex)[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
