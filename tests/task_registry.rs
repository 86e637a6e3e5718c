//! `all_tasks()`, `current_task()`, task names, ids and spawn locations.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use support::{paused_loop, yield_many};
use tulip::time::sleep;

/// asyncio, `asyncio.all_tasks()`: "Return a set of not yet finished Task objects run by the loop."
/// (tulip lists a task once it has been polled.)
#[test]
fn all_tasks_lists_live_tasks_with_names() {
    paused_loop().block_on(async {
        let a = tulip::task::Builder::new()
            .name("alpha")
            .spawn(sleep(Duration::from_millis(10)));
        let b = tulip::task::Builder::new()
            .name("beta")
            .spawn(sleep(Duration::from_millis(20)));
        let c = tulip::spawn(sleep(Duration::from_millis(30)));
        yield_many(2).await;
        let names = |infos: Vec<tulip::TaskInfo>| {
            let mut v: Vec<_> = infos
                .iter()
                .map(|i| i.name().unwrap_or("-").to_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(tulip::all_tasks()), ["-", "alpha", "beta"]);
        let ids: HashSet<_> = tulip::all_tasks().iter().map(|i| i.id()).collect();
        assert_eq!(ids, HashSet::from([a.id(), b.id(), c.id()]));

        a.await;
        yield_many(2).await;
        assert_eq!(names(tulip::all_tasks()), ["-", "beta"]);
        drop(b);
        yield_many(2).await;
        assert_eq!(names(tulip::all_tasks()), ["-"]);
        c.await;
        assert!(tulip::all_tasks().is_empty());
        assert!(tulip::get_running_loop().all_tasks().is_empty());
    });
    assert!(tulip::all_tasks().is_empty(), "empty when no loop runs");
}

/// `Loop::all_tasks` (asyncio `asyncio.all_tasks(loop)`) can be read from outside the loop, between
/// runs.
#[test]
fn loop_all_tasks_between_runs() {
    let lp = paused_loop();
    let t = lp.spawn(std::future::pending::<()>());
    lp.block_on(yield_many(2));
    let infos = lp.all_tasks();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].id(), t.id());
    drop(t);
    lp.block_on(yield_many(2));
    assert!(lp.all_tasks().is_empty());
}

/// asyncio, `asyncio.current_task()`: "Return the currently running Task instance, or None if no task
/// is running." tulip: `None` in the `block_on` future itself and in callbacks.
#[test]
fn current_task_names_the_running_task() {
    paused_loop().block_on(async {
        assert!(tulip::current_task().is_none());
        let named = tulip::task::Builder::new().name("worker").spawn(async {
            let before = tulip::current_task().unwrap();
            sleep(Duration::from_millis(1)).await;
            let after = tulip::current_task().unwrap();
            assert_eq!(before, after);
            after
        });
        let id = named.id();
        let info = named.await;
        assert_eq!(info.id(), id);
        assert_eq!(info.name(), Some("worker"));

        let anon = tulip::spawn(async { tulip::current_task().unwrap() });
        let id = anon.id();
        let info = anon.await;
        assert_eq!((info.id(), info.name()), (id, None));

        let in_callback = std::rc::Rc::new(std::cell::Cell::new(Some(())));
        let c = in_callback.clone();
        tulip::call_soon(move || c.set(tulip::current_task().map(|_| ())));
        yield_many(2).await;
        assert_eq!(in_callback.get(), None);
    });
    assert!(tulip::current_task().is_none());
}

/// asyncio, `Task.get_name()` / `create_task(coro, name=...)`: the name is kept on the handle and shown
/// in diagnostics; tulip adds the spawn location.
#[test]
fn names_ids_and_locations() {
    paused_loop().block_on(async {
        let (line, t) = (line!(), tulip::spawn(async {}));
        assert_eq!(t.name(), None);
        assert_eq!((t.location().file(), t.location().line()), (file!(), line));
        let builder = tulip::task::Builder::new().name("fetch");
        let (line, named) = (line!(), builder.spawn(async {}));
        assert_eq!(named.name(), Some("fetch"));
        assert_eq!(named.location().line(), line);
        assert_ne!(t.id(), named.id());
        assert!(format!("{named:?}").contains("fetch"));

        let info = tulip::task::Builder::new()
            .name("shown")
            .spawn(async { tulip::current_task().unwrap() })
            .await;
        let text = info.to_string();
        assert!(text.contains("'shown'") && text.contains(file!()), "{text}");
        assert!(info.id().as_u64() > 0);
        t.await;
        named.await;
    });
}

