//! One module per subcommand: `Args` (clap) and `run(args)`.

pub mod analyze;
pub mod providers;
