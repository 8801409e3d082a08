//! Typed row ids, so that a couple's id is never passed where a partner's is wanted.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares a row id: a private `i64` that the store reads and writes, shown as `#n`.
macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id as the store keeps it; only the store makes ids from numbers.
            pub const fn from_row(raw: i64) -> Self {
                Self(raw)
            }

            /// The number the store keeps.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "#{}", self.0)
            }
        }
    };
}

row_id!(
    /// A couple's internal row id; the therapist sees the short id instead.
    CoupleId
);

row_id!(
    /// A partner's internal row id.
    PartnerId
);
