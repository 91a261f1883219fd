//! Remediation steps several rules share.

use crate::finding::Finding;

/// Standard remediation tail: register the certificate and restart.
pub fn register_and_restart(f: &mut Finding, on: &str) {
    f.step(
        on,
        "Select the certificate for SCOM (writes ChannelCertificateSerialNumber; run from the SupportTools folder of the installation media)",
        Some(format!("MOMCertImport.exe /SubjectName {on}")),
    );
    f.step(
        on,
        "Restart the Health Service so it loads the certificate, then look for event 20053 in the Operations Manager log",
        Some("Restart-Service HealthService".into()),
    );
}

/// Remediation step: restart the Health Service (after a trust-store change).
pub fn restart_health_service(f: &mut Finding, on: &str) {
    f.step(
        on,
        "Restart the Health Service",
        Some("Restart-Service HealthService".into()),
    );
}
