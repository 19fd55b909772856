#![cfg(not(target_arch = "wasm32"))]
//! What the playground does with a model besides training it: generate, recover, compress (PCA), classify, and
//! prepare a drawing the MNIST way.

mod common;
use common::bundled;
use vae_playground::data::prepare::{centre_of_mass, prepare};
use vae_playground::explore::classifier::{most_likely, Classifier, EPOCHS};
use vae_playground::explore::generate::{grid_points, inverse_normal_cdf, manifold, samples, GridPlane};
use vae_playground::explore::pca::Pca;
use vae_playground::explore::recover::{masked_error, recover};
use vae_playground::{Model, ModelConfig, TrainConfig, Trainer};

const IMAGE_PIXELS: usize = 784;

#[test]
fn the_grid_spans_gaussian_quantiles_row_by_row_from_the_top_left() {
    let points = grid_points(4, &GridPlane { x: 2, y: 0, base: vec![0.0, 0.0, 0.7] }).unwrap();
    assert_eq!(points.len(), 4 * 4 * 3);
    let z = |cell: usize| &points[cell * 3..cell * 3 + 3];
    let q = |p: f64| inverse_normal_cdf(p) as f32;
    assert_eq!(z(0), &[q(7.0 / 8.0), 0.0, q(1.0 / 8.0)], "top-left: x lowest (dim 2), y highest (dim 0)");
    assert_eq!(z(3)[2], q(7.0 / 8.0), "top-right");
    assert_eq!(z(15)[0], q(1.0 / 8.0), "bottom row: lowest y");
    assert!(z(5).iter().zip(z(6)).all(|(a, b)| a.is_finite() && b.is_finite()));
    assert!((inverse_normal_cdf(0.975) - 1.959964).abs() < 1e-5);
    let err = grid_points(4, &GridPlane { x: 3, y: 0, base: vec![0.0; 3] }).unwrap_err().to_string();
    assert!(err.contains("grid dimensions"), "{err}");
}

#[test]
fn manifold_and_samples_decode_one_digit_per_point() {
    let model = Model::new(ModelConfig::default(), 3).unwrap();
    let grid = manifold(model.view(), 5, &GridPlane::first_two(2)).unwrap();
    assert_eq!(grid.len(), 25 * IMAGE_PIXELS);
    let centre = model.view().decoder().unwrap().decode_point(&[0.0, 0.0]).unwrap();
    let middle = &grid[12 * IMAGE_PIXELS..13 * IMAGE_PIXELS];
    // One batched decode against a single one: the same up to the matmul's summation order.
    assert!(middle.iter().zip(&centre).all(|(a, b)| (a - b).abs() < 1e-5), "the middle cell of an odd grid is z = 0");
    let (z, pixels) = samples(model.view(), 6, 42).unwrap();
    assert_eq!((z.len(), pixels.len()), (12, 6 * IMAGE_PIXELS));
    assert_eq!(samples(model.view(), 6, 42).unwrap().0, z, "the same seed draws the same points");
    assert_ne!(samples(model.view(), 6, 43).unwrap().0, z);
}

fn trained(epochs: usize) -> Trainer {
    let mut trainer = Trainer::new(TrainConfig::default(), &bundled()).unwrap();
    for _ in 0..epochs {
        trainer.run_epoch(|_| {}).unwrap();
    }
    trainer
}

#[test]
fn recovery_keeps_known_pixels_and_beats_the_mean_digit_on_half_masked_test_digits() {
    let trainer = trained(5);
    let mean = trainer.train_set().mean_image();
    let (mut recovered_total, mut mean_total) = (0f32, 0f32);
    // Over 100 test digits with the bottom half missing (one digit can go either way: the mean is the best guess
    // under squared error when nothing is known, so beating it on average is the claim).
    for index in 0..100 {
        let digit: Vec<f32> = trainer.test_set().image(index).iter().map(|&p| p as f32 / 255.0).collect();
        let mask: Vec<f32> = (0..IMAGE_PIXELS).map(|i| if i >= IMAGE_PIXELS / 2 { 1.0 } else { 0.0 }).collect();
        let steps = recover(trainer.model(), &digit, &mask, &mean, 5).unwrap();
        assert_eq!(steps.len(), 5 * IMAGE_PIXELS);
        let last = &steps[4 * IMAGE_PIXELS..];
        for i in 0..IMAGE_PIXELS / 2 {
            assert_eq!(last[i], digit[i], "known pixel {i} of digit {index} is unchanged");
        }
        recovered_total += masked_error(last, &digit, &mask);
        mean_total += masked_error(&mean, &digit, &mask);
    }
    assert!(recovered_total < 0.95 * mean_total, "recovered {recovered_total} vs mean fill {mean_total}");
}

