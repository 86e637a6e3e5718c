//! `#[tulip::main]` and `#[tulip::test]`: run an `async fn` on a fresh tulip loop.
//!
//! **asyncio:** `asyncio.run(main())` at the bottom of a script, and `unittest.IsolatedAsyncioTestCase`
//! (each test on its own loop).
//!
//! Use them through the `tulip` crate (`tulip::main`, `tulip::test`); the expansion names `::tulip`, so a
//! crate that renames its dependency says where tulip is with `crate = "path"`.
//!
//! # Implementation
//!
//! The function's body becomes an inner `async fn` with the same return type, and the outer function,
//! now synchronous, builds a loop with the options given and blocks on it (`tulip::__macro_support::run`).
//! Keeping the body a real `async fn` means `?`, `return` and the return type behave exactly as the user
//! wrote them, and errors point at the user's code.

mod expand;
mod options;

use proc_macro::TokenStream;

/// Runs an `async fn main` on a new tulip loop, then closes the loop.
///
/// **asyncio:** `asyncio.run(main(), debug=...)`.
///
/// Options, all optional, comma-separated:
/// - `start_paused = true`: the loop's clock starts paused (time jumps to the next timer when nothing is
///   ready), as `Loop::builder().start_paused(true)`.
/// - `debug = true` / `false`: debug mode (slow polls reported); when absent, the `TULIP_DEBUG`
///   environment variable decides, as for any loop.
/// - `workers = N`: run on the multi-core runtime ([`tulip::Runtime`]) with `N` worker threads, each
///   running its own loop, instead of one loop on the calling thread. The body runs on worker 0 (it may
///   hold `!Send` values; the calling thread only waits), `tulip::spawn` inside it spawns on worker 0,
///   and `tulip::runtime::RuntimeHandle::current()` places `Send` tasks on any worker. When the body
///   returns, the runtime shuts down and the tasks still running on the workers are cancelled. The
///   value returned must be `Send` (it crosses back from worker 0), so `Result<(), Box<dyn Error>>`
///   needs `Box<dyn Error + Send + Sync>`. `start_paused` and `debug` apply to every worker's loop.
/// - `crate = "path"`: where the `tulip` crate is, when it is renamed (default `::tulip`).
///
/// [`tulip::Runtime`]: https://docs.rs/tulip/latest/tulip/struct.Runtime.html
///
/// The function may return anything `main` may (`()`, `Result<(), E>`, `ExitCode`); it must be `async`,
/// take no arguments and have no generic parameters.
///
/// # Examples
///
/// ```
/// #[tulip::main]
/// async fn main() -> std::io::Result<()> {
///     let t = tulip::spawn(async { 6 * 7 });
///     assert_eq!(t.await, 42);
///     Ok(())
/// }
/// ```
///
/// On a paused clock, an hour of sleeping takes no wall time:
///
/// ```
/// use std::time::{Duration, Instant};
///
/// #[tulip::main(start_paused = true)]
/// async fn main() {
///     let wall = Instant::now();
///     tulip::time::sleep(Duration::from_secs(3600)).await;
///     assert!(wall.elapsed() < Duration::from_secs(3600));
/// }
/// ```
///
/// On four workers, a `Send` task per worker through the runtime's handle:
///
/// ```
/// use tulip::runtime::{current_worker, RuntimeHandle};
///
/// #[tulip::main(workers = 4)]
/// async fn main() {
///     assert_eq!(current_worker(), Some(0));
///     let rt = RuntimeHandle::current();
///     let tasks: Vec<_> = (0..rt.workers())
///         .map(|i| rt.worker(i).spawn(async { current_worker().unwrap() }))
///         .collect();
///     let mut seen = Vec::new();
///     for t in tasks {
///         seen.push(t.await);
///     }
///     assert_eq!(seen, [0, 1, 2, 3]);
/// }
/// ```
///
/// A function that is not `async` is refused:
///
/// ```compile_fail
/// #[tulip::main]
/// fn main() {}
/// ```
///
/// So is one with arguments:
///
/// ```compile_fail
/// #[tulip::main]
/// async fn main(args: Vec<String>) {}
/// ```
///
/// And an unknown option, or zero workers:
///
/// ```compile_fail
/// #[tulip::main(flavor = "multi_thread")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[tulip::main(workers = 0)]
/// async fn main() {}
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(expand::Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on its own new tulip loop, closed when the test ends.
///
/// **asyncio:** `unittest.IsolatedAsyncioTestCase`: every test on a fresh loop.
///
/// Takes the same options as [`main`](macro@main): `start_paused = true` is the usual choice for tests of
/// timers (exact, and no wall time spent), `debug = true` reports slow polls, `workers = N` runs the test
/// on the multi-core runtime (for code that spreads work over workers). Other attributes
/// (`#[should_panic]`, `#[ignore]`) are kept. The test may return `()` or a `Result`.
///
/// # Examples
///
/// ```
/// # // Doc tests have no test harness; the attribute still expands to a `#[test]` function.
/// use std::time::Duration;
///
/// #[tulip::test(start_paused = true)]
/// async fn sleeps_on_the_loop_clock() {
///     let start = tulip::time::now();
///     tulip::time::sleep(Duration::from_secs(30)).await;
///     assert_eq!(tulip::time::now() - start, Duration::from_secs(30));
/// }
/// # fn main() {}
/// ```
///
/// A `#[test]` attribute besides it would make the test run twice, so it is refused:
///
/// ```compile_fail
/// #[tulip::test]
/// #[test]
/// async fn twice() {}
/// # fn main() {}
/// ```
///
/// A test that takes arguments is refused:
///
/// ```compile_fail
/// #[tulip::test]
/// async fn with_args(n: u32) {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(expand::Kind::Test, args.into(), item.into()).into()
}
