//! What the readers' bounded fuzz harnesses share: how many cases to run and how a seed is
//! mutated. Included by the interop test binaries with `#[path]`.

/// Mutation cases per run: `default`, or `VALUEFLOW_FUZZ_CASES` to run longer
/// (`VALUEFLOW_FUZZ_CASES=200000 cargo test --release --test interop_bpmn fuzz`).
pub fn fuzz_cases(default: u32) -> u32 {
    std::env::var("VALUEFLOW_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One edit of a seed: at a position (a fraction of its length), delete some bytes, insert a
/// token, or both.
pub type Edit = (f64, u8, usize);

/// `seed` with the edits applied in order: at each position delete `delete % 8` bytes, and
/// insert a token from `tokens` when `delete >= 8`.
pub fn mutate(seed: &[u8], edits: &[Edit], tokens: &[&str]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for &(at, delete, token) in edits {
        let at = (((bytes.len() as f64) * at) as usize).min(bytes.len());
        let end = (at + usize::from(delete % 8)).min(bytes.len());
        let insert = if delete >= 8 {
            tokens[token % tokens.len()].as_bytes()
        } else {
            &[]
        };
        bytes.splice(at..end, insert.iter().copied());
    }
    bytes
}
