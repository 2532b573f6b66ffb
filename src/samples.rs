//! The sample maps shipped inside the binary; the as-is order-to-cash map is what the app
//! opens with on a fresh machine.

use crate::format::{LoadError, load_bytes};
use crate::model::Map;

/// (file name, contents) of every built-in sample, the default first.
pub const BUILT_IN: &[(&str, &[u8])] = &[
    (
        "order-to-cash-as-is.vfmap.json",
        include_bytes!("../samples/order-to-cash-as-is.vfmap.json"),
    ),
    (
        "order-to-cash-to-be.vfmap.json",
        include_bytes!("../samples/order-to-cash-to-be.vfmap.json"),
    ),
    (
        "coffee-shop-order.vfmap.json",
        include_bytes!("../samples/coffee-shop-order.vfmap.json"),
    ),
    (
        "customer-onboarding.vfmap.json",
        include_bytes!("../samples/customer-onboarding.vfmap.json"),
    ),
    (
        "complaint-handling.vfmap.json",
        include_bytes!("../samples/complaint-handling.vfmap.json"),
    ),
];

/// Loads a built-in sample by file name.
pub fn load(name: &str) -> Option<Result<Map, LoadError>> {
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, bytes)| load_bytes(&format!("<built-in sample {n}>"), bytes))
}

/// The map the app opens with: the order-to-cash as-is sample.
pub fn default_map() -> Result<Map, LoadError> {
    let (name, bytes) = BUILT_IN[0];
    load_bytes(&format!("<built-in sample {name}>"), bytes)
}
