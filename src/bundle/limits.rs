//! Enforcing [`Limits`] on untrusted input: the byte budget of one input and the bounded reader.

use super::{Limits, Problem};
use std::io::Read;

/// Entries whose uncompressed size stays at or under this many bytes are never rejected for their
/// compression ratio: a small, very compressible file (a mostly empty text or log) is harmless,
/// and is bounded by the per-entry and total limits anyway. Above it, `--max-ratio` applies.
pub const RATIO_GRACE_BYTES: u64 = 1 << 20;

/// One mebibyte, the unit of the size limits on the command line.
pub const MIB: u64 = 1 << 20;

/// Uncompressed bytes still allowed for one input (shared by a zip and the zip nested in it).
#[derive(Debug)]
pub(crate) struct Budget {
    used: u64,
    max: u64,
}

impl Budget {
    pub(crate) fn new(max: u64) -> Self {
        Budget { used: 0, max }
    }
    pub(crate) fn remaining(&self) -> u64 {
        self.max.saturating_sub(self.used)
    }
    pub(crate) fn spend(&mut self, n: u64) {
        self.used = self.used.saturating_add(n);
    }
}

/// Which limit bounded a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Entry,
    Total,
    Ratio,
}

/// The checks for one entry about to be read: its declared sizes against the limits, and the cap
/// to enforce while reading (declared sizes can lie).
#[derive(Debug)]
pub(crate) struct EntryCheck {
    cap: u64,
    bound: Bound,
    limits: Limits,
    compressed: Option<u64>,
}

impl EntryCheck {
    /// Check an entry before reading it. `declared` is the uncompressed size the container states,
    /// `compressed` the stored size (zip entries only; `None` for plain files).
    /// Returns the problem message when a declared size already breaks a limit.
    pub(crate) fn before(
        limits: &Limits,
        budget: &Budget,
        declared: u64,
        compressed: Option<u64>,
    ) -> Result<EntryCheck, String> {
        if declared > limits.max_entry_bytes {
            return Err(format!(
                "declared size {declared} bytes exceeds the per-entry limit of {} bytes (--max-entry-mb); not read",
                limits.max_entry_bytes
            ));
        }
        if let Some(c) = compressed {
            if declared > RATIO_GRACE_BYTES && declared > c.saturating_mul(limits.max_ratio) {
                return Err(format!(
                    "declared compression ratio {} exceeds the limit of {} (--max-ratio; {declared} bytes from {c}); not read",
                    ratio_text(declared, c),
                    limits.max_ratio
                ));
            }
        }
        if declared > budget.remaining() {
            return Err(format!(
                "declared size {declared} bytes would exceed the total limit of {} bytes for this input (--max-total-mb); not read",
                limits.max_total_bytes
            ));
        }
        let mut cap = limits.max_entry_bytes;
        let mut bound = Bound::Entry;
        if let Some(c) = compressed {
            let ratio_cap = c.saturating_mul(limits.max_ratio).max(RATIO_GRACE_BYTES);
            if ratio_cap < cap {
                cap = ratio_cap;
                bound = Bound::Ratio;
            }
        }
        if budget.remaining() < cap {
            cap = budget.remaining();
            bound = Bound::Total;
        }
        Ok(EntryCheck {
            cap,
            bound,
            limits: limits.clone(),
            compressed,
        })
    }

    /// Read `reader` to its end, but never more than the cap plus one byte. Returns the bytes, or
    /// the problem message when the content is larger than a limit allows (whatever was declared).
    /// I/O errors (CRC mismatch, corrupt deflate data) are returned as `Err` messages too.
    pub(crate) fn read<R: Read>(
        &self,
        reader: R,
        declared: u64,
        budget: &mut Budget,
    ) -> Result<Vec<u8>, String> {
        // Never trust `declared` for the allocation beyond a modest size.
        let initial = declared.min(self.cap).min(64 * MIB);
        let mut buf = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
        let read = reader
            .take(self.cap.saturating_add(1))
            .read_to_end(&mut buf);
        // Bytes decompressed count against the budget even when the read fails part way.
        budget.spend(buf.len() as u64);
        if let Err(e) = read {
            return Err(format!("cannot read: {}", one_line(&e.to_string())));
        }
        if buf.len() as u64 > self.cap {
            return Err(self.over_message(declared));
        }
        Ok(buf)
    }

