//! tapegrad-nn: Keras-level layers, losses, optimizers and training on
//! tapegrad; every gradient comes from the core.
pub mod data;