#[test]
fn pca_finds_the_known_axes_and_variances_of_a_small_case() {
    // ±a·u₁, ±b·u₂, ±c·u₃ for an orthonormal basis u: mean 0, covariance eigenvalues a²/3, b²/3, c²/3.
    let s = std::f32::consts::FRAC_1_SQRT_2;
    let basis = [[s, s, 0.0], [-s, s, 0.0], [0.0, 0.0, 1.0]];
    let scales = [3.0f32, 2.0, 1.0];
    let mut rows = Vec::new();
    for (u, a) in basis.iter().zip(scales) {
        for sign in [1.0, -1.0] {
            rows.extend(u.iter().map(|v| sign * a * v));
        }
    }
    let pca = Pca::fit(&rows, 3, 2).unwrap();
    for (j, want) in [(0, 3.0f32), (1, 4.0 / 3.0)] {
        assert!((pca.variances()[j] - want).abs() < 1e-4, "variance {j}: {} vs {want}", pca.variances()[j]);
        let dot: f32 = pca.component(j).iter().zip(basis[j]).map(|(a, b)| a * b).sum();
        assert!((dot.abs() - 1.0).abs() < 1e-4, "component {j} is ±u{j}: dot {dot}");
    }
    let explained = pca.explained();
    assert!((explained[0] - 9.0 / 14.0).abs() < 1e-4, "{explained:?}");
    // A point in the plane of the two components comes back exactly; the third axis is lost.
    let point = [1.0 * s + 0.5 * -s, 1.0 * s + 0.5 * s, 0.8];
    let back = pca.decode(&pca.encode(&point).unwrap());
    assert!((back[0] - point[0]).abs() < 1e-4 && (back[1] - point[1]).abs() < 1e-4 && back[2].abs() < 1e-4, "{back:?}");
}

#[test]
fn the_classifier_reaches_95_percent_on_the_test_split() {
    let (train, test) = bundled().split();
    let classifier = Classifier::train(&train, EPOCHS, 0).unwrap();
    let accuracy = classifier.accuracy(&test).unwrap();
    assert!(accuracy >= 0.95, "test accuracy {accuracy}");
    let image: Vec<f32> = test.image(3).iter().map(|&p| p as f32 / 255.0).collect();
    let p = classifier.probabilities(&image).unwrap();
    assert_eq!(p.len(), 10);
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    assert_eq!(most_likely(&p), test.labels().unwrap()[3] as usize);
}

#[test]
fn a_drawing_is_boxed_to_20_pixels_and_centred_by_mass_as_mnist_was() {
    // A 100 × 100 canvas with an off-centre, tall bar of ink (10 wide, 60 high) near the top-left.
    let (w, h) = (100, 100);
    let mut canvas = vec![0f32; w * h];
    for y in 5..65 {
        for x in 8..18 {
            canvas[y * w + x] = 1.0;
        }
    }
    let image = prepare(&canvas, w, h).unwrap();
    assert_eq!(image.len(), IMAGE_PIXELS);
    let rows_with_ink = (0..28).filter(|&y| (0..28).any(|x| image[y * 28 + x] > 0.05)).count();
    let cols_with_ink = (0..28).filter(|&x| (0..28).any(|y| image[y * 28 + x] > 0.05)).count();
    assert_eq!(rows_with_ink, 20, "the longer side is scaled to 20 pixels");
    assert!((3..=4).contains(&cols_with_ink), "the aspect ratio is kept (60:10 → 20:3.3): {cols_with_ink}");
    let (cx, cy) = centre_of_mass(&image);
    assert!((cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5, "centre of mass ({cx}, {cy})");
    assert!(image.iter().any(|&v| v > 0.0 && v < 1.0), "anti-aliased edges");
    let err = prepare(&[0.0; 16], 4, 4).unwrap_err().to_string();
    assert!(err.contains("no ink"), "{err}");
}
