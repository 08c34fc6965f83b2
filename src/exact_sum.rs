//! Sums of money that never overflow. Amounts are `i64` minor units; a sum over many rows may
//! pass `i64` (SQLite then fails with "integer overflow", PostgreSQL's cast back to `bigint`
//! with "out of range"). Each value is summed as two parts that cannot overflow — its whole
//! billions of minor units and the remainder — and the parts are joined exactly in `i128`.
//! A report then saturates at the `i64` bounds rather than fail for everyone: [`sql`] reads
//! the exact sum back as [`ExactSum`] (for weighted sums, whose rows are a hundred times
//! larger), [`saturating`] yields the sum as a `bigint` column clamped in SQL.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable};

/// Minor units per high part.
const SPLIT: i128 = 1_000_000_000;

/// The SQL of an exact sum of the integer expression `expr` (NULL over no rows), read back
/// with [`ExactSum`]. `expr` must not overflow per row.
pub fn sql(expr: &str) -> String {
    format!("CAST(SUM(({expr}) / {SPLIT}) AS TEXT) || ':' || CAST(SUM(({expr}) % {SPLIT}) AS TEXT)")
}

/// The sum of the integer expression `e` as a `bigint`, clamped to ±9,223,372,035,999,999,999
/// where the exact sum lies beyond (NULL over no rows). The sum's billions `H` and remainder
/// `L` cannot overflow; `H + L / 10^9` whole billions and `L % 10^9` rebuild it exactly when
/// within range.
pub fn saturating(e: Expr) -> Expr {
    let bigint = || Alias::new("BIGINT");
    let split = || Expr::val(SPLIT_I64);
    let high = Expr::expr(Func::sum(e.clone().div(split()))).cast_as(bigint());
    let low = Expr::expr(Func::sum(e.modulo(split()))).cast_as(bigint());
    let billions = high.add(low.clone().div(split()));
    let rest = low.modulo(split());
    let bound = MAX_BILLIONS * SPLIT_I64 + (SPLIT_I64 - 1);
    Expr::expr(
        Expr::case(billions.clone().gt(MAX_BILLIONS), Expr::val(bound))
            .case(billions.clone().lt(-MAX_BILLIONS), Expr::val(-bound))
            .finally(billions.mul(split()).add(rest)),
    )
    .cast_as(bigint())
}

/// [`saturating`] of an expression written as SQL.
pub fn saturating_sql(expr: &str) -> Expr {
    saturating(Expr::cust(expr.to_owned()))
}

const SPLIT_I64: i64 = 1_000_000_000;
/// Whole billions of minor units a saturating sum may hold.
const MAX_BILLIONS: i64 = 9_223_372_035;

/// A sum read from [`sql`]'s column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExactSum(pub i128);

impl ExactSum {
    /// The sum within `i64`, saturating at its bounds (noted in the log).
    pub fn saturating_i64(self) -> i64 {
        i64::try_from(self.0).unwrap_or_else(|_| {
            tracing::warn!(sum = %self.0, "a sum beyond i64 was saturated");
            if self.0 < 0 { i64::MIN } else { i64::MAX }
        })
    }

    /// The sum as a decimal with `scale` fraction digits (exact; beyond any real total, the
    /// largest decimal of that sign).
    pub fn to_decimal(self, scale: u32) -> rust_decimal::Decimal {
        rust_decimal::Decimal::try_from_i128_with_scale(self.0, scale).unwrap_or(if self.0 < 0 {
            rust_decimal::Decimal::MIN
        } else {
            rust_decimal::Decimal::MAX
        })
    }

    fn parse(text: &str) -> Option<Self> {
        let (high, low) = text.split_once(':')?;
        let high: i128 = high.trim().parse().ok()?;
        let low: i128 = low.trim().parse().ok()?;
        high.checked_mul(SPLIT)?.checked_add(low).map(Self)
    }
}

impl TryGetable for ExactSum {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        Self::parse(&text)
            .ok_or_else(|| TryGetError::DbErr(DbErr::Type(format!("not an exact sum: {text:?}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_join_exactly_and_saturate_only_when_asked() {
        assert_eq!(ExactSum::parse("3:5"), Some(ExactSum(3_000_000_005)));
        assert_eq!(ExactSum::parse("-3:-5"), Some(ExactSum(-3_000_000_005)));
        let beyond = ExactSum::parse("9300000000:0").unwrap();
        assert_eq!(beyond.0, 9_300_000_000_000_000_000);
        assert_eq!(beyond.saturating_i64(), i64::MAX);
        assert_eq!(ExactSum(-beyond.0).saturating_i64(), i64::MIN);
        assert_eq!(ExactSum(42).saturating_i64(), 42);
        assert_eq!(ExactSum::parse("x:1"), None);
    }
}
