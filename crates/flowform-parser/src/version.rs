//! Version constraints as Terraform writes them (`">= 0.1, < 1.0"`, `"~> 0.2"`), for
//! `flowform { required_version }`.

/// Whether `version` (`0.1.0`) meets every comma-separated constraint of `constraints`.
pub(crate) fn satisfies(version: &str, constraints: &str) -> Result<bool, String> {
    let (have, _) = parse(version).ok_or_else(|| format!("\"{version}\" is not a version"))?;
    let mut all = true;
    for part in constraints.split(',') {
        let part = part.trim();
        let (op, rest) = ["~>", ">=", "<=", "!=", "=", ">", "<"]
            .iter()
            .find_map(|op| part.strip_prefix(op).map(|rest| (*op, rest.trim())))
            .unwrap_or(("=", part));
        let want = parse(rest).ok_or_else(|| {
            format!(
                "\"{part}\" is not a version constraint: write an operator (=, !=, >, >=, <, <=, ~>) and a version, such as \">= 0.1, < 1.0\"."
            )
        })?;
        let ok = match op {
            "=" => have == want.0,
            "!=" => have != want.0,
            ">" => have > want.0,
            ">=" => have >= want.0,
            "<" => have < want.0,
            "<=" => have <= want.0,
            // ~> 0.2 allows 0.x from 0.2 on; ~> 0.2.1 allows 0.2.x from 0.2.1 on.
            _ => {
                let (v, parts) = want;
                let bumped = match parts {
                    1 | 2 => (v.0 + 1, 0, 0),
                    _ => (v.0, v.1 + 1, 0),
                };
                have >= v && (parts == 1 || have < bumped)
            }
        };
        all &= ok;
    }
    Ok(all)
}

/// `1`, `1.2` or `1.2.3` (a pre-release or build suffix is ignored), with how many parts it had.
fn parse(text: &str) -> Option<((u64, u64, u64), usize)> {
    let core = text.trim().split(['-', '+']).next()?;
    let parts: Vec<u64> = core
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [a] => Some(((*a, 0, 0), 1)),
        [a, b] => Some(((*a, *b, 0), 2)),
        [a, b, c] => Some(((*a, *b, *c), 3)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::satisfies;

    #[test]
    fn constraints_as_terraform_reads_them() {
        assert_eq!(satisfies("0.1.0", ">= 0.1, < 1.0"), Ok(true));
        assert_eq!(satisfies("1.0.0", ">= 0.1, < 1.0"), Ok(false));
        assert_eq!(satisfies("0.1.0", ">= 0.2"), Ok(false));
        assert_eq!(satisfies("0.3.1", "~> 0.2"), Ok(true));
        assert_eq!(satisfies("1.0.0", "~> 0.2"), Ok(false));
        assert_eq!(satisfies("0.2.5", "~> 0.2.1"), Ok(true));
        assert_eq!(satisfies("0.3.0", "~> 0.2.1"), Ok(false));
        assert_eq!(satisfies("0.1.0", "0.1.0"), Ok(true));
        assert_eq!(satisfies("0.1.0", "!= 0.1.0"), Ok(false));
        assert!(satisfies("0.1.0", ">= banana").is_err());
    }
}
