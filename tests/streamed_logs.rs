//! EVTX members are parsed as they are read (from a zip entry as it inflates, from a file), not
//! read whole first. What the bundle says of them must not change: the MTA file beside a log is
//! used whatever the order of the zip's entries, a log that breaks a limit while it is read or
//! whose zip entry fails its CRC32 is a named problem with nothing half-read kept, a reader
//! error part way is an error, and a log read as a stream equals the same log read whole.

mod bundle_support;

use bundle_support::*;
use scomtriage::bundle::{
    read_inputs, read_zip_bytes, Bundle, Limits, MemberKind, Parsed, ReadOptions,
};
use scomtriage_corpus::{generate, scenario};
use scomtriage_parsers::evtx::{parse_evtx, parse_evtx_reader, EvtxError, ParseOptions};
use scomtriage_parsers::EventFilter;
use std::io::{self, Read};
use std::sync::OnceLock;
use zip::CompressionMethod;

/// A log of many chunks (about 3 MB), made once.
fn big_log() -> Vec<u8> {
    static LOG: OnceLock<Vec<u8>> = OnceLock::new();
    LOG.get_or_init(many_chunk_log).clone()
}

/// The `Operations Manager` log of the corpus' healthy agent (a few chunks).
fn small_log() -> Vec<u8> {
    let (templates, scenarios) =
        scenario::load_dir(&scomtriage_corpus::scenario_dir()).expect("scenarios load");
    let s = scenarios
        .iter()
        .find(|s| s.id == "healthy_agent")
        .expect("healthy_agent scenario");
    generate::generate_scenario(s, &templates)
        .expect("generates")
        .into_iter()
        .flat_map(|b| b.members.into_iter())
        .find(|(p, _)| p.ends_with("Operations Manager.evtx"))
        .map(|(_, b)| b)
        .expect("an Operations Manager log")
}

const LOG: &str = "eventlogs/Operations Manager.evtx";
const MTA: &str = "eventlogs/LocaleMetaData/Operations Manager_1033.MTA";

fn all() -> ReadOptions {
    ReadOptions {
        evtx_filter: EventFilter::all(),
        ..ReadOptions::default()
    }
}

fn log_of(b: &Bundle) -> &scomtriage_parsers::evtx::EvtxLog {
    let m = b
        .members
        .iter()
        .find(|m| m.path.ends_with("Operations Manager.evtx"))
        .unwrap_or_else(|| panic!("no log in {:?}", b.problems));
    assert_eq!(m.kind, MemberKind::Evtx);
    match &m.content {
        Ok(Parsed::Evtx(log)) => log,
        other => panic!("log not parsed: {other:?}"),
    }
}

/// The one-line problem reported for the log, which must not also be a member.
fn log_problem(b: &Bundle) -> &str {
    assert!(b.member(LOG).is_none(), "nothing half-read is kept");
    let p = b
        .problems
        .iter()
        .find(|p| p.path == LOG)
        .expect("a problem");
    assert!(!p.message.contains('\n'), "{}", p.message);
    &p.message
}

fn mta_warned(b: &Bundle) -> bool {
    log_of(b).warnings.iter().any(|w| w.contains("MTA"))
}

#[test]
fn the_mta_beside_a_log_is_used_whatever_the_entry_order() {
    let log = small_log();
    // An unreadable MTA shows as a warning on the log once a record needs it: proof that the
    // parser was handed the MTA's bytes.
    for entries in [
        [(LOG, log.as_slice()), (MTA, b"not an MTA".as_slice())],
        [(MTA, b"not an MTA".as_slice()), (LOG, log.as_slice())],
    ] {
        let b = &read_zip_bytes(zip_of(&entries), "x.zip", &all())[0];
        assert!(mta_warned(b), "{:?}", log_of(b).warnings);
        let mta = b
            .members
            .iter()
            .find(|m| m.path == MTA)
            .expect("MTA member");
        assert_eq!(mta.kind, MemberKind::Mta);
    }
    let t = TempDir::new("streamed-mta");
    t.write(LOG, &log);
    t.write(MTA, b"not an MTA");
    let b = &read_inputs(&[t.path().to_path_buf()], &all())[0];
    assert!(mta_warned(b));
    // A log given loose and its MTA given loose beside it.
    let loose = read_inputs(&[t.path().join(MTA), t.path().join(LOG)], &all());
    assert!(mta_warned(&loose[0]));
}

