//! `scomtriage cert` as a user runs it, on certificates the corpus generator makes: every
//! check's pass and fail, leaf selection, trust anchors, JSON shape, exit codes, bad input.

mod bundle_support;

use bundle_support::{shared_dir, TempDir};
use scomtriage_corpus::certs::{build_all, BuiltCert};
use scomtriage_corpus::p7b::{p7b_ber, p7b_pem};
use scomtriage_corpus::scenario::{CertSpec, Eku, KeyUsage};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The time the corpus certificates are made around, and judged at.
const BASE: &str = "2026-06-01T00:00:00Z";

fn base() -> jiff::Timestamp {
    BASE.parse().expect("base time")
}

fn root() -> CertSpec {
    CertSpec {
        cn: Some("Contoso Root CA".into()),
        ca: true,
        key: "rsa2048-a".into(),
        ..Default::default()
    }
}

fn issuing() -> CertSpec {
    CertSpec {
        cn: Some("Contoso Issuing CA".into()),
        ca: true,
        key: "rsa2048-b".into(),
        issuer: Some("root".into()),
        ..Default::default()
    }
}

/// A leaf as SCOM wants it: SAN gw01.dmz.contoso.com, both EKUs, DS+KE, valid -200d..+165d.
fn leaf() -> CertSpec {
    CertSpec {
        cn: Some("gw01.dmz.contoso.com".into()),
        san: vec!["gw01.dmz.contoso.com".into()],
        key: "rsa2048-c".into(),
        issuer: Some("issuing".into()),
        ..Default::default()
    }
}

/// Build `leaf` (with the standard root and issuing CA) plus any extra specs.
fn make(leaf_spec: CertSpec, extra: &[(&str, CertSpec)]) -> BTreeMap<String, BuiltCert> {
    let mut specs = BTreeMap::new();
    specs.insert("root".to_string(), root());
    specs.insert("issuing".to_string(), issuing());
    specs.insert("leaf".to_string(), leaf_spec);
    for (id, s) in extra {
        specs.insert(id.to_string(), s.clone());
    }
    let wanted: Vec<String> = specs.keys().cloned().collect();
    build_all(&specs, &wanted, base()).expect("corpus certificates")
}

struct Case {
    dir: TempDir,
    certs: BTreeMap<String, BuiltCert>,
}

impl Case {
    fn new(tag: &str, leaf_spec: CertSpec) -> Case {
        Case::with(tag, leaf_spec, &[])
    }
    fn with(tag: &str, leaf_spec: CertSpec, extra: &[(&str, CertSpec)]) -> Case {
        Case {
            dir: TempDir::new(tag),
            certs: make(leaf_spec, extra),
        }
    }
    fn der(&self, id: &str) -> &[u8] {
        &self.certs[id].der
    }
    /// Write `id` as a DER `.cer`.
    fn cer(&self, id: &str) -> PathBuf {
        self.dir.write(&format!("{id}.cer"), self.der(id))
    }
    /// The leaf with its whole chain as a BER `.p7b` (as Windows writes it).
    fn p7b(&self) -> PathBuf {
        let certs: Vec<&[u8]> = ["leaf", "issuing", "root"]
            .iter()
            .map(|i| self.der(i))
            .collect();
        self.dir.write("certnew.p7b", &p7b_ber(&certs))
    }
}

