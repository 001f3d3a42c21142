//! A kind's name in the room a line or a table gives it: whole, with its family abbreviated
//! (`n.vendorFinalizedPayment`), or as one sign (`n`, `+`, `-`) on the narrowest terminals.
//! Pretty lines and the `--stats` books name kinds the same way.

use crate::kind::Family;
use crate::render::fit;

/// The family a kind name starts with, as its abbreviation writes it.
const FAMILIES: &[(&str, &str)] = &[
    ("notification.", "n."),
    ("wallet.", "w."),
    ("message.", "m."),
    ("status.", "s."),
    ("reply.", "r."),
];

/// The name with its family abbreviated: `n.order`, `w.incoming`, `r.rating.error`; a name
/// without a family (`walletUpdate`, `messageTyping`) stays whole.
pub fn abbreviated(name: &str) -> String {
    for (family, short) in FAMILIES {
        if let Some(rest) = name.strip_prefix(family) {
            return format!("{short}{rest}");
        }
    }
    name.to_string()
}

/// A kind name in at most `cols` columns: whole when it fits, else with its family
/// abbreviated, else cut with `…`. With `always_short`, families are abbreviated even when
/// the whole name fits, so that one column reads alike.
pub fn fitted(name: &str, cols: usize, always_short: bool) -> String {
    if !always_short && fit::width(name) <= cols {
        return name.to_string();
    }
    let mut label = abbreviated(name);
    fit::truncate(&mut label, cols, "");
    label
}

/// One sign for a kind's family, for terminals too narrow for any name: the summary says
/// what happened, the sign (in the family's color) says where it belongs.
pub fn sign(family: Family) -> char {
    match family {
        Family::Balance => 'b',
        Family::Incoming => '+',
        Family::Outgoing => '-',
        Family::Notification => 'n',
        Family::Chat => 'm',
        Family::Status => 's',
        Family::Reply => 'r',
        Family::Other => '?',
        Family::Problem => '!',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_abbreviate_and_long_names_are_cut() {
        assert_eq!(abbreviated("notification.order"), "n.order");
        assert_eq!(abbreviated("reply.rating.error"), "r.rating.error");
        assert_eq!(abbreviated("walletUpdate"), "walletUpdate");
        assert_eq!(
            fitted("notification.order", 24, false),
            "notification.order"
        );
        assert_eq!(fitted("notification.order", 24, true), "n.order");
        assert_eq!(
            fitted("notification.vendorFinalizedPayment", 24, false),
            "n.vendorFinalizedPayment"
        );
        assert_eq!(
            fitted("notification.buyerDisputeTimeout", 16, true),
            "n.buyerDisputeT…"
        );
        for (name, _) in crate::kind::CATALOG {
            for cols in [1, 8, 16, 24, 30] {
                assert!(fit::width(&fitted(name, cols, cols < 24)) <= cols, "{name}");
            }
        }
    }
}
