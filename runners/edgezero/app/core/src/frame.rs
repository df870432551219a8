//! Frames (protocol.md, "Frames"): one line of JSON, then "\n", then raw bytes.

use bytes::Bytes;
use edgezero_core::body::Body;
use edgezero_core::error::EdgeError;
use edgezero_core::http::{self, Response, StatusCode};

pub const FRAME_TYPE: &str = "application/vnd.kvparity.frame";

/// The JSON line and the bytes after its newline (none when the body has no newline).
pub fn split(body: &Bytes) -> (Bytes, Bytes) {
    match body.iter().position(|&byte| byte == b'\n') {
        Some(newline) => (body.slice(..newline), body.slice(newline + 1..)),
        None => (body.clone(), Bytes::new()),
    }
}

/// A 200 frame: `head` as one JSON line, then `values` back to back.
pub fn respond(head: &serde_json::Value, values: &[Bytes]) -> Result<Response, EdgeError> {
    let line = serde_json::to_vec(head).map_err(EdgeError::internal)?;
    let size: usize = values.iter().map(Bytes::len).sum();
    let mut out = Vec::with_capacity(line.len() + 1 + size);
    out.extend_from_slice(&line);
    out.push(b'\n');
    for value in values {
        out.extend_from_slice(value);
    }
    http::response_builder()
        .status(StatusCode::OK)
        .header("content-type", FRAME_TYPE)
        .body(Body::from(out))
        .map_err(EdgeError::internal)
}

/// A JSON answer.
pub fn json(status: StatusCode, body: &serde_json::Value) -> Result<Response, EdgeError> {
    http::response_builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(body).map_err(EdgeError::internal)?))
        .map_err(EdgeError::internal)
}

/// An error of the protocol itself (protocol.md): `{"error":{"status":N,"message":"…"}}`.
pub fn protocol_error(status: StatusCode, message: &str) -> Result<Response, EdgeError> {
    json(
        status,
        &serde_json::json!({ "error": { "status": status.as_u16(), "message": message } }),
    )
}
