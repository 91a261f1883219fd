//! What the analyzer knows about the commands its fixes print: which need an elevated
//! (administrator) prompt, and how a placeholder is written. Data, read when a remediation step
//! is built.

/// Commands (matched case-insensitively at the start of the command, after any leading spaces)
/// that change the machine: they need an elevated prompt.
const ELEVATED_PREFIXES: &[&str] = &[
    "certutil -addstore",
    "certutil -delstore",
    "certutil -repairstore",
    "certutil -importpfx",
    "certutil -csp",
    "certutil -exportpfx",
    "import-pfxcertificate",
    "momcertimport",
    "restart-service",
    "w32tm /resync",
    "microsoft.enterprisemanagement.gatewayapprovaltool",
    "get-scompendingmanagement",
    "certreq -accept",
];

/// Whether `command` changes the machine and needs an elevated prompt.
pub fn needs_elevation(command: &str) -> bool {
    let c = command.trim_start().to_ascii_lowercase();
    ELEVATED_PREFIXES.iter().any(|p| c.starts_with(p))
}

/// The placeholders of a command (`<file.pfx>`, `<domain>`…): what must be filled in before it
/// runs. A command with none is runnable as printed.
pub fn placeholders(command: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = command;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            break;
        };
        let name = &after[..end];
        // `<` … `>` around words only (not a redirection `> file` or a comparison).
        if !name.is_empty()
            && !name.contains(['<', '>', '|', '"'])
            && name.chars().next().is_some_and(|c| c.is_alphanumeric())
        {
            let p = format!("<{name}>");
            if !out.contains(&p) {
                out.push(p);
            }
        }
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_angle_bracketed_words() {
        assert_eq!(
            placeholders("certutil -addstore CA <intermediate-ca.cer>"),
            vec!["<intermediate-ca.cer>"]
        );
        assert!(placeholders("certutil -store My 0A1B > backup.txt").is_empty());
        assert!(placeholders("Restart-Service HealthService").is_empty());
        assert_eq!(
            placeholders("nltest /dsgetdc:<domain> <domain>").len(),
            1,
            "one placeholder, named once"
        );
    }

    #[test]
    fn changes_need_elevation_and_queries_do_not() {
        assert!(needs_elevation("certutil -addstore Root root.cer"));
        assert!(needs_elevation("Restart-Service HealthService"));
        assert!(needs_elevation(
            "MOMCertImport.exe /SubjectName gw01.contoso.com"
        ));
        assert!(!needs_elevation("Test-NetConnection ms01 -Port 5723"));
        assert!(!needs_elevation("certutil -verify -urlfetch gw01.cer"));
        assert!(!needs_elevation("Resolve-DnsName ms01.contoso.com"));
    }
}
