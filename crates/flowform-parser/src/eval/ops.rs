//! Unary and binary operators, with unknown and sensitive values propagated.

use flowform_core::{Number, Value};
use hcl::edit::expr::{BinaryOperator, UnaryOperator};

/// Why an operator refused: a one-line summary and a detail. Neither quotes an operand's
/// value, so a sensitive operand cannot leak through it.
pub(super) struct OpError {
    pub summary: &'static str,
    pub detail: String,
}

impl From<String> for OpError {
    fn from(detail: String) -> Self {
        OpError {
            summary: "Invalid operand",
            detail,
        }
    }
}

pub(super) fn unary(op: UnaryOperator, v: Value) -> Result<Value, OpError> {
    let (v, marked) = v.unmark();
    let out = match (op, v) {
        (_, Value::Unknown) => Value::Unknown,
        (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
        (UnaryOperator::Neg, Value::Number(n)) => Value::Number(-n),
        (UnaryOperator::Not, other) => {
            return Err(OpError::from(format!(
                "The ! operator needs a bool; this is a {}.",
                other.type_name()
            )));
        }
        (UnaryOperator::Neg, other) => {
            return Err(OpError::from(format!(
                "The - operator needs a number; this is a {}.",
                other.type_name()
            )));
        }
    };
    Ok(mark(out, marked))
}

pub(super) fn binary(op: BinaryOperator, lhs: Value, rhs: Value) -> Result<Value, OpError> {
    let (lhs, lm) = lhs.unmark();
    let (rhs, rm) = rhs.unmark();
    let marked = lm || rm;
    use BinaryOperator as B;
    let out = match op {
        B::Eq | B::NotEq => {
            if !lhs.is_known() || !rhs.is_known() {
                Value::Unknown
            } else {
                Value::Bool((lhs == rhs) == (op == B::Eq))
            }
        }
        B::And | B::Or => match (lhs, rhs) {
            (Value::Bool(a), Value::Bool(b)) => {
                Value::Bool(if op == B::And { a && b } else { a || b })
            }
            // false && unknown is still false; true || unknown is still true.
            (Value::Bool(false), Value::Unknown) | (Value::Unknown, Value::Bool(false))
                if op == B::And =>
            {
                Value::Bool(false)
            }
            (Value::Bool(true), Value::Unknown) | (Value::Unknown, Value::Bool(true))
                if op == B::Or =>
            {
                Value::Bool(true)
            }
            (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
            (a, b) => {
                return Err(OpError::from(format!(
                    "Logical operators need bools; found a {} and a {}.",
                    a.type_name(),
                    b.type_name()
                )));
            }
        },
        _ => match (lhs, rhs) {
            (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
            (Value::Number(a), Value::Number(b)) => arithmetic(op, a, b)?,
            (a, b) => {
                return Err(OpError::from(format!(
                    "Arithmetic and comparison operators need numbers; found a {} and a {}.",
                    a.type_name(),
                    b.type_name()
                )));
            }
        },
    };
    Ok(mark(out, marked))
}

/// Arithmetic on two numbers. Integers are computed exactly while they fit in 64 bits and as
/// floating point beyond that; a result that is not a finite number (`1e308 * 10`) or a
/// division by zero is an error, never a panic or a silent `inf`.
fn arithmetic(op: BinaryOperator, a: Number, b: Number) -> Result<Value, OpError> {
    use BinaryOperator as B;
    let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
    let exact = |f: fn(i128, i128) -> Option<i128>| {
        let result = f(integer(a)?, integer(b)?)?;
        i64::try_from(result)
            .map(Number::from)
            .or_else(|_| u64::try_from(result).map(Number::from))
            .ok()
    };
    let number = match op {
        B::Less => return Ok(Value::Bool(x < y)),
        B::LessEq => return Ok(Value::Bool(x <= y)),
        B::Greater => return Ok(Value::Bool(x > y)),
        B::GreaterEq => return Ok(Value::Bool(x >= y)),
        B::Div | B::Mod if y == 0.0 => {
            return Err(OpError {
                summary: "Division by zero",
                detail: format!(
                    "The right operand of {} is zero; a number cannot be divided by zero.",
                    if op == B::Div { "/" } else { "%" }
                ),
            });
        }
        B::Plus => exact(i128::checked_add).ok_or(x + y),
        B::Minus => exact(i128::checked_sub).ok_or(x - y),
        B::Mul => exact(i128::checked_mul).ok_or(x * y),
        B::Div => Err(x / y),
        B::Mod => exact(i128::checked_rem).ok_or(x % y),
        B::Eq | B::NotEq | B::And | B::Or => unreachable!("handled by binary()"),
    };
    match number {
        Ok(n) => Ok(Value::Number(n)),
        Err(f) => Number::from_f64(f).map(Value::Number).ok_or_else(|| OpError {
            summary: "Number out of range",
            detail: format!(
                "The result of this {} is not a finite number: it is too large in size (numbers go up to about 1.8e308).",
                match op {
                    B::Plus => "addition",
                    B::Minus => "subtraction",
                    B::Mul => "multiplication",
                    B::Div => "division",
                    _ => "operation",
                }
            ),
        }),
    }
}

/// The number as an exact integer, when it is one.
fn integer(n: Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

pub(super) fn mark(v: Value, marked: bool) -> Value {
    if marked { Value::sensitive(v) } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BinaryOperator as B;

    fn num(f: f64) -> Value {
        Value::Number(Number::from_f64(f).expect("finite"))
    }

    fn int(i: i64) -> Value {
        Value::Number(Number::from(i))
    }

    /// `1e308 * 10` used to panic inside hcl's Number (a debug assertion on a non-finite
    /// float); integer overflow panicked the same way.
    #[test]
    fn results_that_are_not_finite_numbers_are_errors() {
        for (op, a, b) in [
            (B::Mul, num(1e308), int(10)),
            (B::Plus, num(1.7e308), num(1.7e308)),
            (B::Minus, num(-1.7e308), num(1.7e308)),
            (B::Div, num(1e308), num(1e-308)),
        ] {
            let e = binary(op, a, b).expect_err("an error");
            assert_eq!(e.summary, "Number out of range");
        }
        for op in [B::Div, B::Mod] {
            let e = binary(op, int(1), int(0)).expect_err("an error");
            assert_eq!(e.summary, "Division by zero");
            let e = binary(op, num(1.5), num(-0.0)).expect_err("an error");
            assert_eq!(e.summary, "Division by zero");
        }
    }

    #[test]
    fn integers_stay_exact_and_overflow_into_floats() {
        let max = Value::Number(Number::from(u64::MAX));
        let sum = binary(B::Plus, max.clone(), int(1)).ok().expect("a number");
        assert_eq!(sum, num(18446744073709551616.0));
        let product = binary(B::Mul, int(i64::MAX), int(i64::MAX)).ok();
        assert!(matches!(product, Some(Value::Number(_))));
        assert_eq!(binary(B::Mod, int(i64::MIN), int(-1)).ok(), Some(int(0)));
        assert_eq!(binary(B::Minus, int(3), int(5)).ok(), Some(int(-2)));
        assert_eq!(
            binary(B::Mul, int(-4_000_000_000), int(4_000_000_000)).ok(),
            Some(num(-1.6e19))
        );
        assert_eq!(
            unary(UnaryOperator::Neg, int(i64::MIN)).ok(),
            Some(Value::Number(Number::from(i64::MIN.unsigned_abs())))
        );
    }
}
