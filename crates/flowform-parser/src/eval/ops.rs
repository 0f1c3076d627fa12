//! Unary and binary operators, with unknown and sensitive values propagated.

use flowform_core::{Number, Value};
use hcl::edit::expr::{BinaryOperator, UnaryOperator};

pub(super) fn unary(op: UnaryOperator, v: Value) -> Result<Value, String> {
    let (v, marked) = v.unmark();
    let out = match (op, v) {
        (_, Value::Unknown) => Value::Unknown,
        (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
        (UnaryOperator::Neg, Value::Number(n)) => Value::Number(-n),
        (UnaryOperator::Not, other) => {
            return Err(format!(
                "The ! operator needs a bool; this is a {}.",
                other.type_name()
            ));
        }
        (UnaryOperator::Neg, other) => {
            return Err(format!(
                "The - operator needs a number; this is a {}.",
                other.type_name()
            ));
        }
    };
    Ok(mark(out, marked))
}

pub(super) fn binary(op: BinaryOperator, lhs: Value, rhs: Value) -> Result<Value, String> {
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
                return Err(format!(
                    "Logical operators need bools; found a {} and a {}.",
                    a.type_name(),
                    b.type_name()
                ));
            }
        },
        _ => match (lhs, rhs) {
            (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
            (Value::Number(a), Value::Number(b)) => arithmetic(op, a, b)?,
            (a, b) => {
                return Err(format!(
                    "Arithmetic and comparison operators need numbers; found a {} and a {}.",
                    a.type_name(),
                    b.type_name()
                ));
            }
        },
    };
    Ok(mark(out, marked))
}

fn arithmetic(op: BinaryOperator, a: Number, b: Number) -> Result<Value, String> {
    use BinaryOperator as B;
    let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
    Ok(match op {
        B::Plus => Value::Number(a + b),
        B::Minus => Value::Number(a - b),
        B::Mul => Value::Number(a * b),
        B::Div | B::Mod if y == 0.0 => return Err("Division by zero.".into()),
        B::Div => Value::Number(a / b),
        B::Mod => Value::Number(a % b),
        B::Less => Value::Bool(x < y),
        B::LessEq => Value::Bool(x <= y),
        B::Greater => Value::Bool(x > y),
        B::GreaterEq => Value::Bool(x >= y),
        B::Eq | B::NotEq | B::And | B::Or => unreachable!("handled by binary()"),
    })
}

pub(super) fn mark(v: Value, marked: bool) -> Value {
    if marked { Value::sensitive(v) } else { v }
}
