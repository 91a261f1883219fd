//! What the analyzer knows about SCOM, as data: the event catalogue and the error codes.
//! Rules read these tables; no rule hard-codes a message text or an insertion-string index.

pub mod error_codes;
pub mod events;
