//! JSON rendering: the [`Report`] value as one pretty-printed object.

use super::Report;

/// Render as JSON.
pub fn render(report: &Report) -> Result<String, String> {
    serde_json::to_string_pretty(report)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| format!("cannot render JSON: {e}"))
}
