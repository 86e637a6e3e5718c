//! `gather`, `try_gather`, `gather_all` and the `gather!` macro: run several futures concurrently in the
//! calling task and collect their outputs.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::ready::Driver;

/// Runs every future concurrently in the calling task and returns their outputs in input order.
///
/// A panic in any future propagates out of the `Gather` at once; the futures still running are dropped
/// (cancelled) with it. An empty input gives an empty `Vec` without waiting.
///
/// **asyncio:** `asyncio.gather(*aws)`. Differences: the futures run in place rather than as tasks, so
/// they may borrow and need not be `'static` or `Send`; all must have one type (use
/// [`gather!`](crate::gather!) for mixed types, or box them); on failure the others are cancelled
/// instead of left running. The whole family, precisely:
///
/// | asyncio                                | tulip                                    | on failure                       |
/// |----------------------------------------|------------------------------------------|----------------------------------|
/// | `gather(*aws)`                         | `gather`, [`gather!`](crate::gather!)    | a panic propagates at once; the other futures are dropped (cancelled) |
/// | `gather(*aws)`, awaitables that raise  | [`try_gather`] (`Result` outputs)        | the first `Err` is returned at once; the other futures are dropped |
/// | `gather(*aws, return_exceptions=True)` | [`gather_all`]                           | a panic is caught and becomes that future's `Err`; the others run on |
///
/// asyncio's default `gather` propagates the first exception **without** cancelling the other
/// awaitables: they are tasks and keep running, unobserved. Here the futures are not tasks, so when the
/// gather stops they are dropped, which is Rust's cancellation. To keep them running as asyncio does,
/// spawn them and use [`wait`](crate::task::wait) with
/// [`ReturnWhen::FirstException`](crate::task::ReturnWhen::FirstException), which hands the pending
/// tasks back.
///
/// # Cancel safety
///
/// Dropping the `Gather` drops every future it still holds; completed outputs are dropped too.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// tulip_core::run(async {
///     let delays = [30, 10, 20];
///     let out = tulip_core::gather(delays.iter().map(|&ms| async move {
///         tulip_time::sleep(Duration::from_millis(ms)).await;
///         ms * 2
///     }))
///     .await;
///     assert_eq!(out, [60, 20, 40]); // input order, not completion order
/// });
/// ```
pub fn gather<I>(futures: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let driver = Driver::new(futures);
    let outputs = (0..driver.len()).map(|_| None).collect();
    Gather { driver, outputs }
}

/// The future returned by [`gather`].
///
/// **asyncio:** the `_GatheringFuture` that `asyncio.gather` returns.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let g: tulip_core::task::Gather<_> = tulip_core::gather((1..=2).map(|i| async move { i }));
///     assert_eq!(g.await, [1, 2]);
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Gather<F: Future> {
    driver: Driver<F>,
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("len", &self.driver.len())
            .field("remaining", &self.driver.remaining())
            .finish()
    }
}

// The futures are boxed and the outputs are never pinned.
impl<F: Future> Unpin for Gather<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let outputs = &mut this.outputs;
        let _ = this.driver.poll(cx, |i, out| {
            outputs[i] = Some(out);
            ControlFlow::Continue(())
        });
        if this.driver.remaining() > 0 {
            return Poll::Pending;
        }
        Poll::Ready(
            std::mem::take(&mut this.outputs)
                .into_iter()
                .map(|o| o.expect("Gather polled after completion"))
                .collect(),
        )
    }
}

