#!/usr/bin/python3
"""DNS delay proxy for bench/ready.sh: a user-space stand-in for
`tc netem delay` on the path between mxready and its resolver.

Listens on LISTEN (addr@port, UDP and TCP), passes each query at once to
UPSTREAM and holds each answer DELAY seconds before returning it, so every
lookup pays one DELAY per round trip, as with netem on the resolver's link.
Writes one trace line per UDP query to TRACE:
    t_query t_answer_upstream t_answer_sent qname qtype
(seconds since the proxy started, monotonic clock).
Usage: delayproxy.py LISTEN UPSTREAM DELAY TRACE PIDFILE
"""
import asyncio
import os
import signal
import struct
import sys
import time

T0 = time.monotonic()
TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
         28: "AAAA", 43: "DS", 48: "DNSKEY", 52: "TLSA"}


def split(a):
    host, _, port = a.rpartition("@")
    return host, int(port)


def question(wire):
    """(qname, qtype) of a DNS message, or ("?", "?")."""
    try:
        i, labels = 12, []
        while wire[i]:
            n = wire[i]
            labels.append(wire[i + 1:i + 1 + n].decode("ascii", "replace").lower())
            i += 1 + n
        qtype = struct.unpack("!H", wire[i + 1:i + 3])[0]
        return ".".join(labels) + ".", TYPES.get(qtype, "TYPE%d" % qtype)
    except (IndexError, struct.error):
        return "?", "?"


class Upstream(asyncio.DatagramProtocol):
    """One socket per query: IDs of different clients never clash."""

    def __init__(self, proxy, client, wire, t_query):
        self.proxy, self.client, self.wire, self.t_query = proxy, client, wire, t_query
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.sendto(self.wire)

    def datagram_received(self, data, addr):
        t_up = time.monotonic() - T0
        self.transport.close()
        loop = asyncio.get_running_loop()
        loop.call_later(self.proxy.delay, self.proxy.answer, self.client, data,
                        self.t_query, t_up, self.wire)

    def error_received(self, exc):
        self.transport.close()


class Proxy(asyncio.DatagramProtocol):
    def __init__(self, upstream, delay, trace):
        self.upstream, self.delay, self.trace = upstream, delay, trace
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        t_query = time.monotonic() - T0
        loop = asyncio.get_running_loop()
        loop.create_task(loop.create_datagram_endpoint(
            lambda: Upstream(self, addr, data, t_query), remote_addr=self.upstream))

    def answer(self, client, data, t_query, t_up, wire):
        self.transport.sendto(data, client)
        qname, qtype = question(wire)
        self.trace.write("%.6f %.6f %.6f %s %s\n" % (t_query, t_up, time.monotonic() - T0,
                                                    qname, qtype))
        self.trace.flush()


async def tcp_pipe(reader, writer, delay):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if delay:
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main():
    listen, upstream, delay, trace_path, pidfile = sys.argv[1:6]
    delay = float(delay)
    trace = open(trace_path, "w")
    loop = asyncio.get_running_loop()
    host, port = split(listen)
    up = split(upstream)
    await loop.create_datagram_endpoint(lambda: Proxy(up, delay, trace),
                                        local_addr=(host, port))

    async def on_tcp(creader, cwriter):
        try:
            ureader, uwriter = await asyncio.open_connection(*up)
        except OSError:
            cwriter.close()
            return
        # Queries go up at once; answers come back DELAY later.
        await asyncio.gather(tcp_pipe(creader, uwriter, 0), tcp_pipe(ureader, cwriter, delay))

    server = await asyncio.start_server(on_tcp, host, port)
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    await stop.wait()
    server.close()
    trace.close()


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    asyncio.run(main())
