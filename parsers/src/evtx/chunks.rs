//! Reading a file chunk by chunk, as it streams in, on threads of our own; results are put in
//! the order the crate would read the chunks once the whole file has been seen.
//!
//! The file is never held whole: the caller's thread reads one 64 KiB chunk at a time into a
//! recycled buffer (from a file, or as a zip entry inflates) and hands it to the workers, so
//! reading (and inflating) overlaps parsing, and memory holds a few chunks plus the decoded
//! records, whatever the log's size.
//!
//! Each chunk is one job: [`super::head`] walks its records and reads every record's provider
//! and event id from the BinXML; the records the filter keeps are decoded by
//! [`super::direct`] when their shape allows, and otherwise (like any record whose shape the
//! reader does not know) rendered by the crate, from a chunk the crate parses on its own
//! (`EvtxChunkData::parse`, single-threaded). A chunk with nothing to render is never handed
//! to the crate. A chunk whose CRC32s fail, or whose record walk meets anything unusual, is
//! rendered whole, exactly as the crate's own iterator would; a chunk whose header the crate
//! cannot read becomes the same one error the crate's iterator yields for it.
//!
//! Threads are `std::thread::scope` threads, not rayon: the caller is usually a rayon worker
//! (files in parallel), and the crate's multi-threaded mode deadlocks when nested in a rayon
//! pool (see `reference/rust-crates.md`); plain threads cannot. Results are merged in chunk
//! order, so the output is the same for any thread count.

use super::head::{self, Templates};
use super::integrity::{self, CHUNK_SIZE};
use super::{direct, EventRecord};
use super::{EventFilter, ParseOptions, SharedMta, Tally};
use ::evtx::err::EvtxError as CrateError;
use ::evtx::{EvtxChunkData, EvtxChunkHeader, ParserSettings};
use std::io::{self, Read};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Everything a chunk job reads.
pub(super) struct Context<'a> {
    pub(super) filter: &'a EventFilter,
    pub(super) settings: &'a Arc<ParserSettings>,
    pub(super) mta: &'a SharedMta<'a>,
}

/// What the file-level pass needs to know of one whole chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ChunkInfo {
    /// Chunk number in the file (0-based).
    pub(super) number: u64,
    /// All bytes zero: an unused chunk, skipped like the crate skips it.
    pub(super) empty: bool,
    /// First and last EventRecordID of a readable chunk header; `None`: unreadable.
    pub(super) ids: Option<(u64, u64)>,
    /// Header and record CRC32s match (or the chunk stores none).
    pub(super) checksums_ok: bool,
}

/// One chunk read: what it is, and what its records gave.
#[derive(Debug)]
pub(super) struct ChunkRead {
    pub(super) info: ChunkInfo,
    pub(super) tally: Tally,
}

/// Everything read after the file header.
#[derive(Debug, Default)]
pub(super) struct Body {
    /// The whole chunks, in file order.
    pub(super) chunks: Vec<ChunkRead>,
    /// Bytes after the last whole chunk.
    pub(super) trailing: u64,
}

/// The chunks in the order the crate reads them, as positions in `infos` (which is in file
/// order): from the chunk holding the oldest records (lowest first EventRecordID among
/// headers whose id range is not reversed) to the end of the file, then from the start (a
/// log that wrapped around). All-zero chunks are skipped, like the crate does; a chunk whose
/// header is unreadable stays in, as the crate's iterator yields an error for it.
pub(super) fn order(infos: &[ChunkInfo]) -> Vec<usize> {
    let mut oldest = (u64::MAX, 0u64);
    for info in infos {
        if let Some((first, last)) = info.ids {
            if first <= last && first < oldest.0 {
                oldest = (first, info.number);
            }
        }
    }
    let mut present: Vec<usize> = (0..infos.len()).filter(|&i| !infos[i].empty).collect();
    let split = present.partition_point(|&i| infos[i].number < oldest.1);
    present.rotate_left(split);
    present
}

