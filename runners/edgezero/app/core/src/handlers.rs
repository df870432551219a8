//! The routes of `edgezero.toml`. Native operations (/ops, /value, /bench) go to the adapter's own
//! `KvStore`, untouched; contract calls (/handle) go to the `KvHandle` EdgeZero gives a handler,
//! and answer what EdgeZero answers: the `KvError` variant, its text, and the HTTP response an
//! EdgeZero handler that propagates it with `?` would send.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::action;
use edgezero_core::body::Body;
use edgezero_core::context::RequestContext;
use edgezero_core::error::EdgeError;
use edgezero_core::extractor::Kv;
use edgezero_core::http::{self, Response, StatusCode};
use edgezero_core::key_value_store::{KvError, KvHandle, KvPage, KvStore};
use edgezero_core::response::IntoResponse as _;
use futures::future::join_all;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::frame;
use crate::native;
use crate::wire::{self, Op, Text};

const PROTOCOL_VERSION: u32 = 2;
/// handler.js MAX_BODY_BYTES: the largest legal value plus keys and framing.
const MAX_BODY_BYTES: usize = 36 * 1024 * 1024;
/// Puts of distinct keys sent to the store together, at most (as the Netlify host does 8).
const PUT_GROUP: usize = 16;
/// handler.js MAX_VALUE_BYTES: native probes look past 25 MiB.
const MAX_VALUE_BYTES: usize = 100 * 1024 * 1024;
/// The store id of `edgezero.toml`.
const STORE_ID: &str = "kvparity";
/// The EdgeZero commit the app was built from (set by the kit's build).
const EDGEZERO_COMMIT: &str = match option_env!("KVPARITY_EDGEZERO_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

#[action]
pub async fn health() -> Result<Response, EdgeError> {
    let adapter = native::adapter();
    frame::json(
        StatusCode::OK,
        &json!({
            "ok": true,
            "protocol": PROTOCOL_VERSION,
            "runtime": { "name": adapter.name, "version": EDGEZERO_COMMIT, "platform": adapter.platform, "kind": "emulator" },
        }),
    )
}

/// POST /ops: a frame of native operations, run in order on the adapter's `KvStore`.
#[action]
pub async fn ops(RequestContext(ctx): RequestContext) -> Result<Response, EdgeError> {
    let store = open_store(&ctx)?;
    let body = match bounded_body(ctx, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let (line, bytes) = frame::split(&body);
    let ops = match wire::batch(&line, bytes.len()) {
        Ok(ops) => ops,
        Err((_not_json, message)) => return frame::protocol_error(StatusCode::BAD_REQUEST, &message),
    };
    let mut results = Vec::with_capacity(ops.len());
    let mut values = Vec::new();
    let mut offset = 0;
    let mut next = 0;
    while next < ops.len() {
        // Consecutive puts of distinct keys go to the store together, as a Worker's would: their
        // order cannot show, and on Cloudflare each one waits on I/O. Outcomes keep the op order.
        let group = put_group(&ops[next..]);
        if group > 1 {
            let mut writes = Vec::with_capacity(group);
            for op in &ops[next..next + group] {
                let start = offset;
                if let Op::Put { size, .. } = op {
                    offset += size;
                }
                writes.push(run_op(store.as_ref(), op, &bytes, start));
            }
            results.extend(join_all(writes).await.into_iter().map(|(result, _value)| result));
            next += group;
            continue;
        }
        let (result, value) = run_op(store.as_ref(), &ops[next], &bytes, offset).await;
        if let Op::Put { size, .. } = &ops[next] {
            offset += size;
        }
        values.extend(value);
        results.push(result);
        next += 1;
    }
    frame::respond(&json!({ "results": results }), &values)
}

/// How many ops from the first are puts of pairwise distinct keys (at most PUT_GROUP).
fn put_group(ops: &[Op]) -> usize {
    let mut keys = HashSet::new();
    ops.iter()
        .take(PUT_GROUP)
        .take_while(|op| match op {
            Op::Put { key, .. } => key.decode().is_ok_and(|key| keys.insert(key)),
            _ => false,
        })
        .count()
}

/// One native op; a put's value starts at `offset` in `bytes`. Returns its result and the value a get found.
async fn run_op(store: &dyn KvStore, op: &Op, bytes: &Bytes, offset: usize) -> (Value, Option<Bytes>) {
    let mut found = None;
    let result = run_one(store, op, bytes, offset, &mut found).await;
    (result, found)
}

async fn run_one(store: &dyn KvStore, op: &Op, bytes: &Bytes, offset: usize, found: &mut Option<Bytes>) -> Value {
    match op {
        Op::Get { key } => {
            let key = match key.decode() {
                Ok(key) => key,
                Err(message) => return unrepresentable("key", &message),
            };
            match store.get_bytes(&key).await {
                Ok(Some(value)) => {
                    let size = value.len();
                    *found = Some(value);
                    json!({ "ok": true, "entry": { "size": size, "metadata": null } })
                }
                Ok(None) => json!({ "ok": true, "entry": null }),
                Err(err) => native_error(&err),
            }
        }
        Op::Put { key, size, ttl, metadata } => {
            let value = bytes.slice(offset..offset + size);
            let key = match key.decode() {
                Ok(key) => key,
                Err(message) => return unrepresentable("key", &message),
            };
            if *metadata {
                return json!({ "ok": false, "error": { "name": "Unsupported", "message": "EdgeZero's KvStore keeps no metadata" } });
            }
            let result = match ttl {
                None => store.put_bytes(&key, value).await,
                Some(seconds) => match Duration::try_from_secs_f64(*seconds) {
                    Ok(ttl) => store.put_bytes_with_ttl(&key, value, ttl).await,
                    Err(err) => return unrepresentable("ttl", &format!("{seconds} s is not a Duration ({err})")),
                },
            };
            result.map_or_else(|err| native_error(&err), |()| json!({ "ok": true }))
        }
        Op::Delete { key } => {
            let key = match key.decode() {
                Ok(key) => key,
                Err(message) => return unrepresentable("key", &message),
            };
            store.delete(&key).await.map_or_else(|err| native_error(&err), |()| json!({ "ok": true }))
        }
        Op::List { prefix, limit, cursor } => {
            let prefix = match prefix.as_ref().map(Text::decode).transpose() {
                Ok(prefix) => prefix.unwrap_or_default(),
                Err(message) => return unrepresentable("prefix", &message),
            };
            let cursor = match cursor.as_ref().map(Text::decode).transpose() {
                Ok(cursor) => cursor,
                Err(message) => return unrepresentable("cursor", &message),
            };
            // KvStore::list_keys_page always takes a limit; a listing without one asks for the
            // largest page EdgeZero's own KvHandle ever asks for.
            let limit = match limit.map(usize_of).transpose() {
                Ok(limit) => limit.unwrap_or(KvHandle::MAX_LIST_PAGE_SIZE),
                Err(message) => return unrepresentable("limit", &message),
            };
            match store.list_keys_page(&prefix, cursor.as_deref(), limit).await {
                Ok(KvPage { keys, cursor }) => {
                    json!({ "ok": true, "page": { "complete": cursor.is_none(), "keys": keys, "cursor": cursor } })
                }
                Err(err) => native_error(&err),
            }
        }
    }
}

/// GET /value?key=K: the value as the raw body.
#[action]
pub async fn value_get(RequestContext(ctx): RequestContext) -> Result<Response, EdgeError> {
    let Some(key) = wire::key_param(wire::query_param(ctx.request().uri().query(), "key").as_deref()) else {
        return bad_key_param();
    };
    let key = match key.decode() {
        Ok(key) => key,
        Err(message) => return value_failure(&unrepresentable("key", &message)),
    };
    let store = open_store(&ctx)?;
    match store.get_bytes(&key).await {
        Ok(Some(value)) => http::response_builder()
            .status(StatusCode::OK)
            .header("kvparity-result", "found")
            .header("content-type", "application/octet-stream")
            .body(Body::from(value.to_vec()))
            .map_err(EdgeError::internal),
        Ok(None) => http::response_builder()
            .status(StatusCode::OK)
            .header("kvparity-result", "missing")
            .body(Body::empty())
            .map_err(EdgeError::internal),
        Err(err) => value_failure(&native_error(&err)),
    }
}

/// PUT /value?key=K[&ttl=N]: the raw body as the value.
#[action]
pub async fn value_put(RequestContext(ctx): RequestContext) -> Result<Response, EdgeError> {
    let query = ctx.request().uri().query().map(str::to_owned);
    let Some(key) = wire::key_param(wire::query_param(query.as_deref(), "key").as_deref()) else {
        return bad_key_param();
    };
    let ttl = match wire::query_param(query.as_deref(), "ttl") {
        None => None,
        Some(text) => match text.trim().parse::<f64>() {
            Ok(seconds) if !text.trim().is_empty() && !seconds.is_nan() => Some(seconds),
            _ => return frame::protocol_error(StatusCode::BAD_REQUEST, "ttl must be a number of seconds"),
        },
    };
    let has_metadata = ctx.request().headers().contains_key("kvparity-metadata");
    let length = ctx
        .request()
        .headers()
        .get("content-length")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let Some(length) = length else {
        return frame::protocol_error(StatusCode::LENGTH_REQUIRED, "PUT /value needs a content-length");
    };
    if length > MAX_VALUE_BYTES {
        return frame::protocol_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("value of {length} bytes exceeds the bridge's bound of {MAX_VALUE_BYTES}"),
        );
    }
    let store = open_store(&ctx)?;
    let value = match bounded_body(ctx, MAX_VALUE_BYTES).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let op = Op::Put { key, size: value.len(), ttl, metadata: has_metadata };
    let (result, _found) = run_op(store.as_ref(), &op, &value, 0).await;
    if result["ok"] == json!(true) {
        frame::json(StatusCode::OK, &json!({ "ok": true }))
    } else {
        value_failure(&result)
    }
}

/// POST /bench: the runtime loops `count` native ops itself and times them.
#[action]
pub async fn bench(RequestContext(ctx): RequestContext) -> Result<Response, EdgeError> {
    let store = open_store(&ctx)?;
    let body = match bounded_body(ctx, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Ok(fields) = wire::object(&frame::split(&body).0) else {
        return frame::protocol_error(StatusCode::BAD_REQUEST, "bench: kind must be \"put\" or \"get\"");
    };
    let kind = fields.get("kind").map(|kind| kind.get().to_owned());
    if kind.as_deref() != Some("\"put\"") && kind.as_deref() != Some("\"get\"") {
        return frame::protocol_error(StatusCode::BAD_REQUEST, "bench: kind must be \"put\" or \"get\"");
    }
    let count = match wire::number_field(&fields, "count") {
        Ok(Some(count)) if count >= 1.0 && count <= 100_000.0 && count.fract() == 0.0 => usize_of(count).unwrap_or(1),
        _ => return frame::protocol_error(StatusCode::BAD_REQUEST, "bench: count must be an integer in 1..100000"),
    };
    let prefix = wire::string_field(&fields, "prefix").and_then(|prefix| prefix.decode().ok()).unwrap_or_else(|| "bench/".to_owned());
    let value = Bytes::from(vec![b'v'; 64]);
    let now = native::adapter().now_ms;
    let started = now();
    for i in 0..count {
        let key = format!("{prefix}{i}");
        let result = if kind.as_deref() == Some("\"put\"") {
            store.put_bytes(&key, value.clone()).await
        } else {
            store.get_bytes(&key).await.map(|_found| ())
        };
        if let Err(err) = result {
            return frame::json(StatusCode::OK, &json!({ "ok": false, "error": native_error(&err)["error"] }));
        }
    }
    frame::json(StatusCode::OK, &json!({ "ops": count, "ms": now() - started }))
}

/// POST /handle: one call of EdgeZero's `KvHandle`. The request is a frame whose JSON line names the
/// call and its arguments (`put_bytes` values follow the line); with `"spy": true` the handle is
/// one the app builds over the adapter's store with every store call recorded, so the kit can
/// tell that a refused input never reached the store.
#[action]
pub async fn handle(kv: Kv, RequestContext(ctx): RequestContext) -> Result<Response, EdgeError> {
    let native_store = open_store(&ctx)?;
    let body = match bounded_body(ctx, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let (line, bytes) = frame::split(&body);
    let fields = match wire::object(&line) {
        Ok(fields) => fields,
        Err(message) => return frame::protocol_error(StatusCode::BAD_REQUEST, &message),
    };
    let spy = fields.get("spy").is_some_and(|spy| spy.get() == "true");
    let recorder = Arc::new(Recorder::default());
    let handle = if spy {
        KvHandle::new(Arc::new(Spy { inner: native_store, calls: Arc::clone(&recorder) }))
    } else {
        match kv.named(STORE_ID) {
            Some(handle) => handle,
            None => return frame::protocol_error(StatusCode::SERVICE_UNAVAILABLE, "KV store `kvparity` is not registered"),
        }
    };
    let call = fields.get("call").and_then(|call| serde_json::from_str::<String>(call.get()).ok()).unwrap_or_default();
    let (mut head, value) = match call_handle(&handle, &call, &fields, bytes).await {
        Ok(answer) => answer,
        Err(Refusal::Protocol(message)) => return frame::protocol_error(StatusCode::BAD_REQUEST, &message),
        Err(Refusal::Unrepresentable(answer)) => (answer, None),
    };
    if spy {
        head["store_calls"] = json!(recorder.calls());
    }
    frame::respond(&head, value.as_slice())
}

enum Refusal {
    /// A malformed request: 400, nothing touched.
    Protocol(String),
    /// An argument no Rust caller could pass (a lone surrogate in a `&str`, a negative `usize`).
    Unrepresentable(Value),
}

async fn call_handle(handle: &KvHandle, call: &str, fields: &std::collections::BTreeMap<String, Box<RawValue>>, bytes: Bytes) -> Result<(Value, Option<Bytes>), Refusal> {
    let text = |name: &str| -> Result<String, Refusal> {
        let raw = wire::string_field(fields, name).ok_or_else(|| Refusal::Protocol(format!("{call}: {name} must be a string")))?;
        raw.decode().map_err(|message| Refusal::Unrepresentable(unrepresentable(name, &message)))
    };
    let number = |name: &str| -> Result<Option<f64>, Refusal> {
        wire::number_field(fields, name).map_err(|()| Refusal::Protocol(format!("{call}: {name} must be a number")))
    };
    let json_value = |name: &str| -> Result<Value, Refusal> {
        let raw = fields.get(name).ok_or_else(|| Refusal::Protocol(format!("{call}: {name} is missing")))?;
        serde_json::from_str::<Value>(raw.get()).map_err(|err| Refusal::Unrepresentable(unrepresentable(name, &format!("not representable as serde_json::Value: {err}"))))
    };
    let raw_field = |name: &str| -> Result<Box<RawValue>, Refusal> {
        fields.get(name).cloned().ok_or_else(|| Refusal::Protocol(format!("{call}: {name} is missing")))
    };
    let ttl = |seconds: f64| -> Result<Duration, Refusal> {
        Duration::try_from_secs_f64(seconds).map_err(|err| Refusal::Unrepresentable(unrepresentable("ttl", &format!("{seconds} s is not a Duration ({err})"))))
    };
    let ok = |extra: Value| -> (Value, Option<Bytes>) {
        let mut head = json!({ "ok": true });
        if let (Value::Object(head), Value::Object(extra)) = (&mut head, extra) {
            head.extend(extra);
        }
        (head, None)
    };
    let answer = match call {
        "get_bytes" => match handle.get_bytes(&text("key")?).await {
            Ok(Some(value)) => return Ok((json!({ "ok": true, "size": value.len() }), Some(value))),
            Ok(None) => Ok(ok(json!({ "size": null }))),
            Err(err) => Err(err),
        },
        "put_bytes" => {
            let key = text("key")?;
            match number("ttl")? {
                None => handle.put_bytes(&key, bytes).await,
                Some(seconds) => handle.put_bytes_with_ttl(&key, bytes, ttl(seconds)?).await,
            }
            .map(|()| ok(json!({})))
        }
        // Reads as a Rust app reading JSON does: T = serde_json::Value, with serde_json as EdgeZero's
        // build configures it (its number parsing included).
        "get" => handle.get::<Value>(&text("key")?).await.map(|value| ok(json!({ "json": value }))),
        "get_or" => {
            let key = text("key")?;
            let fallback = json_value("fallback")?;
            handle.get_or::<Value>(&key, fallback).await.map(|value| ok(json!({ "json": value })))
        }
        // Writes T = Box<RawValue>, a type whose JSON is exactly the caller's: what a Rust
        // `T: Serialize` of the same shape writes, field order included.
        "put" => {
            let key = text("key")?;
            let value = raw_field("value")?;
            match number("ttl")? {
                None => handle.put(&key, &value).await,
                Some(seconds) => handle.put_with_ttl(&key, &value, ttl(seconds)?).await,
            }
            .map(|()| ok(json!({})))
        }
        // T = i64, as upstream's demo counter: a stored value that is not one is a Serialization error.
        "read_modify_write" => {
            let key = text("key")?;
            let fallback = json_value("fallback")?.as_i64().ok_or_else(|| Refusal::Protocol(format!("{call}: fallback must be an i64")))?;
            let mutator = json_value("mutator")?;
            let (add, mul) = (mutator["add"].as_i64(), mutator["mul"].as_i64());
            if add.is_none() && mul.is_none() {
                return Err(Refusal::Protocol(format!("{call}: mutator must be {{\"add\":n}} or {{\"mul\":n}}")));
            }
            handle
                .read_modify_write::<i64, _>(&key, fallback, |n| match add {
                    Some(add) => n.wrapping_add(add),
                    None => n.wrapping_mul(mul.unwrap_or(1)),
                })
                .await
                .map(|value| ok(json!({ "json": value })))
        }
        "exists" => handle.exists(&text("key")?).await.map(|exists| ok(json!({ "exists": exists }))),
        "delete" => handle.delete(&text("key")?).await.map(|()| ok(json!({}))),
        "list_keys_page" => {
            let prefix = text("prefix")?;
            let cursor = match fields.get("cursor").map(|raw| raw.get()) {
                None | Some("null") => None,
                Some(_) => Some(text("cursor")?),
            };
            let limit = number("limit")?.ok_or_else(|| Refusal::Protocol(format!("{call}: limit must be a number")))?;
            let limit = usize_of(limit).map_err(|message| Refusal::Unrepresentable(unrepresentable("limit", &message)))?;
            handle
                .list_keys_page(&prefix, cursor.as_deref(), limit)
                .await
                .map(|page| ok(json!({ "page": { "keys": page.keys, "cursor": page.cursor } })))
        }
        other => return Err(Refusal::Protocol(format!("unknown call {other:?}: get_bytes, put_bytes, get, get_or, put, read_modify_write, exists, delete or list_keys_page"))),
    };
    Ok(answer.unwrap_or_else(|err| (kv_error(err), None)))
}

/// A `KvError` as EdgeZero reports it: the variant, its Display, and the response of the
/// `EdgeError` it converts into (`impl From<KvError> for EdgeError`).
fn kv_error(err: KvError) -> Value {
    let variant = variant(&err);
    let display = err.to_string();
    let edge: EdgeError = err.into();
    let (status, body) = match edge.into_response() {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.into_body().into_bytes().and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
            (json!(status), body.unwrap_or(Value::Null))
        }
        Err(err) => (Value::Null, json!({ "unbuildable": err.to_string() })),
    };
    json!({ "ok": false, "error": { "variant": variant, "display": display, "status": status, "body": body } })
}

fn variant(err: &KvError) -> &'static str {
    match err {
        KvError::Internal(_) => "Internal",
        KvError::LimitExceeded { .. } => "LimitExceeded",
        KvError::NotFound { .. } => "NotFound",
        KvError::Serialization(_) => "Serialization",
        KvError::Unavailable => "Unavailable",
        KvError::Unsupported { .. } => "Unsupported",
        KvError::Validation(_) => "Validation",
        _ => "Unknown",
    }
}

/// A native failure, as handler.js reports a thrown error: its name and its text, verbatim.
fn native_error(err: &KvError) -> Value {
    json!({ "ok": false, "error": { "name": format!("KvError::{}", variant(err)), "message": err.to_string() } })
}

fn unrepresentable(field: &str, message: &str) -> Value {
    json!({ "ok": false, "unrepresentable": format!("{field}: {message}"), "error": { "name": "Unrepresentable", "message": format!("{field}: {message}") } })
}

fn usize_of(number: f64) -> Result<usize, String> {
    if number >= 0.0 && number.fract() == 0.0 && number <= usize::MAX as f64 {
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked: a whole number in range")]
        Ok(number as usize)
    } else {
        Err(format!("{number} is not a usize"))
    }
}

fn open_store(ctx: &RequestContext) -> Result<Arc<dyn KvStore>, EdgeError> {
    (native::adapter().open)(ctx).map_err(EdgeError::from)
}

/// The request's body, or the protocol's 413 past `limit` bytes.
async fn bounded_body(ctx: RequestContext, limit: usize) -> Result<Bytes, Result<Response, EdgeError>> {
    ctx.into_request()
        .into_body()
        .into_bytes_bounded(limit)
        .await
        .map_err(|_err| frame::protocol_error(StatusCode::PAYLOAD_TOO_LARGE, &format!("request body exceeds {limit} bytes")))
}

fn bad_key_param() -> Result<Response, EdgeError> {
    frame::protocol_error(StatusCode::BAD_REQUEST, "key must be base64url of a JSON string (see protocol.md)")
}

/// A native failure on /value: 200 with `kvparity-result: error` (protocol.md).
fn value_failure(result: &Value) -> Result<Response, EdgeError> {
    let body = json!({ "ok": false, "error": result["error"] });
    http::response_builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header("kvparity-result", "error")
        .body(Body::from(serde_json::to_vec(&body).map_err(EdgeError::internal)?))
        .map_err(EdgeError::internal)
}

#[derive(Default)]
struct Recorder(Mutex<Vec<&'static str>>);

impl Recorder {
    fn record(&self, call: &'static str) {
        if let Ok(mut calls) = self.0.lock() {
            calls.push(call);
        }
    }

    fn calls(&self) -> Vec<&'static str> {
        self.0.lock().map(|calls| calls.clone()).unwrap_or_default()
    }
}

/// The adapter's store with every call recorded.
struct Spy {
    inner: Arc<dyn KvStore>,
    calls: Arc<Recorder>,
}

#[async_trait(?Send)]
impl KvStore for Spy {
    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.calls.record("delete");
        self.inner.delete(key).await
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        self.calls.record("exists");
        self.inner.exists(key).await
    }

    async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        self.calls.record("get_bytes");
        self.inner.get_bytes(key).await
    }

    async fn list_keys_page(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<KvPage, KvError> {
        self.calls.record("list_keys_page");
        self.inner.list_keys_page(prefix, cursor, limit).await
    }

    async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError> {
        self.calls.record("put_bytes");
        self.inner.put_bytes(key, value).await
    }

    async fn put_bytes_with_ttl(&self, key: &str, value: Bytes, ttl: Duration) -> Result<(), KvError> {
        self.calls.record("put_bytes_with_ttl");
        self.inner.put_bytes_with_ttl(key, value, ttl).await
    }
}
