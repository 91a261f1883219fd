//! JSON rendering: the [`Report`] value as one pretty-printed object.

use super::Report;
use std::io::{self, Write};

/// Write the report as one pretty-printed JSON object and a newline.
pub fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The report as JSON text (see [`write`]).
pub fn render(report: &Report) -> Result<String, String> {
    let mut buf = Vec::new();
    write(report, &mut buf).map_err(|e| format!("cannot render JSON: {e}"))?;
    String::from_utf8(buf).map_err(|e| format!("cannot render JSON: {e}"))
}
