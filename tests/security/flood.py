#!/usr/bin/python3
"""Floods the HA's registration port (fault injection, issue 8).

    flood.py --to ADDR --src ADDR --kind KIND --count N --rrq HEX [--ident HEX16]
             [--gap-us US]
        sends N datagrams to ADDR:434 from SRC:434, fire and forget, one
        every US microseconds (default 200), and
        prints how many were sent. KIND:
          malformed  mutations of the valid RRQ HEX: cuts, overrunning and
                     zero lengths, duplicated and unknown extensions, random
                     bytes (deterministic: seeded by the index)
          forged     HEX with its Identification set to ident + i and its
                     MHAE authenticator replaced by random bytes (well formed,
                     not authentic)
          same       HEX itself N times (a retransmission storm)
        With --replies S (S > 0): also reads the replies, while sending and
        for S seconds after, and prints "sent replies distinct first" instead:
        how many Registration Replies came, how many different byte strings
        they were, and the first one (hex, "-" when none).
    flood.py --to ADDR --src ADDR --kind list --rrq-file FILE --replies S
        sends each line of FILE (hex) once, then counts the replies that come
        within S seconds; prints "sent replies".
"""
import argparse
import random
import socket
import time


def mutate(rrq, i):
    r = random.Random(i)
    b = bytearray(rrq)
    k = i % 8
    if k == 0:
        return bytes(b[: r.randrange(0, len(b))])
    if k == 1:
        b[24 + 1] = 0xFF  # first extension's length overruns
        return bytes(b)
    if k == 2:
        return bytes(b[:24] + b[24:] + b[24:])  # every extension twice
    if k == 3:
        return bytes(b[:24] + bytes([r.randrange(1, 127), 2, 0, 0]) + b[24:])  # unknown, not skippable
    if k == 4:
        b[1] |= 0x05  # reserved flags
        return bytes(b)
    if k == 5:
        b[0] = r.choice([0, 2, 4, 255])  # not a request
        return bytes(b)
    if k == 6:
        return bytes(r.getrandbits(8) for _ in range(r.randrange(1, 300)))
    for _ in range(4):
        b[r.randrange(0, len(b))] = r.getrandbits(8)
    return bytes(b)


def forged(rrq, i, ident):
    r = random.Random(1000000 + i)
    b = bytearray(rrq)
    b[16:24] = ((ident + i) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
    b[-16:] = bytes(r.getrandbits(8) for _ in range(16))
    return bytes(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--kind", choices=["malformed", "forged", "same", "list"], required=True)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--rrq", default="")
    ap.add_argument("--rrq-file")
    ap.add_argument("--replies", type=float, default=0.0)
    ap.add_argument("--ident", default="0")
    # net_pcap reads the veth through a kernel socket whose buffer overflows
    # under a burst: pace the flood (default 5000 datagrams per second).
    ap.add_argument("--gap-us", type=int, default=200)
    a = ap.parse_args()
    rrq = bytes.fromhex(a.rrq)
    ident = int(a.ident, 16)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, 434))
    sent = 0
    if a.kind == "list":
        with open(a.rrq_file) as f:
            for line in f:
                if line.strip():
                    s.sendto(bytes.fromhex(line.strip()), (a.to, 434))
                    sent += 1
                    time.sleep(a.gap_us / 1e6)
        replies = 0
        end = time.monotonic() + min(a.replies, 60.0)
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                data, _ = s.recvfrom(4096)
            except socket.timeout:
                break
            if data[:1] == b"\x03":
                replies += 1
        print(sent, replies)
        return
    got = []

    def drain(wait):
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            s.settimeout(max(0.0, left) if left > 0 else 0.0)
            try:
                data, _ = s.recvfrom(4096)
            except (socket.timeout, BlockingIOError):
                return
            if data[:1] == b"\x03":
                got.append(data)

    for i in range(min(a.count, 100000)):
        if a.replies > 0 and i % 16 == 0:
            drain(0)
        if a.kind == "malformed":
            p = mutate(rrq, i)
        elif a.kind == "forged":
            p = forged(rrq, i, ident)
        else:
            p = rrq
        if p:
            s.sendto(p, (a.to, 434))
            sent += 1
            time.sleep(a.gap_us / 1e6)
    if a.replies > 0:
        drain(min(a.replies, 60.0))
        print(sent, len(got), len(set(got)), got[0].hex() if got else "-")
        return
    print(sent)


if __name__ == "__main__":
    main()
