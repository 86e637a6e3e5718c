//! Timer lateness: a 1 ms sleep repeated 1 000 times on one runtime; how late each one woke.

use std::time::{Duration, Instant};

const PERIOD: Duration = Duration::from_millis(1);

/// Lateness of each sleep (actual minus requested), in microseconds, sorted.
pub(crate) fn measure(runtime: &str, n: usize) -> Vec<f64> {
    let mut late = match runtime {
        "tulip" => tulip::run(async move {
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                tulip::time::sleep(PERIOD).await;
                v.push(lateness(t));
            }
            v
        }),
        "tokio" => tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("tokio runtime")
            .block_on(async move {
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = Instant::now();
                    tokio::time::sleep(PERIOD).await;
                    v.push(lateness(t));
                }
                v
            }),
        _ => smol::block_on(async move {
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                smol::Timer::after(PERIOD).await;
                v.push(lateness(t));
            }
            v
        }),
    };
    late.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    late
}

fn lateness(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() - PERIOD.as_secs_f64()) * 1e6
}

/// The `p`-quantile of sorted values.
pub(crate) fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}