/// Task ids are unique across loops (asyncio's `id(task)` is unique in the process).
#[test]
fn task_ids_are_unique_across_loops() {
    let (a, b) = (paused_loop(), paused_loop());
    let mut ids = HashSet::new();
    for _ in 0..100 {
        assert!(ids.insert(a.spawn(async {}).id()));
        assert!(ids.insert(b.spawn(async {}).id()));
    }
}

/// Tasks spawned from another thread through a `Handle` are listed by their loop, with their name.
#[test]
fn handle_spawned_tasks_are_listed() {
    let lp = paused_loop();
    let handle = lp.handle();
    let t = std::thread::spawn(move || {
        tulip::task::Builder::new()
            .name("remote")
            .spawn_on(&handle, std::future::pending::<()>())
    })
    .join()
    .unwrap();
    assert_eq!(t.name(), Some("remote"));
    lp.block_on(yield_many(2));
    let infos = lp.all_tasks();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].name(), Some("remote"));
    drop(t);
}

/// Tasks that waited and then ended in large numbers (their entries leave the loop's table in sweeps)
/// never show in `all_tasks`, while every task still waiting does, with its name.
#[test]
fn all_tasks_lists_exactly_the_waiting_tasks_through_churn() {
    paused_loop().block_on(async {
        let mut waiting = Vec::new();
        for round in 0..5u64 {
            // 300 tasks wait; 250 of them then finish.
            let tasks: Vec<_> = (0..300u64)
                .map(|i| {
                    let ms = if i < 250 { 1 } else { 10_000 };
                    tulip::task::Builder::new()
                        .name(format!("r{round}-{i}"))
                        .spawn(sleep(Duration::from_millis(ms)))
                })
                .collect();
            yield_many(2).await;
            sleep(Duration::from_millis(5)).await;
            yield_many(2).await;
            let mut tasks = tasks.into_iter();
            for t in tasks.by_ref().take(250) {
                assert!(t.is_finished());
            }
            waiting.extend(tasks);
            let listed: HashSet<_> = tulip::all_tasks().iter().map(|i| i.id()).collect();
            let expected: HashSet<_> = waiting.iter().map(|t| t.id()).collect();
            assert_eq!(listed, expected, "round {round}");
        }
        assert_eq!(tulip::all_tasks().len(), 250);
        assert!(tulip::all_tasks().iter().all(|i| i
            .name()
            .is_some_and(|n| n.ends_with(|c: char| c.is_ascii_digit()))));
        drop(waiting);
        yield_many(2).await;
        assert!(tulip::all_tasks().is_empty());
    });
}

/// When the loop closes, a waiting task's future is dropped as that task: `current_task()` in its
/// `Drop` names it (asyncio runs a cancelled task's cleanup inside the task).
#[test]
fn current_task_inside_a_future_dropped_at_close_is_that_task() {
    use std::cell::Cell;
    use std::rc::Rc;

    struct Probe(Rc<Cell<Option<tulip::TaskId>>>);
    impl Drop for Probe {
        fn drop(&mut self) {
            self.0.set(tulip::current_task().map(|i| i.id()));
        }
    }

    let seen = Rc::new(Cell::new(None));
    let lp = paused_loop();
    let probe = Probe(seen.clone());
    let t = lp.spawn(async move {
        let _probe = probe;
        std::future::pending::<()>().await
    });
    let id = t.id();
    t.detach();
    lp.block_on(yield_many(2));
    assert_eq!(seen.get(), None);
    drop(lp);
    assert_eq!(seen.get(), Some(id));
}
