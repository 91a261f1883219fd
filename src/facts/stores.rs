//! Certificates and private-key facts from the certificate stores' registry export (`Blob`
//! values).

use super::certs::{add_cert, KeyFacts, KeySource, StoreName, StoreRef};
use super::registry::{self, RegSource};
use super::{InputProblem, MachineFacts};
use scomtriage_parsers::certstore::parse_store_blob;
use scomtriage_parsers::x509::Certificate;

/// Add the certificates held in store `Blob` values, with their key facts.
pub(crate) fn read_store_blobs(
    mf: &mut MachineFacts,
    regs: &[RegSource<'_>],
    problems: &mut Vec<InputProblem>,
) {
    for s in regs {
        for k in &s.reg.keys {
            let n = registry::norm_key(&k.path);
            if n.contains("\\policies\\microsoft\\systemcertificates") {
                mf.inputs.policy_registry = true;
            } else if n.contains("\\microsoft\\enterprisecertificates") {
                mf.inputs.enterprise_registry = true;
            } else if n.contains("\\microsoft\\systemcertificates")
                && n.starts_with("hkey_local_machine")
            {
                mf.inputs.store_registry = true;
            }
            if k.deleted {
                continue;
            }
            let Some(sk) = registry::store_key(&k.path) else {
                continue;
            };
            let Some(blob_v) = registry::value(k, "Blob") else {
                continue;
            };
            let Some(bytes) = registry::as_bytes(blob_v) else {
                continue;
            };
            let where_ = format!("{} [{}] \"Blob\" (line {})", s.file, k.path, blob_v.line);
            let blob = match parse_store_blob(bytes) {
                Ok(b) => b,
                Err(e) => {
                    problems.push(InputProblem {
                        input: where_,
                        message: format!("store blob unreadable: {e}"),
                    });
                    continue;
                }
            };
            let Some(der) = &blob.certificate_der else {
                continue;
            };
            let cert = match Certificate::from_der(der) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(InputProblem {
                        input: where_,
                        message: format!("certificate in store blob unreadable: {e}"),
                    });
                    continue;
                }
            };
            let store = StoreName::parse(&sk.store);
            let idx = add_cert(
                &mut mf.certs,
                cert,
                StoreRef {
                    location: sk.location,
                    store: store.clone(),
                    source: where_.clone(),
                },
            );
            let e = &mut mf.certs[idx];
            if e.friendly_name.is_none() {
                e.friendly_name = blob.friendly_name.clone();
            }
            // Property 19 = CERT_ARCHIVED_PROP_ID: hidden from enumeration and exports.
            if blob.properties.iter().any(|(id, _)| *id == 19) {
                e.archived = Some(true);
            }
            if store == StoreName::My && e.key.source != KeySource::Inventory {
                e.key = match &blob.key_prov_info {
                    Some(kp) => KeyFacts {
                        source: KeySource::StoreBlob,
                        origin: where_,
                        present: Some(true),
                        provider_name: kp.provider.clone(),
                        provider_type: Some(kp.provider_type),
                        key_spec: Some(kp.key_spec),
                        machine_keyset: Some(kp.flags & 0x20 != 0),
                        is_cng: Some(kp.provider_type == 0),
                        accessible: None,
                        access_error: None,
                    },
                    None => KeyFacts {
                        source: KeySource::StoreBlob,
                        origin: where_,
                        present: Some(false),
                        ..KeyFacts::unknown()
                    },
                };
            }
        }
    }
}
