//! Deliberate damage applied to a finished file, for negative tests.
//!
//! Chunk indexes in [`Damage`] are positions in the final file (after any wrap rotation),
//! the numbering readers use when they report a bad chunk. Indexes past the last chunk
//! are ignored.

use super::chunk::{set_chunk_header_crc, CHUNK_SIZE};
use super::header::{set_file_header_crc, FILE_HEADER_SIZE, FLAG_DIRTY};
use super::Damage;

/// Magic written over a chunk's `ElfChnk\0` by [`Damage::bad_chunk_magic`].
pub const BAD_CHUNK_MAGIC: [u8; 8] = *b"ElfChnX\0";

/// Number of whole chunks in `file`.
fn chunk_count(file: &[u8]) -> usize {
    file.len().saturating_sub(FILE_HEADER_SIZE) / CHUNK_SIZE
}

fn chunk_mut(file: &mut [u8], index: usize) -> Option<&mut [u8]> {
    let start = FILE_HEADER_SIZE + index.checked_mul(CHUNK_SIZE)?;
    file.get_mut(start..start + CHUNK_SIZE)
}

/// Apply `damage` to a complete, undamaged file, in this order: wrap rotation, chunk
/// damage (bad data CRC, bad magic, zero fill), dirty flag, truncation.
pub(crate) fn apply(file: &mut Vec<u8>, damage: &Damage) {
    let n = chunk_count(file);
    if !damage.wrap_by.is_multiple_of(n.max(1)) {
        wrap(file, damage.wrap_by % n);
    }
    for index in 0..n {
        if let Some(chunk) = chunk_mut(file, index) {
            damage_chunk(chunk, index, damage);
        }
    }
    if damage.dirty {
        set_dirty(file);
    }
    if let Some(len) = damage.truncate_to {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len < file.len() {
            file.truncate(len);
        }
    }
}

/// Chunk-level damage for the chunk at file position `index`.
pub(crate) fn damage_chunk(chunk: &mut [u8], index: usize, damage: &Damage) {
    if damage.bad_chunk_crc.contains(&index) {
        // The stored data CRC no longer matches the (intact) records; the header CRC is
        // recomputed so that the data CRC is the only defect.
        for b in &mut chunk[52..56] {
            *b = !*b;
        }
        set_chunk_header_crc(chunk);
    }
    if damage.bad_chunk_magic.contains(&index) {
        chunk[0..8].copy_from_slice(&BAD_CHUNK_MAGIC);
        set_chunk_header_crc(chunk);
    }
    if damage.zero_chunks.contains(&index) {
        chunk.fill(0);
    }
}

/// Set the dirty flag in the file header and recompute its CRC.
pub(crate) fn set_dirty(file: &mut [u8]) {
    let mut flags = u32::from_le_bytes([file[120], file[121], file[122], file[123]]);
    flags |= FLAG_DIRTY;
    file[120..124].copy_from_slice(&flags.to_le_bytes());
    set_file_header_crc(&mut file[..FILE_HEADER_SIZE]);
}

/// A wrapped log: Windows writes a full log's new chunk over its oldest, so the chunk
/// written last sits before the oldest one. Rotate the chunks right by `by` (the last
/// `by` chunks move to the front) and point the header's first (oldest) and last
/// (current) chunk numbers at their new positions.
fn wrap(file: &mut [u8], by: usize) {
    let n = chunk_count(file);
    let chunks = &mut file[FILE_HEADER_SIZE..FILE_HEADER_SIZE + n * CHUNK_SIZE];
    chunks.rotate_right(by * CHUNK_SIZE);
    let oldest = by as u64;
    let current = ((by + n - 1) % n) as u64;
    file[8..16].copy_from_slice(&oldest.to_le_bytes());
    file[16..24].copy_from_slice(&current.to_le_bytes());
    set_file_header_crc(&mut file[..FILE_HEADER_SIZE]);
}
