//! File-level integrity of an EVTX file, computed from its bytes.
//!
//! Layout (libyal/libevtx "Windows XML Event Log (EVTX)" format documentation, cross-checked
//! with evtx 0.15.1 `src/evtx_file_header.rs` and `src/evtx_chunk.rs`): a 4,096-byte file
//! header, then 65,536-byte chunks at `4096 + i * 65536`. Chunk header: magic `ElfChnk\0`,
//! free-space offset at 48 (u32), CRC32 of the records (`512..free_space_offset`) at 52, flags
//! at 120 (0x4 = no CRC32), CRC32 of bytes `0..120` and `128..512` at 124. CRC32 is IEEE
//! (`crc32fast`), little-endian fields.

use super::EvtxIntegrity;

/// Size of the file header block.
pub(super) const FILE_HEADER_SIZE: usize = 4096;
/// Size of one chunk.
pub(super) const CHUNK_SIZE: usize = 65536;
/// Size of a chunk header.
const CHUNK_HEADER_SIZE: usize = 512;
/// Chunk flag: the chunk stores no CRC32s.
const CHUNK_NO_CRC32: u32 = 0x4;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// Whether one chunk's header and record CRC32s match what it stores. A chunk that is not a
/// chunk at all (bad magic) fails too: its header CRC cannot match.
pub(super) fn chunk_checksums_ok(chunk: &[u8]) -> bool {
    let (Some(flags), Some(free), Some(data_crc), Some(header_crc)) = (
        u32_at(chunk, 120),
        u32_at(chunk, 48),
        u32_at(chunk, 52),
        u32_at(chunk, 124),
    ) else {
        return false;
    };
    if flags & CHUNK_NO_CRC32 != 0 && chunk.starts_with(b"ElfChnk\0") {
        return true;
    }
    let (Some(head), Some(tail)) = (chunk.get(..120), chunk.get(128..CHUNK_HEADER_SIZE)) else {
        return false;
    };
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(head);
    hasher.update(tail);
    if hasher.finalize() != header_crc {
        return false;
    }
    match usize::try_from(free)
        .ok()
        .filter(|&f| f >= CHUNK_HEADER_SIZE)
        .and_then(|f| chunk.get(CHUNK_HEADER_SIZE..f))
    {
        Some(records) => crc32fast::hash(records) == data_crc,
        None => false,
    }
}

/// Everything about the file's structure that does not need its records: header CRC and
/// flags, chunk counts, truncation, and which chunks fail their CRC32s. `bytes` must hold at
/// least a whole file header (the caller checked).
pub(super) fn check(bytes: &[u8], header: &::evtx::EvtxFileHeader) -> EvtxIntegrity {
    let body = bytes.len().saturating_sub(FILE_HEADER_SIZE);
    let bad_checksum_chunks = bytes
        .get(FILE_HEADER_SIZE..)
        .unwrap_or_default()
        .chunks_exact(CHUNK_SIZE)
        .enumerate()
        .filter(|(_, chunk)| !chunk_checksums_ok(chunk) && !chunk.iter().all(|&b| b == 0))
        .map(|(i, _)| i as u64)
        .collect();
    summarize(
        header,
        (body / CHUNK_SIZE) as u64,
        (body % CHUNK_SIZE) as u64,
        bad_checksum_chunks,
    )
}

/// The integrity report of a file with this header, `chunks` whole chunks after it, then
/// `trailing` bytes, in which the chunks `bad_checksum_chunks` fail their CRC32s.
pub(super) fn summarize(
    header: &::evtx::EvtxFileHeader,
    chunks: u64,
    trailing: u64,
    bad_checksum_chunks: Vec<u64>,
) -> EvtxIntegrity {
    use ::evtx::HeaderFlags;
    EvtxIntegrity {
        file_len: FILE_HEADER_SIZE as u64 + chunks * CHUNK_SIZE as u64 + trailing,
        header_checksum_ok: header.validate_checksum(),
        dirty: header.flags.contains(HeaderFlags::DIRTY),
        full: header.flags.contains(HeaderFlags::FULL),
        header_chunk_count: u64::from(header.chunk_count),
        chunks_in_file: chunks,
        bad_checksum_chunks,
        truncated: trailing != 0,
        trailing_bytes: trailing,
        ..EvtxIntegrity::default()
    }
}
