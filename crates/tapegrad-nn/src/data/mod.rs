//! Data sets for training: the IDX file reader, the MNIST loader, and an
//! in-memory [`Dataset`] that hands out (optionally shuffled) mini-batches.

mod dataset;
mod idx;
mod mnist;

pub use dataset::{Batch, Batches, Dataset, DatasetError};
pub use idx::{parse_idx, read_idx, IdxArray, IdxError};
pub use mnist::{Mnist, MnistError};
