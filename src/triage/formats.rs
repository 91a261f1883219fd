//! The report formats `triage` writes per case: parsing `--formats` names into
//! [`ReportFormat`] values and the file each is written to. This is the one place to extend
//! when `report::write` gains a format (one arm in [`parse_format`], one in [`file_name`]).

use crate::report::ReportFormat;

/// The formats written when none are asked for.
pub const DEFAULT_FORMATS: &str = "md,json,html";

/// One `--formats` name as a [`ReportFormat`], or a one-line message naming the name and what
/// is accepted.
pub fn parse_format(name: &str) -> Result<ReportFormat, String> {
    match name.trim().to_ascii_lowercase().as_str() {
        "text" | "txt" => Ok(ReportFormat::Text),
        "md" | "markdown" => Ok(ReportFormat::Markdown),
        "json" => Ok(ReportFormat::Json),
        "html" => Ok(ReportFormat::Html),
        _ => Err(format!(
            "unknown report format '{name}' (available: md, json, html, text)"
        )),
    }
}

/// A comma-separated `--formats` list as [`ReportFormat`] values, in the order given, without
/// repeats. An empty list is an error.
pub fn parse_formats(list: &str) -> Result<Vec<ReportFormat>, String> {
    let mut out: Vec<ReportFormat> = Vec::new();
    for name in list.split(',').filter(|n| !n.trim().is_empty()) {
        let f = parse_format(name)?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err("no report format given (available: md, json, html, text)".into());
    }
    Ok(out)
}

/// The file name of a case's report in `format` (inside `DIR/cases/<case>/`).
pub fn file_name(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Text => "report.txt",
        ReportFormat::Markdown => "report.md",
        ReportFormat::Json => "report.json",
        ReportFormat::Html => "report.html",
    }
}

/// A short stable name of `format`, recorded in a case's state so that asking for other formats
/// re-runs the case.
pub(crate) fn id(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Text => "text",
        ReportFormat::Markdown => "md",
        ReportFormat::Json => "json",
        ReportFormat::Html => "html",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_in_order_without_repeats_and_name_what_is_wrong() {
        assert_eq!(
            parse_formats("json,text,json").unwrap(),
            vec![ReportFormat::Json, ReportFormat::Text]
        );
        assert_eq!(parse_formats(DEFAULT_FORMATS).unwrap().len(), 3);
        let e = parse_formats("json,pdf").unwrap_err();
        assert!(e.contains("'pdf'"), "{e}");
        assert!(parse_formats(" , ").is_err());
        assert_eq!(file_name(ReportFormat::Json), "report.json");
    }
}
