//! The checkout app in each language, composed with the SDK component.
//!
//! The Rust app is built and composed by the build script. The Python and
//! JavaScript apps are built when asked for, by
//! `scripts/build-lang-apps.sh` (with the toolchains
//! `scripts/install-lang-toolchains.sh` installs), into
//! `target/lang-apps/`; the host composes them with the SDK at run time and
//! compiles each once per process.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use wasmtime::component::Component;

use super::state::engine;

/// A language the checkout app is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum App {
    /// `components/app` (wit-bindgen).
    Rust,
    /// `components/app-python` (componentize-py).
    Python,
    /// `components/app-js` (componentize-js).
    Js,
}

/// How long the app took to become runnable in this process.
#[derive(Clone, Copy, Debug)]
pub struct Prepared {
    /// The composed component's size in bytes.
    pub bytes: usize,
    /// Composing it with the SDK (zero for the Rust app, composed at build time).
    pub compose: Duration,
    /// Compiling it (Cranelift).
    pub compile: Duration,
}

impl App {
    /// All three.
    pub const ALL: [App; 3] = [App::Rust, App::Python, App::Js];

    /// `rust`, `python` or `js`.
    pub fn name(self) -> &'static str {
        match self {
            App::Rust => "rust",
            App::Python => "python",
            App::Js => "js",
        }
    }

    /// The app of that name.
    ///
    /// ```
    /// use telemetry_host::demo::App;
    /// assert_eq!(App::parse("python"), Some(App::Python));
    /// assert_eq!(App::parse("cobol"), None);
    /// ```
    pub fn parse(name: &str) -> Option<App> {
        App::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Where the build script puts the app component (Python, JavaScript).
    pub fn built_path(self) -> PathBuf {
        let dir = std::env::var_os("WRR_LANG_APPS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/lang-apps")
            });
        dir.join(format!("app-{}.wasm", self.name()))
    }

    /// The app composed with the SDK, compiled (once per process), and what
    /// that took the first time.
    pub fn component(self) -> Result<(&'static Component, Prepared), String> {
        static CELLS: [OnceLock<(Component, Prepared)>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let cell = &CELLS[self as usize];
        if let Some((c, p)) = cell.get() {
            return Ok((c, *p));
        }
        let started = Instant::now();
        let composed = match self {
            App::Rust => crate::SERVICE_COMPONENT.to_vec(),
            _ => {
                let path = self.built_path();
                let app = std::fs::read(&path).map_err(|e| {
                    format!(
                        "{}: {}; build it with `bash scripts/build-lang-apps.sh {}` \
                         (its toolchain: `bash scripts/install-lang-toolchains.sh`)",
                        path.display(),
                        e,
                        self.name()
                    )
                })?;
                crate::compose::compose(&app, crate::SDK_COMPONENT)
                    .map_err(|e| format!("composing the {} app with the SDK: {}", self.name(), e))?
            }
        };
        let compose = if self == App::Rust {
            Duration::ZERO
        } else {
            started.elapsed()
        };
        let compiling = Instant::now();
        let component = Component::new(engine(), &composed)
            .map_err(|e| format!("compiling the {} app: {:#}", self.name(), e))?;
        let prepared = Prepared {
            bytes: composed.len(),
            compose,
            compile: compiling.elapsed(),
        };
        let (c, p) = cell.get_or_init(|| (component, prepared));
        Ok((c, *p))
    }
}
