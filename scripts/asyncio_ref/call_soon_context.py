"""call_soon / call_later / add_done_callback run the callback in a copy of the context current when it
was scheduled (each Handle keeps contextvars.copy_context())."""
import asyncio, contextvars
v = contextvars.ContextVar("v", default="unset")

async def main():
    loop = asyncio.get_running_loop()
    seen = []
    async def task():
        v.set("task value")
        loop.call_soon(lambda: seen.append(("call_soon", v.get())))
        loop.call_later(0, lambda: seen.append(("call_later", v.get())))
        fut = loop.create_future()
        fut.add_done_callback(lambda _: seen.append(("future done-callback", v.get())))
        fut.set_result(None)
        def set_in_cb():
            v.set("set in callback")
        loop.call_soon(set_in_cb)
        await asyncio.sleep(0.01)
        seen.append(("task after its callback set", v.get()))
    await asyncio.create_task(task())
    print(seen)

asyncio.run(main())
