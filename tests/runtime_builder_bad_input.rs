//! `RuntimeBuilder` given values it cannot use: `build()` returns an `InvalidInput` error (or the
//! OS's), never a panic, an allocation abort, or a worker thread that overflows its stack.

use std::io::ErrorKind;

use tulip::Runtime;

/// A runtime with these settings either builds and runs a task on its worker, or is refused with an
/// error; anything else (a panic, an abort) fails the test or the process.
fn runs_or_is_refused(builder: tulip::runtime::RuntimeBuilder) -> Result<(), ErrorKind> {
    let rt = builder.build().map_err(|e| e.kind())?;
    assert_eq!(
        rt.block_on(async { tulip::spawn(async { 6 * 7 }).await }),
        42
    );
    Ok(())
}

/// A thread name with a NUL byte cannot name an OS thread (`std::thread::Builder` panics on it).
/// Python accepts any `threading.Thread(name=...)`; here the prefix is refused.
#[test]
fn a_thread_name_with_a_nul_byte_is_invalid_input() {
    assert_eq!(
        runs_or_is_refused(Runtime::builder().workers(1).thread_name("io\0x")),
        Err(ErrorKind::InvalidInput)
    );
}

/// A stack too small for a worker's own loop (the standard library rounds 0 up to
/// `PTHREAD_STACK_MIN`, 16 KiB, and the worker then overflows it, aborting the process).
///
/// ```python
/// threading.stack_size(16384)    # ValueError: size not valid: 16384 bytes
/// threading.stack_size(0)        # 0 means "the platform default"
/// ```
#[test]
fn a_stack_too_small_for_a_worker_is_invalid_input() {
    for bytes in [1, 4096, 16 * 1024, 40 * 1024] {
        assert_eq!(
            runs_or_is_refused(Runtime::builder().workers(1).thread_stack_size(bytes)),
            Err(ErrorKind::InvalidInput),
            "stack of {bytes} bytes"
        );
    }
}

/// `thread_stack_size(0)` asks for the platform default, as `threading.stack_size(0)` does.
#[test]
fn a_zero_stack_size_means_the_default() {
    assert_eq!(
        runs_or_is_refused(Runtime::builder().workers(1).thread_stack_size(0)),
        Ok(())
    );
}

/// The smallest stack `build()` accepts (256 KiB) runs a worker, and a stack larger than the OS can give is
/// the OS's error.
#[test]
fn the_smallest_accepted_stack_runs_and_an_impossible_one_is_an_error() {
    assert_eq!(
        runs_or_is_refused(Runtime::builder().workers(1).thread_stack_size(256 * 1024)),
        Ok(())
    );
    assert!(
        runs_or_is_refused(Runtime::builder().workers(1).thread_stack_size(usize::MAX)).is_err()
    );
}

/// A worker count no machine can start is the OS's error from the first thread it cannot create, not
/// a capacity-overflow panic or an allocation abort from reserving room for `usize::MAX` workers.
/// (The impossible stack size makes the very first thread fail, so nothing is started.)
#[test]
fn an_impossible_worker_count_is_an_error() {
    assert!(runs_or_is_refused(
        Runtime::builder()
            .workers(usize::MAX)
            .thread_stack_size(usize::MAX)
    )
    .is_err());
}
