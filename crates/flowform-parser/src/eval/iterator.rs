//! Names bound while a dynamic block's content is evaluated (its iterator, `BLOCK.key` and
//! `BLOCK.value`): on top of the resource instance's `count` and `each`, and like them
//! invisible to local values.

use super::{Evaluator, Scope};

impl Evaluator<'_> {
    /// Evaluates `f` with `names` bound; an inner binding hides an outer one of the same name
    /// (a dynamic block inside another's content).
    pub(crate) fn with_bound<T>(&self, names: Scope, f: impl FnOnce() -> T) -> T {
        let n = names.len();
        if n == 0 {
            return f();
        }
        self.instance.borrow_mut().splice(0..0, names);
        let out = f();
        self.instance.borrow_mut().drain(0..n);
        out
    }
}
