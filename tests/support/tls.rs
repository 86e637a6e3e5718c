//! Certificates for the `tls` feature's tests, made with rcgen: a CA, a server certificate for
//! `localhost` and a client certificate, both signed by the CA.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use tulip::tls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tulip::tls::rustls::server::WebPkiClientVerifier;
use tulip::tls::rustls::{ClientConfig, RootCertStore, ServerConfig};

/// A CA and what it signed.
pub(crate) struct Pki {
    pub(crate) ca: CertificateDer<'static>,
    server: (CertificateDer<'static>, Vec<u8>),
    client: (CertificateDer<'static>, Vec<u8>),
}

fn key(der: &[u8]) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.to_vec()))
}

impl Pki {
    pub(crate) fn new() -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();

        let server_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = params.signed_by(&server_key, &ca, &ca_key).unwrap();

        let client_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["client".to_owned()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client = params.signed_by(&client_key, &ca, &ca_key).unwrap();

        Pki {
            ca: ca.der().clone(),
            server: (server.der().clone(), server_key.serialize_der()),
            client: (client.der().clone(), client_key.serialize_der()),
        }
    }

    /// The server's certificate (DER), as a client sees it in `peercert`.
    pub(crate) fn server_cert(&self) -> CertificateDer<'static> {
        self.server.0.clone()
    }

    fn roots(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        roots.add(self.ca.clone()).unwrap();
        roots
    }

    /// A server presenting the `localhost` certificate, asking nothing of clients.
    pub(crate) fn server(&self) -> Arc<ServerConfig> {
        Arc::new(
            ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(vec![self.server.0.clone()], key(&self.server.1))
                .unwrap(),
        )
    }

    /// A server that requires a client certificate signed by the CA.
    pub(crate) fn server_requiring_client_cert(&self) -> Arc<ServerConfig> {
        let verifier = WebPkiClientVerifier::builder(Arc::new(self.roots()))
            .build()
            .unwrap();
        Arc::new(
            ServerConfig::builder()
                .with_client_cert_verifier(verifier)
                .with_single_cert(vec![self.server.0.clone()], key(&self.server.1))
                .unwrap(),
        )
    }

    /// A client trusting the CA, without a certificate of its own.
    pub(crate) fn client(&self) -> Arc<ClientConfig> {
        Arc::new(
            ClientConfig::builder()
                .with_root_certificates(self.roots())
                .with_no_client_auth(),
        )
    }

    /// A client trusting the CA and presenting the client certificate.
    pub(crate) fn client_with_cert(&self) -> Arc<ClientConfig> {
        Arc::new(
            ClientConfig::builder()
                .with_root_certificates(self.roots())
                .with_client_auth_cert(vec![self.client.0.clone()], key(&self.client.1))
                .unwrap(),
        )
    }
}
