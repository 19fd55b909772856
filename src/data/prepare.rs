//! An image made to look like an MNIST digit, the way MNIST's digits were made: the ink's bounding box scaled
//! (anti-aliased) to fit a 20 × 20 box keeping its aspect ratio, then placed in the 28 × 28 field so that its centre
//! of mass sits at the field's centre (`prepare`, for the Draw pad's white ink on black). A photo, a scan or a
//! drawing on paper is first made white ink on black (`prepare_image`: see there for how).

use crate::data::ImageSpec;
use crate::error::{Error, Result};
use crate::size;

/// The box the ink's longer side is scaled to.
pub const FIT: usize = 20;
/// What `prepare` makes: MNIST's field.
pub const FIELD: ImageSpec = ImageSpec::MNIST;
/// Intensities above this count as ink when finding the bounding box.
const INK: f32 = 0.05;
/// Samples per output pixel along each axis when resampling (4 × 4 = 16: the anti-aliasing).
const SUPERSAMPLE: usize = 4;
/// The widest and tallest drawing taken: a canvas of 1,024 CSS pixels at 4 device pixels each.
pub const MAX_SIDE: usize = 4096;

/// `pixels` is a `width` × `height` image, row by row, intensities in [0, 1] (white ink on black).
pub fn prepare(pixels: &[f32], width: usize, height: usize) -> Result<Vec<f32>> {
    check_size("drawing", pixels, width, height)?;
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
    let side = FIELD.width;
    let centre = side as f32 / 2.0;
    let (dx, dy) = ((centre - cx).round() as isize, (centre - cy).round() as isize);
    let mut out = vec![0f32; FIELD.pixels()];
    for (i, &v) in fitted.iter().enumerate() {
        let (x, y) = ((i % out_w) as isize + dx, (i / out_w) as isize + dy);
        if (0..side as isize).contains(&x) && (0..side as isize).contains(&y) {
            out[y as usize * side + x as usize] = v;
        }
    }
    Ok(out)
}

fn check_size(what: &'static str, pixels: &[f32], width: usize, height: usize) -> Result<()> {
    let (w_name, h_name) = match what {
        "drawing" => ("drawing width", "drawing height"),
        _ => ("image width", "image height"),
    };
    size::within(w_name, width, 1, MAX_SIDE)?;
    size::within(h_name, height, 1, MAX_SIDE)?;
    if pixels.len() != size::product(what, &[width, height])? {
        return Err(Error::setting(what, format!("{} values for {width} × {height}", pixels.len()), "width × height values"));
    }
    Ok(())
}

/// Images larger than this on their longer side are averaged down first: the result is 20 × 20 anyway.
const WORKING_SIDE: usize = 256;
/// The border ring is cut into at most this many arcs, each at least `MIN_ARC` pixels long.
const ARCS: usize = 64;
const MIN_ARC: usize = 8;
/// Less contrast than this between the ink and its background is no ink at all.
const MIN_CONTRAST: f32 = 0.1;

/// A photo, scan or drawing of any size (grey levels in [0, 1], 1 = white, row by row) made into an MNIST-style
/// image, white ink on black. An image with no ink is an error (`image = no ink`), which the caller names.
///
/// How, exactly:
/// 1. An image longer than 256 pixels on a side is averaged down by whole blocks (k × k, k the smallest factor that
///    brings it to 256 or less).
/// 2. The background is read from the border: the outermost ring of pixels is cut into arcs (at most 64, each at
///    least 8 pixels); each arc's median is a sample of the background at the arc's middle. A stroke that crosses
///    the edge covers less than half an arc and does not count.
/// 3. The background is light when the median of the samples is above ½: then every value is inverted (1 − v), so
///    the ink becomes white on black (black ink on white paper, a pencil drawing, a scan).
/// 4. The background under each pixel is the mean of the samples weighted by 1 / (1 + distance²): the border's
///    level near the border, a blend of it inside. So an uneven light — a dark vignette in the corners, a shadow
///    along one side — is background, not ink.
/// 5. The ink is what rises above that background: d = max(0, v − background). Its noise floor is the larger of a
///    tenth of the largest d and the 90th percentile of d on the border ring (paper texture, JPEG noise); d is
///    stretched so that the floor is 0 and the largest value 1. A largest d below 0.1 is an image with no ink.
/// 6. Then `prepare` (ink box into 20 × 20, centre of mass at the centre of 28 × 28).
pub fn prepare_image(gray: &[f32], width: usize, height: usize) -> Result<Vec<f32>> {
    prepare_inked_image(gray, width, height)?
        .ok_or_else(|| Error::setting("image", "no ink", "an image with a mark darker or lighter than its background"))
}

