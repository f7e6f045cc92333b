#!/usr/bin/env python3
"""A server whose capacity is known by construction, for the capacity tests.

It behaves like a single worker that serves requests one at a time, in arrival order, each taking
exactly 1/RATE seconds: request k completes at max(its arrival, completion of k-1) + 1/RATE. So it
serves at most RATE requests per second, and beyond that its queue (and every answer's latency)
grows without bound. The service time is a timer, not CPU work, so the answer does not depend on
how busy the machine is. --rate 0 answers at once (a fast server, for the generator-limit test).

Prints "PORT <n>" on stdout once it listens on 127.0.0.1 (port 0 unless --port).
Standard library only.
"""

import argparse
import asyncio
import sys
import time

BODY = b"ok"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    b"Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n" + BODY
)


class Queue:
    def __init__(self, rate: float) -> None:
        self.service = 1.0 / rate if rate > 0 else 0.0
        self.free_at = 0.0

    def completion(self) -> float:
        now = time.monotonic()
        self.free_at = max(now, self.free_at) + self.service
        return self.free_at


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, q: Queue) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            if q.service > 0:
                delay = q.completion() - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, required=True, help="requests per second served at most (0: no limit)")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    q = Queue(a.rate)
    server = await asyncio.start_server(lambda r, w: handle(r, w, q), "127.0.0.1", a.port, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