#[test]
fn a_streamed_log_equals_the_log_read_whole() {
    let log = big_log();
    let whole = parse_evtx(log.clone(), &EventFilter::all(), None).expect("parses");
    for method in [CompressionMethod::Stored, CompressionMethod::Deflated] {
        let b = &read_zip_bytes(zip_with(&[(LOG, &log)], method), "x.zip", &all())[0];
        assert_eq!(log_of(b), &whole, "{method:?}");
        let m = &b.members[0];
        assert_eq!(m.size, log.len() as u64);
    }
    let t = TempDir::new("streamed-whole");
    t.write(LOG, &log);
    let b = &read_inputs(&[t.path().to_path_buf()], &all())[0];
    assert_eq!(log_of(b), &whole);
}

#[test]
fn a_log_at_a_non_log_spec_path_or_without_the_magic_is_read_as_before() {
    let log = small_log();
    let z = zip_of(&[
        ("registry/opsmgr.reg", &log[..70_000]),
        ("eventlogs/System.evtx", b"not a log at all"),
    ]);
    let b = &read_zip_bytes(z, "x.zip", &all())[0];
    let reg = b.member("registry/opsmgr.reg").expect("reg member");
    assert_eq!(reg.kind, MemberKind::Registry);
    let e = reg.content.as_ref().expect_err("not a registry export");
    assert!(e.contains("EVTX"), "{e}");
    let sys = b.member("eventlogs/System.evtx").expect("log member");
    assert_eq!(sys.kind, MemberKind::Evtx);
    assert_eq!(sys.size, 16);
    let e = sys.content.as_ref().expect_err("not EVTX");
    assert!(e.contains("not an EVTX file"), "{e}");
    // The magic and nothing else: read to its end, then named as not EVTX.
    let b = &read_zip_bytes(zip_of(&[(LOG, b"ElfFile\0short")]), "x.zip", &all())[0];
    let m = b.member(LOG).expect("log member");
    assert_eq!(m.size, 13);
    let e = m.content.as_ref().expect_err("too short");
    assert!(e.contains("shorter than") && !e.contains('\n'), "{e}");
}

#[test]
fn a_log_that_lies_about_its_size_is_refused_while_it_streams() {
    let mut log = big_log();
    log.resize(8 << 20, 0);
    let mut z = zip_of(&[(LOG, log.as_slice())]);
    // Declare 4 KiB (local header offset 22, central 24): the declared ratio passes, so only
    // the read stops it (the zip reader's own size check, or our cap, whichever comes first).
    patch_u32(&mut z, 22, 24, 4096);
    let options = ReadOptions {
        limits: Limits {
            max_ratio: 2,
            ..Limits::default()
        },
        ..all()
    };
    let b = &read_zip_bytes(z, "liar.zip", &options)[0];
    let message = log_problem(b);
    assert!(message.contains("declared"), "{message}");
}

#[test]
fn a_log_whose_zip_entry_fails_its_crc_is_a_problem() {
    let log = big_log();
    let mut z = zip_with(&[(LOG, &log)], CompressionMethod::Stored);
    // Flip a byte in the middle of the stored log: the CRC32 check at the entry's end fails.
    let at = z.len() / 2;
    z[at] ^= 0xFF;
    let none = ReadOptions {
        evtx_filter: EventFilter::none(),
        ..ReadOptions::default()
    };
    let b = &read_zip_bytes(z, "x.zip", &none)[0];
    let message = log_problem(b);
    assert!(message.starts_with("cannot read:"), "{message}");
}

/// A reader that fails after `left` bytes.
struct Failing<'a> {
    bytes: &'a [u8],
    left: usize,
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("the disk went away"));
        }
        let n = buf.len().min(self.left).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn a_reader_error_part_way_is_a_read_error_with_any_thread_count() {
    let log = big_log();
    for threads in [1, 2] {
        for left in [100, 4096 + 3 * 65536 + 17, log.len() - 1] {
            let options = ParseOptions {
                threads,
                min_chunks_per_thread: 1,
                ..ParseOptions::default()
            };
            let r = Failing { bytes: &log, left };
            match parse_evtx_reader(r, log.len() as u64, &EventFilter::none(), None, &options) {
                Err(EvtxError::Read(e)) => assert!(e.contains("the disk went away"), "{e}"),
                other => panic!("{threads} threads, fails after {left}: {other:?}"),
            }
        }
    }
}
