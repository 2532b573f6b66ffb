mod algorithm;
mod implementations;
mod layout;

mod extras;

pub use algorithm::ForceAlgorithm;
pub use extras::{CenterGravity, CenterGravityParams, Extra, ExtraForce, ExtrasTuple};
pub use implementations::fruchterman_reingold::with_extras::{
    FruchtermanReingoldWithCenterGravity, FruchtermanReingoldWithCenterGravityState,
    FruchtermanReingoldWithExtras, FruchtermanReingoldWithExtrasState,
};
pub use implementations::fruchterman_reingold::{FruchtermanReingold, FruchtermanReingoldState};
pub use layout::ForceDirected;