/// Threads for `chunks` chunks under `options`.
pub(super) fn threads_for(chunks: usize, options: &ParseOptions) -> usize {
    let available = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    available
        .min(chunks / options.min_chunks_per_thread.max(1))
        .max(1)
}

/// Fill `buf` from `reader` until it is full or the reader ends; returns the bytes read.
pub(super) fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Read every chunk from `reader` (positioned just after the file header) to its end, on
/// `threads` workers besides the reading thread (none: the reading thread does the work).
/// Chunks come back in file order. An error from `reader` ends the read and is returned.
pub(super) fn read_body(
    ctx: &Context<'_>,
    reader: &mut impl Read,
    threads: usize,
) -> io::Result<Body> {
    let mut body = Body::default();
    if threads <= 1 {
        let mut buf = vec![0u8; CHUNK_SIZE];
        let mut number = 0u64;
        loop {
            let got = fill(reader, &mut buf)?;
            if got < CHUNK_SIZE {
                body.trailing = got as u64;
                return Ok(body);
            }
            body.chunks.push(one_chunk(ctx, number, &buf));
            number += 1;
        }
    }
    // Jobs are runs of a few chunks (fewer hand-offs between threads), with a few jobs per
    // worker in flight: enough to keep the workers busy while the reader waits on the disk or
    // the inflater, few enough that memory stays a handful of chunks.
    const RUN: usize = 4;
    let (work, jobs) = mpsc::sync_channel::<(u64, Vec<u8>)>(threads * 2);
    let (give_back, returned) = mpsc::channel::<Vec<u8>>();
    let jobs = Mutex::new(jobs);
    let done: Mutex<Vec<ChunkRead>> = Mutex::new(Vec::new());
    let outcome = std::thread::scope(|scope| {
        for _ in 0..threads {
            let give_back = give_back.clone();
            let (jobs, done) = (&jobs, &done);
            scope.spawn(move || {
                let mut mine = Vec::new();
                loop {
                    // A poisoned lock means another worker panicked; `scope` re-raises it.
                    let job = match jobs.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((first, buf)) = job else { break };
                    for (number, chunk) in (first..).zip(buf.chunks_exact(CHUNK_SIZE)) {
                        mine.push(one_chunk(ctx, number, chunk));
                    }
                    // The reader may have finished and gone: then the buffer is just freed.
                    let _ = give_back.send(buf);
                }
                if let Ok(mut done) = done.lock() {
                    done.append(&mut mine);
                }
            });
        }
        drop(give_back);
        let mut number = 0u64;
        let result = loop {
            let mut buf = returned
                .try_recv()
                .unwrap_or_else(|_| vec![0u8; RUN * CHUNK_SIZE]);
            buf.resize(RUN * CHUNK_SIZE, 0);
            let got = match fill(reader, &mut buf) {
                Ok(got) => got,
                Err(e) => break Err(e),
            };
            let whole = got / CHUNK_SIZE;
            buf.truncate(whole * CHUNK_SIZE);
            // Workers only stop when this sender is dropped, so sending cannot fail.
            if whole > 0 && work.send((number, buf)).is_err() {
                break Ok(0);
            }
            number += whole as u64;
            if got < RUN * CHUNK_SIZE {
                break Ok((got % CHUNK_SIZE) as u64);
            }
        };
        drop(work);
        result
    });
    body.trailing = outcome?;
    let mut chunks = done.into_inner().unwrap_or_else(|e| e.into_inner());
    chunks.sort_by_key(|c| c.info.number);
    body.chunks = chunks;
    Ok(body)
}

