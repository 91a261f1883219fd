//! Contract between the customer-side collector (`collectors/Collect-ScomCertBundle.ps1`) and
//! the bundle format version 1 (`../shared/spec/bundle-v1.md`).
//!
//! No PowerShell runs on the build machines, so the script is checked two ways:
//! - its syntax, with tree-sitter-powershell through `collectors/check_syntax.py` (skipped with a
//!   notice when python3 or the modules are missing, unless `SCOMTRIAGE_STRICT=1`, as in CI);
//! - its text, in pure Rust: the member paths it writes (all kept in the `$BundleLayout` table)
//!   are exactly the spec's, it writes into the bundle only through that table, it contains no
//!   private-key or PFX export, and it names the manifest and inventory keys as the spec does.

use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every member path of bundle format version 1; a `<pattern>` file name stands for its folder.
const SPEC_MEMBERS: &[&str] = &[
    "manifest.json",
    "certificates/inventory.json",
    "certificates/LocalMachine/My",
    "certificates/LocalMachine/Root",
    "certificates/LocalMachine/CA",
    "certificates/LocalMachine/Operations Manager",
    "certificates/chains",
    "registry/opsmgr.reg",
    "registry/healthservice.reg",
    "registry/systemcertificates.reg",
    "registry/policy-systemcertificates.reg",
    "registry/enterprise-certificates.reg",
    "registry/tcpip.reg",
    "eventlogs/Operations Manager.evtx",
    "eventlogs/System.evtx",
    "eventlogs/Application.evtx",
    "eventlogs/Microsoft-Windows-CAPI2%4Operational.evtx",
    "eventlogs/LocaleMetaData",
    "commands/certutil-store-my.txt",
    "collector.log",
];

/// The spec's `reg export` key for each registry member.
const SPEC_REGISTRY_KEYS: &[(&str, &str)] = &[
    (
        "registry/opsmgr.reg",
        r"HKLM\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0",
    ),
    (
        "registry/healthservice.reg",
        r"HKLM\SYSTEM\CurrentControlSet\Services\HealthService",
    ),
    (
        "registry/systemcertificates.reg",
        r"HKLM\SOFTWARE\Microsoft\SystemCertificates",
    ),
    (
        "registry/policy-systemcertificates.reg",
        r"HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates",
    ),
    (
        "registry/enterprise-certificates.reg",
        r"HKLM\SOFTWARE\Microsoft\EnterpriseCertificates",
    ),
    (
        "registry/tcpip.reg",
        r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters",
    ),
];

/// Keys of `manifest.json` (spec section "manifest.json"), nested ones included.
const MANIFEST_KEYS: &[&str] = &[
    "format",
    "format_version",
    "collector",
    "name",
    "version",
    "collected_at",
    "computer",
    "netbios_name",
    "dns_hostname",
    "dns_domain",
    "fqdn",
    "domain_joined",
    "workgroup",
    "time_zone",
    "id",
    "utc_offset_minutes",
    "os",
    "caption",
    "scom",
    "role",
    "product",
    "install_directory",
    "health_service",
    "status",
    "started_at",
    "errors",
    "step",
    "message",
];

/// Keys of `certificates/inventory.json` (spec section "certificates/inventory.json").
const INVENTORY_KEYS: &[&str] = &[
    "certificates",
    "store",
    "file",
    "thumbprint",
    "serial_number",
    "friendly_name",
    "archived",
    "has_private_key",
    "private_key",
    "provider_name",
    "provider_type",
    "key_spec",
    "machine_keyset",
    "exportable",
    "is_cng",
    "accessible",
    "access_error",
];

