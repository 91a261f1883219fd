//! Which of the given certificates is the leaf (end entity), and why.
//!
//! An end-entity certificate is one that is not a CA (no basicConstraints with cA TRUE) and did
//! not issue any other certificate given (by name and key identifier, as the chain builder
//! matches issuers). A `.p7b` from AD CS holds the leaf and its CA chain; this picks the leaf out.
//! Several end entities are all checked, each on its own.

use super::input::Loaded;
use crate::chain::issued_by;

/// One selected leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafChoice {
    /// Index into the certificates from the positional files.
    pub index: usize,
    /// Why this certificate is taken as a leaf.
    pub why: String,
}

fn is_ca(l: &Loaded) -> bool {
    l.cert.basic_constraints.as_ref().is_some_and(|b| b.ca)
}

/// The leaves among `given` (deduplicated by thumbprint), or a one-line reason when there is
/// none.
pub fn select(given: &[Loaded]) -> Result<Vec<LeafChoice>, String> {
    let mut unique: Vec<usize> = Vec::new();
    for (i, l) in given.iter().enumerate() {
        if !unique.iter().any(|&j| {
            given[j]
                .cert
                .thumbprint_sha1
                .eq_ignore_ascii_case(&l.cert.thumbprint_sha1)
        }) {
            unique.push(i);
        }
    }
    let issued_another = |i: usize| {
        unique
            .iter()
            .any(|&j| j != i && issued_by(&given[j].cert, &given[i].cert))
    };
    let leaves: Vec<usize> = unique
        .iter()
        .copied()
        .filter(|&i| !is_ca(&given[i]) && !issued_another(i))
        .collect();
    let n = unique.len();
    let others = n - leaves.len();
    match leaves.len() {
        0 => Err(format!(
            "no end-entity certificate among the {n} given: {}",
            unique
                .iter()
                .map(|&i| format!(
                    "\"{}\" ({})",
                    given[i].cert.subject,
                    if is_ca(&given[i]) {
                        "basicConstraints cA=TRUE"
                    } else {
                        "issued another of them"
                    }
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ) + "; give the machine's certificate file too (CA certificates may stay: they complete the chain)"),
        1 => Ok(vec![LeafChoice {
            index: leaves[0],
            why: if others == 0 {
                "the only certificate given".to_string()
            } else {
                format!(
                    "the only end-entity certificate among the {n} given (not a CA and issued none of the others; the {others} other(s) offered for the chain)"
                )
            },
        }]),
        k => Ok(leaves
            .iter()
            .map(|&i| LeafChoice {
                index: i,
                why: format!(
                    "one of {k} end-entity certificates among the {n} given (not a CA, issued none of the others); each is checked"
                ),
            })
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certcheck::input::Role;
    use crate::chain::tests::{ca, cert};

    fn loaded(c: scomtriage_parsers::x509::Certificate) -> Loaded {
        Loaded {
            cert: c,
            source: "f".into(),
            role: Role::Given,
        }
    }

    #[test]
    fn the_leaf_is_picked_out_of_its_chain() {
        let given = vec![
            loaded(ca("Root CA", "Root CA", "R")),
            loaded(cert("gw01", "Issuing CA", "L")),
            loaded(ca("Issuing CA", "Root CA", "I")),
        ];
        let leaves = select(&given).expect("a leaf");
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].index, 1);
        assert!(leaves[0]
            .why
            .contains("only end-entity certificate among the 3"));
    }

    #[test]
    fn an_issuer_without_basic_constraints_is_not_a_leaf_and_duplicates_count_once() {
        let mut int = cert("Old Issuing CA", "Root CA", "I");
        int.basic_constraints = None;
        let given = vec![
            loaded(cert("gw01", "Old Issuing CA", "L")),
            loaded(int),
            loaded(cert("gw01", "Old Issuing CA", "L")),
        ];
        let leaves = select(&given).expect("a leaf");
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].index, 0);
    }

    #[test]
    fn several_leaves_and_no_leaf() {
        let given = vec![
            loaded(cert("gw01", "Issuing CA", "L1")),
            loaded(cert("ms01", "Issuing CA", "L2")),
        ];
        let leaves = select(&given).expect("leaves");
        assert_eq!(leaves.len(), 2);
        assert!(leaves[1].why.contains("one of 2"));
        let only_cas = vec![loaded(ca("Root CA", "Root CA", "R"))];
        let err = select(&only_cas).expect_err("no leaf");
        assert!(
            err.contains("\"CN=Root CA\" (basicConstraints cA=TRUE)"),
            "{err}"
        );
    }
}
