"""asyncio.run gives the main task its own copy of the caller's context."""
import asyncio, contextvars
v = contextvars.ContextVar("v", default="unset")

async def main():
    print("inside, before set:", v.get())
    v.set("set in main")
    async def child():
        return v.get()
    print("child sees:", await asyncio.create_task(child()))

v.set("set before run")
asyncio.run(main())
print("after run:", v.get())

# run_until_complete on a coroutine wraps it in a task too: same copy.
w = contextvars.ContextVar("w", default="unset")
async def setter():
    w.set("set in task")
loop = asyncio.new_event_loop()
loop.run_until_complete(setter())
print("after run_until_complete:", w.get())
loop.close()
