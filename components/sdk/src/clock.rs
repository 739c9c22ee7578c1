//! Wall-clock time from `wasi:clocks/wall-clock` (wasm32 has no other).

use crate::wasi::clocks::wall_clock::{self, Datetime};

/// Now.
pub(crate) fn now() -> Datetime {
    wall_clock::now()
}

/// `time`, or now when none.
pub(crate) fn or_now(time: Option<Datetime>) -> Datetime {
    time.unwrap_or_else(now)
}
