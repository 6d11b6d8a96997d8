//! tapegrad-nn: Keras-level layers, losses, optimizers and training on
//! tapegrad.
//!
//! Nothing here defines a gradient: every layer, activation, loss and
//! optimizer step is a composition of the core's differentiable operations,
//! so all of them work at any order, and an optimizer step can itself be
//! recorded and differentiated.
pub mod data;
pub mod init;
pub mod layers;
pub mod loss;
pub mod metrics;
pub mod module;
pub mod optim;
pub mod train;
pub mod weights;

pub use init::Initializer;
pub use layers::{Activation, Dense, Linear, Sequential};
pub use module::{Bound, Module, Param};
