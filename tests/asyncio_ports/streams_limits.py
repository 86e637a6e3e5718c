# StreamReader(limit=8): readline / readuntil / readexactly against a limit overrun and an early EOF.
# The server sends one block, waits for the client's "go", sends a separator-less run, waits again,
# sends the rest and closes. (Real sockets on 127.0.0.1; no timers.)
import asyncio

trace = []

def show(what, coro):
    async def run():
        try:
            r = await coro
            trace.append(f"{what} -> {r!r}")
        except asyncio.LimitOverrunError as e:
            trace.append(f"{what} -> LimitOverrunError consumed={e.consumed}")
        except asyncio.IncompleteReadError as e:
            trace.append(f"{what} -> IncompleteReadError partial={e.partial!r} expected={e.expected}")
        except ValueError as e:
            trace.append(f"{what} -> ValueError")
    return run()

async def main():
    go = asyncio.Queue()

    async def serve(reader, writer):
        writer.write(b"ab\nline-of-twenty-one;xyz\n")
        await go.get()
        writer.write(b"0123456789")
        await go.get()
        writer.write(b"ab;tail-too-long\nend")
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=8)
    await show("readline", reader.readline())
    await show("readuntil(;)", reader.readuntil(b";"))
    await show("readexactly(22)", reader.readexactly(22))
    await show("readuntil(\\n)", reader.readuntil(b"\n"))
    go.put_nowait(1)
    await show("readuntil(;)", reader.readuntil(b";"))
    await show("readexactly(3)", reader.readexactly(3))
    go.put_nowait(1)
    await show("readuntil(;)", reader.readuntil(b";"))
    await show("readexactly(10)", reader.readexactly(10))
    await show("readline", reader.readline())
    await show("readexactly(5)", reader.readexactly(5))
    await show("readuntil(;)", reader.readuntil(b";"))
    await show("readline", reader.readline())
    trace.append(f"at_eof={reader.at_eof()}")
    writer.close()
    server.close()
    await server.wait_closed()

asyncio.run(main())
print("\n".join(trace))
