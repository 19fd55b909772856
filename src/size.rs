//! Sizes that come from outside (the page, a file, the command line): each checked against its limit before it is
//! used, and products of them computed with overflow checks, so that no size wraps (wasm32's `usize` is 32 bits:
//! 65,536 · 65,536 is 0 there).

use crate::error::{Error, Result};

/// `value` if it is a whole number from `min` to `max`; else an error naming the setting and the range.
pub fn within(name: &'static str, value: usize, min: usize, max: usize) -> Result<usize> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::setting(name, value, format!("a whole number from {min} to {max}")))
    }
}

/// How many items of `item_len` values `values` holds, if that is 1 to `max` whole items; else an error naming
/// `name` and what it takes: `shape` says what one item is ("784 pixel values per image"), `unit` names one ("image").
pub fn items(name: &'static str, values: usize, item_len: usize, shape: &str, unit: &str, max: usize) -> Result<usize> {
    if values == 0 || item_len == 0 || values % item_len != 0 {
        return Err(Error::setting(name, format!("{values} values"), shape));
    }
    let count = values / item_len;
    if count > max {
        return Err(Error::setting(name, format!("{count} {unit}s"), format!("at most {max} at a time")));
    }
    Ok(count)
}

/// The product of `factors`, or an error naming what it sizes when it does not fit a `usize`.
pub fn product(name: &'static str, factors: &[usize]) -> Result<usize> {
    factors.iter().try_fold(1usize, |p, &f| p.checked_mul(f)).ok_or_else(|| {
        let shown: Vec<String> = factors.iter().map(|f| f.to_string()).collect();
        Error::setting(name, shown.join(" × "), format!("a size this build can count (at most {} values)", usize::MAX))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_that_overflow_are_errors_not_wrapped_values() {
        assert_eq!(product("grid", &[3, 4, 5]).unwrap(), 60);
        assert_eq!(product("none", &[]).unwrap(), 1);
        assert_eq!(product("empty", &[0, usize::MAX]).unwrap(), 0);
        // 65,536 · 65,536 wraps to 0 in wasm32's usize, as 2³² · 2³² does in 64 bits: an error in each.
        let half = 1usize << (usize::BITS / 2);
        let msg = product("drawing", &[half, half]).unwrap_err().to_string();
        assert!(msg.starts_with(&format!("drawing = {half} × {half} is not allowed: a size this build can count")), "{msg}");
        assert!(product("x", &[usize::MAX, 2]).is_err());
        assert_eq!(u32::try_from(65_536u64 * 65_536).ok(), 65_536u32.checked_mul(65_536), "no u32 holds it either");
    }

    #[test]
    fn within_and_items_name_the_limit() {
        assert_eq!(within("grid size", 100, 1, 100).unwrap(), 100);
        let msg = within("grid size", 101, 1, 100).unwrap_err().to_string();
        assert_eq!(msg, "grid size = 101 is not allowed: a whole number from 1 to 100");
        let images = |values: usize| items("input", values, 784, "784 values per image", "image", 3);
        assert_eq!(images(784 * 3).unwrap(), 3);
        assert_eq!(images(784 * 4).unwrap_err().to_string(), "input = 4 images is not allowed: at most 3 at a time");
        assert_eq!(images(785).unwrap_err().to_string(), "input = 785 values is not allowed: 784 values per image");
        assert!(images(0).is_err());
    }
}