/// `prepare_image`, with an image that has no ink as `None`: for a caller that names such an image in its own words.
pub fn prepare_inked_image(gray: &[f32], width: usize, height: usize) -> Result<Option<Vec<f32>>> {
    check_size("image", gray, width, height)?;
    let (mut values, w, h) = shrink(gray, width, height);
    let ring = ring(w, h);
    let arcs = (ring.len() / MIN_ARC).clamp(1, ARCS);
    let mut samples: Vec<(f32, f32, f32)> = (0..arcs)
        .map(|a| {
            let arc = &ring[a * ring.len() / arcs..(a + 1) * ring.len() / arcs];
            let mut levels: Vec<f32> = arc.iter().map(|&(x, y)| values[y * w + x]).collect();
            let (x, y) = arc[arc.len() / 2];
            (x as f32, y as f32, median(&mut levels))
        })
        .collect();
    let light = median(&mut samples.iter().map(|s| s.2).collect::<Vec<_>>()) > 0.5;
    if light {
        values.iter_mut().for_each(|v| *v = 1.0 - *v);
        samples.iter_mut().for_each(|s| s.2 = 1.0 - s.2);
    }
    let background = |x: usize, y: usize| {
        let (mut sum, mut weights) = (0f32, 0f32);
        for &(sx, sy, level) in &samples {
            let weight = 1.0 / (1.0 + (x as f32 - sx).powi(2) + (y as f32 - sy).powi(2));
            sum += weight * level;
            weights += weight;
        }
        sum / weights
    };
    let mut ink: Vec<f32> = (0..w * h).map(|i| (values[i] - background(i % w, i / w)).max(0.0)).collect();
    // Never NaN: `max` keeps the other operand.
    let peak = ink.iter().fold(0f32, |m, &v| m.max(v));
    if peak < MIN_CONTRAST {
        return Ok(None);
    }
    let mut on_ring: Vec<f32> = ring.iter().map(|&(x, y)| ink[y * w + x]).collect();
    on_ring.sort_by(f32::total_cmp);
    let floor = (0.1 * peak).max(on_ring[(on_ring.len() * 9 / 10).min(on_ring.len() - 1)]).min(0.9 * peak);
    ink.iter_mut().for_each(|v| *v = ((*v - floor) / (peak - floor)).clamp(0.0, 1.0));
    // The sizes are checked: `prepare` refuses only ink that the noise floor took away entirely.
    Ok(prepare(&ink, w, h).ok())
}

/// The image averaged down by whole k × k blocks until its longer side is at most `WORKING_SIDE` (the last block of
/// a row or column averages what there is).
fn shrink(gray: &[f32], width: usize, height: usize) -> (Vec<f32>, usize, usize) {
    let k = width.max(height).div_ceil(WORKING_SIDE);
    if k <= 1 {
        return (gray.to_vec(), width, height);
    }
    let (w, h) = (width.div_ceil(k), height.div_ceil(k));
    let mut out = vec![0f32; w * h];
    for (i, o) in out.iter_mut().enumerate() {
        let (bx, by) = (i % w * k, i / w * k);
        let (mut sum, mut count) = (0f32, 0usize);
        for y in by..(by + k).min(height) {
            for x in bx..(bx + k).min(width) {
                sum += gray[y * width + x];
                count += 1;
            }
        }
        *o = sum / count as f32;
    }
    (out, w, h)
}

/// The outermost ring of pixels, walked clockwise from the top-left corner, each pixel once.
fn ring(w: usize, h: usize) -> Vec<(usize, usize)> {
    if w == 1 || h == 1 {
        return (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).collect();
    }
    let top = (0..w).map(|x| (x, 0));
    let right = (1..h).map(|y| (w - 1, y));
    let bottom = (0..w - 1).rev().map(|x| (x, h - 1));
    let left = (1..h - 1).rev().map(|y| (0, y));
    top.chain(right).chain(bottom).chain(left).collect()
}

fn median(values: &mut [f32]) -> f32 {
    values.sort_by(f32::total_cmp);
    values[values.len() / 2]
}

/// The centre of mass (x, y) of a 28 × 28 image in continuous coordinates (pixel i spans [i, i + 1)).
pub fn centre_of_mass(image: &[f32]) -> (f32, f32) {
    centre_of_mass_in(image, FIELD.width)
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
