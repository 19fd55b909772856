#![cfg(not(target_arch = "wasm32"))]
//! The dataset seam: image shapes, optional labels and class names, mixed sets and their split, the IDX export and
//! its round trip, and photos, scans and drawings prepared the MNIST way.

mod common;
use common::{bundled, gzip, idx};
use vae_playground::data::prepare::{centre_of_mass, prepare, prepare_image, prepare_inked_image};
use vae_playground::data::{Dataset, ImageSpec, UNLABELLED};
use vae_playground::{ModelConfig, TrainConfig, Trainer};

#[test]
fn the_idx_export_reads_back_as_the_same_set_and_is_deterministic() {
    let data = bundled().take(300);
    let (images, labels) = data.to_idx_gz();
    assert_eq!(data.to_idx_gz(), (images.clone(), labels.clone()), "the same set gives the same bytes");
    let labels = labels.expect("a labelled set exports its labels");
    let back = Dataset::from_idx_gz("images", &images, "labels", &labels).unwrap();
    assert_eq!((back.len(), back.spec()), (300, ImageSpec::MNIST));
    assert_eq!(back.images(), data.images());
    assert_eq!(back.labels(), data.labels());
    assert_eq!(back.hash(), data.hash());
    assert_eq!(common::gunzip(&images)[..16], idx(2051, &[300, 28, 28], &[])[..], "an IDX header");

    // An unlabelled set of another shape, with class names kept outside the file: images alone.
    let spec = ImageSpec { width: 5, height: 3, channels: 1 };
    let pixels: Vec<u8> = (0..4 * 15).map(|i| (i * 17 % 256) as u8).collect();
    let own = Dataset::new("own", spec, pixels.clone(), None, None).unwrap();
    let (images, labels) = own.to_idx_gz();
    assert!(labels.is_none());
    let back = Dataset::read_idx("own.gz", &images, None, None, None).unwrap();
    assert_eq!((back.spec(), back.images(), back.labels()), (spec, &pixels[..], None));
    assert_ne!(back.hash(), bundled().take(4).hash());
}

#[test]
fn labels_are_optional_and_class_names_bound_them() {
    let images = gzip(&idx(2051, &[3, 28, 28], &[9; 3 * 784]));
    let unlabelled = Dataset::read_idx("imgs.gz", &images, None, None, None).unwrap();
    assert!(unlabelled.labels().is_none() && unlabelled.class_names().is_none());
    assert_eq!(unlabelled.class_count(), 10);

    let labels = gzip(&idx(2049, &[3], &[0, 2, 1]));
    let names = vec!["cat".to_string(), "dog".to_string(), "owl".to_string()];
    let named = Dataset::read_idx("imgs.gz", &images, Some(("lbls.gz", &labels)), Some(names.clone()), None).unwrap();
    assert_eq!(named.class_names(), Some(&names[..]));
    let two = vec!["cat".to_string(), "dog".to_string()];
    let msg = Dataset::read_idx("imgs.gz", &images, Some(("lbls.gz", &labels)), Some(two), None).unwrap_err().to_string();
    assert_eq!(msg, "lbls.gz: label 2 at index 1 names no class: there are 2 class names (labels 0–1)");
    // Without names, the digits 0–9, with today's message.
    let big = gzip(&idx(2049, &[3], &[0, 10, 1]));
    let msg = Dataset::read_idx("imgs.gz", &images, Some(("lbls.gz", &big)), None, None).unwrap_err().to_string();
    assert_eq!(msg, "lbls.gz: label 10 at index 1 is not a digit 0–9");
    // An IDX file of another size reads with its own shape, unless MNIST's is expected.
    let small = gzip(&idx(2051, &[2, 4, 6], &[1; 48]));
    assert_eq!(Dataset::read_idx("s.gz", &small, None, None, None).unwrap().spec(), ImageSpec { width: 6, height: 4, channels: 1 });
    let msg = Dataset::read_idx("s.gz", &small, None, None, Some(ImageSpec::MNIST)).unwrap_err().to_string();
    assert!(msg.contains("images are 4 × 6, expected 28 × 28"), "{msg}");
}

