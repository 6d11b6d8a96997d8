//! Heap allocations per training step, counted by a counting global
//! allocator: `cargo bench -p tapegrad-benches --bench allocations`.
//!
//! After warm-up steps, it runs W1 steps (the seed model, batch 32) and
//! reports allocations and bytes per step: first split into the forward
//! and loss, the backward pass, and the optimizer step (the same work as
//! `Model::train_step`, written out), then for `Model::train_step` itself,
//! for W1 and for W2 (784 -> 512 -> 512 -> 10, batch 128). For
//! `Model::train_step` it also counts minor page faults (Linux): a warm
//! step should fault in no fresh memory.
//! The tape's own node records are one `Vec` reused across steps, so they
//! allocate nothing once warm; tensor storage comes from the buffer pool.
//! What remains is bookkeeping: gemm's packing scratch (allocated by the
//! gemm crate inside each product), the `Grads` table of a backward pass,
//! and the lists of parameters and gradients the nn crate builds per step.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::rngs::StdRng;
use rand::SeedableRng;
use tapegrad::{Tape, Tensor};
use tapegrad_nn::loss::{Loss, Targets};
use tapegrad_nn::optim::{Adam, Optimizer};
use tapegrad_nn::train::Model;
use tapegrad_nn::{Activation, Bound, Dense, Module, Sequential};

/// The system allocator, counting allocations and the bytes they request.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to the system allocator with the caller's
// arguments unchanged, so it upholds GlobalAlloc's contract exactly as
// `System` does; the counters are plain atomics with no other effect.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout (see above).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this layout (see above).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and bytes since the last call.
fn take_counts() -> (usize, usize) {
    (
        ALLOCATIONS.swap(0, Ordering::Relaxed),
        BYTES.swap(0, Ordering::Relaxed),
    )
}

/// The seed model, 784 -> 32 relu -> 10 softmax, with seeded weights.
fn seed_model() -> Sequential<f32> {
    let mut rng = StdRng::seed_from_u64(0);
    Sequential::new()
        .push(Dense::new(784, 32, Activation::Relu, &mut rng))
        .push(Dense::new(32, 10, Activation::Softmax, &mut rng))
}

/// W2's network, 784 -> 512 relu -> 512 relu -> 10 softmax, seeded.
fn w2_model() -> Sequential<f32> {
    let mut rng = StdRng::seed_from_u64(0);
    Sequential::new()
        .push(Dense::new(784, 512, Activation::Relu, &mut rng))
        .push(Dense::new(512, 512, Activation::Relu, &mut rng))
        .push(Dense::new(512, 10, Activation::Softmax, &mut rng))
}

fn main() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut net = seed_model();
    let mut adam = Adam::default();
    let loss_fn = Loss::SparseCategoricalCrossentropy { from_logits: false };
    let x = Tensor::<f32>::rand_uniform([32, 784], 0.0, 1.0, &mut rng);
    let y = Targets::Labels((0..32).map(|i| i % 10).collect());
    let mut tape = Tape::new();
    let (warm, measured) = (50, 200);
    let mut totals = [(0usize, 0usize); 3];
    for step in 0..warm + measured {
        tape.clear();
        take_counts();
        let (forward, backward, grads) = {
            let bound = Bound::new(&tape);
            let input = tape.constant(x.clone());
            let logits = net.forward_logits(&bound, input).expect("ends in softmax");
            let loss = loss_fn.compute(logits.softmax(1), Some(logits), &y);
            let forward = take_counts();
            let mut grads = loss.backward();
            let grads: Vec<Tensor<f32>> = net
                .params()
                .iter()
                .map(|p| grads.remove(bound.var(p)).unwrap())
                .collect();
            (forward, take_counts(), grads)
        };
        tape.clear();
        take_counts();
        adam.step(&mut net.params_mut(), &grads);
        let optimizer = take_counts();
        if step >= warm {
            for (total, part) in totals.iter_mut().zip([forward, backward, optimizer]) {
                total.0 += part.0;
                total.1 += part.1;
            }
        }
    }
    println!("W1 training step (batch 32), mean over {measured} steps after {warm} warm-up steps:");
    let mut all = (0, 0);
    for (name, (count, bytes)) in ["forward + loss", "backward", "optimizer"]
        .iter()
        .zip(totals)
    {
        println!(
            "  {name:<15} {:>6.1} allocations {:>10.0} bytes",
            count as f64 / measured as f64,
            bytes as f64 / measured as f64
        );
        all = (all.0 + count, all.1 + bytes);
    }
    println!(
        "  {:<15} {:>6.1} allocations {:>10.0} bytes",
        "total",
        all.0 as f64 / measured as f64,
        all.1 as f64 / measured as f64
    );

    let mut model = Model::compile(seed_model(), Adam::default(), loss_fn, &[]);
    report_train_step("W1 Model::train_step (batch 32)", &mut model, &x, &y);
    let mut w2 = Model::compile(w2_model(), Adam::default(), loss_fn, &[]);
    let x = Tensor::<f32>::rand_uniform([128, 784], 0.0, 1.0, &mut rng);
    let y = Targets::Labels((0..128).map(|i| i % 10).collect());
    report_train_step("W2 Model::train_step (batch 128)", &mut w2, &x, &y);
}

/// Prints allocations, bytes and page faults per warm `Model::train_step`.
///
/// A minor page fault is the kernel mapping a page the process has not
/// touched yet (or has handed back): that is the fresh memory a warm step
/// must not need.
fn report_train_step(name: &str, model: &mut Model<f32>, x: &Tensor<f32>, y: &Targets<f32>) {
    let (warm, measured) = (50, 200);
    let mut tape = Tape::new();
    for _ in 0..warm {
        model.train_step(&mut tape, x, y);
    }
    let faults_before = minor_page_faults();
    take_counts();
    for _ in 0..measured {
        model.train_step(&mut tape, x, y);
    }
    let (count, bytes) = take_counts();
    let faults = match (faults_before, minor_page_faults()) {
        (Some(before), Some(after)) => {
            format!("{:>6.2}", (after - before) as f64 / measured as f64)
        }
        _ => "unknown (no /proc/self/stat)".to_string(),
    };
    println!(
        "{name}, mean over {measured} steps: {:>6.1} allocations {:>10.0} bytes, \
         minor page faults {faults}",
        count as f64 / measured as f64,
        bytes as f64 / measured as f64
    );
}

/// The process's minor page faults so far, from `/proc/self/stat` (Linux).
fn minor_page_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces;
    // minflt is the 8th field after it (field 10 of proc(5)).
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(7)?.parse().ok()
}
