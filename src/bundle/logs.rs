//! EVTX members streamed into the parser as they are read, instead of being read whole first.
//!
//! A log is most of an upload's bytes. Read whole, it is held in memory twice over its life
//! (the bytes, then the records decoded from them) and a zip entry must be inflated completely
//! before parsing can start. Streamed, the parser sees one 64 KiB chunk at a time as it comes
//! off the disk or out of the inflater, on threads of its own, so inflating overlaps parsing
//! and memory holds a few chunks plus the records kept.
//!
//! A member is streamed when `parse::decide` would call it an EVTX log by its content: it
//! starts with the `ElfFile\0` magic and its path is an EVTX spec path or no spec path at all.
//! Logs are read after the bundle's other members, so that the `LocaleMetaData/*.MTA` file of
//! a log is at hand whatever the order of the zip's entries. Everything else about the member
//! (its path, kind, size, parse errors, the limits that apply while reading it) is what reading
//! it whole gave, with one difference: logs meet the input's total-bytes budget after the other
//! members, so when an input exceeds it, the member refused may be a log rather than a later
//! entry.

use super::classify::{self, EVTX_MAGIC};
use super::limits::{one_line, Budget, EntryCheck};
use super::parse::{self, RawMember};
use super::{MemberKind, Parsed, ReadOptions};
use scomtriage_parsers::evtx::{self, EvtxError, ParseOptions};
use std::io::{self, Read};

/// Bytes read to decide whether a member is streamed.
pub(crate) const HEAD_LEN: usize = EVTX_MAGIC.len();

/// Whether the member at `path`, whose content starts with `head`, is an EVTX log to stream.
pub(crate) fn streams(path: &str, head: &[u8]) -> bool {
    head.starts_with(EVTX_MAGIC)
        && !classify::is_mta_path(path)
        && matches!(classify::kind_by_path(path), None | Some(MemberKind::Evtx))
}

/// Read up to [`HEAD_LEN`] bytes of `reader` (fewer only at its end).
pub(crate) fn read_head(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    reader.take(HEAD_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// A reader that fails once more than `cap` bytes have come through it (as
/// [`EntryCheck::read`] does after reading the cap plus one byte), and counts them.
struct Capped<R> {
    inner: R,
    cap: u64,
    read: u64,
    over: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.over {
            return Err(io::Error::other("over the size limit"));
        }
        // Never ask for more than one byte past the cap.
        let room = self.cap.saturating_add(1).saturating_sub(self.read);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if want == 0 && !buf.is_empty() {
            self.over = true;
            return Err(io::Error::other("over the size limit"));
        }
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        if self.read > self.cap {
            self.over = true;
            return Err(io::Error::other("over the size limit"));
        }
        Ok(n)
    }
}

/// Parse the log at `path` from `reader` under `check` (the limits for an entry that declared
/// `declared` bytes), with the MTA file found among `members`. The bytes read are spent from
/// `budget`. `Err` is the problem to report for the member (it could not be read, or broke a
/// limit); a log that is read but is not EVTX is a member whose content is that error.
pub(crate) fn read_log(
    path: &str,
    reader: impl Read,
    declared: u64,
    check: &EntryCheck,
    budget: &mut Budget,
    members: &[RawMember],
    options: &ReadOptions,
) -> Result<RawMember, String> {
    let mtas: Vec<&RawMember> = members
        .iter()
        .filter(|m| classify::is_mta_path(&m.path))
        .collect();
    let mta = parse::find_mta(path, &mtas);
    let mut capped = Capped {
        inner: reader,
        cap: check.cap(),
        read: 0,
        over: false,
    };
    let result = evtx::parse_evtx_reader(
        &mut capped,
        declared,
        &options.evtx_filter,
        mta.map(|m| m.bytes.as_slice()),
        &ParseOptions::default(),
    );
    // Bytes read count against the budget even when the read fails part way.
    budget.spend(capped.read);
    if capped.over {
        return Err(check.over_message(declared));
    }
    let content = match result {
        Ok(log) => Ok(Parsed::Evtx(log)),
        Err(EvtxError::Read(e)) => return Err(format!("cannot read: {}", one_line(&e))),
        Err(e) => Err(one_line(&e.to_string())),
    };
    Ok(RawMember::parsed(path.to_string(), capped.read, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_evtx_content_at_an_evtx_or_unknown_path_streams() {
        assert!(streams("eventlogs/Operations Manager.evtx", b"ElfFile\0"));
        assert!(streams("x.bin", b"ElfFile\0"));
        assert!(!streams("x.evtx", b"hello"));
        assert!(!streams("registry/x.reg", b"ElfFile\0"), "a spec path wins");
        assert!(!streams(
            "eventlogs/LocaleMetaData/x_1033.MTA",
            b"ElfFile\0"
        ));
    }

    #[test]
    fn the_cap_is_enforced_while_reading() {
        let data = [7u8; 100];
        let mut r = Capped {
            inner: &data[..],
            cap: 50,
            read: 0,
            over: false,
        };
        let mut sink = Vec::new();
        assert!(r.read_to_end(&mut sink).is_err());
        assert!(r.over);
        assert_eq!(
            r.read, 51,
            "reads the cap plus one byte, like EntryCheck::read"
        );
        let mut r = Capped {
            inner: &data[..],
            cap: 100,
            read: 0,
            over: false,
        };
        sink.clear();
        assert_eq!(r.read_to_end(&mut sink).ok(), Some(100));
        assert!(!r.over);
    }
}
