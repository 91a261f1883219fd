//! Reading a file chunk by chunk, on threads of our own, in the order the crate would.
//!
//! Each chunk is one job: [`super::head`] walks its records and reads every record's provider
//! and event id from the BinXML; the records the filter keeps are decoded by
//! [`super::direct`] when their shape allows, and otherwise (like any record whose shape the
//! reader does not know) rendered by the crate, from a chunk the crate parses on its own
//! (`EvtxChunkData::parse`, single-threaded). A chunk with nothing to render is never handed
//! to the crate. A chunk whose CRC32s fail, or whose record walk meets anything unusual, is
//! rendered whole, exactly as the crate's own iterator would.
//!
//! Threads are `std::thread::scope` threads, not rayon: the caller is usually a rayon worker
//! (files in parallel), and the crate's multi-threaded mode deadlocks when nested in a rayon
//! pool (see `reference/rust-crates.md`); plain threads cannot. Results are merged in chunk
//! order, so the output is the same for any thread count.

use super::head::{self, Templates};
use super::integrity::{CHUNK_SIZE, FILE_HEADER_SIZE};
use super::{direct, EventRecord};
use super::{EventFilter, ParseOptions, SharedMta, Tally};
use ::evtx::err::EvtxError as CrateError;
use ::evtx::{EvtxChunkData, EvtxChunkHeader, ParserSettings};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Everything a chunk job reads.
pub(super) struct Context<'a> {
    /// The whole file.
    pub(super) bytes: &'a [u8],
    /// Chunks whose CRC32s fail (rendered whole, never classified from their bytes).
    pub(super) bad_checksum: &'a [u64],
    pub(super) filter: &'a EventFilter,
    pub(super) settings: &'a Arc<ParserSettings>,
    pub(super) mta: &'a SharedMta<'a>,
    /// Classify records from the BinXML and render only the kept ones.
    pub(super) filter_before_rendering: bool,
}

impl Context<'_> {
    fn chunk(&self, number: u64) -> &[u8] {
        let start = FILE_HEADER_SIZE + number as usize * CHUNK_SIZE;
        &self.bytes[start..start + CHUNK_SIZE]
    }
}

/// The non-empty chunks in the order the crate reads them: from the chunk holding the oldest
/// records (lowest first EventRecordID among headers whose id range is not reversed) to the end
/// of the file, then from the start (a log that wrapped around). All-zero chunks are skipped,
/// like the crate does; a partial chunk at the end is ignored, like the crate does. `None` when
/// a non-empty chunk has no readable chunk header: the crate reports that as an error in the
/// middle of its records, and the caller leaves the whole file to the crate.
pub(super) fn order(bytes: &[u8]) -> Option<Vec<u64>> {
    let body = bytes.get(FILE_HEADER_SIZE..)?;
    let mut oldest = (u64::MAX, 0u64);
    let mut present = Vec::new();
    for (number, chunk) in body.chunks_exact(CHUNK_SIZE).enumerate() {
        let number = number as u64;
        let header = EvtxChunkHeader::from_bytes(chunk);
        if let Ok(h) = &header {
            if h.first_event_record_id <= h.last_event_record_id
                && h.first_event_record_id < oldest.0
            {
                oldest = (h.first_event_record_id, number);
            }
        }
        if chunk.iter().all(|&b| b == 0) {
            continue;
        }
        header.ok()?;
        present.push(number);
    }
    let split = present.partition_point(|&n| n < oldest.1);
    present.rotate_left(split);
    Some(present)
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

/// Read the chunks `order` on `threads` threads; the tallies are merged in `order`.
pub(super) fn parse(ctx: &Context<'_>, order: &[u64], threads: usize) -> Tally {
    if threads <= 1 || order.len() < 2 {
        let mut tally = Tally::default();
        for &number in order {
            one_chunk(ctx, number, &mut tally);
        }
        return tally;
    }
    // Jobs are runs of a few chunks taken in turn, so both threads stay busy to the end and
    // the per-job tallies stay few.
    const RUN: usize = 4;
    let runs: Vec<&[u64]> = order.chunks(RUN).collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Tally)>> = Mutex::new(Vec::with_capacity(runs.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(run) = runs.get(i) else { break };
                    let mut tally = Tally::default();
                    for &number in *run {
                        one_chunk(ctx, number, &mut tally);
                    }
                    mine.push((i, tally));
                }
                // A poisoned lock means another job panicked; its panic is re-raised by
                // `scope`, so what is pushed here does not matter.
                if let Ok(mut done) = done.lock() {
                    done.append(&mut mine);
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _)| *i);
    let mut tally = Tally::default();
    // One allocation of the final size: growing by doubling would briefly hold the decoded
    // records' table twice (tens of MB for a big log).
    tally
        .decoded
        .reserve_exact(done.iter().map(|(_, t)| t.decoded.len()).sum());
    for (_, t) in done {
        tally.append(t);
    }
    tally
}

/// Read one chunk into `tally`.
fn one_chunk(ctx: &Context<'_>, number: u64, tally: &mut Tally) {
    let chunk = ctx.chunk(number);
    let spans = if ctx.filter_before_rendering && !ctx.bad_checksum.contains(&number) {
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
    for (i, span) in spans.iter().enumerate() {
        let keep = match templates.head(chunk, *span) {
            Some(h) if !ctx.filter.matches(h.provider, h.event_id) => {
                tally.count(h.provider);
                false
            }
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

    fn file(chunks: &[Option<(u64, u64)>]) -> Vec<u8> {
        let mut bytes = vec![0u8; FILE_HEADER_SIZE];
        for c in chunks {
            let mut chunk = vec![0u8; CHUNK_SIZE];
            if let Some((first, last)) = c {
                chunk[..8].copy_from_slice(b"ElfChnk\0");
                chunk[8..16].copy_from_slice(&first.to_le_bytes());
                chunk[16..24].copy_from_slice(&last.to_le_bytes());
                chunk[24..32].copy_from_slice(&first.to_le_bytes());
                chunk[32..40].copy_from_slice(&last.to_le_bytes());
                chunk[40..44].copy_from_slice(&128u32.to_le_bytes());
                chunk[48..52].copy_from_slice(&512u32.to_le_bytes());
            }
            bytes.extend_from_slice(&chunk);
        }
        bytes
    }

    #[test]
    fn chunks_come_oldest_first_and_empty_ones_are_skipped() {
        let plain = file(&[Some((1, 10)), None, Some((11, 20))]);
        assert_eq!(order(&plain), Some(vec![0, 2]));
        let wrapped = file(&[Some((31, 40)), Some((11, 20)), Some((21, 30))]);
        assert_eq!(order(&wrapped), Some(vec![1, 2, 0]));
        let mut trailing = plain.clone();
        trailing.extend_from_slice(&[1; 1000]);
        assert_eq!(order(&trailing), Some(vec![0, 2]));
        let mut bad = plain;
        bad[FILE_HEADER_SIZE + CHUNK_SIZE] = 1;
        assert_eq!(
            order(&bad),
            None,
            "a non-empty chunk without a chunk header"
        );
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
}
