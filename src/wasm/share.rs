//! Data-parallel training's wasm side. The training Worker's `TrainerHandle` begins a step, hands out the batch's
//! rows (their training-set indices and noise), computes its own share, adds the other Workers' gradients and makes
//! the one update; each other Worker's `ShareHandle` computes its share at the parameters it is given. Everything
//! crosses through JavaScript typed arrays (views of a `SharedArrayBuffer`, usually), copied into and out of buffers
//! kept here: a step allocates nothing.

use js_sys::{Float32Array, Uint32Array};
use wasm_bindgen::prelude::*;

use crate::data::Dataset;
use crate::train::ShareWorker;

use super::trainer::{Descriptor, StepResult, TrainerHandle};

/// A share's sums over its rows (not divided by anything). The caller keeps one: no allocation per step.
#[wasm_bindgen]
#[derive(Clone, Copy, Default)]
pub struct ShareSums {
    pub recon: f32,
    pub kl: f32,
}

#[wasm_bindgen]
impl ShareSums {
    #[wasm_bindgen(constructor)]
    pub fn new() -> ShareSums {
        ShareSums::default()
    }
}

/// The training Worker's buffers for shared steps: another Worker's gradients before they are added, and the batch's
/// indices as the typed array takes them.
#[derive(Default)]
pub struct Scratch {
    gradients: Vec<f32>,
    indices: Vec<u32>,
}

/// `array`'s first `len` values, or an error naming `what` if it has fewer.
fn first<T: TypedArray>(array: &T, len: usize, what: &str) -> Result<T, JsError> {
    let have = array.len();
    if have < len {
        return Err(JsError::new(&format!("{what}: {have} values given, {len} needed")));
    }
    Ok(array.first(len as u32))
}

trait TypedArray: Sized {
    fn len(&self) -> usize;
    fn first(&self, len: u32) -> Self;
}

impl TypedArray for Float32Array {
    fn len(&self) -> usize {
        self.length() as usize
    }
    fn first(&self, len: u32) -> Self {
        self.subarray(0, len)
    }
}

impl TypedArray for Uint32Array {
    fn len(&self) -> usize {
        self.length() as usize
    }
    fn first(&self, len: u32) -> Self {
        self.subarray(0, len)
    }
}

#[wasm_bindgen]
impl TrainerHandle {
    /// Begins a step shared out among Workers: draws the batch's noise and writes the batch's training-set indices
    /// into `indices` and its noise into `noise` (their first rows, and rows · latent values); returns the rows.
    #[wasm_bindgen(js_name = beginSharedStep)]
    pub fn begin_shared_step(&mut self, indices: &Uint32Array, noise: &Float32Array) -> Result<u32, JsError> {
        let latent = self.trainer.config().model.latent;
        let batch = self.trainer.config().batch_size;
        // Checked before the noise is drawn: a refused call changes nothing.
        let (indices, noise) = (first(indices, batch, "batch indices")?, first(noise, batch * latent, "batch noise")?);
        let rows = self.trainer.begin_shared_step();
        let (order, eps) = self.trainer.shared_batch();
        let scratch = &mut self.sharing.indices;
        scratch.clear();
        scratch.extend(order.iter().map(|&i| i as u32));
        indices.subarray(0, rows as u32).copy_from(scratch);
        noise.subarray(0, eps.len() as u32).copy_from(eps);
        Ok(rows as u32)
    }

    /// The gradient of rows `start..end` of the begun step's batch into the step's buffer; their sums into `into`.
    #[wasm_bindgen(js_name = shareGradients)]
    pub fn share_gradients(&mut self, start: u32, end: u32, into: &mut ShareSums) -> Result<(), JsError> {
        let rows = self.trainer.shared_batch().0.len();
        let (start, end) = (start as usize, end as usize);
        if start >= end || end > rows {
            return Err(JsError::new(&format!("rows {start}..{end} of a batch of {rows} (begin a shared step first)")));
        }
        let (recon, kl) = self.trainer.share_gradients(start, end, &mut ());
        *into = ShareSums { recon, kl };
        Ok(())
    }

    /// Adds another Worker's share of the gradient (laid out as the parameters) to this step's.
    #[wasm_bindgen(js_name = addGradients)]
    pub fn add_gradients(&mut self, gradients: &Float32Array) -> Result<(), JsError> {
        let count = self.trainer.parameters().len();
        let source = first(gradients, count, "gradients")?;
        let staging = &mut self.sharing.gradients;
        staging.resize(count, 0.0); // sized once per model
        source.copy_to(staging);
        for (g, s) in self.trainer.gradients_mut().iter_mut().zip(staging.iter()) {
            *g += s;
        }
        Ok(())
    }

