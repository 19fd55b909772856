//! What the benchmark and the tests ask of the build: which kernels it runs, and (with the `bench` feature, off in
//! the wasm that ships) the peak of its multiply-add, its heap allocations and a per-part profile of steps.

use wasm_bindgen::prelude::*;

#[cfg(feature = "bench")]
use crate::profile::{Clock, Part};

#[cfg(feature = "bench")]
use super::trainer::TrainerHandle;

/// Whether gemm will use its wasm simd128 matmul kernel: the flag its dispatch reads on the first matmul.
#[wasm_bindgen(js_name = simdKernelEnabled)]
pub fn simd_kernel_enabled() -> bool {
    gemm::get_wasm_simd128()
}

/// Whether this build's kernels use relaxed SIMD's fused multiply-add.
#[wasm_bindgen(js_name = relaxedSimd)]
pub fn relaxed_simd() -> bool {
    cfg!(target_feature = "relaxed-simd")
}

/// Choose gemm's wasm kernel. gemm fixes its choice at the first matmul, so this only takes effect before one;
/// the benchmark uses it in a fresh worker to measure the scalar kernel for comparison.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = setSimdKernel)]
pub fn set_simd_kernel(enable: bool) {
    gemm::set_wasm_simd128(enable);
}

/// The peak of f32x4 multiply-add on this machine, for the benchmark's "share of peak": `iterations` rounds of 12
/// independent multiply-adds on registers only (one fused instruction each in the relaxed-SIMD build, a multiply
/// then an add in the simd128 one). Returns the floating-point operations done; the caller times the call.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = fmaPeakLoop)]
pub fn fma_peak_loop(iterations: u32) -> f64 {
    crate::kernels::matmul::peak_loop(iterations)
}

/// Heap allocations made by this wasm instance so far (see `alloc_count`): the benchmark shows a step makes none.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = allocationCount)]
pub fn allocation_count() -> f64 {
    super::alloc_count::allocations() as f64
}

/// A profile's clock: charges the time since the last mark to the part that just ended.
#[cfg(feature = "bench")]
struct JsClock<'a> {
    now: &'a js_sys::Function,
    last: f64,
    totals: [f64; Part::ALL.len()],
}

#[cfg(feature = "bench")]
impl JsClock<'_> {
    fn read(&self) -> f64 {
        self.now.call0(&JsValue::UNDEFINED).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
    }
}

#[cfg(feature = "bench")]
impl Clock for JsClock<'_> {
    fn mark(&mut self, part: Part) {
        let now = self.read();
        self.totals[part as usize] += now - self.last; // `Part::ALL` lists the parts in declaration order
        self.last = now;
    }
}

#[cfg(feature = "bench")]
#[wasm_bindgen]
impl TrainerHandle {
    /// Runs `steps` training steps and returns the milliseconds spent in each part of them (an object keyed by
    /// part: batch_and_noise, matmul_forward, matmul_backward, elementwise, loss, adam), timed with `now`
    /// (`performance.now`, passed in so the core needs no browser API).
    #[wasm_bindgen(js_name = profileSteps)]
    pub fn profile_steps(&mut self, steps: u32, now: &js_sys::Function) -> Result<JsValue, JsError> {
        let mut clock = JsClock { now, last: 0.0, totals: [0.0; Part::ALL.len()] };
        for _ in 0..steps {
            clock.last = clock.read();
            self.trainer.step_timed(&mut clock)?;
        }
        let object = js_sys::Object::new();
        for (part, ms) in Part::ALL.iter().zip(clock.totals) {
            js_sys::Reflect::set(&object, &part.name().into(), &ms.into()).map_err(|_| JsError::new("profile could not be written"))?;
        }
        Ok(object.into())
    }
}
