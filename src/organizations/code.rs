//! 全国地方公共団体コード: the 6-digit local government code and its check digit.
//!
//! Two digits of prefecture (01–47), three of municipality, one check digit: multiply the
//! first five digits by 6, 5, 4, 3, 2 and add; r = sum mod 11; the check digit is
//! (11 − r) mod 10, so r = 0 gives 1 and r = 1 gives 0.
//!
//! Organisations that are not local governments (the platform operator, partner bodies) carry
//! an operator-assigned code instead: an upper-case letter followed by upper-case letters,
//! digits or `-`, so the two kinds can never collide.

use crate::error::{AppError, Invalid};

/// A code that has been checked: either a valid local government code or a well-formed
/// operator-assigned code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrgCode(String);

impl OrgCode {
    /// Validates `input` as an organisation code; `field` names the input in the error.
    /// Full-width digits are accepted and normalised (people paste them from documents).
    pub fn parse(field: &str, input: &str) -> Result<Self, AppError> {
        let trimmed: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                c => c,
            })
            .collect();
        if trimmed.chars().all(|c| c.is_ascii_digit()) {
            let digits: Vec<u32> = trimmed.chars().filter_map(|c| c.to_digit(10)).collect();
            if digits.len() != 6 {
                return Err(AppError::invalid(field, Invalid::OrgCodeFormat));
            }
            let prefecture = digits[0] * 10 + digits[1];
            if !(1..=47).contains(&prefecture) {
                return Err(AppError::invalid(field, Invalid::OrgCodePrefecture));
            }
            let expected = check_digit(&digits[..5]);
            if digits[5] != expected {
                let expected = char::from_digit(expected, 10).unwrap_or('?');
                return Err(AppError::invalid(
                    field,
                    Invalid::OrgCodeCheckDigit { expected },
                ));
            }
            return Ok(Self(trimmed));
        }
        let mut chars = trimmed.chars();
        let well_formed = trimmed.len() <= 16
            && chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if well_formed {
            Ok(Self(trimmed))
        } else {
            Err(AppError::invalid(field, Invalid::OrgCodeFormat))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a local government code (six digits).
    pub fn is_local_government(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_digit())
    }

    /// The prefecture's own code for a local government code (`172014` → `170003`).
    pub fn prefecture_code(&self) -> Option<String> {
        if !self.is_local_government() {
            return None;
        }
        let prefix = &self.0[..2];
        let digits: Vec<u32> = prefix
            .chars()
            .filter_map(|c| c.to_digit(10))
            .chain([0, 0, 0])
            .collect();
        Some(format!("{prefix}000{}", check_digit(&digits)))
    }
}

/// The check digit for the first five digits of a code.
pub fn check_digit(first_five: &[u32]) -> u32 {
    let sum: u32 = first_five
        .iter()
        .zip([6, 5, 4, 3, 2])
        .map(|(d, w)| d * w)
        .sum();
    (11 - sum % 11) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(code: &str) -> bool {
        OrgCode::parse("code", code).is_ok()
    }

    #[test]
    fn known_codes_pass() {
        for code in [
            "172014", "290009", "292010", "012131", "012041", "390003", "131016",
        ] {
            assert!(ok(code), "{code}");
        }
    }

    #[test]
    fn remainder_zero_gives_one_and_remainder_one_gives_zero() {
        // Tomakomai 01213: 0*6+1*5+2*4+1*3+3*2 = 22, r = 0 → 1.
        assert_eq!(check_digit(&[0, 1, 2, 1, 3]), 1);
        // Nara city 29201: 2*6+9*5+2*4+0*3+1*2 = 67, r = 1 → 0.
        assert_eq!(check_digit(&[2, 9, 2, 0, 1]), 0);
    }

    #[test]
    fn a_wrong_check_digit_names_the_right_one() {
        match OrgCode::parse("organizationCode", "172015") {
            Err(AppError::Validation { field, reason }) => {
                assert_eq!(field, "organizationCode");
                assert_eq!(reason, Invalid::OrgCodeCheckDigit { expected: '4' });
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_codes_fail() {
        for code in [
            "", "17201", "1720144", "17201a", "482010", "002011", "koiki", "A B",
        ] {
            assert!(!ok(code), "{code}");
        }
        assert!(matches!(
            OrgCode::parse("code", "482016"),
            Err(AppError::Validation {
                reason: Invalid::OrgCodePrefecture,
                ..
            })
        ));
    }

    #[test]
    fn full_width_digits_and_operator_codes_are_accepted() {
        assert_eq!(
            OrgCode::parse("code", "１７２０１４")
                .map(|c| c.0)
                .ok()
                .as_deref(),
            Some("172014")
        );
        assert!(ok("KOIKI-OPS"));
        assert!(!OrgCode::parse("code", "KOIKI-OPS").is_ok_and(|c| c.is_local_government()));
    }

    #[test]
    fn prefecture_code_of_a_municipality() {
        let kanazawa = OrgCode::parse("code", "172014").ok();
        assert_eq!(
            kanazawa.and_then(|c| c.prefecture_code()).as_deref(),
            Some("170003")
        );
        let nara_city = OrgCode::parse("code", "292010").ok();
        assert_eq!(
            nara_city.and_then(|c| c.prefecture_code()).as_deref(),
            Some("290009")
        );
    }
}
