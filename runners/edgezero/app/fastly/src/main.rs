//! The kit's EdgeZero app on the Fastly adapter: `run_app` wires the manifest's KV store to the
//! Fastly KV store of the same name (`kvparity`, declared in the fastly.toml the kit writes);
//! native operations open that store with the adapter's own `FastlyKvStore`.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use edgezero_adapter_fastly::key_value_store::FastlyKvStore;
use edgezero_core::key_value_store::{KvError, KvStore};
use kvparity_edgezero_core::native::{self, Adapter};
use kvparity_edgezero_core::App;

static STARTED: OnceLock<Instant> = OnceLock::new();

#[fastly::main]
fn main(req: fastly::Request) -> Result<fastly::Response, fastly::Error> {
    let _first = STARTED.set(Instant::now());
    native::install(Adapter { name: "edgezero-fastly", platform: "fastly", open: open_native, now_ms });
    edgezero_adapter_fastly::run_app::<App>(req)
}

fn open_native(_ctx: &edgezero_core::context::RequestContext) -> Result<Arc<dyn KvStore>, KvError> {
    Ok(Arc::new(FastlyKvStore::open("kvparity")?))
}

fn now_ms() -> f64 {
    STARTED.get().map_or(0.0, |started| started.elapsed().as_secs_f64() * 1000.0)
}
