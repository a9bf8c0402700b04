#!/usr/bin/python3
"""A RADIUS man in the middle between mipha and FreeRADIUS (fault injection,
issue 8). Listens on --listen PORT, forwards each request to the real server
on --upstream PORT, and answers the HA as the mode file says (re-read for
every request, so a test switches modes while it runs):

    pass          the real reply, at once
    delay MS      the real reply, MS milliseconds late
    drop          nothing (the AAA server answers not at all)
    garbage       instead of the real reply: random bytes, the real reply
                  with one byte flipped, truncated, under another Identifier,
                  with its Message-Authenticator removed, with the MPPE
                  Recv-Key bytes changed, and an Access-Accept made up with
                  the right Identifier (the attacker does not know the secret)
    garbage+real  the same garbage, then the real reply

Prints "req <code> <Request Authenticator>" for each request from the HA, and
"<mode> <n replies sent>" for each reply from the server.
"""
import argparse
import os
import random
import select
import socket
import struct
import time


def read_mode(path):
    try:
        with open(path) as f:
            w = f.read().split()
    except OSError:
        return ["pass"]
    return w or ["pass"]


def attrs(pkt):
    off, out = 20, []
    n = min(len(pkt), struct.unpack("!H", pkt[2:4])[0])
    while off + 2 <= n and pkt[off + 1] >= 2:
        out.append((off, pkt[off], pkt[off + 1]))
        off += pkt[off + 1]
    return out


def garbage(real, req, r):
    out = [bytes(r.getrandbits(8) for _ in range(r.randrange(1, 200)))]
    if real:
        b = bytearray(real)
        b[r.randrange(4, len(b))] ^= 0x01
        out.append(bytes(b))
        out.append(real[: max(20, len(real) // 2)])
        b = bytearray(real)
        b[1] = (b[1] + 1) & 0xFF
        out.append(bytes(b))
        b = bytearray(real)
        for off, t, ln in attrs(real):
            if t == 80:  # Message-Authenticator removed, Length fixed
                b = bytearray(real[:off] + real[off + ln:])
                b[2:4] = struct.pack("!H", len(b))
                break
        out.append(bytes(b))
        b = bytearray(real)
        for off, t, ln in attrs(real):
            if t == 26 and ln > 12:  # a byte inside the first vendor attribute
                b[off + ln - 3] ^= 0x40
                break
        out.append(bytes(b))
    fake = bytearray([2, req[1], 0, 20]) + bytes(r.getrandbits(8) for _ in range(16))
    fake += bytes([80, 18]) + bytes(16)
    fake[2:4] = struct.pack("!H", len(fake))
    out.append(bytes(fake))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--mode-file", required=True)
    ap.add_argument("--lifetime", type=float, default=300.0)
    a = ap.parse_args()
    down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    down.bind(("127.0.0.1", a.listen))
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.bind(("127.0.0.1", 0))
    pending = {}  # (id, authenticator) -> (ha address, request, mode)
    later = []  # (time, packet, address)
    r = random.Random(8)
    end = time.monotonic() + a.lifetime
    print("ready", flush=True)
    while time.monotonic() < end:
        wait = 0.05
        if later:
            wait = max(0.0, min(wait, later[0][0] - time.monotonic()))
        rd, _, _ = select.select([down, up], [], [], wait)
        now = time.monotonic()
        while later and later[0][0] <= now:
            _, p, addr = later.pop(0)
            down.sendto(p, addr)
        if down in rd:
            req, addr = down.recvfrom(4096)
            if len(req) < 20:
                continue
            mode = read_mode(a.mode_file)
            print(f"req {req[0]} {req[4:20].hex()}", flush=True)
            pending[(req[1], req[4:20])] = (addr, req, mode)
            up.sendto(req, ("127.0.0.1", a.upstream))
        if up in rd:
            rep, _ = up.recvfrom(4096)
            key = None
            for k, v in pending.items():
                if k[0] == rep[1]:
                    key = k
            if key is None:
                continue
            addr, req, mode = pending.pop(key)
            sent = 0
            if mode[0] in ("garbage", "garbage+real"):
                for g in garbage(rep, req, r):
                    down.sendto(g, addr)
                    sent += 1
            if mode[0] in ("pass", "garbage+real"):
                down.sendto(rep, addr)
                sent += 1
            elif mode[0] == "delay":
                later.append((now + int(mode[1]) / 1000.0, rep, addr))
                later.sort(key=lambda x: x[0])
                sent += 1
            print(f"{' '.join(mode)} {sent}", flush=True)


if __name__ == "__main__":
    main()
