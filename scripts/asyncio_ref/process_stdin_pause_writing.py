"""SubprocessProtocol.pause_writing / resume_writing when the stdin pipe's write buffer crosses its
marks (asyncio's WriteSubprocessPipeProto forwards them to the subprocess protocol)."""
import asyncio

class P(asyncio.SubprocessProtocol):
    def __init__(self, events, done): self.events, self.done = events, done
    def pause_writing(self): self.events.append("pause_writing")
    def resume_writing(self): self.events.append("resume_writing")
    def pipe_data_received(self, fd, data): pass
    def process_exited(self): self.events.append("process_exited"); self.done.set_result(None)

async def main():
    loop = asyncio.get_running_loop()
    events = []
    done = loop.create_future()
    # The child reads nothing for a while, then drains stdin.
    t, p = await loop.subprocess_exec(lambda: P(events, done), "sh", "-c", "sleep 0.2; cat >/dev/null")
    w = t.get_pipe_transport(0)
    w.set_write_buffer_limits(high=1024, low=256)
    w.write(b"x" * (1 << 20))
    events.append(f"after write: buffer={w.get_write_buffer_size() > 0}")
    while w.get_write_buffer_size():
        await asyncio.sleep(0.01)
    events.append("buffer empty")
    w.close()
    await done
    t.close()
    print(events)

asyncio.run(main())
