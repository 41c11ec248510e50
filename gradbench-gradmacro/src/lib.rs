//! The GradBench tool's library: the protocol (`protocol`), the timing of
//! runs (`runs`) and the evals' functions (`modules`). The binary only
//! connects stdin and stdout to [`protocol::respond`].

pub mod modules;
pub mod protocol;
pub mod runs;
