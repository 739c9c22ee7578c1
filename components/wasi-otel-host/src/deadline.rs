//! A bound on how long a guest call runs ([`Deadlines`]), on wasmtime's
//! epoch interruption: a thread advances the engine's epoch every tick, and
//! a store whose deadline has passed traps at the guest's next check (a
//! loop's back edge or a function's entry). [`call_in_span`](crate::call_in_span)
//! then treats it as any trap: the spans the guest left open are ended with
//! status ERROR and the cause, the host's span too, and the next call needs
//! a new instance.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Engine, Store};

/// Advances an engine's epoch every `tick` until dropped, and arms stores
/// with a deadline. The engine must have been made with
/// `Config::epoch_interruption(true)`; every store of such an engine needs a
/// deadline before it runs guest code ([`arm`](Self::arm), or
/// [`unbounded`](Self::unbounded)), since wasmtime's default deadline has
/// already passed.
///
/// ```
/// use std::time::Duration;
/// use wasi_otel_host::Deadlines;
///
/// let mut config = wasmtime::Config::new();
/// config.epoch_interruption(true);
/// let engine = wasmtime::Engine::new(&config)?;
/// let deadlines = Deadlines::start(&engine, Duration::from_millis(10));
/// let mut store = wasmtime::Store::new(&engine, ());
/// // Before each guest call: at most about a second.
/// deadlines.arm(&mut store, Duration::from_secs(1));
/// # Ok::<(), wasmtime::Error>(())
/// ```
pub struct Deadlines {
    tick: Duration,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Deadlines {
    /// Starts the thread that advances `engine`'s epoch every `tick` (10 ms
    /// is a fair choice: the bound is kept to within a tick or two).
    pub fn start(engine: &Engine, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (engine, stopped) = (engine.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("wasi-otel-host epoch".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    engine.increment_epoch();
                }
            })
            .ok();
        Deadlines {
            tick: tick.max(Duration::from_nanos(1)),
            stop,
            thread,
        }
    }

    /// Gives `store` at most `limit` from now (rounded up to whole ticks)
    /// before its guest traps with wasmtime's `Trap::Interrupt`.
    pub fn arm<T>(&self, store: &mut Store<T>, limit: Duration) {
        let ticks = limit.as_nanos().div_ceil(self.tick.as_nanos()).max(1);
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(FAR).min(FAR));
        store.epoch_deadline_trap();
    }

    /// Lets `store` run without a bound (for stores of the same engine that
    /// need none).
    pub fn unbounded<T>(store: &mut Store<T>) {
        store.set_epoch_deadline(FAR);
    }
}

/// A deadline never reached, and far enough from `u64::MAX` that wasmtime's
/// current epoch plus it cannot overflow.
const FAR: u64 = u64::MAX / 2;

impl Drop for Deadlines {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
