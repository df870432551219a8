//! The kit's EdgeZero app on the axum adapter. Like the adapter's own `run_app`, it opens one
//! `PersistentKvStore` (redb) per KV store id of the manifest and serves the app's routes with
//! them; unlike it, it keeps the store it opened, because redb locks its file and native
//! operations need the same store as `KvHandle`. Configuration from the environment:
//! `KVPARITY_ADDR` (host:port to listen on), `KVPARITY_STORE_DIR` (where the redb files go).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::Context as _;
use edgezero_adapter_axum::dev_server::{AxumDevServer, AxumDevServerConfig};
use edgezero_adapter_axum::key_value_store::PersistentKvStore;
use edgezero_core::app::Hooks as _;
use edgezero_core::key_value_store::{KvError, KvHandle, KvStore};
use edgezero_core::store_registry::StoreRegistry;
use kvparity_edgezero_core::native::{self, Adapter};
use kvparity_edgezero_core::App;

static NATIVE: OnceLock<Arc<PersistentKvStore>> = OnceLock::new();
static STARTED: OnceLock<Instant> = OnceLock::new();

fn main() -> anyhow::Result<()> {
    let addr: SocketAddr = std::env::var("KVPARITY_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8787".to_owned())
        .parse()
        .context("KVPARITY_ADDR must be host:port")?;
    let dir = PathBuf::from(std::env::var("KVPARITY_STORE_DIR").unwrap_or_else(|_| ".edgezero".to_owned()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;

    let kv = App::stores().kv.context("edgezero.toml declares no [stores.kv]")?;
    let mut by_id = BTreeMap::new();
    for id in kv.ids {
        let path = dir.join(format!("{id}.redb"));
        let store = Arc::new(PersistentKvStore::new(&path).map_err(|err| anyhow::anyhow!("{err}"))?);
        if *id == kv.default {
            let _first = NATIVE.set(Arc::clone(&store));
        }
        by_id.insert((*id).to_owned(), KvHandle::new(store));
    }
    let registry = StoreRegistry::new(by_id, kv.default.to_owned());

    let _first = STARTED.set(Instant::now());
    native::install(Adapter { name: "edgezero-axum", platform: "axum", open: open_native, now_ms });

    let app = App::build_app();
    let config = AxumDevServerConfig { addr, enable_ctrl_c: true };
    AxumDevServer::with_config(app.router().clone(), config).with_kv_registry(registry).run()
}

fn open_native(_ctx: &edgezero_core::context::RequestContext) -> Result<Arc<dyn KvStore>, KvError> {
    let store = NATIVE.get().ok_or(KvError::Unavailable)?;
    Ok(Arc::clone(store) as Arc<dyn KvStore>)
}

fn now_ms() -> f64 {
    STARTED.get().map_or(0.0, |started| started.elapsed().as_secs_f64() * 1000.0)
}