/// Merge the chunks' tallies in the order the crate reads them.
pub(super) fn merge(chunks: Vec<ChunkRead>) -> Tally {
    let infos: Vec<ChunkInfo> = chunks.iter().map(|c| c.info).collect();
    let mut slots: Vec<Option<Tally>> = chunks.into_iter().map(|c| Some(c.tally)).collect();
    let mut tally = Tally::default();
    // One allocation of the final size: growing by doubling would briefly hold the decoded
    // records' table twice (tens of MB for a big log).
    tally.decoded.reserve_exact(
        slots
            .iter()
            .flatten()
            .map(|t| t.decoded.len())
            .sum::<usize>(),
    );
    for i in order(&infos) {
        if let Some(t) = slots[i].take() {
            tally.append(t);
        }
    }
    tally
}

/// Read one whole chunk: what it is and, unless it is empty, its records.
fn one_chunk(ctx: &Context<'_>, number: u64, chunk: &[u8]) -> ChunkRead {
    let empty = chunk.iter().all(|&b| b == 0);
    let ids = EvtxChunkHeader::from_bytes(chunk)
        .ok()
        .map(|h| (h.first_event_record_id, h.last_event_record_id));
    let info = ChunkInfo {
        number,
        empty,
        ids,
        checksums_ok: empty || integrity::chunk_checksums_ok(chunk),
    };
    let mut tally = Tally::default();
    if !empty {
        records(ctx, number, chunk, info.checksums_ok, &mut tally);
    }
    ChunkRead { info, tally }
}

/// Read the records of one chunk into `tally`.
fn records(ctx: &Context<'_>, number: u64, chunk: &[u8], checksums_ok: bool, tally: &mut Tally) {
    let spans = if checksums_ok {
        head::walk_chunk(chunk)
    } else {
        None
    };
    let Some(spans) = spans else {
        render(
            ctx,
            number,
            chunk.to_vec(),
            Select::default(),
            tally,
            &mut Vec::new(),
        );
        return;
    };
    let mut templates = Templates::default();
    let mut layouts = direct::Templates::default();
    // Kept records decoded from the BinXML, by position in the chunk.
    let mut decoded: Vec<(usize, EventRecord)> = Vec::new();
    let mut need = Vec::with_capacity(spans.len());
    // The few provider names of this chunk: whether the filter keeps each, and how many of
    // its records were only counted (matched by exact name: no case folding, no hashing, per
    // record).
    let mut providers: Vec<(String, bool, u64)> = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        let head = templates.head(chunk, *span);
        let rejected = head.map(|h| {
            let at = match providers.iter().position(|(name, ..)| name == h.provider) {
                Some(at) => at,
                None => {
                    let keep = ctx.filter.matches_provider(h.provider);
                    providers.push((h.provider.to_owned(), keep, 0));
                    providers.len() - 1
                }
            };
            let entry = &mut providers[at];
            let rejected = !(entry.1 && ctx.filter.matches_event_id(h.event_id));
            entry.2 += u64::from(rejected);
            rejected
        });
        let keep = match head {
            Some(_) if rejected == Some(true) => false,
            Some(_) => match direct::decode(chunk, *span, &mut layouts)
                .filter(|d| ctx.filter.matches(&d.provider, d.event_id))
                .and_then(|d| tally.direct(d, record_header(chunk, *span), ctx.mta))
            {
                Some(record) => {
                    decoded.push((i, record));
                    false
                }
                // A shape decoded only through the crate's JSON.
                None => true,
            },
            // A shape we do not know: the crate renders it and the JSON decides.
            None => true,
        };
        need.push(keep);
    }
    for (name, _, n) in providers {
        tally.count_many(&name, n);
    }
    let mut rendered = Tally::default();
    let mut positions = Vec::new();
    if need.contains(&true) {
        // Hand the crate a copy of the chunk that walks only the records to render (see
        // `splice`); if the crate reports any error on it, render from the chunk as it is
        // instead, so that errors are exactly the crate's own.
        let (spliced, yielded, map) = splice(chunk, &spans, &need);
        if !render(
            ctx,
            number,
            spliced,
            Select {
                need: Some(&yielded),
                map: Some(&map),
                spliced: true,
            },
            &mut rendered,
            &mut positions,
        ) {
            rendered = Tally::default();
            positions.clear();
            render(
                ctx,
                number,
                chunk.to_vec(),
                Select {
                    need: Some(&need),
                    ..Select::default()
                },
                &mut rendered,
                &mut positions,
            );
        }
    }
    // Both lists are in chunk order: merge them by position.
    let mut from_json = std::mem::take(&mut rendered.decoded)
        .into_iter()
        .zip(positions)
        .map(|(r, i)| (i, r))
        .peekable();
    let mut direct = decoded.into_iter().peekable();
    tally.append(rendered);
    loop {
        let next = match (from_json.peek(), direct.peek()) {
            (Some((a, _)), Some((b, _))) if a < b => from_json.next(),
            (Some(_), Some(_)) => direct.next(),
            (Some(_), None) => from_json.next(),
            (None, Some(_)) => direct.next(),
            (None, None) => break,
        };
        if let Some((_, record)) = next {
            tally.decoded.push(record);
        }
    }
}

