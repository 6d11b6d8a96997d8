//! Keras-style progress output:
//! `1875/1875 [==============================] - 2s 1ms/step - loss: 0.2942 - accuracy: 0.9157`.

use std::io::Write;
use std::time::{Duration, Instant};

/// How often a verbose-1 bar redraws at most.
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);
/// The bar's width in characters.
const BAR_WIDTH: usize = 30;

/// The progress display of one epoch. Verbosity 0 prints nothing, 1 a bar
/// redrawn in place, 2 one line at the end of the epoch.
pub(crate) struct Progress {
    verbose: u8,
    steps: usize,
    start: Instant,
    last_draw: Option<Instant>,
}

impl Progress {
    pub(crate) fn new(verbose: u8, steps: usize) -> Self {
        Progress {
            verbose,
            steps,
            start: Instant::now(),
            last_draw: None,
        }
    }

    /// Reports that `done` steps are finished, with the running logs.
    pub(crate) fn update(&mut self, done: usize, logs: &[(String, f64)]) {
        if self.verbose != 1 || done == self.steps {
            return;
        }
        let now = Instant::now();
        if self.last_draw.is_some_and(|t| now - t < REDRAW_INTERVAL) {
            return;
        }
        self.last_draw = Some(now);
        let elapsed = self.start.elapsed().as_secs_f64();
        let eta = elapsed / done.max(1) as f64 * (self.steps - done) as f64;
        let line = format!(
            "{} - ETA: {}{}",
            self.bar(done),
            whole_seconds(eta),
            format_logs(logs)
        );
        print!("\r{line}");
        let _ = std::io::stdout().flush();
    }

    /// Prints the epoch's final line, with `logs` including validation ones.
    pub(crate) fn finish(&self, logs: &[(String, f64)]) {
        let elapsed = self.start.elapsed().as_secs_f64();
        let per_step = elapsed / self.steps.max(1) as f64;
        match self.verbose {
            1 => println!(
                "\r{} - {} {}/step{}",
                self.bar(self.steps),
                whole_seconds(elapsed),
                per_step_time(per_step),
                format_logs(logs)
            ),
            2 => println!(
                "{}/{} - {} - {}/step{}",
                self.steps,
                self.steps,
                whole_seconds(elapsed),
                per_step_time(per_step),
                format_logs(logs)
            ),
            _ => {}
        }
    }

    fn bar(&self, done: usize) -> String {
        let width = self.steps.to_string().len();
        let filled = (BAR_WIDTH * done) / self.steps.max(1);
        let body = if done >= self.steps {
            "=".repeat(BAR_WIDTH)
        } else {
            format!(
                "{}>{}",
                "=".repeat(filled),
                ".".repeat(BAR_WIDTH - filled - 1)
            )
        };
        format!("{done:>width$}/{} [{body}]", self.steps)
    }
}

/// ` - loss: 0.2942 - accuracy: 0.9157`
pub(crate) fn format_logs(logs: &[(String, f64)]) -> String {
    logs.iter()
        .map(|(name, value)| format!(" - {name}: {value:.4}"))
        .collect()
}

fn whole_seconds(seconds: f64) -> String {
    format!("{:.0}s", seconds)
}

/// Keras's per-step unit: s, ms or us.
fn per_step_time(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0}s")
    } else if seconds >= 1e-3 {
        format!("{:.0}ms", seconds * 1e3)
    } else {
        format!("{:.0}us", seconds * 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_matches_keras_layout() {
        let p = Progress::new(1, 1875);
        assert_eq!(p.bar(1875), format!("1875/1875 [{}]", "=".repeat(30)));
        assert_eq!(p.bar(0), format!("   0/1875 [>{}]", ".".repeat(29)));
        assert_eq!(
            format_logs(&[("loss".into(), 0.29424), ("accuracy".into(), 0.91571)]),
            " - loss: 0.2942 - accuracy: 0.9157"
        );
    }

    #[test]
    fn per_step_units_follow_keras() {
        assert_eq!(per_step_time(1.5), "2s");
        assert_eq!(per_step_time(0.0012), "1ms");
        assert_eq!(per_step_time(0.000_25), "250us");
    }
}
