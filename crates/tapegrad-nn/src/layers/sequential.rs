//! [`Sequential`]: layers applied one after another.

use tapegrad::{Float, Var};

use crate::module::{Bound, Module, Param};

/// A stack of modules, each fed the previous one's output.
///
/// ```
/// use rand::{rngs::StdRng, SeedableRng};
/// use tapegrad_nn::{Activation, Dense, Module, Sequential};
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Sequential::<f32>::new()
///     .push(Dense::new(784, 32, Activation::Relu, &mut rng))
///     .push(Dense::new(32, 10, Activation::Softmax, &mut rng));
/// let count: usize = model.params().iter().map(|p| p.value().numel()).sum();
/// assert_eq!(count, 25_450);
/// ```
pub struct Sequential<T: Float> {
    layers: Vec<Box<dyn Module<T>>>,
}

impl<T: Float> Default for Sequential<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> Sequential<T> {
    /// An empty stack.
    ///
    /// ```
    /// assert!(tapegrad_nn::Sequential::<f32>::new().layers().is_empty());
    /// ```
    pub fn new() -> Self {
        Sequential { layers: Vec::new() }
    }

    /// The stack with `layer` appended (Keras's `model.add`).
    pub fn push(mut self, layer: impl Module<T> + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// The layers, first to last.
    pub fn layers(&self) -> &[Box<dyn Module<T>>] {
        &self.layers
    }

    /// A Keras-style table of layers, output shapes and parameter counts for
    /// inputs of `input_shape` (without the batch axis).
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tapegrad_nn::{Activation, Dense, Sequential};
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let model = Sequential::<f32>::new()
    ///     .push(Dense::new(784, 32, Activation::Relu, &mut rng))
    ///     .push(Dense::new(32, 10, Activation::Softmax, &mut rng));
    /// let table = model.summary(&[784]);
    /// assert!(table.contains("(None, 32)"));
    /// assert!(table.contains("25,120"));
    /// assert!(table.contains("Total params: 25,450"));
    /// ```
    pub fn summary(&self, input_shape: &[usize]) -> String {
        let rule = "=".repeat(65);
        let thin = "_".repeat(65);
        let mut out = format!(
            "Model: \"sequential\"\n{thin}\n {:<28}{:<24}{:>10}\n{rule}\n",
            "Layer (type)", "Output Shape", "Param #"
        );
        let mut shape = input_shape.to_vec();
        let mut total = 0;
        for (i, layer) in self.layers.iter().enumerate() {
            let mut with_batch = vec![1];
            with_batch.extend(&shape);
            shape = layer.output_shape(&with_batch)[1..].to_vec();
            let count: usize = layer.params().iter().map(|p| p.value().numel()).sum();
            total += count;
            let name = format!("{}_{} ({})", layer.name().to_lowercase(), i, layer.name());
            let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
            let shown = format!("(None, {})", dims.join(", "));
            out += &format!(" {name:<28}{shown:<24}{:>10}\n", group_thousands(count));
            out += &if i + 1 == self.layers.len() {
                rule.clone()
            } else {
                thin.clone()
            };
            out.push('\n');
        }
        out += &format!(
            "Total params: {0}\nTrainable params: {0}\nNon-trainable params: 0\n{thin}\n",
            group_thousands(total)
        );
        out
    }
}

/// `25450` as `25,450`.
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl<T: Float> Module<T> for Sequential<T> {
    fn forward<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Var<'t, T> {
        self.layers.iter().fold(x, |h, layer| layer.forward(p, h))
    }

    fn forward_logits<'t>(&self, p: &Bound<'t, T>, x: Var<'t, T>) -> Option<Var<'t, T>> {
        let (last, rest) = self.layers.split_last()?;
        let h = rest.iter().fold(x, |h, layer| layer.forward(p, h));
        last.forward_logits(p, h)
    }

    fn params(&self) -> Vec<&Param<T>> {
        let mut out = Vec::new();
        self.collect_params(&mut out);
        out
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        let mut out = Vec::new();
        self.collect_params_mut(&mut out);
        out
    }

    fn collect_params<'a>(&'a self, out: &mut Vec<&'a Param<T>>) {
        self.layers.iter().for_each(|l| l.collect_params(out));
    }

    fn collect_params_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Param<T>>) {
        self.layers
            .iter_mut()
            .for_each(|l| l.collect_params_mut(out));
    }

    fn named_params(&self) -> Vec<(String, &Param<T>)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, layer)| {
                layer
                    .named_params()
                    .into_iter()
                    .map(move |(name, p)| (format!("layers.{i}.{name}"), p))
            })
            .collect()
    }

    fn name(&self) -> String {
        "Sequential".to_string()
    }

    fn output_shape(&self, input: &[usize]) -> Vec<usize> {
        self.layers
            .iter()
            .fold(input.to_vec(), |shape, layer| layer.output_shape(&shape))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(330), "330");
        assert_eq!(group_thousands(25_120), "25,120");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