/// Which records [`render`] renders.
#[derive(Debug, Clone, Copy, Default)]
struct Select<'a> {
    /// By position in the order the crate yields them; `None`: all.
    need: Option<&'a [bool]>,
    /// Position in the chunk of each yielded record; `None`: the yielded position.
    map: Option<&'a [usize]>,
    /// The chunk is a [`splice`]d copy.
    spliced: bool,
}

/// The record header's EventRecordID and FILETIME of the record at `span`.
fn record_header(chunk: &[u8], span: head::RecordSpan) -> (u64, u64) {
    let at = span.binxml - head::RECORD_HEADER_SIZE;
    (
        head::u64_at(chunk, at + 8).unwrap_or(0),
        head::u64_at(chunk, at + 16).unwrap_or(0),
    )
}

/// A copy of `chunk` in which the crate's record walk visits only the first record and the
/// records marked in `need`, which records the walk yields are to be rendered, and the
/// position in the chunk of each record the walk yields.
///
/// The crate walks records by their size fields from offset 512 to the free-space offset.
/// Each visited record's size is stretched to reach the next visited one, and the free-space
/// offset is moved to the end of the last: the records in between are never parsed. Nothing
/// moves, so every chunk offset (templates, names) stays valid; a stretched record's BinXML
/// ends with EOF before the bytes it now also spans, which the crate ignores (evtx 0.15.1
/// `read_single_instance_stream`: "anything after the instance other than EOF"). Sizes are
/// only used for walking unless records are recovered (carved), which we never ask for, and
/// checksums are not validated on this path.
fn splice(
    chunk: &[u8],
    spans: &[head::RecordSpan],
    need: &[bool],
) -> (Vec<u8>, Vec<bool>, Vec<usize>) {
    let mut data = chunk.to_vec();
    let visited: Vec<usize> = (0..spans.len()).filter(|&i| i == 0 || need[i]).collect();
    for pair in visited.windows(2) {
        let (a, b) = (spans[pair[0]], spans[pair[1]]);
        let start = a.binxml - head::RECORD_HEADER_SIZE;
        let size = (b.binxml - a.binxml) as u32;
        data[start + 4..start + 8].copy_from_slice(&size.to_le_bytes());
    }
    if let Some(&last) = visited.last() {
        let end = (spans[last].binxml + spans[last].len + 4) as u32;
        data[48..52].copy_from_slice(&end.to_le_bytes());
    }
    let yielded = visited.iter().map(|&i| need[i]).collect();
    (data, yielded, visited)
}

