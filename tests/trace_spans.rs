//! Needs `--features tracing`: the span every task gets (id, name, spawn location, entered on every poll)
//! and the events for slow polls and for panics reaching the exception handler, seen by a capturing
//! `tracing::Subscriber` written here.
#![cfg(feature = "tracing")]

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// A span as the subscriber saw it.
#[derive(Debug, Clone)]
struct SpanRec {
    name: &'static str,
    target: String,
    level: Level,
    fields: BTreeMap<String, String>,
    /// How many times it was entered.
    enters: usize,
}

/// An event, with the span that was entered (innermost) when it was emitted.
#[derive(Debug, Clone)]
struct EventRec {
    target: String,
    level: Level,
    fields: BTreeMap<String, String>,
    span: Option<u64>,
}

#[derive(Debug, Default)]
struct Log {
    spans: HashMap<u64, SpanRec>,
    /// Entered spans, innermost last (one thread: the loop's).
    stack: Vec<u64>,
    events: Vec<EventRec>,
}

/// Records everything; every callsite is enabled.
#[derive(Clone, Default)]
struct Capture {
    log: Arc<Mutex<Log>>,
    next: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let meta = attrs.metadata();
        self.log.lock().unwrap().spans.insert(
            id,
            SpanRec {
                name: meta.name(),
                target: meta.target().to_owned(),
                level: *meta.level(),
                fields,
                enters: 0,
            },
        );
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut log = self.log.lock().unwrap();
        if let Some(s) = log.spans.get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut s.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let mut log = self.log.lock().unwrap();
        let span = log.stack.last().copied();
        log.events.push(EventRec {
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            fields,
            span,
        });
    }
    fn enter(&self, span: &Id) {
        let mut log = self.log.lock().unwrap();
        let id = span.into_u64();
        if let Some(s) = log.spans.get_mut(&id) {
            s.enters += 1;
        }
        log.stack.push(id);
    }
    fn exit(&self, span: &Id) {
        let mut log = self.log.lock().unwrap();
        let id = span.into_u64();
        if let Some(i) = log.stack.iter().rposition(|&s| s == id) {
            log.stack.remove(i);
        }
    }
}

impl Capture {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap()
    }

    /// The task span whose `task.id` is `id`.
    fn task_span(&self, id: tulip::TaskId) -> (u64, SpanRec) {
        let log = self.log();
        let found: Vec<_> = log
            .spans
            .iter()
            .filter(|(_, s)| s.name == "task" && s.fields.get("task.id") == Some(&id.to_string()))
            .map(|(&k, s)| (k, s.clone()))
            .collect();
        assert_eq!(found.len(), 1, "one span for task {id}: {:?}", log.spans);
        found.into_iter().next().unwrap()
    }
}

/// Runs `f` with a fresh capturing subscriber as this thread's default.
fn capture<R>(f: impl FnOnce() -> R) -> (R, Capture) {
    let sub = Capture::default();
    let out = tracing::subscriber::with_default(sub.clone(), f);
    (out, sub)
}

#[test]
fn each_task_has_a_span_with_id_name_and_spawn_location() {
    let ((id, line), sub) = capture(|| {
        tulip::run(async {
            let b = tulip::task::Builder::new().name("worker");
            let (line, t) = (line!(), b.spawn(async { 7 }));
            let id = t.id();
            assert_eq!(t.await, 7);
            (id, line)
        })
    });
    let (_, span) = sub.task_span(id);
    assert_eq!(span.target, "tulip::task");
    assert_eq!(span.level, Level::DEBUG);
    assert_eq!(span.fields["task.name"], "worker");
    let location = &span.fields["spawn.location"];
    assert!(
        location.starts_with(&format!("{}:{}:", file!(), line)),
        "{location}"
    );
    assert!(span.fields.contains_key("loop.id"), "{:?}", span.fields);
}

#[test]
fn an_unnamed_task_has_no_name_field() {
    let (id, sub) = capture(|| {
        tulip::run(async {
            let t = tulip::spawn(async {});
            let id = t.id();
            t.await;
            id
        })
    });
    let (_, span) = sub.task_span(id);
    assert!(!span.fields.contains_key("task.name"), "{:?}", span.fields);
    assert!(span.fields.contains_key("spawn.location"));
}

