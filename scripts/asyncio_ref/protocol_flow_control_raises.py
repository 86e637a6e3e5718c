"""A Protocol whose pause_writing / resume_writing raises: asyncio's _FlowControlMixin
(_maybe_pause_protocol / _maybe_resume_protocol) reports it to the loop's exception handler and the
transport goes on: write() returns, nothing is closed, every byte arrives, connection_lost(None).
The same for a datagram transport (it shares _FlowControlMixin)."""
import asyncio
import socket

class Raising(asyncio.Protocol):
    def __init__(self, events): self.events = events
    def connection_made(self, t): self.t = t
    def pause_writing(self):
        self.events.append("pause_writing"); raise RuntimeError("boom in pause_writing")
    def resume_writing(self):
        self.events.append("resume_writing"); raise RuntimeError("boom in resume_writing")
    def connection_lost(self, exc): self.events.append(f"lost {exc!r}")

async def stream():
    loop = asyncio.get_running_loop()
    events = []
    loop.set_exception_handler(lambda l, ctx: events.append(f"handler: {ctx['message']}"))
    gate = asyncio.Event()
    got = bytearray()
    async def serve(r, w):
        await gate.wait()
        while chunk := await r.read(65536):
            got.extend(chunk)
        w.close()
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    t, p = await loop.create_connection(lambda: Raising(events), *server.sockets[0].getsockname())
    t.set_write_buffer_limits(high=16 * 1024, low=0)
    t.write(b"x" * (4 << 20))   # pause_writing() is called inside write() and raises
    events.append(f"write returned, closing={t.is_closing()}")
    gate.set()
    while t.get_write_buffer_size():
        await asyncio.sleep(0.01)
    events.append(f"drained, closing={t.is_closing()}")
    t.write(b"more")
    t.close()
    await asyncio.sleep(0.1)
    events.append(f"server got all: {len(got) == (4 << 20) + 4}")
    server.close()
    print("stream  ", events)

class DRaising(asyncio.DatagramProtocol):
    def __init__(self, events): self.events = events
    def pause_writing(self):
        self.events.append("pause_writing"); raise RuntimeError("boom")
    def resume_writing(self):
        self.events.append("resume_writing"); raise RuntimeError("boom")
    def connection_lost(self, exc): self.events.append(f"lost {exc!r}")

async def datagram():
    loop = asyncio.get_running_loop()
    events = []
    loop.set_exception_handler(lambda l, ctx: events.append(f"handler: {ctx['message']}"))
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); rx.bind(("127.0.0.1", 0))
    t, p = await loop.create_datagram_endpoint(lambda: DRaising(events), remote_addr=rx.getsockname())
    t.set_write_buffer_limits(high=0, low=0)
    # Fill the socket's send buffer so sendto() has to queue, then cross the mark.
    t.get_extra_info("socket")  # (only to show it's a real socket)
    t._buffer.append((b"queued", None)); t._buffer_size += 6  # stand-in for a full kernel buffer
    t.sendto(b"y" * 100)        # pause_writing() is called inside sendto() and raises
    events.append(f"sendto returned, closing={t.is_closing()}")
    await asyncio.sleep(0.05)
    events.append(f"later, closing={t.is_closing()}")
    t.abort()
    await asyncio.sleep(0.05)
    rx.close()
    print("datagram", events)

asyncio.run(stream())
asyncio.run(datagram())
