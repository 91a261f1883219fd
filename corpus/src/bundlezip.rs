//! Deterministic bundle zips: entries sorted by name, one fixed modification time (the
//! collection time), deflate, no directory entries, no extra fields.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use thiserror::Error;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Errors writing a zip.
#[derive(Debug, Error)]
pub enum ZipError {
    /// The zip library failed.
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing entry bytes failed.
    #[error("zip write: {0}")]
    Io(#[from] std::io::Error),
    /// The timestamp is outside the DOS date range.
    #[error("time {0} cannot be stored in a zip")]
    Time(String),
}

/// Zip `entries` (path → bytes). `mtime` is (year, month, day, hour, minute, second).
pub fn write_zip(
    entries: &BTreeMap<String, Vec<u8>>,
    mtime: (u16, u8, u8, u8, u8, u8),
) -> Result<Vec<u8>, ZipError> {
    let (y, mo, d, h, mi, s) = mtime;
    let dt = DateTime::from_date_and_time(y, mo, d, h, mi, s)
        .map_err(|_| ZipError::Time(format!("{y}-{mo}-{d} {h}:{mi}:{s}")))?;
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(dt)
            .unix_permissions(0o644)
            .large_file(data.len() as u64 >= u32::MAX as u64);
        zip.start_file(name.as_str(), options)?;
        zip.write_all(data)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The zip timestamp parts of a UTC time.
pub fn zip_time(t: jiff::Timestamp) -> (u16, u8, u8, u8, u8, u8) {
    let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    (
        dt.year().clamp(1980, 2107) as u16,
        dt.month() as u8,
        dt.day() as u8,
        dt.hour() as u8,
        dt.minute() as u8,
        dt.second() as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_entries_same_bytes_and_readable() {
        let mut e = BTreeMap::new();
        e.insert("b.txt".to_string(), b"bbbb".to_vec());
        e.insert("a/x y.bin".to_string(), vec![7u8; 5000]);
        let t = (2026, 11, 20, 14, 3, 11);
        let z1 = write_zip(&e, t).unwrap();
        let z2 = write_zip(&e, t).unwrap();
        assert_eq!(z1, z2);
        let mut archive = zip::ZipArchive::new(Cursor::new(z1)).unwrap();
        assert_eq!(archive.len(), 2);
        assert_eq!(archive.by_index(0).unwrap().name().unwrap(), "a/x y.bin");
        let mut s = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("b.txt").unwrap(), &mut s).unwrap();
        assert_eq!(s, "bbbb");
    }
}
