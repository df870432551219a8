//! The kvparity bridge (runners/bridge/protocol.md) as an EdgeZero app, on EdgeZero's public API
//! only: its routes come from `edgezero.toml` through `app!`, contract calls go through the
//! `KvHandle` the `Kv` extractor hands a handler, and native operations go through the adapter's
//! own `KvStore`, which each adapter crate installs (`native::install`) because only it knows how
//! to open one.

pub mod handlers;
pub mod native;

mod frame;
mod wire;

edgezero_core::app!("../edgezero.toml");
