//! Layers: [`Dense`], [`Sequential`] and the activations.

mod activation;
mod dense;
mod sequential;

pub use activation::{elu, Activation};
pub use dense::{Dense, Linear};
pub use sequential::Sequential;
