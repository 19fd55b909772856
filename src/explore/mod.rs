//! What the playground does with a model besides training it: generate (the manifold, samples), recover damaged
//! images, compress against PCA, and judge with a classifier.

pub mod classifier;
pub mod generate;
pub mod pca;
pub mod recover;
