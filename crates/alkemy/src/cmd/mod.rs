//! One module per subcommand: `Args` (clap) and `run(args)`.

pub mod analyze;
pub mod export;
pub mod import;
pub mod migrate;
pub mod produce;
pub mod providers;
pub mod shots;
pub mod submit;
pub mod worker;