fn run(args: &[&OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scomtriage"))
        .arg("cert")
        .args(args)
        .output()
        .expect("run scomtriage")
}

fn os<S: AsRef<OsStr> + ?Sized>(s: &S) -> &OsStr {
    s.as_ref()
}

/// `cert --format json --at BASE ARGS…`, parsed.
fn json(args: &[&OsStr]) -> (Value, i32) {
    json_at(BASE, args)
}

/// `cert --format json --at AT ARGS…`, parsed.
fn json_at(at: &str, args: &[&OsStr]) -> (Value, i32) {
    let mut all: Vec<&OsStr> = vec![os("--format"), os("json"), os("--at"), os(at)];
    all.extend_from_slice(args);
    let out = run(&all);
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

/// The verdict and detail of check `id` of the first result.
fn check(v: &Value, id: &str) -> (String, String) {
    check_of(&v["results"][0], id)
}

fn check_of(r: &Value, id: &str) -> (String, String) {
    let c = r["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {r}"));
    (
        c["verdict"].as_str().unwrap_or("").to_string(),
        c["detail"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn a_good_certificate_passes_every_check_it_can_judge_and_exits_0() {
    let c = Case::new("cert-good", leaf());
    let p7b = c.p7b();
    let (v, code) = json(&[os("--fqdn"), os("GW01.dmz.contoso.com."), p7b.as_os_str()]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["clock"], "given");
    assert_eq!(v["at"], BASE);
    assert_eq!(v["trust_anchors"], "inside_files");
    let r = &v["results"][0];
    assert_eq!(r["ok"], true);
    assert_eq!(r["leaf"]["subject"], "CN=gw01.dmz.contoso.com");
    assert_eq!(r["leaf"]["thumbprint"], c.certs["leaf"].thumbprint.as_str());
    assert!(
        r["leaf"]["selected_because"]
            .as_str()
            .is_some_and(|s| s.contains("only end-entity certificate among the 3")),
        "{r}"
    );
    let ids: Vec<&str> = r["checks"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        [
            "name",
            "eku",
            "key_usage",
            "validity",
            "expiring",
            "chain",
            "crypto",
            "key"
        ]
    );
    for id in [
        "name",
        "eku",
        "key_usage",
        "validity",
        "expiring",
        "chain",
        "crypto",
    ] {
        assert_eq!(check(&v, id).0, "pass", "{id}: {}", check(&v, id).1);
    }
    let (key, detail) = check(&v, "key");
    assert_eq!(key, "unknown");
    assert!(detail.contains("inventory.json"), "{detail}");
    let chain = r["chain"].as_array().expect("chain");
    assert_eq!(chain.len(), 3);
    assert_eq!(chain[2]["subject"], "CN=Contoso Root CA");
    assert_eq!(chain[2]["thumbprint"], c.certs["root"].thumbprint.as_str());
    assert!(chain[2]["source"]
        .as_str()
        .is_some_and(|s| s.ends_with("certnew.p7b#3")));
    assert!(r["first_broken_link"].is_null());
    assert!(check(&v, "chain").1.contains("no --trust given"));
}

#[test]
fn name_is_unknown_without_fqdn_and_fails_on_the_wrong_one() {
    let c = Case::new("cert-name", leaf());
    let p7b = c.p7b();
    let (v, code) = json(&[p7b.as_os_str()]);
    assert_eq!(code, 0, "unknown is not a failure");
    let (verdict, detail) = check(&v, "name");
    assert_eq!(verdict, "unknown");
    assert!(detail.contains("--fqdn"), "{detail}");
    let (v, code) = json(&[os("--fqdn"), os("gw02.dmz.contoso.com"), p7b.as_os_str()]);
    assert_eq!(code, 3);
    let (verdict, detail) = check(&v, "name");
    assert_eq!(verdict, "fail");
    assert!(
        detail.contains("gw01.dmz.contoso.com") && detail.contains("20052"),
        "{detail}"
    );
    assert_eq!(v["results"][0]["ok"], false);
}

#[test]
fn the_first_san_counts_not_a_later_one_or_the_cn() {
    let mut spec = leaf();
    spec.cn = Some("gw01.dmz.contoso.com".into());
    spec.san = vec!["gw01".into(), "gw01.dmz.contoso.com".into()];
    let c = Case::new("cert-san", spec);
    let p7b = c.p7b();
    let (v, _) = json(&[os("--fqdn"), os("gw01.dmz.contoso.com"), p7b.as_os_str()]);
    let (verdict, detail) = check(&v, "name");
    assert_eq!(verdict, "fail");
    assert!(detail.contains("only the first name counts"), "{detail}");
}

#[test]
fn missing_client_auth_fails_eku() {
    let mut spec = leaf();
    spec.eku = Some(vec![Eku::ServerAuth]);
    let c = Case::new("cert-eku", spec);
    let (v, code) = json(&[c.p7b().as_os_str()]);
    assert_eq!(code, 3);
    let (verdict, detail) = check(&v, "eku");
    assert_eq!(verdict, "fail");
    assert!(detail.contains("lacks Client Authentication"), "{detail}");
    // No EKU extension at all.
    let mut spec = leaf();
    spec.eku = Some(vec![]);
    let c = Case::new("cert-eku-none", spec);
    let (v, _) = json(&[c.p7b().as_os_str()]);
    assert_eq!(check(&v, "eku").0, "fail");
    assert!(check(&v, "eku").1.contains("no Enhanced Key Usage"));
}

#[test]
fn missing_key_encipherment_fails_key_usage() {
    let mut spec = leaf();
    spec.key_usage = Some(vec![KeyUsage::DigitalSignature]);
    let c = Case::new("cert-ku", spec);
    let (v, code) = json(&[c.p7b().as_os_str()]);
    assert_eq!(code, 3);
    let (verdict, detail) = check(&v, "key_usage");
    assert_eq!(verdict, "fail");
    assert!(detail.contains("lacks Key Encipherment"), "{detail}");
}

#[test]
fn validity_and_expiring_follow_the_time_judged() {
    let mut spec = leaf();
    spec.not_after = Some("+10d".into());
    let c = Case::new("cert-expiring", spec);
    let p7b = c.p7b();
    let (v, code) = json(&[p7b.as_os_str()]);
    assert_eq!(code, 0, "a warning is not a failure");
    assert_eq!(check(&v, "validity").0, "pass");
    let (verdict, detail) = check(&v, "expiring");
    assert_eq!(verdict, "warn");
    assert!(detail.contains("10 d"), "{detail}");
    // Twenty days later it has expired.
    let out = run(&[
        os("--format"),
        os("json"),
        os("--at"),
        os("2026-06-21"),
        p7b.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["at"], "2026-06-21T00:00:00Z");
    let (verdict, detail) = check(&v, "validity");
    assert_eq!(verdict, "fail");
    assert!(
        detail.contains("expired") && detail.contains("20051"),
        "{detail}"
    );
    assert_eq!(check(&v, "expiring").0, "fail");
    // Before its start it is not yet valid.
    let out = run(&[
        os("--format"),
        os("json"),
        os("--at"),
        os("2025-01-01T00:00:00+02:00"),
        p7b.as_os_str(),
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["at"], "2024-12-31T22:00:00Z");
    assert!(check(&v, "validity").1.contains("not yet valid"));
}

#[test]
fn without_at_the_analyzer_clock_is_used_and_said() {
    let c = Case::new("cert-clock", leaf());
    let out = run(&[c.p7b().as_os_str()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("judged at ") && text.contains("the analyzer's clock"),
        "{text}"
    );
    let out = run(&[os("--format"), os("json"), c.p7b().as_os_str()]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["clock"], "analyzer_clock");
}

#[test]
fn chain_fails_without_its_issuer_and_names_the_missing_ca() {
    let c = Case::new("cert-chain-missing", leaf());
    let leaf_cer = c.cer("leaf");
    let root_cer = c.cer("root");
    let (v, code) = json(&[leaf_cer.as_os_str()]);
    assert_eq!(code, 3);
    assert_eq!(v["trust_anchors"], "none");
    assert!(check(&v, "chain").1.contains("no root inside the files"));
    let (v, code) = json(&[os("--trust"), root_cer.as_os_str(), leaf_cer.as_os_str()]);
    assert_eq!(code, 3);
    assert_eq!(v["trust_anchors"], "given");
    let (verdict, detail) = check(&v, "chain");
    assert_eq!(verdict, "fail");
    assert!(detail.contains("--intermediate"), "{detail}");
    let broken = &v["results"][0]["first_broken_link"];
    assert_eq!(broken["kind"], "missing_issuer");
    assert_eq!(broken["issuer_dn"], "CN=Contoso Issuing CA");
    assert!(broken["message"]
        .as_str()
        .is_some_and(|m| m.contains("Contoso Issuing CA")));
    // Given with --intermediate, the chain completes.
    let int_cer = c.cer("issuing");
    let (v, code) = json(&[
        os("--trust"),
        root_cer.as_os_str(),
        os("--intermediate"),
        int_cer.as_os_str(),
        leaf_cer.as_os_str(),
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(check(&v, "chain").0, "pass");
    assert!(check(&v, "chain").1.contains("root given with --trust"));
}

#[test]
fn chain_fails_when_the_files_root_is_not_the_trusted_one() {
    let other = CertSpec {
        cn: Some("Fabrikam Root CA".into()),
        ca: true,
        key: "rsa2048-d".into(),
        ..Default::default()
    };
    let c = Case::with("cert-chain-untrusted", leaf(), &[("other", other)]);
    let p7b = c.p7b();
    let other_cer = c.cer("other");
    let (v, code) = json(&[os("--trust"), other_cer.as_os_str(), p7b.as_os_str()]);
    assert_eq!(code, 3);
    let broken = &v["results"][0]["first_broken_link"];
    assert_eq!(broken["kind"], "root_not_trusted", "{broken}");
    assert_eq!(broken["root"], "CN=Contoso Root CA");
    assert_eq!(check(&v, "chain").0, "fail");
}

#[test]
fn chain_fails_on_a_root_with_the_right_name_and_another_key() {
    let impostor = CertSpec {
        cn: Some("Contoso Root CA".into()),
        ca: true,
        key: "rsa2048-e".into(),
        ..Default::default()
    };
    let c = Case::with("cert-chain-badsig", leaf(), &[("impostor", impostor)]);
    let leaf_cer = c.cer("leaf");
    let int_cer = c.cer("issuing");
    let impostor_cer = c.cer("impostor");
    let (v, code) = json(&[
        os("--trust"),
        impostor_cer.as_os_str(),
        os("--intermediate"),
        int_cer.as_os_str(),
        leaf_cer.as_os_str(),
    ]);
    assert_eq!(code, 3);
    // The issuing CA's AuthorityKeyIdentifier names the real root's key: the impostor is not
    // taken as its issuer, and the missing one is named with its key id.
    let broken = &v["results"][0]["first_broken_link"];
    assert_eq!(broken["kind"], "missing_issuer", "{broken}");
    assert_eq!(broken["issuer_dn"], "CN=Contoso Root CA");
    assert!(
        broken["aki"].as_str().is_some_and(|a| a.len() == 40),
        "{broken}"
    );
}

#[test]
fn chain_fails_on_an_expired_ca() {
    let mut int = issuing();
    int.not_after = Some("-1d".into());
    let c = Case::with("cert-chain-expired-ca", leaf(), &[("issuing", int)]);
    let (v, code) = json(&[c.p7b().as_os_str()]);
    assert_eq!(code, 3);
    assert_eq!(v["results"][0]["first_broken_link"]["kind"], "expired_ca");
    assert_eq!(check(&v, "validity").0, "pass", "the leaf itself is valid");
}

#[test]
fn chain_fails_when_the_issuer_is_not_a_ca() {
    // A leaf certificate used to sign another.
    let not_ca = CertSpec {
        cn: Some("web01.contoso.com".into()),
        key: "rsa2048-f".into(),
        issuer: Some("issuing".into()),
        ..Default::default()
    };
    let mut l = leaf();
    l.issuer = Some("notca".into());
    let c = Case::with("cert-chain-notca", l, &[("notca", not_ca)]);
    let certs: Vec<&[u8]> = ["leaf", "notca", "issuing", "root"]
        .iter()
        .map(|i| c.der(i))
        .collect();
    let pem = c.dir.write("chain.pem", &p7b_pem(&certs));
    let (v, code) = json(&[pem.as_os_str()]);
    assert_eq!(code, 3, "{v:#}");
    let broken = &v["results"][0]["first_broken_link"];
    // The signer has no basicConstraints (accepted, as CryptoAPI does) but a leaf's KeyUsage.
    assert_eq!(broken["kind"], "no_cert_sign", "{broken}");
    assert_eq!(broken["cert"], "CN=web01.contoso.com");
    assert_eq!(v["results"][0]["chain"].as_array().map(Vec::len), Some(2));
}

#[test]
fn crypto_warns_on_a_1024_bit_key_and_fails_on_md5() {
    let mut spec = leaf();
    spec.key = "rsa1024-weak".into();
    let c = Case::new("cert-crypto-weak", spec);
    let (v, code) = json(&[c.p7b().as_os_str()]);
    assert_eq!(code, 0, "a weak key is a warning: {v:#}");
    let (verdict, detail) = check(&v, "crypto");
    assert_eq!(verdict, "warn");
    assert!(detail.contains("1024-bit"), "{detail}");

    // The same good leaf with its signature algorithm rewritten to md5WithRSAEncryption (same
    // OID length: …1.1.11 → …1.1.4); the signature no longer verifies either.
    let c = Case::new("cert-crypto-md5", leaf());
    let sha256_rsa: &[u8] = &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B,
    ];
    let mut der = c.der("leaf").to_vec();
    let mut patched = 0;
    let mut i = 0;
    while i + sha256_rsa.len() <= der.len() {
        if der[i..i + sha256_rsa.len()] == *sha256_rsa {
            der[i + sha256_rsa.len() - 1] = 0x04;
            patched += 1;
        }
        i += 1;
    }
    assert_eq!(patched, 2, "tbs and outer signature algorithm");
    let md5 = c.dir.write("md5.cer", &der);
    let (v, code) = json(&[md5.as_os_str()]);
    assert_eq!(code, 3);
    let (verdict, detail) = check(&v, "crypto");
    assert_eq!(verdict, "fail");
    assert!(
        detail.contains("md5WithRSAEncryption") && detail.contains("2862973"),
        "{detail}"
    );
}

#[test]
fn several_leaves_are_each_checked() {
    let second = CertSpec {
        cn: Some("ms01.contoso.com".into()),
        san: vec!["ms01.contoso.com".into()],
        key: "rsa2048-d".into(),
        issuer: Some("issuing".into()),
        eku: Some(vec![Eku::ServerAuth]),
        ..Default::default()
    };
    let c = Case::with("cert-two", leaf(), &[("second", second)]);
    let p7b = c.p7b();
    let second_cer = c.cer("second");
    let (v, code) = json(&[p7b.as_os_str(), second_cer.as_os_str()]);
    assert_eq!(code, 3, "one of them fails");
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ok"], true);
    assert_eq!(results[1]["ok"], false);
    assert_eq!(results[1]["leaf"]["subject"], "CN=ms01.contoso.com");
    assert_eq!(
        check_of(&results[1], "chain").0,
        "pass",
        "chain from the p7b"
    );
    assert!(results[1]["leaf"]["selected_because"]
        .as_str()
        .is_some_and(|s| s.contains("one of 2 end-entity")));
}

#[test]
fn unusable_input_exits_2_with_one_line_naming_the_file() {
    let c = Case::new("cert-bad", leaf());
    let missing = c.dir.path().join("nope.cer");
    let broken = c.dir.write(
        "broken.cer",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    let truncated = c.dir.write("truncated.p7b", &c.der("leaf")[..100]);
    let root_only = c.cer("root");
    for (path, words) in [
        (&missing, "cannot read"),
        (&broken, "not a certificate"),
        (&truncated, "not a certificate"),
        (&root_only, "no end-entity certificate"),
    ] {
        let out = run(&[path.as_os_str()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&*path.to_string_lossy()),
            "names the file: {err}"
        );
        assert!(err.contains(words), "{err}");
        assert!(out.stdout.is_empty());
    }
    let p7b = c.p7b();
    let out = run(&[os("--at"), os("yesterday"), p7b.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--at \"yesterday\""));
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "clap usage error");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let c = Case::new("cert-pipe", leaf());
    let p7b = c.p7b();
    // Twenty copies of the file make the output longer than a pipe buffer.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scomtriage"));
    cmd.arg("cert")
        .args(["--fqdn", "gw01.dmz.contoso.com", "--at", BASE]);
    let copies: Vec<PathBuf> = (0..40)
        .map(|i| {
            let mut spec = leaf();
            spec.serial = Some(format!("{:02X}", i + 1));
            let built = make(spec, &[]);
            c.dir.write(&format!("leaf{i}.cer"), &built["leaf"].der)
        })
        .collect();
    cmd.arg(&p7b).args(&copies);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// The real `.p7b` files of `../shared/data/p7b` (skipped with a notice without them; required
/// under `SCOMTRIAGE_STRICT=1`).
#[test]
fn real_p7b_files() {
    let Some(shared) = shared_dir("real_p7b_files") else {
        assert!(
            std::env::var("SCOMTRIAGE_STRICT").map_or(true, |v| v != "1"),
            "SCOMTRIAGE_STRICT=1 but ../shared/data is missing"
        );
        return;
    };
    let dir = shared.join("data/p7b");
    // A server certificate with its self-signed CA: Server Authentication only, SHA-1.
    let echosync = dir.join("jamesbtate__echosync__server1.echosync.tate2.com.p7b");
    let (v, code) = json_at(
        "2014-01-01",
        &[
            os("--fqdn"),
            os("server1.echosync.tate2.com"),
            echosync.as_os_str(),
        ],
    );
    assert_eq!(code, 3);
    let r = &v["results"][0];
    assert!(r["leaf"]["subject"]
        .as_str()
        .is_some_and(|s| s.starts_with("CN=server1.echosync.tate2.com")));
    assert_eq!(check(&v, "name").0, "pass");
    assert_eq!(check(&v, "eku").0, "fail");
    assert_eq!(check(&v, "key_usage").0, "pass");
    assert_eq!(check(&v, "validity").0, "pass");
    assert_eq!(check(&v, "chain").0, "pass", "{}", check(&v, "chain").1);
    assert_eq!(check(&v, "crypto").0, "warn", "SHA-1");
    assert_eq!(r["chain"].as_array().map(Vec::len), Some(2));
    // Judged now, the leaf (2014) and its CA (2023) have expired.
    let out = run(&[os("--format"), os("json"), echosync.as_os_str()]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(check(&v, "validity").0, "fail");
    assert_eq!(v["results"][0]["first_broken_link"]["kind"], "expired_ca");
    // An AD CS chain download (certnew.p7b) with only the CA certificates: refused, explained.
    let certnew = dir.join("nwlterry__certificarte_management__certnew.p7b");
    let out = run(&[certnew.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no end-entity certificate among the 2 given")
            && err.contains("devops-LABDC01-CA")
            && err.contains("give the machine's certificate file too"),
        "{err}"
    );
}
