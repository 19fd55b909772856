//! A person's drawing made to look like an MNIST digit, the way MNIST's digits were made: the ink's bounding box
//! scaled (anti-aliased) to fit a 20 × 20 box keeping its aspect ratio, then placed in the 28 × 28 field so that its
//! centre of mass sits at the field's centre.

use crate::data::{IMAGE_PIXELS, IMAGE_SIDE};
use crate::error::{Error, Result};
use crate::size;

/// The box the ink's longer side is scaled to.
pub const FIT: usize = 20;
/// Intensities above this count as ink when finding the bounding box.
const INK: f32 = 0.05;
/// Samples per output pixel along each axis when resampling (4 × 4 = 16: the anti-aliasing).
const SUPERSAMPLE: usize = 4;
/// The widest and tallest drawing taken: a canvas of 1,024 CSS pixels at 4 device pixels each.
pub const MAX_SIDE: usize = 4096;

/// `pixels` is a `width` × `height` image, row by row, intensities in [0, 1] (white ink on black).
pub fn prepare(pixels: &[f32], width: usize, height: usize) -> Result<Vec<f32>> {
    size::within("drawing width", width, 1, MAX_SIDE)?;
    size::within("drawing height", height, 1, MAX_SIDE)?;
    if pixels.len() != size::product("drawing", &[width, height])? {
        return Err(Error::setting("drawing", format!("{} values for {width} × {height}", pixels.len()), "width × height values"));
    }
    let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
    for y in 0..height {
        for x in 0..width {
            if pixels[y * width + x] > INK {
                left = left.min(x);
                right = right.max(x + 1);
                top = top.min(y);
                bottom = bottom.max(y + 1);
            }
        }
    }
    if left >= right {
        return Err(Error::setting("drawing", "no ink", "a drawing with some strokes"));
    }
    let (box_w, box_h) = ((right - left) as f32, (bottom - top) as f32);
    let scale = FIT as f32 / box_w.max(box_h);
    let (out_w, out_h) = (((box_w * scale).round() as usize).max(1), ((box_h * scale).round() as usize).max(1));

    // Each output pixel averages a SUPERSAMPLE² grid of bilinear samples over its footprint in the box.
    let sample = |fx: f32, fy: f32| -> f32 {
        let x = (fx - 0.5).clamp(0.0, (width - 1) as f32);
        let y = (fy - 0.5).clamp(0.0, (height - 1) as f32);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
        let (tx, ty) = (x - x0 as f32, y - y0 as f32);
        let at = |xx: usize, yy: usize| pixels[yy * width + xx];
        (at(x0, y0) * (1.0 - tx) + at(x1, y0) * tx) * (1.0 - ty) + (at(x0, y1) * (1.0 - tx) + at(x1, y1) * tx) * ty
    };
    let mut fitted = vec![0f32; out_w * out_h];
    let (step_x, step_y) = (box_w / out_w as f32, box_h / out_h as f32);
    for oy in 0..out_h {
        for ox in 0..out_w {
            let mut sum = 0.0;
            for sy in 0..SUPERSAMPLE {
                for sx in 0..SUPERSAMPLE {
                    let fx = left as f32 + (ox as f32 + (sx as f32 + 0.5) / SUPERSAMPLE as f32) * step_x;
                    let fy = top as f32 + (oy as f32 + (sy as f32 + 0.5) / SUPERSAMPLE as f32) * step_y;
                    sum += sample(fx, fy);
                }
            }
            fitted[oy * out_w + ox] = (sum / (SUPERSAMPLE * SUPERSAMPLE) as f32).clamp(0.0, 1.0);
        }
    }

    // Centre of mass → the field's centre (14, 14 in continuous coordinates), by a whole-pixel shift.
    let (cx, cy) = centre_of_mass_in(&fitted, out_w);
    let centre = IMAGE_SIDE as f32 / 2.0;
    let (dx, dy) = ((centre - cx).round() as isize, (centre - cy).round() as isize);
    let mut out = vec![0f32; IMAGE_PIXELS];
    for (i, &v) in fitted.iter().enumerate() {
        let (x, y) = ((i % out_w) as isize + dx, (i / out_w) as isize + dy);
        if (0..IMAGE_SIDE as isize).contains(&x) && (0..IMAGE_SIDE as isize).contains(&y) {
            out[y as usize * IMAGE_SIDE + x as usize] = v;
        }
    }
    Ok(out)
}

/// The centre of mass (x, y) of a 28 × 28 image in continuous coordinates (pixel i spans [i, i + 1)).
pub fn centre_of_mass(image: &[f32]) -> (f32, f32) {
    centre_of_mass_in(image, IMAGE_SIDE)
}

fn centre_of_mass_in(image: &[f32], width: usize) -> (f32, f32) {
    let mass: f32 = image.iter().sum();
    let (mut cx, mut cy) = (0f32, 0f32);
    for (i, &v) in image.iter().enumerate() {
        cx += v * ((i % width) as f32 + 0.5);
        cy += v * ((i / width) as f32 + 0.5);
    }
    (cx / mass, cy / mass)
}