#[test]
fn a_mixed_set_keeps_its_bases_test_set_and_trains_on_the_own_images() {
    let base = bundled().take(2_000);
    let own_pixels: Vec<u8> = (0..30 * 784).map(|i| (i % 7 * 30) as u8).collect();
    let own = Dataset::new("own", ImageSpec::MNIST, own_pixels, Some(vec![3; 30]), None).unwrap();
    let mixed = Dataset::mixed(&base, &own).unwrap();
    let (train, test) = mixed.split();
    let (base_train, base_test) = base.split();
    assert_eq!((train.len(), test.len()), (base_train.len() + 30, base_test.len()));
    assert_eq!(test.images(), base_test.images(), "the test set is the base's, whole");
    assert_eq!(test.labels(), base_test.labels());
    assert_eq!(&train.images()[base_train.images().len()..], own.images(), "the own images end the training split");
    assert_eq!(&train.labels().unwrap()[base_train.len()..], &[3; 30]);

    // Unlabelled own images in a labelled set take no label; the classifier skips them.
    let unlabelled = Dataset::new("own", ImageSpec::MNIST, own.images().to_vec(), None, None).unwrap();
    let (train, _) = Dataset::mixed(&base, &unlabelled).unwrap().split();
    assert!(train.labels().unwrap()[base_train.len()..].iter().all(|&l| l == UNLABELLED));
    vae_playground::explore::classifier::Classifier::train(&train, 1, 0).unwrap();

    // Own labels are matched to the base's classes by name.
    let names = |n: &[&str]| Some(n.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let named = Dataset::new("own", ImageSpec::MNIST, own.images()[..2 * 784].to_vec(), Some(vec![0, 1]), names(&["7", "2"])).unwrap();
    let (train, _) = Dataset::mixed(&base, &named).unwrap().split();
    assert_eq!(&train.labels().unwrap()[base_train.len()..], &[7, 2]);
    let stranger = Dataset::new("own", ImageSpec::MNIST, own.images()[..784].to_vec(), Some(vec![0]), names(&["x"])).unwrap();
    let msg = Dataset::mixed(&base, &stranger).unwrap_err().to_string();
    assert!(msg.contains("label “x” is not one of the set's classes"), "{msg}");
    let other = Dataset::new("own", ImageSpec { width: 10, height: 10, channels: 1 }, vec![0; 100], None, None).unwrap();
    assert!(Dataset::mixed(&base, &other).unwrap_err().to_string().contains("are 10 × 10"));
}

#[test]
fn the_mlp_takes_its_input_size_from_the_images() {
    let spec = ImageSpec { width: 8, height: 6, channels: 1 };
    let pixels: Vec<u8> = (0..200 * 48).map(|i| ((i * 31) % 256) as u8).collect();
    let data = Dataset::new("small", spec, pixels, None, None).unwrap();
    let config = TrainConfig { model: ModelConfig { image: spec, ..ModelConfig::mlp(16, 2) }, batch_size: 20, ..Default::default() };
    let mut trainer = Trainer::new(config, &data).unwrap();
    let first = trainer.step().unwrap().metrics.loss;
    for _ in 0..30 {
        trainer.step().unwrap();
    }
    assert!(trainer.step().unwrap().metrics.loss < first);
    assert_eq!(trainer.model().decode(&[0.0, 0.0]).unwrap().len(), 48);
    assert!(trainer.evaluate().unwrap().neg_elbo.is_finite());
    // A model for other images is refused with both sizes named.
    let msg = Trainer::new(TrainConfig::default(), &data).err().unwrap().to_string();
    assert!(msg.contains("are 8 × 6") && msg.contains("28 × 28"), "{msg}");
}

/// A `w` × `h` image of `background` with a bar of `ink` (x from 30 % to 45 %, y from 20 % to 80 % of the sides).
fn page(w: usize, h: usize, background: impl Fn(usize, usize) -> f32, ink: f32) -> Vec<f32> {
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let on_bar = (3 * w / 10..45 * w / 100).contains(&x) && (h / 5..4 * h / 5).contains(&y);
            if on_bar {
                ink
            } else {
                background(x, y)
            }
        })
        .collect()
}

/// Where the ink of a prepared image is: rows and columns holding some, and the centre of mass.
fn footprint(image: &[f32]) -> (usize, usize, (f32, f32)) {
    let rows = (0..28).filter(|&y| (0..28).any(|x| image[y * 28 + x] > 0.5)).count();
    let cols = (0..28).filter(|&x| (0..28).any(|y| image[y * 28 + x] > 0.5)).count();
    (rows, cols, centre_of_mass(image))
}

