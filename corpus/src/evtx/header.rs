//! The 4 KiB file header.

/// Size of the file header block.
pub(crate) const FILE_HEADER_SIZE: usize = 4096;
/// Header flag: the log was not closed cleanly.
pub(crate) const FLAG_DIRTY: u32 = 0x1;

/// What the file header records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileHeader {
    /// Chunk index of the oldest chunk.
    pub(crate) first_chunk: u64,
    /// Chunk index of the newest (current) chunk.
    pub(crate) last_chunk: u64,
    /// EventRecordID the next event would get.
    pub(crate) next_record_id: u64,
    pub(crate) minor_version: u16,
    pub(crate) chunk_count: u16,
    pub(crate) flags: u32,
}

impl FileHeader {
    /// The 4096-byte header block: 128 meaningful bytes, CRC32 of bytes 0..120 at 124.
    pub(crate) fn to_bytes(self) -> Vec<u8> {
        let mut h = vec![0u8; FILE_HEADER_SIZE];
        h[0..8].copy_from_slice(b"ElfFile\0");
        h[8..16].copy_from_slice(&self.first_chunk.to_le_bytes());
        h[16..24].copy_from_slice(&self.last_chunk.to_le_bytes());
        h[24..32].copy_from_slice(&self.next_record_id.to_le_bytes());
        h[32..36].copy_from_slice(&128u32.to_le_bytes());
        h[36..38].copy_from_slice(&self.minor_version.to_le_bytes());
        h[38..40].copy_from_slice(&3u16.to_le_bytes());
        h[40..42].copy_from_slice(&(FILE_HEADER_SIZE as u16).to_le_bytes());
        h[42..44].copy_from_slice(&self.chunk_count.to_le_bytes());
        h[120..124].copy_from_slice(&self.flags.to_le_bytes());
        set_file_header_crc(&mut h);
        h
    }
}

/// Recompute the file header CRC32 (of bytes 0..120, stored at 124).
pub(crate) fn set_file_header_crc(header: &mut [u8]) {
    let crc = crc32fast::hash(&header[0..120]);
    header[124..128].copy_from_slice(&crc.to_le_bytes());
}