    /// Ends the begun step with the batch's summed sums and gradient: one update (or the divergence error, and
    /// nothing changed); what it did into `into`.
    #[wasm_bindgen(js_name = finishSharedStep)]
    pub fn finish_shared_step(&mut self, recon: f32, kl: f32, into: &mut StepResult) -> Result<(), JsError> {
        if self.trainer.begun_step().is_none() {
            return Err(JsError::new("no shared step was begun"));
        }
        *into = StepResult::of(&self.trainer.finish_shared_step((recon, kl), &mut ())?);
        Ok(())
    }

    /// Copies the parameters into `into`'s first `parameterCount` values.
    #[wasm_bindgen(js_name = copyParametersTo)]
    pub fn copy_parameters_to(&self, into: &Float32Array) -> Result<(), JsError> {
        let parameters = self.trainer.parameters();
        first(into, parameters.len(), "parameters")?.copy_from(parameters);
        Ok(())
    }

    #[wasm_bindgen(js_name = parameterCount)]
    pub fn parameter_count(&self) -> usize {
        self.trainer.parameters().len()
    }

    /// The begun shared step's number, or 0 if none is begun (it was finished, or abandoned: loading weights or a
    /// state, or another step, abandons it).
    #[wasm_bindgen(js_name = begunStep)]
    pub fn begun_step(&self) -> f64 {
        self.trainer.begun_step().map_or(0.0, |n| n as f64)
    }

    /// Images per step (the batch's rows; the epoch's last may have fewer).
    #[wasm_bindgen(js_name = batchSize)]
    pub fn batch_size(&self) -> usize {
        self.trainer.config().batch_size
    }

    /// The KL term's weight in force: what the share Workers weigh it by.
    pub fn beta(&self) -> f32 {
        self.trainer.config().beta as f32
    }

    /// The training split's images, as bytes: what a `ShareHandle` is made with.
    #[wasm_bindgen(js_name = trainImages)]
    pub fn train_images(&self) -> Vec<u8> {
        self.trainer.train_set().images().to_vec()
    }
}

/// Another Worker's part in a shared step: a copy of the training images and a step of the model's structure.
#[wasm_bindgen]
pub struct ShareHandle {
    worker: ShareWorker,
    indices: Vec<u32>,
    noise: Vec<f32>,
}

#[wasm_bindgen]
impl ShareHandle {
    /// For the model `descriptor` describes (`TrainerHandle.decoderDescriptor`), its trainer's training images
    /// (`TrainerHandle.trainImages`), and shares of at most `rows` images.
    #[wasm_bindgen(constructor)]
    pub fn new(descriptor: JsValue, train_images: Vec<u8>, rows: u32) -> Result<ShareHandle, JsError> {
        let descriptor: Descriptor =
            serde_wasm_bindgen::from_value(descriptor).map_err(|e| JsError::new(&format!("model descriptor not understood: {e}")))?;
        let config = descriptor.config();
        let train = Dataset::new("shared training images", config.image, train_images, None, None)?;
        let rows = rows as usize;
        Ok(ShareHandle { worker: ShareWorker::new(config, train, rows)?, indices: vec![0; rows], noise: vec![0.0; rows * config.latent] })
    }

    /// The gradient at `parameters` of the `rows` images at `indices` (training-set indices) with `noise`, scaled by
    /// `scale` (1 / the batch's rows); their sums into `into`. `copyGradientsTo` then hands the gradient out.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(
        &mut self,
        parameters: &Float32Array,
        indices: &Uint32Array,
        noise: &Float32Array,
        rows: u32,
        beta: f32,
        scale: f32,
        into: &mut ShareSums,
    ) -> Result<(), JsError> {
        let n = rows as usize;
        if n == 0 || n > self.indices.len() {
            return Err(JsError::new(&format!("a share of {n} rows; at most {} (this handle's size)", self.indices.len())));
        }
        let latent = self.noise.len() / self.indices.len();
        let own = self.worker.parameters_mut();
        let count = own.len();
        first(parameters, count, "parameters")?.copy_to(own);
        first(indices, n, "share indices")?.copy_to(&mut self.indices[..n]);
        first(noise, n * latent, "share noise")?.copy_to(&mut self.noise[..n * latent]);
        let (recon, kl) = self.worker.compute(&self.indices[..n], &self.noise[..n * latent], beta, scale)?;
        *into = ShareSums { recon, kl };
        Ok(())
    }

    /// Copies the last share's gradient into `into`'s first `parameterCount` values.
    #[wasm_bindgen(js_name = copyGradientsTo)]
    pub fn copy_gradients_to(&self, into: &Float32Array) -> Result<(), JsError> {
        let gradients = self.worker.gradients();
        first(into, gradients.len(), "gradients")?.copy_from(gradients);
        Ok(())
    }

    #[wasm_bindgen(js_name = parameterCount)]
    pub fn parameter_count(&self) -> usize {
        self.worker.gradients().len()
    }
}
