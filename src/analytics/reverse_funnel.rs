//! The reverse funnel's arithmetic: from what remains of a target, the won deals, deals in
//! play and leads it takes at observed rates — exact integers, rounded up.

/// What the sellers did over the observed periods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed {
    pub won_deals: i64,
    pub closed_deals: i64,
    /// The won deals' amounts added up, minor units.
    pub won_minor: i64,
    pub leads_created: i64,
    pub leads_converted: i64,
}

/// ⌈a × b ÷ c⌉ exactly; `None` when `c` is not positive or the result does not fit.
pub fn scaled_up(a: i64, b: i64, c: i64) -> Option<i64> {
    if c <= 0 {
        return None;
    }
    let product = i128::from(a) * i128::from(b);
    let quotient =
        product.div_euclid(i128::from(c)) + i128::from(product.rem_euclid(i128::from(c)) != 0);
    i64::try_from(quotient).ok()
}

/// The reverse funnel from what remains of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Funnel {
    pub deals: Option<i64>,
    pub opportunities: Option<i64>,
    pub leads: Option<i64>,
}

impl Observed {
    /// Won deals, deals in play and leads needed to win `remaining` (minor units). Nothing
    /// remaining needs nothing; otherwise each step needs its rate.
    pub fn reverse(&self, remaining: i64) -> Funnel {
        if remaining <= 0 {
            return Funnel {
                deals: Some(0),
                opportunities: Some(0),
                leads: Some(0),
            };
        }
        let deals = (self.won_deals > 0)
            .then(|| scaled_up(remaining, self.won_deals, self.won_minor))
            .flatten();
        let opportunities = deals.and_then(|d| scaled_up(d, self.closed_deals, self.won_deals));
        let leads =
            opportunities.and_then(|o| scaled_up(o, self.leads_created, self.leads_converted));
        Funnel {
            deals,
            opportunities,
            leads,
        }
    }

    /// New leads needed beyond `open_leads` to bring `opportunities` more deals into play.
    pub fn leads_short(&self, opportunities: i64, open_leads: i64) -> Option<i64> {
        if opportunities <= 0 {
            return Some(0);
        }
        scaled_up(opportunities, self.leads_created, self.leads_converted)
            .map(|needed| Ord::max(needed - open_leads, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_up_rounds_up_exactly() {
        assert_eq!(scaled_up(10, 1, 3), Some(4));
        assert_eq!(scaled_up(9, 1, 3), Some(3));
        assert_eq!(scaled_up(0, 5, 3), Some(0));
        assert_eq!(scaled_up(5, 5, 0), None);
        // No float on the way: 10¹⁸ × 3 ÷ 3 stays exact.
        assert_eq!(
            scaled_up(1_000_000_000_000_000_000, 3, 3),
            Some(1_000_000_000_000_000_000)
        );
        assert_eq!(scaled_up(i64::MAX, 2, 1), None);
    }

    #[test]
    fn the_reverse_funnel_divides_by_each_observed_rate() {
        // Four deals won for 100,000.00 (25,000.00 each) of ten closed; 30 leads, 6 became deals.
        let observed = Observed {
            won_deals: 4,
            closed_deals: 10,
            won_minor: 10_000_000,
            leads_created: 30,
            leads_converted: 6,
        };
        // 60,000.01 remaining: 2.4 deals → 3; ÷ 0.4 win rate → 7.5 → 8; ÷ 0.2 → 40 leads.
        assert_eq!(
            observed.reverse(6_000_001),
            Funnel {
                deals: Some(3),
                opportunities: Some(8),
                leads: Some(40)
            }
        );
        // Exactly 50,000.00: two deals, five in play, 25 leads.
        assert_eq!(
            observed.reverse(5_000_000),
            Funnel {
                deals: Some(2),
                opportunities: Some(5),
                leads: Some(25)
            }
        );
        // Target reached: nothing needed, even without rates.
        assert_eq!(
            Observed::default().reverse(0),
            Funnel {
                deals: Some(0),
                opportunities: Some(0),
                leads: Some(0)
            }
        );
        // Nothing won yet: no deal size, no funnel.
        assert_eq!(
            Observed {
                won_deals: 0,
                ..observed
            }
            .reverse(100),
            Funnel {
                deals: None,
                opportunities: None,
                leads: None
            }
        );
        // Three more deals in play need 15 leads; 4 open leads leave 11 to find.
        assert_eq!(observed.leads_short(3, 4), Some(11));
        assert_eq!(observed.leads_short(3, 40), Some(0));
        assert_eq!(observed.leads_short(0, 0), Some(0));
    }
}
