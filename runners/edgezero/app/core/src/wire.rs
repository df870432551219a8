//! The protocol's JSON, read the way runners/bridge/handler.js reads it (the same checks, the same
//! messages), with one difference that Rust forces: a key is kept as raw JSON text until an
//! operation needs it, because a Rust `&str` cannot hold a lone surrogate. Such a key fails its
//! own operation, not the whole batch.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

pub const MAX_OPS: usize = 1000;

type Fields = BTreeMap<String, Box<RawValue>>;

/// A JSON string as sent, decoded when used.
pub struct Text(Box<RawValue>);

impl Text {
    pub fn decode(&self) -> Result<String, String> {
        serde_json::from_str::<String>(self.0.get()).map_err(|_err| {
            "not valid UTF-8 (it holds a lone surrogate): EdgeZero's KvStore and KvHandle take a Rust &str, which cannot hold one".to_owned()
        })
    }
}

pub enum Op {
    Get { key: Text },
    Put { key: Text, size: usize, ttl: Option<f64>, metadata: bool },
    Delete { key: Text },
    List { prefix: Option<Text>, limit: Option<f64>, cursor: Option<Text> },
}

/// Parses and checks a whole batch before any op runs (handler.js `checkBatch`): the message
/// names the op and field. `value_bytes`: how many bytes follow the JSON line.
pub fn batch(line: &[u8], value_bytes: usize) -> Result<Vec<Op>, (bool, String)> {
    let body: Box<RawValue> =
        serde_json::from_slice(line).map_err(|err| (true, format!("request body is not JSON: {err}")))?;
    let shape = || (false, "body must be {\"ops\":[...]}".to_owned());
    let fields: Fields = serde_json::from_str(body.get()).map_err(|_err| shape())?;
    let ops: Vec<Box<RawValue>> = fields
        .get("ops")
        .and_then(|ops| serde_json::from_str(ops.get()).ok())
        .ok_or_else(shape)?;
    if ops.is_empty() {
        return Err((false, "ops must not be empty".to_owned()));
    }
    if ops.len() > MAX_OPS {
        return Err((false, format!("ops holds {} operations; at most {MAX_OPS} per request", ops.len())));
    }
    let mut declared: usize = 0;
    let mut parsed = Vec::with_capacity(ops.len());
    for (i, raw) in ops.iter().enumerate() {
        let op = one_op(i, raw).map_err(|message| (false, message))?;
        if let Op::Put { size, .. } = &op {
            declared = declared.saturating_add(*size);
        }
        parsed.push(op);
    }
    if declared != value_bytes {
        return Err((false, format!("the puts declare {declared} value bytes, but {value_bytes} follow the JSON line")));
    }
    Ok(parsed)
}

fn one_op(i: usize, raw: &RawValue) -> Result<Op, String> {
    let fields: Fields = serde_json::from_str(raw.get()).map_err(|_err| format!("ops[{i}] must be an object"))?;
    let kind = fields.get("op").map(|op| op.get().to_owned());
    let key = || string_field(&fields, "key").ok_or_else(|| format!("ops[{i}].key must be a string"));
    match kind.as_deref() {
        Some("\"get\"") => Ok(Op::Get { key: key()? }),
        Some("\"delete\"") => Ok(Op::Delete { key: key()? }),
        Some("\"put\"") => {
            let key = key()?;
            let size = fields
                .get("size")
                .and_then(|size| serde_json::from_str::<f64>(size.get()).ok())
                .filter(|size| *size >= 0.0 && size.fract() == 0.0 && size.is_finite())
                .ok_or_else(|| format!("ops[{i}].size must be the value's length in bytes (the bytes follow the JSON line)"))?;
            let ttl = number_field(&fields, "ttl").map_err(|()| format!("ops[{i}].ttl must be a number of seconds"))?;
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked: a whole number >= 0")]
            Ok(Op::Put { key, size: size as usize, ttl, metadata: fields.contains_key("metadata") })
        }
        Some("\"list\"") => {
            let text = |field: &str| match fields.get(field) {
                None => Ok(None),
                Some(_) => string_field(&fields, field).map(Some).ok_or_else(|| format!("ops[{i}].{field} must be a string")),
            };
            let prefix = text("prefix")?;
            let cursor = text("cursor")?;
            let limit = number_field(&fields, "limit").map_err(|()| format!("ops[{i}].limit must be a number"))?;
            Ok(Op::List { prefix, limit, cursor })
        }
        other => Err(format!("ops[{i}].op must be one of get, put, delete, list (got {})", other.unwrap_or("undefined"))),
    }
}

/// A field that is a JSON string, kept raw.
pub fn string_field(fields: &Fields, name: &str) -> Option<Text> {
    let raw = fields.get(name)?;
    raw.get().starts_with('"').then(|| Text(raw.clone()))
}

/// Absent: None; a number: Some; anything else: Err.
pub fn number_field(fields: &Fields, name: &str) -> Result<Option<f64>, ()> {
    match fields.get(name) {
        None => Ok(None),
        Some(raw) => serde_json::from_str::<f64>(raw.get()).map(Some).map_err(|_err| ()),
    }
}

/// The fields of a JSON object, each kept raw.
pub fn object(line: &[u8]) -> Result<Fields, String> {
    serde_json::from_slice::<Fields>(line).map_err(|err| format!("request body is not a JSON object: {err}"))
}

/// `K` of protocol.md: base64url (no padding) of the UTF-8 of a JSON string.
pub fn key_param(param: Option<&str>) -> Option<Text> {
    let bytes = base64url(param?)?;
    let raw: Box<RawValue> = serde_json::from_slice(&bytes).ok()?;
    raw.get().starts_with('"').then(|| Text(raw))
}

fn base64url(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let six = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(six);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            #[expect(clippy::cast_possible_truncation, reason = "one byte of the buffer")]
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The value of a query parameter (`name=value`, percent-decoded where it needs to be).
pub fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('%') && !text.contains('+') {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}