/// Patterns that would export a private key or a PFX/PKCS#12 file (case-insensitive), each with a
/// sample it must catch, so that the check itself is proven able to fail.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        r"Export-PfxCertificate",
        "Export-PfxCertificate -Cert $c -FilePath x",
    ),
    (
        r"X509ContentType\]::(Pfx|Pkcs12)",
        "$c.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $p)",
    ),
    (r"Pkcs12", "[X509ContentType]::Pkcs12"),
    (r"\.Export\([^)\n]*pfx", "$cert.Export('Pfx')"),
    (r"-exportPFX", "certutil -exportPFX my 1234 out.x"),
    (
        r"ExportParameters\(\s*\$true",
        "$key.ExportParameters($true)",
    ),
    (r"ExportCspBlob\(\s*\$true", "$key.ExportCspBlob($true)"),
    (
        r"ToXmlString\(\s*\$true",
        "$cert.PrivateKey.ToXmlString($true)",
    ),
    (
        r"CngKeyBlobFormat",
        "$k.Export([CngKeyBlobFormat]::Pkcs8PrivateBlob)",
    ),
    (
        r"Export(Pkcs8|RSA|ECPrivate|EncryptedPkcs8)PrivateKey",
        "$rsa.ExportPkcs8PrivateKey()",
    ),
    (
        r"\bPFXExport|PFXExportCertStore",
        "[Native]::PFXExportCertStoreEx()",
    ),
];

/// Top-level names of a bundle.
const SPEC_TOP_LEVEL: &[&str] = &[
    "manifest.json",
    "certificates",
    "registry",
    "eventlogs",
    "commands",
    "collector.log",
];

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script_path() -> PathBuf {
    workspace_root().join("collectors/Collect-ScomCertBundle.ps1")
}

fn script_text() -> String {
    let path = script_path();
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

#[path = "../testsupport/shared_data.rs"]
mod shared_data;
use shared_data::strict;

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|err| panic!("bad test regex {pattern}: {err}"))
}

/// Lines of the script with `#` comments and `<# ... #>` blocks blanked (kept as empty lines, so
/// line numbers stay right). Good enough for this script's style: no `#` inside strings is used
/// where the callers look.
fn code_lines(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in script.lines() {
        let trimmed = line.trim_start();
        if in_block {
            if line.contains("#>") {
                in_block = false;
            }
            out.push(String::new());
        } else if trimmed.starts_with("<#") {
            in_block = !line.contains("#>");
            out.push(String::new());
        } else if trimmed.starts_with('#') {
            out.push(String::new());
        } else {
            out.push(line.to_string());
        }
    }
    out
}

/// One `Name = 'path'` entry of the `$BundleLayout` table, with its 1-based line number.
#[derive(Debug, Clone)]
struct LayoutEntry {
    key: String,
    path: String,
    line: usize,
}

/// The `$BundleLayout` table: its entries and the line range it spans (1-based, inclusive).
fn bundle_layout(script: &str) -> (Vec<LayoutEntry>, usize, usize) {
    let start_re = regex(r"^\$(?:script:)?BundleLayout\s*=\s*\[ordered\]@\{\s*$");
    let entry_re = regex(r"^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*'([^']*)'\s*$");
    let lines: Vec<&str> = script.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| start_re.is_match(lines[i]))
        .collect();
    assert_eq!(
        starts.len(),
        1,
        "expected exactly one `$script:BundleLayout = [ordered]@{{` line, found {}",
        starts.len()
    );
    let first = starts[0];
    let mut entries = Vec::new();
    for (index, line) in lines.iter().enumerate().skip(first + 1) {
        if line.trim() == "}" {
            return (entries, first + 1, index + 1);
        }
        let caps = entry_re.captures(line).unwrap_or_else(|| {
            panic!(
                "line {} of the $BundleLayout table is not `Name = 'path'`: {line:?}",
                index + 1
            )
        });
        entries.push(LayoutEntry {
            key: caps[1].to_string(),
            path: caps[2].to_string(),
            line: index + 1,
        });
    }
    panic!("the $BundleLayout table is not closed by a line holding only `}}`");
}

fn layout_path<'a>(entries: &'a [LayoutEntry], key: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|e| e.key.eq_ignore_ascii_case(key))
        .map(|e| e.path.as_str())
}

