#![cfg(not(target_arch = "wasm32"))]
//! Once built, a step of the convolutional model, and decoding a point, allocate nothing natively but what gemm
//! allocates inside each product. A test binary of its own: its allocator counts, per
//! thread, every allocation, and tells gemm's apart by the call stack.
//!
//! gemm 0.19 allocates on every call (`gemm_common::gemm::gemm_basic_generic`: a `MemBuffer` for packed operands
//! and a `vec![false; mc / MR]`), and takes no workspace from its caller: natively no product through gemm, the MLP
//! step's included, is free of allocation. The browser build's products use the crate's own kernel, whose packing
//! buffer is kept: there a step allocates nothing at all (`tests/wasm_conv.rs`).

mod common;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};

use vae_playground::model::{Decoder, Model, ModelConfig};
use vae_playground::rng::SeededRng;
use vae_playground::step::{descend, Adam, ConvStep, TrainStep};

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    /// While on, each allocation's call stack is looked at: gemm's are counted in `IN_GEMM`, the others in
    /// `ELSEWHERE` (with the first one's stack kept for the failure message).
    static SORTING: Cell<bool> = const { Cell::new(false) };
    static BUSY: Cell<bool> = const { Cell::new(false) };
    static IN_GEMM: Cell<u64> = const { Cell::new(0) };
    static ELSEWHERE: Cell<u64> = const { Cell::new(0) };
    static FIRST_ELSEWHERE: RefCell<Option<String>> = const { RefCell::new(None) };
}

struct Counting;

fn count() {
    ALLOCATIONS.with(|c| c.set(c.get() + 1));
    if !SORTING.with(Cell::get) || BUSY.with(Cell::get) {
        return;
    }
    // Capturing a stack allocates: BUSY keeps those allocations out of the count and out of this branch.
    BUSY.with(|b| b.set(true));
    let stack = std::backtrace::Backtrace::force_capture().to_string();
    // By crate, not by function: dependencies are built without debug info, so the frames inlined into gemm's
    // `gemm_basic` (where it allocates) do not show.
    if ["gemm_common::", "gemm_f32::"].iter().any(|gemm| stack.contains(gemm)) {
        IN_GEMM.with(|c| c.set(c.get() + 1));
    } else {
        ELSEWHERE.with(|c| c.set(c.get() + 1));
        FIRST_ELSEWHERE.with(|first| first.borrow_mut().get_or_insert(stack).len());
    }
    BUSY.with(|b| b.set(false));
}

// SAFETY: every call is passed to the system allocator unchanged; only this thread's counters are added to (`const`
// thread-locals of `Cell`s need no allocation to reach; a stack is captured only outside an earlier capture).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(|c| c.get())
}

#[test]
fn steps_and_decoding_allocate_nothing_outside_gemm() {
    let (rows, latent) = (20, 2);
    let data = common::bundled().take(rows);
    let x = data.pixels(&(0..rows).collect::<Vec<_>>()).unwrap();
    let mut noise = SeededRng::new(1);
    let mut eps = vec![0f32; rows * latent];
    let config = ModelConfig::conv(latent);
    let mut step = ConvStep::new(Model::new(config, 0).unwrap(), rows).unwrap();
    let mut adam = Adam::for_step(&step);
    let mut train = |step: &mut ConvStep, n: usize| {
        noise.fill_standard_normal(&mut eps[..n * latent]);
        // The trainer's step: gradients, the finiteness check, Adam.
        descend(step, &mut adam, &x[..n * 784], &eps[..n * latent], 1.0, 1e-3, &mut ()).unwrap();
    };
    train(&mut step, rows); // the first products size gemm's buffers
    let mut decoder = Decoder::from_snapshot(config, &step.parameters()[config.decoder_range()]).unwrap();
    let mut pixels = vec![0f32; 784];
    decoder.decode_into(&[0.5, -0.5], &mut pixels).unwrap(); // the first call makes its maps

    SORTING.with(|s| s.set(true));
    for n in [rows, 1, 7] {
        train(&mut step, n);
    }
    for z in [[0.5, -0.5], [3.0, 1.0]] {
        decoder.decode_into(&z, &mut pixels).unwrap();
    }
    SORTING.with(|s| s.set(false));
    let (in_gemm, elsewhere) = (IN_GEMM.with(Cell::get), ELSEWHERE.with(Cell::get));
    let first = FIRST_ELSEWHERE.with(|f| f.borrow_mut().take()).unwrap_or_default();
    assert_eq!(elsewhere, 0, "allocations outside gemm in three steps and two decodes; the first one's stack:\n{first}");
    // gemm's own are told apart (should gemm stop allocating, this test can require no allocation at all).
    assert!(in_gemm > 0, "no allocation inside gemm");
    // The counter counts: a vector is an allocation.
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 10]);
    assert_eq!(allocations() - before, 1, "{v:?}");
}
