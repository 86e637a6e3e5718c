"""What transport.get_protocol() returns during and after connection_lost."""
import asyncio

class P(asyncio.Protocol):
    def connection_made(self, t): self.t = t
    def connection_lost(self, exc): print("during connection_lost:", self.t.get_protocol() is self)

async def main():
    loop = asyncio.get_running_loop()
    srv = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    t, p = await loop.create_connection(P, "127.0.0.1", port)
    t.close()
    await asyncio.sleep(0.05)
    print("after connection_lost:", t.get_protocol())
    # pipes and subprocess transports
    import os
    r, w = os.pipe()
    rt, rp = await loop.connect_read_pipe(P, os.fdopen(r, "rb"))
    os.close(w)
    await asyncio.sleep(0.05)
    print("read pipe after connection_lost:", rt.get_protocol())
    srv.close()

asyncio.run(main())
