//! `flowform force-unlock ID`: clear the record of a lock whose process died.

use super::Exit;
use super::context::{Context, state_error};

pub fn run(ctx: &Context, id: &str) -> Exit {
    let backend = match ctx.backend() {
        Ok(b) => b,
        Err(e) => return e,
    };
    match backend.force_unlock(id) {
        Ok(info) => {
            outln!(
                "The lock {} ({} by {}, since {}) has been released.",
                info.id,
                info.operation,
                info.who,
                info.created
            );
            Exit::Success
        }
        Err(e) => state_error(&e),
    }
}
