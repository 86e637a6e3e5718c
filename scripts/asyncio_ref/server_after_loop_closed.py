"""Server methods once its loop is closed (and no longer referenced)."""
import asyncio, gc

class P(asyncio.Protocol):
    pass

loop = asyncio.new_event_loop()
srv = loop.run_until_complete(loop.create_server(P, "127.0.0.1", 0))
print("serving while loop idle:", srv.is_serving())
loop.close()
print("after loop.close(): is_serving", srv.is_serving(), "get_loop closed", srv.get_loop().is_closed())
print("sockets:", len(srv.sockets))
# close_clients/abort_clients are 3.13+ (3.11 here)
for name, call in [("close", srv.close)]:
    try:
        call(); print(name, "-> ok")
    except Exception as e:
        print(name, "->", repr(e))
print("after close: is_serving", srv.is_serving(), "sockets", len(srv.sockets))
try:
    loop2 = asyncio.new_event_loop()
    loop2.run_until_complete(srv.wait_closed()); print("wait_closed on another loop -> ok")
except Exception as e:
    print("wait_closed ->", repr(e))
try:
    loop2.run_until_complete(srv.serve_forever())
except Exception as e:
    print("serve_forever after close ->", repr(e))
try:
    loop2.run_until_complete(srv.start_serving())
except Exception as e:
    print("start_serving after close ->", repr(e))

# The same server, loop closed, not closed by the user: serve_forever from another loop.
loop = asyncio.new_event_loop()
srv = loop.run_until_complete(loop.create_server(P, "127.0.0.1", 0))
loop.close()
try:
    loop2.run_until_complete(srv.serve_forever())
except Exception as e:
    print("serve_forever, loop closed, server open ->", repr(e))