#[test]
fn a_photo_of_dark_ink_on_light_paper_is_inverted_and_prepared_as_the_drawing() {
    let (w, h) = (120, 90);
    let drawing = prepare(&page(w, h, |_, _| 0.0, 1.0), w, h).unwrap(); // white on black, the Draw pad's way
    let paper = prepare_image(&page(w, h, |_, _| 1.0, 0.0), w, h).unwrap(); // black on white
    assert_eq!(paper, drawing, "black ink on white paper is the drawing, inverted");
    let chalk = prepare_image(&page(w, h, |_, _| 0.0, 1.0), w, h).unwrap(); // white on black: not inverted
    assert_eq!(chalk, drawing);
    // Grey paper and grey ink: the contrast is stretched to the full range.
    let grey = prepare_image(&page(w, h, |_, _| 0.8, 0.3), w, h).unwrap();
    let ((rows, cols, (x, y)), (want_rows, want_cols, (want_x, want_y))) = (footprint(&grey), footprint(&drawing));
    assert_eq!((rows, cols), (want_rows, want_cols));
    // The shift to the centre is by whole pixels: a centre of mass half a pixel off may round either way.
    assert!((x - want_x).abs() <= 1.0 + 1e-3 && (y - want_y).abs() <= 1.0 + 1e-3, "({x}, {y}) vs ({want_x}, {want_y})");
    assert!(grey.iter().fold(0f32, |m, &v| m.max(v)) > 0.99, "the ink's darkest is white");
}

#[test]
fn a_dark_vignette_on_light_paper_is_background_not_ink() {
    let (w, h) = (160, 120);
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    // Light paper (0.85) darkening towards the corners to 0.35: a lens's vignette, or a lamp off to one side.
    let vignette = |x: usize, y: usize| {
        let r = (((x as f32 - cx) / cx).powi(2) + ((y as f32 - cy) / cy).powi(2)).sqrt() / std::f32::consts::SQRT_2;
        0.85 - 0.5 * r.powi(3)
    };
    let image = prepare_image(&page(w, h, vignette, 0.05), w, h).unwrap();
    let drawing = prepare(&page(w, h, |_, _| 0.0, 1.0), w, h).unwrap();
    let (rows, cols, (x, y)) = footprint(&image);
    let (want_rows, want_cols, (want_x, want_y)) = footprint(&drawing);
    assert_eq!((rows, cols), (want_rows, want_cols), "only the bar is ink: the corners are not");
    assert!((x - want_x).abs() < 0.5 && (y - want_y).abs() < 0.5, "centred as the drawing ({x}, {y})");
    // The vignette alone is no ink at all.
    let blank: Vec<f32> = (0..w * h).map(|i| vignette(i % w, i / w)).collect();
    let msg = prepare_image(&blank, w, h).unwrap_err().to_string();
    assert!(msg.contains("no ink"), "{msg}");
}

#[test]
fn a_stroke_that_touches_the_edge_and_a_large_photo_are_prepared_too() {
    // Ink running off the top edge: the border's median is still the paper.
    let (w, h) = (100, 100);
    let mut edge = vec![1.0f32; w * h];
    for y in 0..70 {
        for x in 40..52 {
            edge[y * w + x] = 0.0;
        }
    }
    let prepared = prepare_image(&edge, w, h).unwrap();
    assert_eq!(footprint(&prepared).0, 20, "the bar's 70 rows fill the 20-pixel box");
    // 3,000 × 2,000 (averaged down before anything else).
    let (w, h) = (3000, 2000);
    let large = prepare_image(&page(w, h, |_, _| 0.9, 0.1), w, h).unwrap();
    let small = prepare_image(&page(300, 200, |_, _| 0.9, 0.1), 300, 200).unwrap();
    assert_eq!(footprint(&large).0, footprint(&small).0);
}

#[test]
fn an_image_without_ink_is_an_error_the_caller_can_name() {
    for (what, image) in [("white", vec![1.0f32; 50 * 40]), ("black", vec![0.0; 50 * 40]), ("grey", vec![0.6; 50 * 40])] {
        let msg = prepare_image(&image, 50, 40).unwrap_err().to_string();
        assert!(msg.starts_with("image = no ink is not allowed"), "{what}: {msg}");
        // The page's form (`prepareImage`): no ink is `None`, for the page to name in its own words.
        assert_eq!(prepare_inked_image(&image, 50, 40).unwrap(), None, "{what}");
    }
    let bar = page(50, 40, |_, _| 1.0, 0.0);
    assert_eq!(prepare_inked_image(&bar, 50, 40).unwrap(), Some(prepare_image(&bar, 50, 40).unwrap()));
    assert!(prepare_inked_image(&[0.5; 10], 3, 3).is_err(), "a size error is still an error");
    let msg = prepare_image(&[0.5; 10], 3, 3).unwrap_err().to_string();
    assert!(msg.contains("10 values for 3 × 3"), "{msg}");
}
