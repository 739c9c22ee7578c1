//! The demo built on the library: the SDK component alone
//! ([`SdkSession`], for tests of the guest) and composed with the checkout
//! app ([`Service`], one server span of the host per request), in stores
//! whose data is a [`HostState`].

mod apps;
mod session;
mod state;

pub use apps::{App, Prepared};
pub use session::{Build, SdkSession, Service, REQUEST_TIME_LIMIT};
pub(crate) use state::ready;
pub use state::{counting_engine, deadlines, engine, HostState, Store};
