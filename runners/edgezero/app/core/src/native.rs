//! What differs per adapter, installed once by its entry point: how to open the adapter's own
//! `KvStore` (native operations bypass `KvHandle`'s validation, to find where the platform itself
//! draws its lines) and what /health reports.

use std::sync::{Arc, OnceLock};

use edgezero_core::context::RequestContext;
use edgezero_core::key_value_store::{KvError, KvStore};

/// Opens the adapter's `KvStore` for the app's one store (`kvparity`), for this request.
pub type OpenStore = fn(&RequestContext) -> Result<Arc<dyn KvStore>, KvError>;

/// A monotonic clock in milliseconds, for /bench (wasm32-unknown-unknown has no `Instant`).
pub type NowMs = fn() -> f64;

pub struct Adapter {
    /// The adapter's name as /health reports it ("edgezero-axum", …).
    pub name: &'static str,
    /// The platform whose store it is ("axum", "fastly", "cloudflare").
    pub platform: &'static str,
    pub open: OpenStore,
    pub now_ms: NowMs,
}

static ADAPTER: OnceLock<Adapter> = OnceLock::new();

/// Called by each adapter's entry point before it dispatches (again on every request where the
/// platform starts an instance per request; only the first call counts).
pub fn install(adapter: Adapter) {
    let _first = ADAPTER.set(adapter);
}

pub(crate) fn adapter() -> &'static Adapter {
    ADAPTER
        .get()
        .expect("kvparity-edgezero: the adapter's entry point must call native::install first")
}
