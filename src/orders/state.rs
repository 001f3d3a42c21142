//! A listed order's state: one of the node's 15 (`crate::order_state`), or a name it does not
//! have, kept as it came (a newer node's state, or a stranger's text), shown as unknown rather
//! than guessed at.

pub use crate::order_state::{OrderState, Role};

/// A row's state: one the node has, or a name it does not (kept whole, as listed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum State {
    Known(OrderState),
    Unknown(Box<str>),
}

impl State {
    /// The state of a listed name; anything else (a digit string from a newer node, a
    /// stranger's text) is unknown.
    pub fn of(name: &str) -> State {
        match OrderState::parse(name) {
            Some(k) => State::Known(k),
            None => State::Unknown(name.into()),
        }
    }

    /// The name as the node gave it.
    pub fn name(&self) -> &str {
        match self {
            State::Known(k) => k.name(),
            State::Unknown(name) => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_strangers_stay_unknown() {
        for k in OrderState::ALL {
            assert_eq!(State::of(k.name()), State::Known(k));
        }
        assert_eq!(State::of("15"), State::Unknown("15".into()));
        assert_eq!(State::of("pending").name(), "pending");
    }
}
