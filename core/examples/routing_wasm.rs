//! The routing bench family (`benches/routing/family.rs`) as a program, so
//! the same code runs natively and in a wasm32 engine and the two can be
//! put side by side.
//!
//! Native: `cargo run -p warren-core --profile bench --example routing_wasm`.
//! Wasm (Node): `scripts/routing-wasm-bench.sh`, which builds it with
//! `cargo build -p warren-core --profile bench --example routing_wasm
//! --target wasm32-unknown-unknown` and runs `scripts/routing-wasm-bench.mjs`.
//! In wasm, `main` does nothing: the host calls the exported `run`, and
//! provides the clock (`env.now_ns`) and the output (`env.print`).
//! `ROUTING_GRID=full` and `ROUTING_ONLY` work as in the bench (in wasm,
//! the harness passes them).

#[path = "../benches/routing/family.rs"]
#[allow(dead_code)]
mod family;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let full = std::env::var("ROUTING_GRID").is_ok_and(|v| v == "full");
    let only = std::env::var("ROUTING_ONLY").unwrap_or_default();
    let start = std::time::Instant::now();
    let now = move || start.elapsed().as_nanos() as f64;
    family::run(full, &only, &now, &mut |line| println!("{line}"));
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(target_arch = "wasm32")]
mod host {
    #[link(wasm_import_module = "env")]
    extern "C" {
        /// Nanoseconds from any fixed origin (`performance.now()`).
        fn now_ns() -> f64;
        /// Writes one line of UTF-8.
        fn print(ptr: *const u8, len: usize);
    }

    /// Runs the family; `only` is `only_len` bytes of UTF-8 at `only_ptr`
    /// (written by the host into memory it got from `alloc`).
    #[no_mangle]
    pub extern "C" fn run(full: u32, only_ptr: *const u8, only_len: usize) {
        // SAFETY: the host wrote `only_len` bytes at `only_ptr`, inside a
        // buffer `alloc` returned.
        let only = unsafe { std::slice::from_raw_parts(only_ptr, only_len) };
        let only = std::str::from_utf8(only).unwrap_or("");
        // SAFETY: imports without preconditions; `print` reads `len` bytes
        // of a live string.
        let now = || unsafe { now_ns() };
        super::family::run(full != 0, only, &now, &mut |line| unsafe {
            print(line.as_ptr(), line.len());
        });
    }

    /// A buffer of `len` bytes for the host to write into (leaked: called
    /// once per run).
    #[no_mangle]
    pub extern "C" fn alloc(len: usize) -> *mut u8 {
        Box::leak(vec![0_u8; len].into_boxed_slice()).as_mut_ptr()
    }
}
