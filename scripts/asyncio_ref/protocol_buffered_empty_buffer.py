"""An empty get_buffer(): asyncio reports it to the loop's exception handler and closes the connection
with connection_lost(RuntimeError); feeding bytes to the protocol directly raises RuntimeError."""
import asyncio
from asyncio import protocols

class Empty(asyncio.BufferedProtocol):
    def __init__(self, events): self.events = events
    def connection_made(self, t): self.events.append("connection_made")
    def get_buffer(self, n): return bytearray()
    def buffer_updated(self, n): self.events.append(f"buffer_updated {n}")
    def connection_lost(self, exc): self.events.append(f"connection_lost {exc!r}")

async def main():
    loop = asyncio.get_running_loop()
    events = []
    loop.set_exception_handler(lambda l, ctx: events.append(f"handler: {ctx['message']} {ctx.get('exception')!r}"))
    srv = await asyncio.start_server(lambda r, w: w.write(b"hello"), "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    await loop.create_connection(lambda: Empty(events), "127.0.0.1", port)
    for _ in range(20):
        await asyncio.sleep(0.01)
    print(events)
    try:
        protocols._feed_data_to_buffered_proto(Empty([]), b"xy")
    except RuntimeError as e:
        print("direct feed:", repr(e))
    srv.close()

asyncio.run(main())
