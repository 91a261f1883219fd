//! What the analyzer knows about SCOM, as data: the event catalogue ([`catalogue`], with its
//! types and look-ups in [`events`]), the named event sets rules ask for ([`sets`]) and the
//! error codes.
//! Rules read these tables; no rule hard-codes a message text or an insertion-string index.

pub mod catalogue;
pub mod commands;
pub mod error_codes;
pub mod events;
pub mod sets;