/// The task yields between its events, so each event comes from a separate poll: each must be inside
/// the task's span.
#[test]
fn the_span_is_entered_on_every_poll() {
    let (id, sub) = capture(|| {
        tulip::run(async {
            let t = tulip::spawn(async {
                for step in 0..3u64 {
                    tracing::info!(step, "polled");
                    tulip::yield_now().await;
                }
            });
            let id = t.id();
            // An event of the main future, outside any task.
            tracing::info!("main");
            t.await;
            id
        })
    });
    let (span_id, span) = sub.task_span(id);
    let log = sub.log();
    let steps: Vec<_> = log
        .events
        .iter()
        .filter(|e| e.fields.get("message").map(String::as_str) == Some("polled"))
        .collect();
    assert_eq!(steps.len(), 3, "{:?}", log.events);
    for (i, e) in steps.iter().enumerate() {
        assert_eq!(e.fields["step"], i.to_string());
        assert_eq!(e.span, Some(span_id), "step {i} outside the task's span");
    }
    // Four polls: three that yield and the one that returns.
    assert!(span.enters >= 4, "entered {} times", span.enters);
    let main: Vec<_> = log
        .events
        .iter()
        .filter(|e| e.fields.get("message").map(String::as_str) == Some("main"))
        .collect();
    assert_eq!(main.len(), 1);
    assert_eq!(main[0].span, None, "the main future is not a task");
    // Nothing is left entered once the loop is done.
    assert!(log.stack.is_empty(), "{:?}", log.stack);
}

#[test]
fn a_slow_poll_is_a_warn_event_naming_the_task() {
    let (id, sub) = capture(|| {
        let lp = tulip::Loop::builder()
            .debug(true)
            .slow_callback_duration(Duration::from_millis(5))
            .build()
            .unwrap();
        // The exception handler still gets the report; keep it off stderr.
        lp.set_exception_handler(|_| {});
        lp.block_on(async {
            let t = tulip::task::Builder::new()
                .name("sleeper")
                .spawn(async { std::thread::sleep(Duration::from_millis(20)) });
            let id = t.id();
            t.await;
            id
        })
    });
    let log = sub.log();
    let slow: Vec<_> = log
        .events
        .iter()
        .filter(|e| e.target == "tulip::slow_poll")
        .collect();
    assert_eq!(slow.len(), 1, "{:?}", log.events);
    let e = slow[0];
    assert_eq!(e.level, Level::WARN);
    assert_eq!(e.fields["task.id"], id.to_string());
    assert_eq!(e.fields["task.name"], "sleeper");
    let us: u64 = e.fields["elapsed_us"].parse().unwrap();
    assert!(us >= 20_000, "{us}");
    assert!(e.fields["message"].contains("'sleeper'"), "{:?}", e.fields);
}

#[test]
fn no_slow_poll_event_outside_debug_mode() {
    let ((), sub) = capture(|| {
        let lp = tulip::Loop::builder()
            .debug(false)
            .slow_callback_duration(Duration::from_millis(1))
            .build()
            .unwrap();
        lp.block_on(async {
            tulip::spawn(async { std::thread::sleep(Duration::from_millis(5)) }).await;
        });
    });
    let log = sub.log();
    assert!(
        log.events.iter().all(|e| e.target != "tulip::slow_poll"),
        "{:?}",
        log.events
    );
}

#[test]
fn an_unobserved_panic_is_an_error_event() {
    let ((id, handled), sub) = capture(|| {
        let lp = tulip::Loop::new().unwrap();
        let handled = Arc::new(Mutex::new(Vec::new()));
        let h = handled.clone();
        lp.set_exception_handler(move |ctx| h.lock().unwrap().push(ctx.kind()));
        let id = lp.block_on(async {
            let t = tulip::task::Builder::new()
                .name("doomed")
                .spawn(async { panic!("boom") });
            let id = t.id();
            t.detach();
            tulip::yield_now().await;
            tulip::yield_now().await;
            id
        });
        let handled = handled.lock().unwrap().clone();
        (id, handled)
    });
    assert_eq!(handled, [tulip::ExceptionKind::UnobservedTaskPanic]);
    let log = sub.log();
    let errors: Vec<_> = log
        .events
        .iter()
        .filter(|e| e.target == "tulip::exception")
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", log.events);
    let e = errors[0];
    assert_eq!(e.level, Level::ERROR);
    assert_eq!(e.fields["kind"], "UnobservedTaskPanic");
    assert_eq!(e.fields["panic"], "boom");
    assert_eq!(e.fields["task.id"], id.to_string());
    assert_eq!(e.fields["task.name"], "doomed");
}

#[test]
fn a_panicking_callback_is_an_error_event() {
    let ((), sub) = capture(|| {
        let lp = tulip::Loop::new().unwrap();
        lp.set_exception_handler(|_| {});
        lp.call_soon(|| panic!("callback broke"));
        lp.block_on(async {
            tulip::yield_now().await;
        });
    });
    let log = sub.log();
    let errors: Vec<_> = log
        .events
        .iter()
        .filter(|e| e.target == "tulip::exception")
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", log.events);
    assert_eq!(errors[0].fields["kind"], "CallbackPanic");
    assert_eq!(errors[0].fields["panic"], "callback broke");
    assert!(!errors[0].fields.contains_key("task.id"));
}
