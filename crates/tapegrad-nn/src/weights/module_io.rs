//! Saving and loading a whole module's parameters by name.

use std::path::Path;

use tapegrad::{Float, Tensor};

use super::{load_into, save_safetensors, WeightsError};
use crate::module::Module;

/// Writes every parameter of `module` to a safetensors file, under the names
/// [`Module::named_params`] gives.
///
/// ```
/// use rand::{rngs::StdRng, SeedableRng};
/// use tapegrad_nn::weights::{load_weights, save_weights};
/// use tapegrad_nn::{Activation, Dense, Module, Sequential};
/// let mut rng = StdRng::seed_from_u64(0);
/// let make = |rng: &mut StdRng| Sequential::<f32>::new().push(Dense::new(3, 2, Activation::Relu, rng));
/// let (saved, mut loaded) = (make(&mut rng), make(&mut rng));
/// let path = std::env::temp_dir().join("tapegrad-doc-weights.safetensors");
/// save_weights(&saved, &path)?;
/// load_weights(&mut loaded, &path)?;
/// assert_eq!(saved.params()[0].value(), loaded.params()[0].value());
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), tapegrad_nn::weights::WeightsError>(())
/// ```
pub fn save_weights<T: Float>(
    module: &dyn Module<T>,
    path: impl AsRef<Path>,
) -> Result<(), WeightsError> {
    let named = module.named_params();
    let tensors: Vec<(&str, &Tensor<T>)> =
        named.iter().map(|(n, p)| (n.as_str(), p.value())).collect();
    save_safetensors(path, &tensors)
}

/// Replaces every parameter of `module` with the tensor of the same name in
/// a safetensors file. The file must hold exactly those names, with the same
/// shapes and this element type; otherwise nothing is changed and the error
/// names the offending tensor.
pub fn load_weights<T: Float>(
    module: &mut dyn Module<T>,
    path: impl AsRef<Path>,
) -> Result<(), WeightsError> {
    let expected: Vec<(String, Vec<usize>)> = module
        .named_params()
        .into_iter()
        .map(|(n, p)| (n, p.value().shape().to_vec()))
        .collect();
    let wanted: Vec<(&str, &[usize])> = expected
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_slice()))
        .collect();
    let tensors = load_into(path, &wanted)?;
    for (param, value) in module.params_mut().into_iter().zip(tensors) {
        param.set_value(value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, Dense, Sequential};
    use rand::{rngs::StdRng, SeedableRng};

    fn net(input: usize, rng: &mut StdRng) -> Sequential<f64> {
        Sequential::new()
            .push(Dense::new(input, 2, Activation::Relu, rng))
            .push(Dense::new(2, 1, Activation::Linear, rng))
    }

    #[test]
    fn names_are_prefixed_by_layer_and_a_mismatch_changes_nothing() {
        let mut rng = StdRng::seed_from_u64(0);
        let saved = net(3, &mut rng);
        let names: Vec<String> = saved.named_params().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "layers.0.kernel",
                "layers.0.bias",
                "layers.1.kernel",
                "layers.1.bias"
            ]
        );
        let path = std::env::temp_dir().join(format!(
            "tapegrad-module-io-{}.safetensors",
            std::process::id()
        ));
        save_weights(&saved, &path).unwrap();
        let mut other = net(4, &mut rng);
        let before: Vec<Tensor<f64>> = other.params().iter().map(|p| p.value().clone()).collect();
        let err = load_weights(&mut other, &path).unwrap_err();
        assert!(matches!(err, WeightsError::ShapeMismatch { .. }), "{err}");
        let after: Vec<Tensor<f64>> = other.params().iter().map(|p| p.value().clone()).collect();
        assert_eq!(before, after);
        std::fs::remove_file(&path).unwrap();
    }
}
