//! `Promise` (asyncio's `Future`): set once, awaited by several tasks, its result, exception and
//! cancellation read back as asyncio's `result()` / `exception()` / `cancelled()` report them.

mod support;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use support::{paused_loop, yield_many};
use tulip::{Promise, PromiseError};

/// `fut = loop.create_future(); loop.call_soon(fut.set_result, 42); await fut == 42`.
#[test]
fn result_set_by_a_callback_reaches_the_awaiting_task() {
    let lp = paused_loop();
    let fut: Promise<u32> = lp.create_future();
    let setter = fut.clone();
    lp.call_soon(move || setter.set_result(42).unwrap());
    assert_eq!(lp.block_on(fut).unwrap(), 42);
}

/// Several tasks `await fut` at once; one `set_result` wakes every one of them with the result.
#[test]
fn several_tasks_awaiting_one_promise_all_get_the_result() {
    paused_loop().block_on(async {
        let fut: Promise<String> = Promise::new();
        let waiters: Vec<_> = (0..5)
            .map(|i| {
                let f = fut.clone();
                tulip::spawn(async move { format!("{i}:{}", f.await.unwrap()) })
            })
            .collect();
        yield_many(3).await;
        assert!(waiters.iter().all(|t| !t.is_finished()));
        fut.set_result("ok".to_string()).unwrap();
        for (i, t) in waiters.into_iter().enumerate() {
            assert_eq!(t.await, format!("{i}:ok"));
        }
    });
}

/// `fut.set_exception(exc)`: `await fut` raises it, `fut.exception()` returns it, for every awaiter.
#[test]
fn exception_reaches_every_awaiter_and_exception_returns_it() {
    paused_loop().block_on(async {
        let fut: Promise<u8> = Promise::new();
        let a = tulip::spawn(fut.clone());
        let b = tulip::spawn(fut.clone());
        tulip::yield_now().await;
        fut.set_exception(io::Error::from(io::ErrorKind::ConnectionRefused))
            .unwrap();
        for t in [a, b] {
            let err = t.await.unwrap_err();
            assert_eq!(
                err.exception().unwrap().kind(),
                io::ErrorKind::ConnectionRefused
            );
        }
        assert_eq!(
            fut.exception().unwrap().unwrap().kind(),
            io::ErrorKind::ConnectionRefused
        );
        let as_io: io::Error = fut.result().unwrap_err().into();
        assert_eq!(as_io.kind(), io::ErrorKind::ConnectionRefused);
    });
}

/// `fut.cancel()` returns True once; `cancelled()` is True; awaiters get `CancelledError`;
/// `exception()` raises `CancelledError` too.
#[test]
fn cancel_ends_a_pending_promise_once_and_awaiters_see_cancelled() {
    paused_loop().block_on(async {
        let fut: Promise<u8> = Promise::new();
        let f = fut.clone();
        let waiter = tulip::spawn(f);
        tulip::yield_now().await;
        assert!(fut.cancel());
        assert!(!fut.cancel());
        assert!(fut.is_cancelled() && fut.is_done());
        assert!(waiter.await.unwrap_err().is_cancelled());
        assert!(fut.exception().unwrap_err().is_cancelled());
    });
}

/// `set_result` on a done future raises `InvalidStateError` and changes nothing; here the value comes back.
#[test]
fn setting_a_done_promise_is_refused_and_gives_the_value_back() {
    paused_loop().block_on(async {
        let fut: Promise<&str> = Promise::new();
        fut.set_result("first").unwrap();
        assert_eq!(fut.set_result("second").unwrap_err().into_inner(), "second");
        assert!(fut
            .set_exception(io::Error::other("late"))
            .unwrap_err()
            .into_inner()
            .to_string()
            .contains("late"));
        assert!(!fut.cancel());
        assert_eq!(fut.result().unwrap(), "first");
    });
}

/// `fut.result()` on a pending future raises `InvalidStateError`; `done()` is False.
#[test]
fn result_of_a_pending_promise_is_invalid_state() {
    paused_loop().block_on(async {
        let fut: Promise<u8> = Promise::new();
        assert!(!fut.is_done());
        assert!(matches!(fut.result(), Err(PromiseError::InvalidState)));
        assert!(fut.exception().unwrap_err().is_invalid_state());
    });
}

/// A value that is not `Clone` is awaited with `wait()` and moved out once with `take_result()`.
#[test]
fn a_value_that_is_not_clone_is_taken_once_after_wait() {
    #[derive(Debug)]
    struct NotClone(u8);
    paused_loop().block_on(async {
        let fut: Promise<NotClone> = Promise::new();
        let f = fut.clone();
        tulip::call_soon(move || {
            let _ = f.set_result(NotClone(3));
        });
        fut.wait().await;
        assert_eq!(fut.take_result().unwrap().0, 3);
        assert!(fut.take_result().unwrap_err().is_invalid_state());
        assert!(fut.is_done());
    });
}

/// An awaiter dropped before the result (`asyncio.wait_for(fut, t)` timing out) leaves the promise
/// pending and usable; a later awaiter still gets the result.
#[test]
fn a_dropped_awaiter_leaves_the_promise_usable() {
    paused_loop().block_on(async {
        let fut: Promise<u8> = Promise::new();
        let timed_out =
            tulip::time::timeout(std::time::Duration::from_millis(5), fut.clone()).await;
        assert!(timed_out.is_err());
        assert!(!fut.is_done());
        let f = fut.clone();
        tulip::call_soon(move || f.set_result(8).unwrap());
        assert_eq!((&fut).await.unwrap(), 8);
    });
}

/// A promise is set from a protocol's `data_received`, as asyncio protocols resolve an
/// `on_con_lost` / reply future the coroutine awaits.
#[test]
fn a_protocol_method_sets_the_promise_a_task_awaits() {
    struct Reply(Promise<Vec<u8>>);
    impl tulip::net::Protocol for Reply {
        fn data_received(&mut self, data: &[u8]) {
            let _ = self.0.set_result(data.to_vec());
        }
    }
    let got = Rc::new(RefCell::new(None));
    let g = got.clone();
    support::real_loop().block_on(async move {
        let listener = tulip::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tulip::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            conn.write_all(b"pong").await.unwrap();
        })
        .detach();
        let reply: Promise<Vec<u8>> = Promise::new();
        let r = reply.clone();
        let (_transport, _protocol) = tulip::net::create_connection(move || Reply(r), addr)
            .await
            .unwrap();
        *g.borrow_mut() = Some(reply.await.unwrap());
    });
    assert_eq!(got.borrow().as_deref(), Some(&b"pong"[..]));
}