/// Runs every future concurrently in the calling task; returns all outputs in input order, or the first
/// `Err` as soon as it happens, dropping (cancelling) the futures still running.
///
/// **asyncio:** `asyncio.gather(*aws)` where an awaitable raises: the first exception propagates.
/// Differences: the other futures are cancelled rather than left running; an error is an `Err` value
/// (a panic still propagates as a panic).
///
/// # Cancel safety
///
/// Dropping the `TryGather` drops every future it still holds.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// tulip_core::run(async {
///     let res = tulip_core::try_gather([10u64, 0, 3600].map(|s| async move {
///         if s == 0 {
///             return Err("zero");
///         }
///         tulip_time::sleep(Duration::from_millis(s)).await;
///         Ok(s)
///     }))
///     .await;
///     assert_eq!(res, Err("zero")); // returned at once; the hour-long sleep was dropped
/// });
/// ```
pub fn try_gather<I, T, E>(futures: I) -> TryGather<I::Item, T>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>>,
{
    let driver = Driver::new(futures);
    let outputs = (0..driver.len()).map(|_| None).collect();
    TryGather { driver, outputs }
}

/// The future returned by [`try_gather`].
///
/// **asyncio:** the `_GatheringFuture` of `asyncio.gather` when an awaitable raises.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let g = tulip_core::try_gather((1..=2).map(|i| async move { Ok::<_, ()>(i) }));
///     assert_eq!(g.await, Ok(vec![1, 2]));
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TryGather<F, T> {
    driver: Driver<F>,
    outputs: Vec<Option<T>>,
}

impl<F: Future, T> fmt::Debug for TryGather<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("len", &self.driver.len())
            .field("remaining", &self.driver.remaining())
            .finish()
    }
}

// The futures are boxed and the outputs are never pinned.
impl<F, T> Unpin for TryGather<F, T> {}

impl<F, T, E> Future for TryGather<F, T>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let outputs = &mut this.outputs;
        let mut error = None;
        let flow = this.driver.poll(cx, |i, out| match out {
            Ok(v) => {
                outputs[i] = Some(v);
                ControlFlow::Continue(())
            }
            Err(e) => {
                error = Some(e);
                ControlFlow::Break(())
            }
        });
        if flow.is_break() {
            // Fail fast: cancel the rest now rather than when the caller drops us.
            this.driver.clear();
            this.outputs.clear();
            return Poll::Ready(Err(error.expect("break carries an error")));
        }
        if this.driver.remaining() > 0 {
            return Poll::Pending;
        }
        Poll::Ready(Ok(std::mem::take(&mut this.outputs)
            .into_iter()
            .map(|o| o.expect("TryGather polled after completion"))
            .collect()))
    }
}

/// Runs every future concurrently in the calling task to the end and returns every outcome in input
/// order: `Ok(output)`, or `Err(panic payload)` for a future that panicked. A panic does not disturb the
/// other futures.
///
/// **asyncio:** `asyncio.gather(*aws, return_exceptions=True)`. Differences: a Rust error is already a
/// value, so only panics need catching; a future returning `Result` gives `Ok(Err(e))`.
///
/// # Cancel safety
///
/// Dropping the `GatherAll` drops every future it still holds.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let out = tulip_core::gather_all(vec![
///         Box::pin(async { 1 }) as std::pin::Pin<Box<dyn std::future::Future<Output = i32>>>,
///         Box::pin(async { panic!("boom") }),
///         Box::pin(async { 3 }),
///     ])
///     .await;
///     assert_eq!(*out[0].as_ref().unwrap(), 1);
///     assert_eq!(*out[1].as_ref().unwrap_err().downcast_ref::<&str>().unwrap(), "boom");
///     assert_eq!(*out[2].as_ref().unwrap(), 3);
/// });
/// ```
#[doc(alias = "return_exceptions")]
pub fn gather_all<I>(futures: I) -> GatherAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    GatherAll {
        inner: gather(futures.into_iter().map(|future| CatchUnwind { future })),
    }
}

/// The future returned by [`gather_all`].
///
/// **asyncio:** the `_GatheringFuture` of `asyncio.gather(..., return_exceptions=True)`.
///
/// # Examples
///
/// ```
/// tulip_core::run(async {
///     let out = tulip_core::gather_all([async { 5 }]).await;
///     assert_eq!(out.into_iter().next().unwrap().unwrap(), 5);
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct GatherAll<F: Future> {
    inner: Gather<CatchUnwind<F>>,
}

