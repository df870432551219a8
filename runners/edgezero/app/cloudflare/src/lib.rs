//! The kit's EdgeZero app on the Cloudflare adapter: `run_app` wires the manifest's KV store to
//! the Workers KV binding of the same name (`kvparity`); native operations open that binding with
//! the adapter's own `CloudflareKvStore`, from the `Env` the adapter puts in the request.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use edgezero_adapter_cloudflare::context::CloudflareRequestContext;
use edgezero_adapter_cloudflare::key_value_store::CloudflareKvStore;
use edgezero_core::context::RequestContext;
use edgezero_core::key_value_store::{KvError, KvStore};
use kvparity_edgezero_core::native::{self, Adapter};
use kvparity_edgezero_core::App;
use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
pub async fn main(req: Request, env: Env, ctx: Context) -> Result<Response> {
    native::install(Adapter { name: "edgezero-cloudflare", platform: "cloudflare", open: open_native, now_ms });
    edgezero_adapter_cloudflare::run_app::<App>(req, env, ctx).await
}

fn open_native(ctx: &RequestContext) -> std::result::Result<Arc<dyn KvStore>, KvError> {
    let env = CloudflareRequestContext::get(ctx.request()).ok_or(KvError::Unavailable)?.env();
    Ok(Arc::new(CloudflareKvStore::from_env(env, "kvparity")?))
}

/// JavaScript's clock: wasm32-unknown-unknown has no `Instant`.
fn now_ms() -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "milliseconds since 1970 fit an f64 exactly")]
    let now = worker::Date::now().as_millis() as f64;
    now
}