/// Rows like `@{ Name = 'x'; Layout = 'Y'; Key = 'z' }` of one of the script's data tables.
fn table_rows(script: &str, table: &str) -> Vec<Vec<(String, String)>> {
    let start = format!("$script:{table} = @(");
    let begin = script
        .find(&start)
        .unwrap_or_else(|| panic!("script has no `{start}` table"));
    let body = &script[begin + start.len()..];
    let end = body
        .find("\n)")
        .unwrap_or_else(|| panic!("table {table} is not closed"));
    let field_re = regex(r"(\w+)\s*=\s*(?:'([^']*)'|(\$\w+))");
    body[..end]
        .lines()
        .filter(|l| l.trim_start().starts_with("@{"))
        .map(|l| {
            field_re
                .captures_iter(l)
                .map(|c| {
                    let value = c
                        .get(2)
                        .or_else(|| c.get(3))
                        .map_or(String::new(), |m| m.as_str().to_string());
                    (c[1].to_string(), value)
                })
                .collect()
        })
        .collect()
}

fn field<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    row.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("row {row:?} has no field {name}"))
}

fn spec_member_set() -> BTreeSet<String> {
    SPEC_MEMBERS.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// (b) Pure-Rust contract checks on the script text.
// ---------------------------------------------------------------------------------------------

#[test]
fn hard_coded_spec_lists_match_the_shared_spec() {
    let Some(spec) = shared_data::shared_file(
        "hard_coded_spec_lists_match_the_shared_spec",
        "spec",
        "bundle-v1.md",
    ) else {
        return;
    };
    let spec = String::from_utf8_lossy(&spec).into_owned();
    // The layout block: the first fence without a language tag.
    let block_start = spec
        .find("```\n")
        .expect("spec has no plain fenced layout block");
    let block = &spec[block_start + 4..];
    let block = &block[..block.find("```").expect("layout block not closed")];
    let from_spec: BTreeSet<String> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.rsplit_once('/') {
            Some((dir, last)) if last.contains('<') => dir.to_string(),
            _ => l.to_string(),
        })
        .collect();
    assert_eq!(
        from_spec,
        spec_member_set(),
        "SPEC_MEMBERS differs from the spec's layout block"
    );

    for (member, key) in SPEC_REGISTRY_KEYS {
        let file = member.trim_start_matches("registry/");
        let row = spec
            .lines()
            .find(|l| l.contains(&format!("`{member}`")))
            .unwrap_or_else(|| panic!("spec has no table row for {member} ({file})"));
        assert!(
            row.contains(&format!("reg export \"{key}\"")),
            "spec row for {member} does not export {key}: {row}"
        );
    }

    // Keys of the JSON examples.
    let json_re = regex(r"(?s)```json\n(.*?)```");
    let mut spec_keys = BTreeSet::new();
    for caps in json_re.captures_iter(&spec) {
        let value: serde_json::Value = serde_json::from_str(&caps[1])
            .unwrap_or_else(|err| panic!("spec JSON example does not parse: {err}"));
        collect_keys(&value, &mut spec_keys);
    }
    let ours: BTreeSet<String> = MANIFEST_KEYS
        .iter()
        .chain(INVENTORY_KEYS)
        .map(|s| s.to_string())
        .collect();
    let missing: Vec<_> = spec_keys.difference(&ours).collect();
    assert!(
        missing.is_empty(),
        "JSON keys in the spec that the test does not check: {missing:?}"
    );
}

fn collect_keys(value: &serde_json::Value, keys: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                keys.insert(k.clone());
                collect_keys(v, keys);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
        _ => {}
    }
}

#[test]
fn layout_table_holds_exactly_the_spec_members() {
    let script = script_text();
    let (entries, _, _) = bundle_layout(&script);
    let paths: Vec<String> = entries.iter().map(|e| e.path.clone()).collect();
    let unique: BTreeSet<String> = paths.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        paths.len(),
        "duplicate paths in $BundleLayout"
    );
    let keys: BTreeSet<String> = entries.iter().map(|e| e.key.to_lowercase()).collect();
    assert_eq!(
        keys.len(),
        entries.len(),
        "duplicate names in $BundleLayout"
    );

    let expected = spec_member_set();
    let extra: Vec<_> = unique.difference(&expected).collect();
    let missing: Vec<_> = expected.difference(&unique).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "$BundleLayout differs from the spec: not in spec {extra:?}, missing {missing:?}"
    );

    let top: BTreeSet<&str> = entries
        .iter()
        .map(|e| e.path.split('/').next().unwrap_or_default())
        .collect();
    let spec_top: BTreeSet<&str> = SPEC_TOP_LEVEL.iter().copied().collect();
    assert_eq!(top, spec_top, "top-level names written by the script");
}