impl<F: Future> fmt::Debug for GatherAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherAll")
            .field("len", &self.inner.driver.len())
            .field("remaining", &self.inner.driver.remaining())
            .finish()
    }
}

impl<F: Future> Future for GatherAll<F> {
    type Output = Vec<Result<F::Output, Box<dyn Any + Send>>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

pin_project! {
    /// Turns a panic in `future` into an `Err` output. The panicked future is never polled again (the
    /// driver drops it), so observing it after the unwind is sound.
    struct CatchUnwind<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// Runs futures of different types concurrently in the calling task and returns their outputs as a
/// tuple, in argument order. Takes 1 to 12 futures.
///
/// A panic in any of them propagates at once and drops the others (fail fast, as [`gather`]).
///
/// **asyncio:** `a, b = await asyncio.gather(fa(), fb())`. Differences: as for [`gather`]; the futures
/// are polled in place, so they may borrow.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// tulip_core::run(async {
///     let (n, s) = tulip_core::gather!(
///         async {
///             tulip_time::sleep(Duration::from_millis(10)).await;
///             1
///         },
///         async { "two" },
///     )
///     .await;
///     assert_eq!((n, s), (1, "two"));
/// });
/// ```
#[macro_export]
macro_rules! gather {
    ($a:expr $(,)?) => {
        $crate::task::__gather::Gather1::new($a)
    };
    ($a:expr, $b:expr $(,)?) => {
        $crate::task::__gather::Gather2::new($a, $b)
    };
    ($a:expr, $b:expr, $c:expr $(,)?) => {
        $crate::task::__gather::Gather3::new($a, $b, $c)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr $(,)?) => {
        $crate::task::__gather::Gather4::new($a, $b, $c, $d)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr $(,)?) => {
        $crate::task::__gather::Gather5::new($a, $b, $c, $d, $e)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr $(,)?) => {
        $crate::task::__gather::Gather6::new($a, $b, $c, $d, $e, $f)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr, $g:expr $(,)?) => {
        $crate::task::__gather::Gather7::new($a, $b, $c, $d, $e, $f, $g)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr, $g:expr, $h:expr $(,)?) => {
        $crate::task::__gather::Gather8::new($a, $b, $c, $d, $e, $f, $g, $h)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr, $g:expr, $h:expr, $i:expr $(,)?) => {
        $crate::task::__gather::Gather9::new($a, $b, $c, $d, $e, $f, $g, $h, $i)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr, $g:expr, $h:expr, $i:expr,
     $j:expr $(,)?) => {
        $crate::task::__gather::Gather10::new($a, $b, $c, $d, $e, $f, $g, $h, $i, $j)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr, $g:expr, $h:expr, $i:expr,
     $j:expr, $k:expr $(,)?) => {
        $crate::task::__gather::Gather11::new($a, $b, $c, $d, $e, $f, $g, $h, $i, $j, $k)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr, $g:expr, $h:expr, $i:expr,
     $j:expr, $k:expr, $l:expr $(,)?) => {
        $crate::task::__gather::Gather12::new($a, $b, $c, $d, $e, $f, $g, $h, $i, $j, $k, $l)
    };
}

/// Support for the [`gather!`](crate::gather!) macro; not a public API.
#[doc(hidden)]
pub mod __gather {
    use std::any::Any;
    use std::fmt;
    use std::future::Future;
    use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use pin_project_lite::pin_project;

    pin_project! {
        /// One argument of `gather!`: running, finished with its output, or output taken.
        #[project = MaybeDoneProj]
        #[project_replace = MaybeDoneTake]
        pub enum MaybeDone<F: Future> {
            Running { #[pin] future: F },
            Done { output: F::Output },
            Taken,
        }
    }

    /// A panic caught in one argument, to be resumed once every argument is dropped.
    pub type Panic = Box<dyn Any + Send>;

    impl<F: Future> MaybeDone<F> {
        /// Polls a running future; `Ok(true)` once it has an output, `Err` with the payload when the
        /// poll panicked (caught, so the caller can drop the other arguments before the panic goes
        /// on: dropped during the unwind, a sibling whose `Drop` panics would abort the process).
        pub fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Result<bool, Panic> {
            match self.as_mut().project() {
                MaybeDoneProj::Running { future } => {
                    match catch_unwind(AssertUnwindSafe(|| future.poll(cx)))? {
                        Poll::Ready(output) => {
                            self.set(MaybeDone::Done { output });
                            Ok(true)
                        }
                        Poll::Pending => Ok(false),
                    }
                }
                MaybeDoneProj::Done { .. } => Ok(true),
                MaybeDoneProj::Taken => panic!("gather! polled after completion"),
            }
        }

        /// Drops the future or output now. A panic in that `Drop` is dropped too: it comes after the
        /// panic being resumed, which is the one the awaiter sees (the panic hook has printed both).
        pub fn discard(mut self: Pin<&mut Self>) {
            let _ = catch_unwind(AssertUnwindSafe(|| self.set(MaybeDone::Taken)));
        }

        /// Takes the output; only after `poll_done` returned `true`.
        pub fn take(self: Pin<&mut Self>) -> F::Output {
            match self.project_replace(MaybeDone::Taken) {
                MaybeDoneTake::Done { output } => output,
                _ => panic!("gather! output taken twice"),
            }
        }
    }

    macro_rules! gather_tuple {
        ($Name:ident { $($F:ident $f:ident),+ }) => {
            pin_project! {
                /// The future `gather!` returns for this many arguments.
                #[must_use = "futures do nothing unless you `.await` or poll them"]
                pub struct $Name<$($F: Future),+> {
                    $( #[pin] $f: MaybeDone<$F>, )+
                }
            }

            impl<$($F: Future),+> $Name<$($F),+> {
                /// Wraps the arguments.
                #[allow(clippy::too_many_arguments)]
                pub fn new($($f: $F),+) -> Self {
                    $Name { $( $f: MaybeDone::Running { future: $f }, )+ }
                }
            }

            impl<$($F: Future),+> Future for $Name<$($F),+> {
                type Output = ($($F::Output,)+);

                fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                    let mut this = self.project();
                    let mut all_done = true;
                    let mut failed: Option<Panic> = None;
                    $(
                        if failed.is_none() {
                            match this.$f.as_mut().poll_done(cx) {
                                Ok(done) => all_done &= done,
                                Err(panic) => failed = Some(panic),
                            }
                        }
                    )+
                    if let Some(panic) = failed {
                        // Fail fast: every argument is dropped before the panic goes on.
                        $( this.$f.as_mut().discard(); )+
                        resume_unwind(panic);
                    }
                    if !all_done {
                        return Poll::Pending;
                    }
                    Poll::Ready(($( this.$f.as_mut().take(), )+))
                }
            }

            impl<$($F: Future),+> fmt::Debug for $Name<$($F),+> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct(stringify!($Name)).finish_non_exhaustive()
                }
            }
        };
    }

    gather_tuple!(Gather1 { A a });
    gather_tuple!(Gather2 { A a, B b });
    gather_tuple!(Gather3 { A a, B b, C c });
    gather_tuple!(Gather4 { A a, B b, C c, D d });
    gather_tuple!(Gather5 { A a, B b, C c, D d, E e });
    gather_tuple!(Gather6 { A a, B b, C c, D d, E e, G g });
    gather_tuple!(Gather7 { A a, B b, C c, D d, E e, G g, H h });
    gather_tuple!(Gather8 { A a, B b, C c, D d, E e, G g, H h, I i });
    gather_tuple!(Gather9 { A a, B b, C c, D d, E e, G g, H h, I i, J j });
    gather_tuple!(Gather10 { A a, B b, C c, D d, E e, G g, H h, I i, J j, K k });
    gather_tuple!(Gather11 { A a, B b, C c, D d, E e, G g, H h, I i, J j, K k, L l });
    gather_tuple!(Gather12 { A a, B b, C c, D d, E e, G g, H h, I i, J j, K k, L l, M m });
}