    /// The most bytes the entry may hold.
    pub(crate) fn cap(&self) -> u64 {
        self.cap
    }

    /// The problem for an entry found larger than the cap while reading it.
    pub(crate) fn over_message(&self, declared: u64) -> String {
        match self.bound {
            Bound::Entry => format!(
                "content exceeds the per-entry limit of {} bytes (--max-entry-mb) although {declared} bytes were declared; not read",
                self.limits.max_entry_bytes
            ),
            Bound::Ratio => format!(
                "content exceeds the compression ratio limit of {} (--max-ratio: {} bytes from {} compressed) although {declared} bytes were declared; not read",
                self.limits.max_ratio,
                self.cap,
                self.compressed.unwrap_or(0)
            ),
            Bound::Total => format!(
                "content would exceed the total limit of {} bytes for this input (--max-total-mb) although {declared} bytes were declared; not read",
                self.limits.max_total_bytes
            ),
        }
    }
}

/// The problem reported when an input has more entries than allowed.
pub(crate) fn too_many_entries(label: &str, count: usize, limits: &Limits) -> Problem {
    Problem {
        path: label.to_string(),
        message: format!(
            "{count} entries exceed the limit of {} (--max-entries); entries after the first {} were not read",
            limits.max_entries, limits.max_entries
        ),
    }
}

fn ratio_text(declared: u64, compressed: u64) -> String {
    match declared.checked_div(compressed) {
        Some(r) => format!("{r}:1"),
        None => "infinite".to_string(),
    }
}

/// Collapse an error text to one line.
pub(crate) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_entries: 10,
            max_entry_bytes: 4 * MIB,
            max_total_bytes: 10 * MIB,
            max_ratio: 100,
        }
    }

    #[test]
    fn declared_sizes_are_checked_first() {
        let l = limits();
        let b = Budget::new(l.max_total_bytes);
        let e = EntryCheck::before(&l, &b, 5 * MIB, Some(MIB)).unwrap_err();
        assert!(e.contains("per-entry limit"), "{e}");
        let e = EntryCheck::before(&l, &b, 3 * MIB, Some(1000)).unwrap_err();
        assert!(e.contains("ratio"), "{e}");
        // Small entries are never rejected for their ratio.
        assert!(EntryCheck::before(&l, &b, 1000, Some(1)).is_ok());
        let mut b2 = Budget::new(l.max_total_bytes);
        b2.spend(9 * MIB);
        let e = EntryCheck::before(&l, &b2, 2 * MIB, Some(MIB)).unwrap_err();
        assert!(e.contains("total limit"), "{e}");
    }

    #[test]
    fn lying_declared_size_is_caught_while_reading() {
        let l = limits();
        let mut b = Budget::new(l.max_total_bytes);
        let data = vec![0u8; (4 * MIB + 10) as usize];
        let check = EntryCheck::before(&l, &b, 10, None).unwrap();
        let e = check.read(&data[..], 10, &mut b).unwrap_err();
        assert!(e.contains("per-entry limit"), "{e}");
        // Ratio cap while reading: 20 KiB compressed * 100 = 2 MB > grace.
        let check = EntryCheck::before(&l, &b, 10, Some(20 * 1024)).unwrap();
        let e = check.read(&data[..], 10, &mut b).unwrap_err();
        assert!(e.contains("ratio"), "{e}");
    }

    #[test]
    fn reads_within_limits() {
        let l = limits();
        let mut b = Budget::new(l.max_total_bytes);
        let check = EntryCheck::before(&l, &b, 3, Some(3)).unwrap();
        assert_eq!(check.read(&b"abc"[..], 3, &mut b).unwrap(), b"abc");
        assert_eq!(b.remaining(), 10 * MIB - 3);
    }
}
