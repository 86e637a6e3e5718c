"""run_coroutine_threadsafe: the task is made on the loop's thread by loop.create_task, so the loop's
task factory applies (names, eager start); its context is a copy of the calling thread's context (the
call_soon_threadsafe callback runs in it)."""
import asyncio, contextvars, threading

v = contextvars.ContextVar("v", default="unset")
order = []

async def job():
    order.append(f"job starts, task={asyncio.current_task().get_name()}, v={v.get()}")
    await asyncio.sleep(0)
    return "done"

def factory(loop, coro, **kw):
    order.append("factory")
    t = asyncio.Task(coro, loop=loop, **kw)
    t.set_name("from-factory")
    return t

async def main():
    loop = asyncio.get_running_loop()
    loop.set_task_factory(factory)
    def other_thread():
        v.set("set in the other thread")
        return asyncio.run_coroutine_threadsafe(job(), loop)
    fut = await loop.run_in_executor(None, other_thread)
    print(await asyncio.wrap_future(fut))
    print(order)
    order.clear()
    # eager factory (3.12+ only)
    if hasattr(asyncio, "eager_task_factory"):
        loop.set_task_factory(asyncio.eager_task_factory)
        def cb_then_spawn():
            loop.call_soon_threadsafe(lambda: order.append("call_soon_threadsafe before"))
            return asyncio.run_coroutine_threadsafe(job(), loop)
        fut = await loop.run_in_executor(None, cb_then_spawn)
        await asyncio.wrap_future(fut)
        print(order)
    else:
        print("eager_task_factory: not in this python (3.12+)")

asyncio.run(main())