#[test]
fn every_layout_entry_is_written_by_some_step() {
    let script = script_text();
    let (entries, first, last) = bundle_layout(&script);
    let outside: String = code_lines(&script)
        .iter()
        .enumerate()
        .filter(|(i, _)| *i + 1 < first || *i + 1 > last)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let unused: Vec<String> = entries
        .iter()
        .filter(|e| !outside.contains(&format!("'{}'", e.key)))
        .map(|e| format!("{} (line {})", e.key, e.line))
        .collect();
    assert!(
        unused.is_empty(),
        "layout entries never referenced outside the table (nothing writes them): {unused:?}"
    );
}

#[test]
fn bundle_is_written_only_through_the_layout_table() {
    let script = script_text();
    let (entries, first, last) = bundle_layout(&script);
    let lines = code_lines(&script);
    let mut problems = Vec::new();

    // 1. Literal keys given to the path helpers, and every `Layout = '...'` in the data tables,
    //    name an entry of the table.
    let key_re = regex(r"Get-Bundle(?:Path|MemberName)\s+-Key\s+'([^']*)'");
    let layout_re = regex(r"\bLayout\s*=\s*'([^']*)'");
    for (index, line) in lines.iter().enumerate() {
        for caps in key_re
            .captures_iter(line)
            .chain(layout_re.captures_iter(line))
        {
            if layout_path(&entries, &caps[1]).is_none() {
                problems.push(format!(
                    "line {}: '{}' is not in $BundleLayout",
                    index + 1,
                    &caps[1]
                ));
            }
        }
        // Every other key argument must be a variable that comes from a data table.
        if line.contains("Get-BundlePath") || line.contains("Get-BundleMemberName") {
            let arg_re = regex(r"Get-Bundle(?:Path|MemberName)\s+-Key\s+('[^']*'|\$\w+|\S+)");
            for caps in arg_re.captures_iter(line) {
                let arg = &caps[1];
                if !arg.starts_with('\'') && arg != "$LayoutKey" && arg != "$Key" {
                    problems.push(format!(
                        "line {}: unexpected bundle key argument {arg}",
                        index + 1
                    ));
                }
            }
        }
    }

    // 2. The bundle root is only created, turned into paths by Get-BundlePath, shown, and zipped.
    let allowed = [
        regex(r"^\s*\$script:BundleRoot = (\$null|Join-Path \$script:WorkRoot 'bundle')\s*$"),
        regex(r"^\s*\[void\]\[System\.IO\.Directory\]::CreateDirectory\(\$script:BundleRoot\)\s*$"),
        regex(r"^\s*\$full = Join-Path \$script:BundleRoot "),
        regex(r"^\s*\$entryCount = New-BundleZip -SourceDir \$script:BundleRoot "),
        regex(r"^\s*Write-Host \('  \{0\}' -f \$script:BundleRoot\)\s*$"),
        regex(
            r"^\s*if \(\$null -ne \$script:BundleRoot -and \(Test-Path -LiteralPath \$script:BundleRoot\)\) \{\s*$",
        ),
    ];
    let function_re = regex(r"^function (\S+) \{");
    let mut current_function: Option<String> = None;
    let mut join_count = 0;
    for (index, line) in lines.iter().enumerate() {
        if let Some(caps) = function_re.captures(line) {
            current_function = Some(caps[1].to_string());
        } else if line.starts_with('}') {
            current_function = None;
        }
        if !line.contains("BundleRoot") {
            continue;
        }
        if !allowed.iter().any(|re| re.is_match(line)) {
            problems.push(format!(
                "line {}: the bundle root is used outside the allowed places: {}",
                index + 1,
                line.trim()
            ));
        }
        if line.contains("Join-Path $script:BundleRoot") {
            join_count += 1;
            if current_function.as_deref() != Some("Get-BundlePath") {
                problems.push(format!(
                    "line {}: a bundle path is built outside Get-BundlePath",
                    index + 1
                ));
            }
        }
    }
    if join_count != 1 {
        problems.push(format!(
            "expected exactly one `Join-Path $script:BundleRoot` (in Get-BundlePath), found {join_count}"
        ));
    }

    // 3. No hard-coded bundle path anywhere but the table.
    let literal_re = regex(
        r#"(?i)['"](manifest\.json|collector\.log|(certificates|registry|eventlogs|commands)[/\\])"#,
    );
    for (index, line) in lines.iter().enumerate() {
        let number = index + 1;
        if (first..=last).contains(&number) {
            continue;
        }
        if literal_re.is_match(line) {
            problems.push(format!(
                "line {number}: bundle path literal outside $BundleLayout: {}",
                line.trim()
            ));
        }
    }

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn data_tables_map_to_the_spec_members() {
    let script = script_text();
    let (entries, _, _) = bundle_layout(&script);

    let stores = table_rows(&script, "CertificateStores");
    let store_names: BTreeSet<&str> = stores.iter().map(|r| field(r, "Name")).collect();
    assert_eq!(
        store_names,
        ["My", "Root", "CA", "Operations Manager"]
            .into_iter()
            .collect::<BTreeSet<_>>(),
        "certificate stores"
    );
    for row in &stores {
        let path = layout_path(&entries, field(row, "Layout")).unwrap_or_default();
        assert_eq!(
            path,
            format!("certificates/LocalMachine/{}", field(row, "Name")),
            "store {} is written to the wrong member",
            field(row, "Name")
        );
    }

    let registry = table_rows(&script, "RegistryExports");
    assert_eq!(registry.len(), SPEC_REGISTRY_KEYS.len(), "registry exports");
    for (member, key) in SPEC_REGISTRY_KEYS {
        let row = registry
            .iter()
            .find(|r| layout_path(&entries, field(r, "Layout")) == Some(*member))
            .unwrap_or_else(|| panic!("no registry export writes {member}"));
        assert_eq!(field(row, "Key"), *key, "reg export key for {member}");
    }

    let logs = table_rows(&script, "EventLogExports");
    let log_names: BTreeSet<&str> = logs.iter().map(|r| field(r, "Log")).collect();
    assert_eq!(
        log_names,
        [
            "Operations Manager",
            "System",
            "Application",
            "Microsoft-Windows-CAPI2/Operational"
        ]
        .into_iter()
        .collect::<BTreeSet<_>>(),
        "event logs"
    );
    for row in &logs {
        let log = field(row, "Log");
        // Windows writes a channel's '/' as '%4' in file names.
        let expected = format!("eventlogs/{}.evtx", log.replace('/', "%4"));
        assert_eq!(
            layout_path(&entries, field(row, "Layout")),
            Some(expected.as_str()),
            "event log {log}"
        );
        let always = field(row, "SystemLog") == "$false";
        assert_eq!(
            always,
            log == "Operations Manager",
            "only the Operations Manager log is collected without -IncludeSystemLogs"
        );
    }

    // The commands the spec names for the members.
    for needle in [
        "'export', $Key, $target, '/y'",
        "'epl', $LogName, $scratchFile",
        "'al', $scratchFile",
        "'-v', '-store', 'my'",
        ".RawData)",
    ] {
        assert!(script.contains(needle), "script does not contain {needle}");
    }
}

/// Lines (1-based) where a forbidden pattern matches.
fn forbidden_hits(text: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for (pattern, _) in FORBIDDEN {
        let re = regex(&format!("(?i){pattern}"));
        for (index, line) in text.lines().enumerate() {
            if re.is_match(line) {
                hits.push(format!("line {}: /{pattern}/: {}", index + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn no_private_key_or_pfx_export_appears() {
    // The check can fail: every pattern catches its sample.
    for (pattern, sample) in FORBIDDEN {
        assert!(
            !forbidden_hits(sample).is_empty(),
            "pattern /{pattern}/ does not catch its sample {sample:?}"
        );
    }
    // The whole text, comments included: the script names none of these, not even to deny them.
    let hits = forbidden_hits(&script_text());
    assert!(
        hits.is_empty(),
        "private-key / PFX export in the collector:\n{}",
        hits.join("\n")
    );
    let script = script_text();
    assert!(
        script.contains("never exports a private key"),
        "the safety statement at the top of the script is missing"
    );
}

#[test]
fn manifest_and_inventory_keys_are_named_as_in_the_spec() {
    let script = script_text();
    let code = code_lines(&script).join("\n");
    let mut missing = Vec::new();
    for key in MANIFEST_KEYS.iter().chain(INVENTORY_KEYS) {
        let entry = regex(&format!(r"(?m)^\s*{key}\s+=\s"));
        if !entry.is_match(&code) {
            missing.push(*key);
        }
    }
    assert!(
        missing.is_empty(),
        "hashtable entries missing from the script: {missing:?}"
    );

    for needle in [
        "format         = 'scomtriage-bundle'",
        "format_version = 1",
        "$script:CollectorName = 'Collect-ScomCertBundle.ps1'",
        "errors         = @()",
        "certificates = @($script:Inventory.ToArray())",
        "$script:Manifest.errors = @($script:StepErrors.ToArray())",
        "ConvertTo-Json -InputObject $InputObject -Depth 6",
        "New-Object System.Text.UTF8Encoding($false)",
        "'LocalMachine\\' + $StoreName",
    ] {
        assert!(script.contains(needle), "script does not contain {needle}");
    }
    for role in ["agent", "gateway", "management_server", "unknown"] {
        assert!(
            script.contains(&format!("return '{role}'")),
            "Get-ScomRole never returns the spec role {role}"
        );
    }
}

#[test]
fn script_is_ascii_with_help_parameters_and_elevation_check() {
    let script = script_text();
    if let Some((index, byte)) = script.bytes().enumerate().find(|(_, b)| !b.is_ascii()) {
        let line = script[..index].matches('\n').count() + 1;
        panic!("non-ASCII byte 0x{byte:02X} on line {line}: Windows PowerShell 5.1 reads a BOM-less script as ANSI");
    }
    for section in [".SYNOPSIS", ".DESCRIPTION", ".EXAMPLE", ".NOTES"] {
        assert!(script.contains(section), "help section {section} missing");
    }
    for (parameter, declaration) in [
        ("OutputPath", "[string]$OutputPath = ''"),
        ("IncludeSystemLogs", "[switch]$IncludeSystemLogs"),
        ("MaxEventLogMB", "[int]$MaxEventLogMB = 512"),
        ("Force", "[switch]$Force"),
        ("CaseId", "[string]$CaseId = ''"),
        ("ChainFile", "[string[]]$ChainFile = @()"),
    ] {
        assert!(
            script.contains(&format!(".PARAMETER {parameter}\n")),
            "help for -{parameter} missing"
        );
        assert!(
            script.contains(declaration),
            "parameter declaration {declaration} missing"
        );
    }
    assert!(script.contains("[CmdletBinding()]\nparam("));

    // Elevation is checked before any step runs, and a refusal exits non-zero.
    let check = script
        .find("[System.Security.Principal.WindowsBuiltInRole]::Administrator")
        .expect("no elevation check");
    let first_step = script
        .find("\nInvoke-Step ")
        .or_else(|| script.find("    Invoke-Step '"))
        .expect("no steps");
    assert!(
        check < first_step,
        "elevation is checked after the first step"
    );
    let refusal = &script[check..];
    let exit_pos = refusal
        .find("exit 2")
        .expect("no `exit 2` after the elevation check");
    assert!(refusal[..exit_pos].contains("Run as administrator"));
}

// ---------------------------------------------------------------------------------------------
// (a) Syntax check with tree-sitter-powershell (collectors/check_syntax.py).
// ---------------------------------------------------------------------------------------------

/// Whether `python3` with the tree-sitter modules is available. Prints a skip notice when not;
/// panics instead under `SCOMTRIAGE_STRICT=1`.
fn checker_available(test: &str) -> bool {
    let probe = Command::new("python3")
        .args(["-c", "import tree_sitter, tree_sitter_powershell"])
        .output();
    let reason = match probe {
        Ok(out) if out.status.success() => return true,
        Ok(out) => format!(
            "python3 cannot import tree_sitter / tree_sitter_powershell: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default()
                .trim()
        ),
        Err(err) => format!("python3 not runnable: {err}"),
    };
    assert!(
        !strict(),
        "{test}: {reason} (SCOMTRIAGE_STRICT=1; run: python3 -m pip install -r collectors/requirements.txt)"
    );
    println!("SKIP {test}: {reason}; run: python3 -m pip install -r collectors/requirements.txt");
    false
}

fn run_checker(file: &Path) -> (Option<i32>, String) {
    let checker = workspace_root().join("collectors/check_syntax.py");
    let out = Command::new("python3")
        .arg(&checker)
        .arg(file)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", checker.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn collector_parses_with_tree_sitter_powershell() {
    if !checker_available("collector_parses_with_tree_sitter_powershell") {
        return;
    }
    let (code, output) = run_checker(&script_path());
    assert_eq!(code, Some(0), "check_syntax.py failed:\n{output}");
}

#[test]
fn syntax_checker_rejects_broken_and_powershell7_scripts() {
    if !checker_available("syntax_checker_rejects_broken_and_powershell7_scripts") {
        return;
    }
    let dir =
        std::env::temp_dir().join(format!("scomtriage-collector-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    // (file name, script, expected exit code, text the report must contain)
    let cases: &[(&str, &str, i32, &str)] = &[
        (
            "missing_brace.ps1",
            "function Get-Thing {\n    Write-Host 'x'\n",
            1,
            "missing_brace.ps1:2:",
        ),
        ("chain.ps1", "Get-A && Get-B\n", 1, "PowerShell 7"),
        ("or_chain.ps1", "Get-A || Get-B\n", 1, "'||'"),
        ("coalesce.ps1", "$a = $null ?? 'x'\n", 1, "'??'"),
        ("ternary.ps1", "$b = $a ? 1 : 2\n", 1, "ternary"),
        ("null_member.ps1", "$c = ${a}?.Length\n", 1, "'?.'"),
        (
            "ctor.ps1",
            "$s = [System.Text.StringBuilder]::new()\n",
            1,
            "New-Object",
        ),
        ("non_ascii.ps1", "Write-Host 'caf\u{e9}'\n", 1, "non-ASCII"),
        (
            "valid.ps1",
            "# a && b || c ?? d\n$x = @(1, 2) | ? { $_ -gt 1 }\n$s = 'a && b ?? c || d'\nWrite-Host \"$($x.Count) ok\"\n<# $a ? 1 : 2 #>\n",
            0,
            "OK",
        ),
    ];
    let mut failures = Vec::new();
    for (name, source, expected_code, needle) in cases {
        let file = dir.join(name);
        std::fs::write(&file, source).expect("write temp script");
        let (code, output) = run_checker(&file);
        if code != Some(*expected_code) || !output.contains(needle) {
            failures.push(format!(
                "{name}: exit {code:?} (expected {expected_code}), output lacks {needle:?}:\n{output}"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn health_service_secure_storage_is_dropped_from_the_export() {
    let script = script_text();
    let line = script
        .lines()
        .find(|l| l.contains("Layout = 'RegHealthService'"))
        .expect("the healthservice registry export entry");
    assert!(
        line.contains("DropKeysMatching = '\\\\SSDB("),
        "the HealthService export must drop the SSDB (secure storage) subtree: {line}"
    );
    assert!(
        script.contains("-DropKeysMatching $registrySpec['DropKeysMatching']"),
        "the export step must pass DropKeysMatching on"
    );
}