/// Let the crate parse `chunk` (chunk number `number`) and render its records: all of them,
/// or those marked in `need` (by position in the order the crate yields them). The position in
/// the chunk (`map` of the yielded position, or the yielded position itself) of each record
/// decoded goes to `positions`. Returns whether
/// the crate reported no error on the records rendered (and, when `spliced`, on the others).
fn render(
    ctx: &Context<'_>,
    number: u64,
    chunk: Vec<u8>,
    select: Select<'_>,
    tally: &mut Tally,
    positions: &mut Vec<usize>,
) -> bool {
    let Select { need, map, spliced } = select;
    let chunk_error = |tally: &mut Tally, e| {
        let e = CrateError::FailedToParseChunk {
            chunk_id: number,
            source: Box::new(e),
        };
        tally.error(|| super::error_text(&e));
        false
    };
    let mut data = match EvtxChunkData::new(chunk, false) {
        Ok(d) => d,
        Err(e) => return chunk_error(tally, e),
    };
    data.number = Some(number);
    let mut parsed = match data.parse(Arc::clone(ctx.settings)) {
        Ok(c) => c,
        Err(e) => return chunk_error(tally, e),
    };
    let errors = tally.record_errors;
    for (i, item) in parsed.iter().enumerate() {
        let wanted = need.is_none_or(|need| need.get(i).copied().unwrap_or(true));
        if !wanted {
            // On a spliced chunk, the crate should have nothing to say about the first record:
            // if it does, the caller starts over from the chunk as it is.
            if spliced && item.is_err() {
                return false;
            }
            continue;
        }
        let rendered = item.and_then(|record| record.into_json_bytes());
        if tally.rendered(rendered, ctx.filter, ctx.mta, need.is_some()) {
            positions.push(map.and_then(|m| m.get(i).copied()).unwrap_or(i));
        }
    }
    tally.record_errors == errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(number: u64, ids: Option<(u64, u64)>, empty: bool) -> ChunkInfo {
        ChunkInfo {
            number,
            empty,
            ids,
            checksums_ok: true,
        }
    }

    fn chunks(list: &[Option<(u64, u64)>]) -> Vec<ChunkInfo> {
        list.iter()
            .enumerate()
            .map(|(n, ids)| info(n as u64, *ids, ids.is_none()))
            .collect()
    }

    #[test]
    fn chunks_come_oldest_first_and_empty_ones_are_skipped() {
        assert_eq!(
            order(&chunks(&[Some((1, 10)), None, Some((11, 20))])),
            [0, 2]
        );
        let wrapped = chunks(&[Some((31, 40)), Some((11, 20)), Some((21, 30))]);
        assert_eq!(order(&wrapped), [1, 2, 0]);
        // A reversed id range says nothing about where the oldest records are.
        let reversed = chunks(&[Some((11, 20)), Some((5, 1)), Some((21, 30))]);
        assert_eq!(order(&reversed), [0, 1, 2]);
    }

    #[test]
    fn a_chunk_with_an_unreadable_header_stays_in_its_place() {
        let mut list = chunks(&[Some((21, 30)), Some((1, 10)), Some((11, 20))]);
        list[2] = info(2, None, false);
        assert_eq!(order(&list), [1, 2, 0]);
    }

    #[test]
    fn threads_need_enough_chunks() {
        let o = |threads| ParseOptions {
            threads,
            ..ParseOptions::default()
        };
        assert_eq!(threads_for(10, &o(2)), 1);
        assert_eq!(threads_for(100, &o(2)), 2);
        assert_eq!(threads_for(100, &o(1)), 1);
        assert!(threads_for(10_000, &o(0)) >= 1);
    }

    #[test]
    fn a_short_read_is_filled_and_the_end_is_seen() {
        // A reader that gives at most 7 bytes a call.
        struct Dribble<'a>(&'a [u8]);
        impl Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(7).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let data = [1u8; 20];
        let mut r = Dribble(&data);
        let mut buf = [0u8; 16];
        assert_eq!(fill(&mut r, &mut buf).ok(), Some(16));
        assert_eq!(fill(&mut r, &mut buf).ok(), Some(4));
        assert_eq!(fill(&mut r, &mut buf).ok(), Some(0));
    }
}
