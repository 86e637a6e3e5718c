//! The names the TLS stream halves had before they became `tulip_net`'s own types.

use tulip_net::{StreamReader, StreamWriter, TcpStream};

use crate::TlsSocket;

/// The reading half of a TLS connection: `tulip_net::StreamReader` over a [`TlsSocket`].
///
/// **asyncio:** `asyncio.StreamReader` of a connection opened with `ssl=`.
///
/// # Examples
///
/// ```
/// fn takes_reader(_reader: &tulip_tls::TlsStreamReader) {}
/// fn is_the_same(reader: &tulip_net::StreamReader<tulip_tls::TlsSocket>) {
///     takes_reader(reader);
/// }
/// ```
pub type TlsStreamReader<S = TcpStream> = StreamReader<TlsSocket<S>>;

/// The writing half of a TLS connection: `tulip_net::StreamWriter` over a [`TlsSocket`].
///
/// **asyncio:** `asyncio.StreamWriter` of a connection opened with `ssl=`.
///
/// # Examples
///
/// ```
/// fn takes_writer(_writer: &tulip_tls::TlsStreamWriter) {}
/// fn is_the_same(writer: &tulip_net::StreamWriter<tulip_tls::TlsSocket>) {
///     takes_writer(writer);
/// }
/// ```
pub type TlsStreamWriter<S = TcpStream> = StreamWriter<TlsSocket<S>>;
