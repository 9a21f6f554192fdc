#!/usr/bin/env python3
"""bench/probe.sh's stand-in for network distance (netem is not available
everywhere): a TCP proxy that holds every chunk DELAY_MS milliseconds in
each direction (RTT = 2 x DELAY_MS) and the upstream connect DELAY_MS too.
Usage: delayproxy_tcp.py DELAY_MS LISTEN=TARGET...  with LISTEN and TARGET
as ADDR:PORT or [ADDR6]:PORT."""
import asyncio
import sys
import time

DELAY = float(sys.argv[1]) / 1000.0


def split(hp):
    host, _, port = hp.rpartition(":")
    return host.strip("[]"), int(port)


async def pipe(reader, writer):
    q = asyncio.Queue()

    async def pull():
        while True:
            data = await reader.read(65536)
            await q.put((time.monotonic() + DELAY, data))
            if not data:
                return

    async def push():
        while True:
            due, data = await q.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(pull(), push())
    except (OSError, asyncio.IncompleteReadError):
        pass


async def handle(cr, cw, target):
    await asyncio.sleep(DELAY)
    try:
        ur, uw = await asyncio.open_connection(*target)
    except OSError:
        cw.close()
        return
    await asyncio.gather(pipe(cr, uw), pipe(ur, cw))
    cw.close()
    uw.close()


async def main():
    servers = []
    for pair in sys.argv[2:]:
        listen, target = pair.split("=")
        la, lp = split(listen)
        t = split(target)
        servers.append(await asyncio.start_server(
            lambda r, w, t=t: handle(r, w, t), la, lp))
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main())
