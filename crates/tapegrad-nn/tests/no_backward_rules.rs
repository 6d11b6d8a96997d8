//! Proves that the nn crate defines no backward (VJP) rule of its own, so
//! that every gradient comes from the core: no source file under `src/`
//! has a `fn vjp`, `fn backward` or `fn grad_fn`, an `impl ... CustomOp`,
//! or applies a custom primitive (`tape.custom(`, `Tape::custom`). The same
//! scan as `.ci/check-no-backward.sh`, in the normal test suite; the
//! scanner, and the script, are also shown to catch each pattern.

use std::path::{Path, PathBuf};
use std::process::Command;

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../.ci/check-no-backward.sh"
);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Punct(char),
}

/// Identifiers and single punctuation characters, whitespace dropped.
fn tokens(line: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_alphanumeric() || c == '_' {
            let mut ident = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_') {
                ident.push(c);
                chars.next();
            }
            out.push(Token::Ident(ident));
        } else {
            if !c.is_whitespace() {
                out.push(Token::Punct(c));
            }
            chars.next();
        }
    }
    out
}

/// Whether a line defines or applies a backward rule.
fn defines_backward_rule(line: &str) -> bool {
    let toks = tokens(line);
    let ident = |i: usize, name: &str| matches!(toks.get(i), Some(Token::Ident(s)) if s == name);
    let punct = |i: usize, c: char| toks.get(i) == Some(&Token::Punct(c));
    (0..toks.len()).any(|i| {
        // fn vjp / fn backward / fn grad_fn
        (ident(i, "fn") && ["vjp", "backward", "grad_fn"].iter().any(|n| ident(i + 1, n)))
            // impl ... CustomOp
            || (ident(i, "impl") && (i + 1..toks.len()).any(|j| ident(j, "CustomOp")))
            // .custom( or .custom::<...>(
            || (punct(i, '.') && ident(i + 1, "custom") && (punct(i + 2, '(') || punct(i + 2, ':')))
            // Tape::custom, Tape::<T>::custom
            || (ident(i, "Tape")
                && (i + 1..toks.len()).any(|j| ident(j, "custom") && punct(j - 1, ':')))
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn nn_source_defines_no_backward_rules() {
    let mut files = Vec::new();
    rust_files(Path::new(SRC), &mut files);
    // Not vacuous: the layers, losses and optimizers are all scanned.
    for expected in [
        "lib.rs",
        "loss.rs",
        "module.rs",
        "dense.rs",
        "adam.rs",
        "model.rs",
    ] {
        assert!(
            files.iter().any(|f| f.ends_with(expected)),
            "{expected} was not scanned"
        );
    }
    let mut offending = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a UTF-8 source file");
        for (n, line) in text.lines().enumerate() {
            if defines_backward_rule(line) {
                offending.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "nn defines backward rules of its own:\n{}",
        offending.join("\n")
    );
}

const BAD: [&str; 9] = [
    "pub fn vjp(&self, x: &[Var<'t, T>]) -> Vec<Var<'t, T>> {",
    "    fn backward<T>(x: T) {}",
    "fn grad_fn() {}",
    "impl<T: Float> CustomOp<T> for Foo<T> {",
    "impl tapegrad::CustomOp<f32> for X {}",
    "let y = tape.custom(MyOp, &[x]);",
    "let y = bound.tape() . custom::<MyOp>(MyOp, &[x]);",
    "Tape::custom(&tape, op, &[x])",
    "let y = Tape::<f64>::custom(&tape, op, &[x]);",
];

const FINE: [&str; 6] = [
    "let grads = loss.backward();",
    "let g = tape.grad(loss, &[w]);",
    "fn backward_pass_count() -> usize { 0 }",
    "let c = customer(1); x.customize();",
    "/// A module; its gradients come from the core.",
    "use tapegrad::{Tape, Var};",
];

#[test]
fn the_scanner_catches_every_pattern_and_nothing_else() {
    for line in BAD {
        assert!(defines_backward_rule(line), "missed: {line}");
    }
    for line in FINE {
        assert!(!defines_backward_rule(line), "false alarm: {line}");
    }
}

fn run_script(dir: &Path) -> (i32, String) {
    let out = Command::new("bash")
        .arg(SCRIPT)
        .arg(dir)
        .output()
        .expect("bash runs the CI script");
    let code = out.status.code().expect("the script exits normally");
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_ci_script_agrees() {
    let (code, stdout) = run_script(Path::new(SRC));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("nn defines no backward rules"), "{stdout}");

    let dir = std::env::temp_dir().join(format!("tapegrad-nn-no-backward-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested")).expect("a temporary directory");
    std::fs::write(dir.join("fine.rs"), FINE.join("\n")).expect("write");
    let (code, stdout) = run_script(&dir);
    assert_eq!(code, 0, "{stdout}");
    for line in BAD {
        std::fs::write(dir.join("nested/bad.rs"), line).expect("write");
        let (code, stdout) = run_script(&dir);
        assert_eq!(code, 1, "the script missed: {line}");
        assert!(
            stdout.contains(line),
            "the script must print the line: {stdout}"
        );
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
