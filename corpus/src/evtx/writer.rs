//! The streaming writer: chunks go out as they fill, the header is written last.

use std::io::{Seek, SeekFrom, Write};

use super::chunk::{ChunkBuilder, CHUNK_HEADER_SIZE, CHUNK_SIZE, MIN_FREE};
use super::damage;
use super::header::{FileHeader, FILE_HEADER_SIZE, FLAG_DIRTY};
use super::{EventSpec, WriterOptions};

/// Why an `.evtx` could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EvtxWriteError {
    /// Writing to the output failed.
    #[error("writing the evtx output failed: {0}")]
    Io(#[from] std::io::Error),
    /// One event encodes to more than an empty chunk holds.
    #[error(
        "event with EventRecordID {record_id} encodes to {size} bytes; a chunk holds at most {max}"
    )]
    RecordTooLarge {
        /// EventRecordID of the event.
        record_id: u64,
        /// Its encoded size.
        size: usize,
        /// The largest record a chunk holds.
        max: usize,
    },
    /// The header counts chunks in a u16.
    #[error("more than 65535 chunks (about 4 GiB); the file header cannot count them")]
    TooManyChunks,
    /// Wrapping and truncation rearrange or cut the finished file; the streaming writer
    /// does not do them (use [`super::try_write_evtx`] or post-process the file).
    #[error("the streaming writer cannot apply {what}; use write_evtx")]
    UnsupportedDamage {
        /// Which damage.
        what: &'static str,
    },
}

/// Writes an `.evtx` to `out` event by event, so that a large file needs no large buffer.
///
/// The first 4 KiB (the file header) are written as zeros by [`EvtxWriter::new`] and filled
/// in by [`EvtxWriter::finish`], which seeks back; hence `Seek`. Chunk damage (bad CRC, bad
/// magic, zero fill) and the dirty flag are applied as chunks go out; wrap and truncation
/// are refused.
#[derive(Debug)]
pub struct EvtxWriter<W: Write + Seek> {
    out: W,
    start: u64,
    options: WriterOptions,
    chunk: ChunkBuilder,
    chunks_written: usize,
    next_number: u64,
    max_record_id: Option<u64>,
}

impl<W: Write + Seek> EvtxWriter<W> {
    /// Start a file at the current position of `out`.
    pub fn new(mut out: W, options: &WriterOptions) -> Result<Self, EvtxWriteError> {
        if options.damage.wrap_by != 0 {
            return Err(EvtxWriteError::UnsupportedDamage { what: "wrap_by" });
        }
        if options.damage.truncate_to.is_some() {
            return Err(EvtxWriteError::UnsupportedDamage {
                what: "truncate_to",
            });
        }
        let start = out.stream_position()?;
        out.write_all(&[0u8; FILE_HEADER_SIZE])?;
        let mut chunk = ChunkBuilder::new(options.minor_version);
        chunk.reset(1);
        Ok(EvtxWriter {
            out,
            start,
            options: options.clone(),
            chunk,
            chunks_written: 0,
            next_number: 1,
            max_record_id: None,
        })
    }

    /// Append one event (records are numbered 1, 2, … in the order pushed).
    pub fn push(&mut self, event: &EventSpec) -> Result<(), EvtxWriteError> {
        match self.chunk.push(event) {
            Ok(()) => {}
            Err(full) if self.chunk.is_empty() => {
                return Err(too_large(event, full.record_size));
            }
            Err(_) => {
                self.flush_chunk()?;
                if let Err(full) = self.chunk.push(event) {
                    return Err(too_large(event, full.record_size));
                }
            }
        }
        self.next_number += 1;
        self.max_record_id = Some(
            self.max_record_id
                .map_or(event.record_id, |m| m.max(event.record_id)),
        );
        Ok(())
    }

    fn flush_chunk(&mut self) -> Result<(), EvtxWriteError> {
        if self.chunks_written >= usize::from(u16::MAX) {
            return Err(EvtxWriteError::TooManyChunks);
        }
        let index = self.chunks_written;
        let damage = &self.options.damage;
        let bytes = self.chunk.finish();
        if damage.bad_chunk_crc.contains(&index)
            || damage.bad_chunk_magic.contains(&index)
            || damage.zero_chunks.contains(&index)
        {
            let mut copy = bytes.to_vec();
            damage::damage_chunk(&mut copy, index, damage);
            self.out.write_all(&copy)?;
        } else {
            self.out.write_all(bytes)?;
        }
        self.chunks_written += 1;
        self.chunk.reset(self.next_number);
        Ok(())
    }

    /// Write the last chunk and the file header; returns the output, positioned at the
    /// end of the file. An empty log is a header plus one empty chunk, as Windows writes it.
    pub fn finish(mut self) -> Result<W, EvtxWriteError> {
        if !self.chunk.is_empty() || self.chunks_written == 0 {
            self.flush_chunk()?;
        }
        let header = FileHeader {
            first_chunk: 0,
            last_chunk: (self.chunks_written - 1) as u64,
            next_record_id: self.max_record_id.map_or(1, |m| m.saturating_add(1)),
            minor_version: self.options.minor_version,
            chunk_count: self.chunks_written as u16,
            flags: if self.options.damage.dirty {
                FLAG_DIRTY
            } else {
                0
            },
        };
        let end = self.out.stream_position()?;
        self.out.seek(SeekFrom::Start(self.start))?;
        self.out.write_all(&header.to_bytes())?;
        self.out.seek(SeekFrom::Start(end))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn too_large(event: &EventSpec, size: usize) -> EvtxWriteError {
    EvtxWriteError::RecordTooLarge {
        record_id: event.record_id,
        size,
        max: CHUNK_SIZE - CHUNK_HEADER_SIZE - MIN_FREE,
    }
}
